-- Which sectors take part: one row per local authority and partner sector (public,
-- third_sector, community, academic, private, national_body).
with activity_sectors as (
    select
        la_code,
        unnest(sectors) as sector,
        is_example_data,
    from staging.stg_partnership_activity__activities
),

local_authorities as (
    select * from staging.stg_geography__local_authorities
)

select
    activity_sectors.la_code,
    local_authorities.la_name_en,
    local_authorities.la_name_cy,
    activity_sectors.sector,
    count(*) as activity_count,
    bool_or(activity_sectors.is_example_data) as is_example_data,
from activity_sectors
inner join local_authorities using (la_code)
group by all
order by activity_sectors.la_code, activity_sectors.sector
