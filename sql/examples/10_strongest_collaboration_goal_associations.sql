-- Question: which well-being goal indicators move most closely with collaboration activity
-- across local authorities, and how sure can we be (95% interval of Spearman's rho)?
-- Result: the ten strongest associations, strongest first; caveat_en explains what the
-- number can and cannot say (22 authorities: wide intervals, association not cause).
-- expect: columns indicator_code, indicator_name_en, action_category, n, spearman_rho, ci_lower, ci_upper, interval_excludes_zero, caveat_en; rows: <=10
with associations as (
    select
        indicator_code,
        indicator_name_en,
        action_category,
        n,
        spearman_rho,
        ci_lower,
        ci_upper,
        caveat_en,
    from marts.collaboration_and_goals
    where spearman_rho is not null
)

select
    indicator_code,
    indicator_name_en,
    action_category,
    n,
    round(spearman_rho, 3) as spearman_rho,
    round(ci_lower, 3) as ci_lower,
    round(ci_upper, 3) as ci_upper,
    (ci_lower > 0 or ci_upper < 0) as interval_excludes_zero,
    caveat_en,
from associations
order by abs(spearman_rho) desc, indicator_code, action_category
limit 10
