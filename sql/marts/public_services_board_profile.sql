-- One row per current Public Services Board (13), the statutory partnerships that plan under the
-- Act: which local authorities and health boards it covers, since when, the boards it replaced,
-- the same population, deprivation and activity measures as marts.local_authority_profile, and
-- every goal indicator's latest value beside Wales.
-- The dated history (2016-2021 boards and when each changed) is in reference.areas and
-- staging.stg_geography__public_services_boards; the Flintshire and Wrexham change date is
-- uncertain (change_date_precision 'uncertain').
with boards as (
    select * from staging.stg_geography__public_services_boards
),

current_boards as (
    select
        psb_code,
        any_value(psb_name_en) as psb_name_en,
        any_value(psb_name_cy) as psb_name_cy,
        any_value(board_type) as board_type,
        min(valid_from) as current_since,
        any_value(change_date_precision) as change_date_precision,
        any_value(change_date_note) as change_date_note,
        list(la_code order by la_code) as la_codes,
        count(*) as la_count,
    from boards
    where is_current
    group by psb_code
),

authorities as (
    select
        b.psb_code,
        list(la.la_name_en order by la.la_code) as la_names_en,
        list(distinct la.lhb_code order by la.lhb_code) as lhb_codes,
    from boards as b
    inner join staging.stg_geography__local_authorities as la using (la_code)
    where b.is_current
    group by b.psb_code
),

predecessors as (
    select
        now.psb_code,
        list(distinct before.psb_code order by before.psb_code) as predecessor_psb_codes,
    from boards as now
    inner join boards as before
        on now.la_code = before.la_code
        and not before.is_current
    where now.is_current
    group by now.psb_code
),

profiles as (
    select * from staging.stg_areas__profiles
    where area_type = 'public_services_board'
)

select
    current_boards.*,
    authorities.la_names_en,
    authorities.lhb_codes,
    coalesce(predecessors.predecessor_psb_codes, []) as predecessor_psb_codes,
    profiles.* exclude (area_type, area_code),
from current_boards
inner join profiles
    on current_boards.psb_code = profiles.area_code
left join authorities using (psb_code)
left join predecessors using (psb_code)
order by current_boards.psb_code
