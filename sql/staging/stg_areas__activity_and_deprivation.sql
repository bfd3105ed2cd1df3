-- The activity and deprivation measures of every area people plan in, computed once for all
-- levels: one row per LSOA (1,917), MSOA (408), local authority (22), current Public Services
-- Board (13), local health board (7) and Wales (1). The profile marts select their level from
-- here (marts.lsoa_profile its activity counts and rates).
-- Placing records: activities and support groups count in the authority (and so the board,
-- health board and Wales) their la_code names; an LSOA or MSOA counts only those placed in it
-- (in one of its LSOAs), so small-area totals can be below their authority's.
-- Sources: staging.stg_geography__area_lsoas, staging.stg_wimd__wimd_2025, staging.stg_population__lsoa21,
-- staging.stg_partnership_activity__activities, staging.stg_community_activity__support_groups,
-- staging.stg_community_activity__volunteer_registrations.
with area_lsoas as (
    select * from staging.stg_geography__area_lsoas
    union all
    select 'lsoa', lsoa_code, lsoa_code, la_code from staging.stg_geography__lsoa21
),

area_authorities as (
    select distinct
        area_type,
        area_code,
        la_code,
    from area_lsoas
    where area_type not in ('lsoa', 'msoa')
),

small_area_lsoas as (
    select
        area_type,
        area_code,
        lsoa_code,
    from area_lsoas
    where area_type in ('lsoa', 'msoa')
),

lsoas as (
    select
        wimd.lsoa_code,
        wimd.wimd_decile,
        wimd.wimd_quintile,
        population.population,
    from staging.stg_wimd__wimd_2025 as wimd
    inner join staging.stg_population__lsoa21 as population using (lsoa_code)
),

deprivation as (
    select
        area_lsoas.area_type,
        area_lsoas.area_code,
        cast(sum(lsoas.population) as bigint) as population,
        count(*) as lsoa_count,
        avg(case when lsoas.wimd_decile = 1 then 1.0 else 0.0 end) as share_lsoas_most_deprived_10pct,
        avg(case when lsoas.wimd_quintile = 1 then 1.0 else 0.0 end) as share_lsoas_most_deprived_20pct,
        coalesce(sum(lsoas.population) filter (where lsoas.wimd_decile = 1), 0) / sum(lsoas.population)
            as share_people_most_deprived_10pct,
        coalesce(sum(lsoas.population) filter (where lsoas.wimd_quintile = 1), 0) / sum(lsoas.population)
            as share_people_most_deprived_20pct,
    from area_lsoas
    inner join lsoas using (lsoa_code)
    group by area_lsoas.area_type, area_lsoas.area_code
),

activities as (
    select
        activities.la_code,
        activities.lsoa_code,
        activities.action_category,
        activities.funding_gbp,
        activities.participant_count,
        activities.partner_key,
        lsoas.wimd_quintile,
    from staging.stg_partnership_activity__activities as activities
    left join lsoas using (lsoa_code)
),

placed_activities as (
    select area_authorities.area_type, area_authorities.area_code, activities.*
    from activities
    inner join area_authorities using (la_code)
    union all
    select small_area_lsoas.area_type, small_area_lsoas.area_code, activities.*
    from activities
    inner join small_area_lsoas using (lsoa_code)
),

activity as (
    select
        area_type,
        area_code,
        count(*) as activity_count,
        count(*) filter (where action_category = 'shared_purpose') as shared_purpose_count,
        count(*) filter (where action_category = 'governance') as governance_count,
        count(*) filter (where action_category = 'financial_mechanism') as financial_mechanism_count,
        sum(funding_gbp) as funding_gbp,
        cast(sum(participant_count) as bigint) as participant_count,
        count(participant_count) as participant_count_activities,
        count(distinct partner_key) as partner_organisation_count,
        count(*) filter (where wimd_quintile = 1) * 1.0
            / nullif(count(*) filter (where wimd_quintile is not null), 0)
            as share_activity_in_most_deprived_20pct,
    from placed_activities
    group by area_type, area_code
),

dataset_flags as (
    select coalesce(bool_or(is_example_data), false) as activity_includes_examples
    from staging.stg_partnership_activity__activities
),

groups as (
    select
        la_code,
        lsoa_code,
    from staging.stg_community_activity__support_groups
),

support_groups as (
    select
        area_type,
        area_code,
        count(*) as community_support_groups,
    from (
        select area_authorities.area_type, area_authorities.area_code
        from groups
        inner join area_authorities using (la_code)
        union all
        select small_area_lsoas.area_type, small_area_lsoas.area_code
        from groups
        inner join small_area_lsoas using (lsoa_code)
    )
    group by area_type, area_code
),

volunteers as (
    select
        area_authorities.area_type,
        area_authorities.area_code,
        cast(sum(registrations.total_volunteer_count) as bigint) as volunteer_registrations,
    from staging.stg_community_activity__volunteer_registrations as registrations
    inner join area_authorities using (la_code)
    group by area_authorities.area_type, area_authorities.area_code
)

select
    deprivation.area_type,
    deprivation.area_code,
    deprivation.population,
    deprivation.lsoa_count,
    round(deprivation.share_lsoas_most_deprived_10pct, 4) as share_lsoas_most_deprived_10pct,
    round(deprivation.share_lsoas_most_deprived_20pct, 4) as share_lsoas_most_deprived_20pct,
    round(deprivation.share_people_most_deprived_10pct, 4) as share_people_most_deprived_10pct,
    round(deprivation.share_people_most_deprived_20pct, 4) as share_people_most_deprived_20pct,
    activity.area_code is not null as activity_reported,
    coalesce(activity.activity_count, 0) as activity_count,
    coalesce(activity.shared_purpose_count, 0) as shared_purpose_count,
    coalesce(activity.governance_count, 0) as governance_count,
    coalesce(activity.financial_mechanism_count, 0) as financial_mechanism_count,
    case when measured.is_measured then per_10k(activity.activity_count, deprivation.population) end
        as activity_per_10k,
    case when measured.is_measured then per_10k(activity.shared_purpose_count, deprivation.population) end
        as shared_purpose_per_10k,
    case when measured.is_measured then per_10k(activity.governance_count, deprivation.population) end
        as governance_per_10k,
    case when measured.is_measured then per_10k(activity.financial_mechanism_count, deprivation.population) end
        as financial_mechanism_per_10k,
    coalesce(activity.funding_gbp, 0) as funding_gbp,
    case when measured.is_measured then per_head(activity.funding_gbp, deprivation.population) end
        as funding_per_head_gbp,
    case when activity.area_code is not null then activity.participant_count when measured.is_measured then 0 end
        as participant_count,
    coalesce(activity.participant_count_activities, 0) as participant_count_activities,
    coalesce(activity.partner_organisation_count, 0) as partner_organisation_count,
    round(activity.share_activity_in_most_deprived_20pct, 4) as share_activity_in_most_deprived_20pct,
    coalesce(support_groups.community_support_groups, 0) as community_support_groups,
    volunteers.volunteer_registrations,
    round(volunteers.volunteer_registrations * 1000.0 / deprivation.population, 3) as volunteer_registrations_per_1k,
    dataset_flags.activity_includes_examples as is_example_data,
from deprivation
left join activity using (area_type, area_code)
cross join lateral (
    select activity.area_code is not null or deprivation.area_type in ('lsoa', 'msoa') as is_measured
) as measured
left join support_groups using (area_type, area_code)
left join volunteers using (area_type, area_code)
cross join dataset_flags
order by deprivation.area_type, deprivation.area_code
