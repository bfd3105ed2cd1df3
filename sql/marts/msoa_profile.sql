-- One row per 2021 MSOA in Wales (408): names in English and Welsh (House of Commons Library),
-- its local authority, Public Services Board and health board, the same population, deprivation
-- and activity measures as marts.local_authority_profile (volunteer registrations are published
-- by authority only, so they are not here), and the indicators that LSOA data support.
with msoas as (
    select
        area_code as msoa_code,
        area_name_en as msoa_name_en,
        area_name_cy as msoa_name_cy,
        la_code,
        psb_code,
        lhb_code,
    from reference.areas
    where area_type = 'msoa'
),

profiles as (
    select * from staging.stg_areas__profiles
    where area_type = 'msoa'
)

select
    msoas.msoa_code,
    msoas.msoa_name_en,
    msoas.msoa_name_cy,
    msoas.la_code,
    las.la_name_en,
    las.la_name_cy,
    msoas.psb_code,
    msoas.lhb_code,
    profiles.* exclude (area_type, area_code, volunteer_registrations, volunteer_registrations_per_1k),
from msoas
inner join profiles
    on msoas.msoa_code = profiles.area_code
left join staging.stg_geography__local_authorities as las using (la_code)
order by msoas.msoa_code
