-- Question: do LSOAs where loneliness is predicted to be highest (ONS loneliness index z-score,
-- top fifth) have more or less partnership activity and community support per 10,000 people?
-- Result: one row per loneliness fifth (1 = least lonely, 5 = most lonely); LSOAs without a
-- z-score are left out.
-- expect: columns loneliness_fifth, lsoa_count, population, activity_per_10k, shared_purpose_per_10k, community_support_groups; rows: 5
with ranked as (
    select
        ntile(5) over (order by loneliness_zscore) as loneliness_fifth,
        population,
        activity_count,
        shared_purpose_count,
        community_support_groups,
    from marts.lsoa_profile
    where loneliness_zscore is not null
)

select
    loneliness_fifth,
    count(*) as lsoa_count,
    sum(population) as population,
    round(10000.0 * sum(activity_count) / nullif(sum(population), 0), 3) as activity_per_10k,
    round(10000.0 * sum(shared_purpose_count) / nullif(sum(population), 0), 3)
        as shared_purpose_per_10k,
    sum(community_support_groups) as community_support_groups,
from ranked
group by loneliness_fifth
order by loneliness_fifth
