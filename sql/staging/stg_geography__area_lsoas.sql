-- Which 2021 LSOAs make up each area people plan in: one row per area x LSOA, for every MSOA
-- (408), local authority (22), current Public Services Board (13), local health board (7) and
-- Wales; 5 x 1,917 rows, since each level covers every LSOA once.
-- Every level nests LSOAs in local authorities, so an area's authorities are
-- select distinct area_code, la_code (not meaningful for MSOAs, which sit inside one authority).
-- Sources: staging.stg_geography__lsoa21 (ONS lookups), staging.stg_geography__public_services_boards
-- (current membership).
with lsoas as (
    select
        lsoa_code,
        msoa_code,
        la_code,
        lhb_code,
    from staging.stg_geography__lsoa21
),

current_boards as (
    select
        la_code,
        psb_code,
    from staging.stg_geography__public_services_boards
    where is_current
)

select 'msoa' as area_type, msoa_code as area_code, lsoa_code, la_code from lsoas
union all
select 'local_authority', la_code, lsoa_code, la_code from lsoas
union all
select 'public_services_board', current_boards.psb_code, lsoas.lsoa_code, lsoas.la_code
from lsoas
inner join current_boards using (la_code)
union all
select 'health_board', lhb_code, lsoa_code, la_code from lsoas
union all
select 'country', 'W92000004', lsoa_code, la_code from lsoas
order by area_type, area_code, lsoa_code
