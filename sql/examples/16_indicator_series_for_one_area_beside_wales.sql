-- Question: how has life satisfaction changed in one local authority (here Cardiff, W06000015;
-- change the code, or the indicator) beside Wales, every year the source holds?
-- Result: one row per period, oldest first, with the 95 % limits: an authority's yearly estimate
-- comes from a small sample, so compare intervals, not single values.
-- expect: columns period_label, period_start, value, lower_ci, upper_ci, wales_value, difference_from_wales; rows: 12
select
    period_label,
    period_start,
    value,
    lower_ci,
    upper_ci,
    wales_value,
    round(difference_from_wales, 2) as difference_from_wales,
from marts.goal_indicators
where area_code = 'W06000015'
    and indicator_code = 'life_satisfaction'
order by period_start
