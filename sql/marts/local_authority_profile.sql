-- One row per local authority in Wales (22): population, how much of it lives in the most
-- deprived areas (WIMD 2025), partnership activity by action category, partners, community
-- activity and the well-being goal indicators.
-- Units: population in persons (Census 2021 usual residents, the sum of the LA's LSOAs; the
-- denominator of every rate); population_mid_2023 (StatsWales estimate, for reference);
-- share_* are fractions 0-1; *_per_10k are activities per 10,000 people; funding_gbp in GBP;
-- funding_per_head_gbp in GBP per person; indicator columns in the units of
-- reference.indicator_goals (see marts.goal_indicators for periods, units and sources).
-- share_activity_in_most_deprived_20pct: of the activities placed in an LSOA, the fraction in
-- LSOAs of WIMD 2025 quintile 1. is_example_data: activity figures come from generated example
-- submissions.
with local_authorities as (
    select * from staging.stg_geography__local_authorities
),

lsoas as (
    select
        geography.lsoa_code,
        geography.la_code,
        wimd.wimd_decile,
        wimd.wimd_quintile,
        population.population,
    from staging.stg_geography__lsoa21 as geography
    inner join staging.stg_wimd__wimd_2025 as wimd using (lsoa_code)
    inner join staging.stg_population__lsoa21 as population using (lsoa_code)
),

deprivation as (
    select
        la_code,
        cast(sum(population) as bigint) as population,
        count(*) as lsoa_count,
        avg(case when wimd_decile = 1 then 1.0 else 0.0 end) as share_lsoas_most_deprived_10pct,
        avg(case when wimd_quintile = 1 then 1.0 else 0.0 end) as share_lsoas_most_deprived_20pct,
        sum(population) filter (where wimd_decile = 1) / sum(population) as share_people_most_deprived_10pct,
        sum(population) filter (where wimd_quintile = 1) / sum(population) as share_people_most_deprived_20pct,
    from lsoas
    group by la_code
),

mid_year as (
    select
        area_code as la_code,
        population as population_mid_2023,
    from staging.stg_population__local_authority
    where year = 2023
),

activities as (
    select
        activities.*,
        lsoas.wimd_quintile,
    from staging.stg_partnership_activity__activities as activities
    left join lsoas using (lsoa_code)
),

activity as (
    select
        la_code,
        count(*) as activity_count,
        count(*) filter (where action_category = 'shared_purpose') as shared_purpose_count,
        count(*) filter (where action_category = 'governance') as governance_count,
        count(*) filter (where action_category = 'financial_mechanism') as financial_mechanism_count,
        sum(funding_gbp) as funding_gbp,
        cast(sum(participant_count) as bigint) as participant_count,
        count(distinct partner_organisation) as partner_organisation_count,
        count(*) filter (where wimd_quintile = 1) * 1.0
            / nullif(count(*) filter (where wimd_quintile is not null), 0)
            as share_activity_in_most_deprived_20pct,
    from activities
    group by la_code
),

dataset_flags as (
    select coalesce(bool_or(is_example_data), false) as activity_includes_examples
    from staging.stg_partnership_activity__activities
),

support_groups as (
    select
        la_code,
        count(*) as community_support_groups,
    from staging.stg_community_activity__support_groups
    group by la_code
),

volunteers as (
    select
        la_code,
        total_volunteer_count as volunteer_registrations,
    from staging.stg_community_activity__volunteer_registrations
),

