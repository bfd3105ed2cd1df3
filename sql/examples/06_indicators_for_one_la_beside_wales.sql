-- Question: how does one local authority (here Cardiff, W06000015; change the code) compare with
-- Wales on every well-being goal indicator, latest period?
-- Result: one row per indicator published for the authority, with the Wales value where there
-- is one, and the difference.
-- expect: columns indicator_code, indicator_name_en, period, unit, polarity, la_value, wales_value, difference; rows: >=1
with chosen as (
    select
        'W06000015' as la_code
),

latest as (
    select
        indicator_code,
        area_code,
        max(period) as period,
    from marts.goal_indicators
    group by indicator_code, area_code
),

la as (
    select
        i.indicator_code,
        i.indicator_name_en,
        i.period,
        i.unit,
        i.polarity,
        i.value,
    from marts.goal_indicators as i
    inner join latest as l
        on i.indicator_code = l.indicator_code
        and i.area_code = l.area_code
        and i.period = l.period
    inner join chosen as c
        on i.area_code = c.la_code
),

wales as (
    select
        indicator_code,
        period,
        value,
    from marts.goal_indicators
    where area_type = 'country'
)

select
    la.indicator_code,
    la.indicator_name_en,
    la.period,
    la.unit,
    la.polarity,
    round(la.value, 3) as la_value,
    round(w.value, 3) as wales_value,
    round(la.value - w.value, 3) as difference,
from la
left join wales as w
    on la.indicator_code = w.indicator_code
    and la.period = w.period
order by la.indicator_code
