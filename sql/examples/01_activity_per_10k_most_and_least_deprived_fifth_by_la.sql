-- Question: in each local authority, how much partnership activity is there per 10,000 people
-- in its most deprived fifth of LSOAs (WIMD 2025 quintile 1) compared with its least deprived
-- fifth (quintile 5)?
-- Result: one row per local authority; the per-10k figures are null where the authority has no
-- LSOA in that fifth.
-- expect: columns la_code, la_name_en, people_most_deprived_fifth, activity_per_10k_most_deprived_fifth, people_least_deprived_fifth, activity_per_10k_least_deprived_fifth, ratio_most_to_least; rows: 22
with by_fifth as (
    select
        la_code,
        la_name_en,
        sum(population) filter (where wimd_quintile = 1) as people_most_deprived_fifth,
        sum(activity_count) filter (where wimd_quintile = 1) as activities_most_deprived_fifth,
        sum(population) filter (where wimd_quintile = 5) as people_least_deprived_fifth,
        sum(activity_count) filter (where wimd_quintile = 5) as activities_least_deprived_fifth,
    from marts.lsoa_profile
    group by la_code, la_name_en
),

rates as (
    select
        la_code,
        la_name_en,
        people_most_deprived_fifth,
        round(10000.0 * activities_most_deprived_fifth / nullif(people_most_deprived_fifth, 0), 2)
            as activity_per_10k_most_deprived_fifth,
        people_least_deprived_fifth,
        round(10000.0 * activities_least_deprived_fifth / nullif(people_least_deprived_fifth, 0), 2)
            as activity_per_10k_least_deprived_fifth,
    from by_fifth
)

select
    la_code,
    la_name_en,
    people_most_deprived_fifth,
    activity_per_10k_most_deprived_fifth,
    people_least_deprived_fifth,
    activity_per_10k_least_deprived_fifth,
    round(activity_per_10k_most_deprived_fifth / nullif(activity_per_10k_least_deprived_fifth, 0), 2)
        as ratio_most_to_least,
from rates
order by ratio_most_to_least desc nulls last, la_code
