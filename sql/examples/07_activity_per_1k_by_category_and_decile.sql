-- Question: how does each kind of collaboration (shared purpose, governance, financial
-- mechanism) spread across the WIMD 2025 deciles, per 1,000 people?
-- Result: one row per decile (1 = most deprived), one column per action category.
-- expect: columns wimd_decile, shared_purpose_per_1k, governance_per_1k, financial_mechanism_per_1k, all_per_1k; rows: 10
with per_category as (
    select
        wimd_decile,
        action_category,
        activities_per_1k,
    from marts.activity_by_wimd_decile
)

select
    wimd_decile,
    round(max(activities_per_1k) filter (where action_category = 'shared_purpose'), 3)
        as shared_purpose_per_1k,
    round(max(activities_per_1k) filter (where action_category = 'governance'), 3)
        as governance_per_1k,
    round(max(activities_per_1k) filter (where action_category = 'financial_mechanism'), 3)
        as financial_mechanism_per_1k,
    round(max(activities_per_1k) filter (where action_category = 'all'), 3) as all_per_1k,
from per_category
group by wimd_decile
order by wimd_decile
