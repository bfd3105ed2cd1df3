-- Question: is partnership activity per 10,000 people different in rural and urban LSOAs at the
-- same level of deprivation (WIMD 2025 quintile)?
-- Result: one row per rural-urban class and deprivation quintile that has people.
-- expect: columns rural_urban_class, wimd_quintile, lsoa_count, population, activity_count, activity_per_10k; rows: >=5
with grouped as (
    select
        rural_urban_class,
        wimd_quintile,
        count(*) as lsoa_count,
        sum(population) as population,
        sum(activity_count) as activity_count,
    from marts.lsoa_profile
    group by rural_urban_class, wimd_quintile
)

select
    rural_urban_class,
    wimd_quintile,
    lsoa_count,
    population,
    activity_count,
    round(10000.0 * activity_count / nullif(population, 0), 3) as activity_per_10k,
from grouped
where population > 0
order by rural_urban_class, wimd_quintile