indicators as (
    select
        area_code as la_code,
        max(value) filter (where indicator_code = 'life_satisfaction') as life_satisfaction,
        max(value) filter (where indicator_code = 'worthwhile') as worthwhile,
        max(value) filter (where indicator_code = 'happiness') as happiness,
        max(value) filter (where indicator_code = 'anxiety') as anxiety,
        max(value) filter (where indicator_code = 'healthy_life_expectancy_female') as healthy_life_expectancy_female,
        max(value) filter (where indicator_code = 'healthy_life_expectancy_male') as healthy_life_expectancy_male,
        max(value) filter (where indicator_code = 'smokers_pct') as smokers_pct,
        max(value) filter (where indicator_code = 'employment_rate_pct') as employment_rate_pct,
        max(value) filter (where indicator_code = 'weekly_pay_gbp') as weekly_pay_gbp,
        max(value) filter (where indicator_code = 'gva_per_hour_gbp') as gva_per_hour_gbp,
        max(value) filter (where indicator_code = 'gigabit_broadband_pct') as gigabit_broadband_pct,
        max(value) filter (where indicator_code = 'outdoor_4g_coverage_pct') as outdoor_4g_coverage_pct,
        max(value) filter (where indicator_code = 'satisfied_with_local_area_pct') as satisfied_with_local_area_pct,
        max(value) filter (where indicator_code = 'belong_to_local_area_pct') as belong_to_local_area_pct,
        max(value) filter (where indicator_code = 'different_backgrounds_get_on_pct') as different_backgrounds_get_on_pct,
        max(value) filter (where indicator_code = 'treat_each_other_with_respect_pct') as treat_each_other_with_respect_pct,
        max(value) filter (where indicator_code = 'speak_welsh_daily_pct') as speak_welsh_daily_pct,
        max(value) filter (where indicator_code = 'able_to_speak_welsh_2011_pct') as able_to_speak_welsh_2011_pct,
        max(value) filter (where indicator_code = 'loneliness_index_zscore_mean') as loneliness_index_zscore_mean,
    from staging.stg_indicators__local_authority
    where area_type = 'local_authority'
    group by area_code
)

select
    local_authorities.la_code,
    local_authorities.la_name_en,
    local_authorities.la_name_cy,
    local_authorities.lhb_code,
    local_authorities.lhb_name_en,
    local_authorities.lhb_name_cy,
    deprivation.population,
    mid_year.population_mid_2023,
    deprivation.lsoa_count,
    round(deprivation.share_lsoas_most_deprived_10pct, 4) as share_lsoas_most_deprived_10pct,
    round(deprivation.share_lsoas_most_deprived_20pct, 4) as share_lsoas_most_deprived_20pct,
    round(coalesce(deprivation.share_people_most_deprived_10pct, 0), 4) as share_people_most_deprived_10pct,
    round(coalesce(deprivation.share_people_most_deprived_20pct, 0), 4) as share_people_most_deprived_20pct,
    coalesce(activity.activity_count, 0) as activity_count,
    coalesce(activity.shared_purpose_count, 0) as shared_purpose_count,
    coalesce(activity.governance_count, 0) as governance_count,
    coalesce(activity.financial_mechanism_count, 0) as financial_mechanism_count,
    round(coalesce(activity.activity_count, 0) * 10000.0 / deprivation.population, 3) as activity_per_10k,
    round(coalesce(activity.shared_purpose_count, 0) * 10000.0 / deprivation.population, 3) as shared_purpose_per_10k,
    round(coalesce(activity.governance_count, 0) * 10000.0 / deprivation.population, 3) as governance_per_10k,
    round(coalesce(activity.financial_mechanism_count, 0) * 10000.0 / deprivation.population, 3)
        as financial_mechanism_per_10k,
    coalesce(activity.funding_gbp, 0) as funding_gbp,
    round(coalesce(activity.funding_gbp, 0) / deprivation.population, 2) as funding_per_head_gbp,
    coalesce(activity.participant_count, 0) as participant_count,
    coalesce(activity.partner_organisation_count, 0) as partner_organisation_count,
    round(activity.share_activity_in_most_deprived_20pct, 4) as share_activity_in_most_deprived_20pct,
    coalesce(support_groups.community_support_groups, 0) as community_support_groups,
    volunteers.volunteer_registrations,
    round(volunteers.volunteer_registrations * 1000.0 / deprivation.population, 3) as volunteer_registrations_per_1k,
    indicators.* exclude (la_code),
    dataset_flags.activity_includes_examples as is_example_data,
from local_authorities
inner join deprivation using (la_code)
left join mid_year using (la_code)
left join activity using (la_code)
left join support_groups using (la_code)
left join volunteers using (la_code)
left join indicators using (la_code)
cross join dataset_flags
order by local_authorities.la_code
