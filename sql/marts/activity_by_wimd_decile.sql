-- Does collaboration reach the most deprived areas? Partnership activity by WIMD 2025 decile and
-- action category: one row per decile (1 = most deprived 10 % of LSOAs) and action category
-- ('shared_purpose', 'governance', 'financial_mechanism', and 'all').
-- Only activities placed in an LSOA are counted (activities known only by local authority are not).
with lsoas as (
    select
        wimd.lsoa_code,
        wimd.wimd_decile,
        population.population,
    from staging.stg_wimd__wimd_2025 as wimd
    inner join staging.stg_population__lsoa21 as population using (lsoa_code)
),

deciles as (
    select
        wimd_decile,
        count(*) as lsoa_count,
        cast(sum(population) as bigint) as population,
    from lsoas
    group by wimd_decile
),

categories as (
    select * from (
        values ('shared_purpose'), ('governance'), ('financial_mechanism'), ('all')
    ) as t(action_category)
),

activities as (
    select
        lsoas.wimd_decile,
        activities.action_category,
        activities.funding_gbp,
        activities.participant_count,
    from staging.stg_partnership_activity__activities as activities
    inner join lsoas using (lsoa_code)
),

by_category as (
    select
        wimd_decile,
        action_category,
        count(*) as activity_count,
        sum(funding_gbp) as funding_gbp,
        cast(sum(participant_count) as bigint) as participant_count,
        count(participant_count) as participant_count_activities,
    from activities
    group by wimd_decile, action_category
    union all
    select
        wimd_decile,
        'all' as action_category,
        count(*) as activity_count,
        sum(funding_gbp) as funding_gbp,
        cast(sum(participant_count) as bigint) as participant_count,
        count(participant_count) as participant_count_activities,
    from activities
    group by wimd_decile
),

dataset_flags as (
    select coalesce(bool_or(is_example_data), false) as activity_includes_examples
    from staging.stg_partnership_activity__activities
)

select
    deciles.wimd_decile,
    categories.action_category,
    deciles.lsoa_count,
    deciles.population,
    coalesce(by_category.activity_count, 0) as activity_count,
    per_10k(by_category.activity_count, deciles.population) as activity_per_10k,
    coalesce(by_category.funding_gbp, 0) as funding_gbp,
    per_head(by_category.funding_gbp, deciles.population) as funding_per_head_gbp,
    -- no activity in the decile: 0 people; activities but none with a reported count: null (unknown)
    case when by_category.activity_count is null then 0 else by_category.participant_count end
        as participant_count,
    coalesce(by_category.participant_count_activities, 0) as participant_count_activities,
    dataset_flags.activity_includes_examples as is_example_data,
from deciles
cross join categories
left join by_category using (wimd_decile, action_category)
cross join dataset_flags
order by deciles.wimd_decile, categories.action_category
