-- Question: in which local authorities is the share of partnership activity taking place in the
-- most deprived 20% of LSOAs in Wales lower than the share of the authority's people who live
-- there?
-- Result: one row per such authority (between 0 and 22 rows), largest shortfall first; shares
-- are fractions between 0 and 1.
-- expect: columns la_code, la_name_en, la_name_cy, share_people_most_deprived_20pct, share_activity_in_most_deprived_20pct, shortfall; rows: <=22
with shares as (
    select
        la_code,
        la_name_en,
        la_name_cy,
        share_people_most_deprived_20pct,
        share_activity_in_most_deprived_20pct,
    from marts.local_authority_profile
    where share_people_most_deprived_20pct > 0
)

select
    la_code,
    la_name_en,
    la_name_cy,
    round(share_people_most_deprived_20pct, 3) as share_people_most_deprived_20pct,
    round(share_activity_in_most_deprived_20pct, 3) as share_activity_in_most_deprived_20pct,
    round(share_people_most_deprived_20pct - share_activity_in_most_deprived_20pct, 3) as shortfall,
from shares
where share_activity_in_most_deprived_20pct < share_people_most_deprived_20pct
order by shortfall desc
