-- Partnership activity over time: one row per local authority, financial year (April to March,
-- e.g. '2023-24') and action category.
with activities as (
    select * from staging.stg_partnership_activity__activities
),

local_authorities as (
    select * from staging.stg_geography__local_authorities
)

select
    activities.la_code,
    local_authorities.la_name_en,
    local_authorities.la_name_cy,
    activities.financial_year,
    activities.action_category,
    count(*) as activity_count,
    coalesce(sum(activities.funding_gbp), 0) as funding_gbp,
    -- the reported counts only: null (unknown, not 0) when no activity in the group reported one
    cast(sum(activities.participant_count) as bigint) as participant_count,
    count(activities.participant_count) as participant_count_activities,
    bool_or(activities.is_example_data) as is_example_data,
from activities
inner join local_authorities using (la_code)
group by all
order by activities.la_code, activities.financial_year, activities.action_category
