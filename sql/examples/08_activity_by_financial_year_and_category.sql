-- Question: how has partnership activity and funding in Wales changed by financial year
-- (April to March) and action category?
-- Result: one row per financial year and action category, oldest year first.
-- expect: columns financial_year, action_category, activity_count, funding_gbp, participant_count, local_authorities; rows: >=1
with wales as (
    select
        financial_year,
        action_category,
        sum(activity_count) as activity_count,
        sum(funding_gbp) as funding_gbp,
        sum(participant_count) as participant_count,
        count(distinct la_code) as local_authorities,
    from marts.activity_by_la_year
    group by financial_year, action_category
)

select
    financial_year,
    action_category,
    activity_count,
    round(funding_gbp, 0) as funding_gbp,
    participant_count,
    local_authorities,
from wales
order by financial_year, action_category
