-- Question: how much partnership funding per head reaches each WIMD 2025 decile
-- (1 = most deprived tenth of LSOAs), across all action categories?
-- Result: one row per decile, 1 to 10.
-- expect: columns wimd_decile, lsoa_count, population, activity_count, funding_gbp, funding_per_head_gbp, share_of_funding; rows: 10
with all_categories as (
    select
        wimd_decile,
        lsoa_count,
        population,
        activity_count,
        funding_gbp,
    from marts.activity_by_wimd_decile
    where action_category = 'all'
)

select
    wimd_decile,
    lsoa_count,
    population,
    activity_count,
    round(funding_gbp, 0) as funding_gbp,
    round(funding_gbp / nullif(population, 0), 2) as funding_per_head_gbp,
    round(funding_gbp / nullif(sum(funding_gbp) over (), 0), 3) as share_of_funding,
from all_categories
order by wimd_decile
