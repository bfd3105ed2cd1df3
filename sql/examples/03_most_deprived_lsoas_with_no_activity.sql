-- Question: which are the ten most deprived LSOAs (WIMD 2025) where no partnership activity has
-- been recorded?
-- Result: ten LSOAs, most deprived first, with their local authority and population.
-- expect: columns wimd_rank, lsoa_code, lsoa_name_en, lsoa_name_cy, la_name_en, population, community_support_groups; rows: 10
with without_activity as (
    select
        wimd_rank,
        lsoa_code,
        lsoa_name_en,
        lsoa_name_cy,
        la_name_en,
        population,
        community_support_groups,
    from marts.lsoa_profile
    where coalesce(activity_count, 0) = 0
)

select
    wimd_rank,
    lsoa_code,
    lsoa_name_en,
    lsoa_name_cy,
    la_name_en,
    population,
    community_support_groups,
from without_activity
order by wimd_rank
limit 10
