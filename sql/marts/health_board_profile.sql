-- One row per local health board (7): English and Welsh names, the local authorities and current
-- Public Services Boards it covers, the same population, deprivation and activity measures as
-- marts.local_authority_profile, and every goal indicator's latest value beside Wales.
-- Boundaries: the health boards since April 2019 (Bridgend in Cwm Taf Morgannwg); values for
-- earlier years are combined on these boundaries.
with health_boards as (
    select * from staging.stg_geography__health_boards
),

boards as (
    select
        la.lhb_code,
        list(distinct b.psb_code order by b.psb_code) as psb_codes,
    from staging.stg_geography__public_services_boards as b
    inner join staging.stg_geography__local_authorities as la using (la_code)
    where b.is_current
    group by la.lhb_code
),

profiles as (
    select * from staging.stg_areas__profiles
    where area_type = 'health_board'
)

select
    health_boards.*,
    boards.psb_codes,
    profiles.* exclude (area_type, area_code),
from health_boards
inner join profiles
    on health_boards.lhb_code = profiles.area_code
left join boards using (lhb_code)
order by health_boards.lhb_code
