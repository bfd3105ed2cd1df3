-- Question: how does each kind of collaboration (shared purpose, governance, financial
-- mechanism) spread across the WIMD 2025 deciles, per 10,000 people?
-- Result: one row per decile (1 = most deprived), one column per action category.
-- expect: columns wimd_decile, shared_purpose_per_10k, governance_per_10k, financial_mechanism_per_10k, all_per_10k; rows: 10
with per_category as (
    select
        wimd_decile,
        action_category,
        activity_per_10k,
    from marts.activity_by_wimd_decile
)

select
    wimd_decile,
    round(max(activity_per_10k) filter (where action_category = 'shared_purpose'), 3)
        as shared_purpose_per_10k,
    round(max(activity_per_10k) filter (where action_category = 'governance'), 3)
        as governance_per_10k,
    round(max(activity_per_10k) filter (where action_category = 'financial_mechanism'), 3)
        as financial_mechanism_per_10k,
    round(max(activity_per_10k) filter (where action_category = 'all'), 3) as all_per_10k,
from per_category
group by wimd_decile
order by wimd_decile
