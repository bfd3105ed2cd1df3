-- Every area of every level people plan in, with English and Welsh names and its parent: one row
-- per LSOA (1,917, 2021 boundaries), MSOA (408), local authority (22), Public Services Board (13
-- current and 9 of the 2016-2021 arrangement, dated), local health board (7) and Wales.
-- Names: LSOA and MSOA names as in marts.lsoa_profile (MSOA names from the House of Commons
-- Library); PSB Welsh names constructed (see staging.stg_geography__public_services_boards).
with lsoas as (
    select * from staging.stg_geography__lsoa21
),

local_authorities as (
    select * from staging.stg_geography__local_authorities
),

current_boards as (
    -- each authority's current board (every level of the area lookup nests in authorities)
    select distinct
        la_code,
        area_code as psb_code,
    from staging.stg_geography__area_lsoas
    where area_type = 'public_services_board'
),

boards as (
    select
        psb_code,
        any_value(psb_name_en) as psb_name_en,
        any_value(psb_name_cy) as psb_name_cy,
        min(valid_from) as valid_from,
        case when bool_or(is_current) then null else max(valid_to) end as valid_to,
        bool_or(is_current) as is_current,
    from staging.stg_geography__public_services_boards
    group by psb_code
),

health_boards as (
    select * from staging.stg_geography__health_boards
)

select
    'W92000004' as area_code,
    'country' as area_type,
    'Wales' as area_name_en,
    'Cymru' as area_name_cy,
    cast(null as varchar) as parent_code,
    cast(null as varchar) as parent_type,
    cast(null as varchar) as msoa_code,
    cast(null as varchar) as la_code,
    cast(null as varchar) as psb_code,
    cast(null as varchar) as lhb_code,
    cast(null as date) as valid_from,
    cast(null as date) as valid_to,
    true as is_current,
union all
select
    lhb_code, 'health_board', lhb_name_en, lhb_name_cy, 'W92000004', 'country',
    null, null, null, lhb_code, null, null, true,
from health_boards
union all
select
    psb_code, 'public_services_board', psb_name_en, psb_name_cy, 'W92000004', 'country',
    null, null, psb_code, null, valid_from, valid_to, is_current,
from boards
union all
select
    la.la_code, 'local_authority', la.la_name_en, la.la_name_cy, b.psb_code, 'public_services_board',
    null, la.la_code, b.psb_code, la.lhb_code, null, null, true,
from local_authorities as la
left join current_boards as b using (la_code)
union all
select distinct
    l.msoa_code, 'msoa', l.msoa_name_en, l.msoa_name_cy, l.la_code, 'local_authority',
    l.msoa_code, l.la_code, b.psb_code, l.lhb_code, null, null, true,
from lsoas as l
left join current_boards as b using (la_code)
union all
select
    l.lsoa_code, 'lsoa', l.lsoa_name_en, l.lsoa_name_cy, l.msoa_code, 'msoa',
    l.msoa_code, l.la_code, b.psb_code, l.lhb_code, null, null, true,
from lsoas as l
left join current_boards as b using (la_code)
order by area_type, area_code
