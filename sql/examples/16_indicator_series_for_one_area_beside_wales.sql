-- Question: how has life satisfaction changed in one local authority (here Cardiff, W06000015;
-- change the code, or the indicator) beside Wales, every year the source holds?
-- Result: one row per period, oldest first, with the 95 % limits: an authority's yearly estimate
-- comes from a small sample, so compare intervals, not single values.
-- expect: columns period_label, period_start, value, lower_ci, upper_ci, wales_value, difference_from_wales; rows: 12
with chosen as (
    select
        'W06000015' as area_code,
        'life_satisfaction' as indicator_code
)

select
    g.period_label,
    g.period_start,
    g.value,
    g.lower_ci,
    g.upper_ci,
    g.wales_value,
    round(g.difference_from_wales, 2) as difference_from_wales,
from marts.goal_indicators as g
inner join chosen using (area_code, indicator_code)
order by g.period_start
