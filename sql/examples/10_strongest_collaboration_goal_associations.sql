-- Question: which well-being goal indicators move most closely with collaboration activity
-- across local authorities once deprivation is allowed for, and does any association stand out
-- after correcting for the many comparisons in the table?
-- Result: the ten strongest deprivation-adjusted associations (partial Spearman, controlling
-- for the share of people in the most deprived fifth of LSOAs), strongest first, beside the raw
-- rho; stands_out is true only when the Holm-adjusted p-value is below 0.05. time_order says
-- whether the outcome was measured before the activity (then it cannot be an effect of it).
-- caveat_en reads the row in plain English: an association across 22 areas, not a cause.
-- expect: columns indicator_code, indicator_name_en, action_category, outcome_period_label, activity_period_label, time_order, n, spearman_rho, partial_rho, partial_ci_lower, partial_ci_upper, partial_p_holm, stands_out, caveat_en; rows: <=10
with associations as (
    select
        indicator_code,
        indicator_name_en,
        action_category,
        outcome_period_label,
        activity_period_label,
        time_order,
        n,
        spearman_rho,
        partial_rho,
        partial_ci_lower,
        partial_ci_upper,
        partial_p_holm,
        stands_out,
        caveat_en,
    from marts.collaboration_and_goals
    where partial_rho is not null
)

select
    indicator_code,
    indicator_name_en,
    action_category,
    outcome_period_label,
    activity_period_label,
    time_order,
    n,
    round(spearman_rho, 3) as spearman_rho,
    round(partial_rho, 3) as partial_rho,
    round(partial_ci_lower, 3) as partial_ci_lower,
    round(partial_ci_upper, 3) as partial_ci_upper,
    round(partial_p_holm, 3) as partial_p_holm,
    stands_out,
    caveat_en,
from associations
order by abs(partial_rho) desc, indicator_code, action_category
limit 10
