-- Question: for a bilingual table, what are each local authority's names in Welsh and English,
-- its population, its share of LSOAs in the most deprived 10% and its activity per 10,000?
-- Result: one row per local authority, alphabetical by Welsh name.
-- expect: columns la_code, la_name_cy, la_name_en, population, share_lsoas_most_deprived_10pct, activity_per_10k, funding_per_head_gbp; rows: 22
with authorities as (
    select
        la_code,
        la_name_cy,
        la_name_en,
        population,
        share_lsoas_most_deprived_10pct,
        activity_per_10k,
        funding_per_head_gbp,
    from marts.local_authority_profile
)

select
    la_code,
    la_name_cy,
    la_name_en,
    population,
    round(share_lsoas_most_deprived_10pct, 3) as share_lsoas_most_deprived_10pct,
    round(activity_per_10k, 2) as activity_per_10k,
    round(funding_per_head_gbp, 2) as funding_per_head_gbp,
from authorities
order by la_name_cy
