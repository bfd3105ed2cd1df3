-- The seven local health boards of Wales, one row each, with English and Welsh names and the
-- local authorities they cover.
-- Names come from staging.stg_geography__local_authorities, the one place the official Welsh
-- health-board names are listed (with their source).
with local_authorities as (
    select * from staging.stg_geography__local_authorities
)

select
    lhb_code,
    any_value(lhb_name_en) as lhb_name_en,
    any_value(lhb_name_cy) as lhb_name_cy,
    list(la_code order by la_code) as la_codes,
    count(*) as la_count,
from local_authorities
where lhb_code is not null
group by lhb_code
order by lhb_code
