-- Question: how does one local authority (here Cardiff, W06000015; change the code) compare with
-- Wales on every well-being goal indicator, latest period?
-- Result: one row per indicator published for the authority, with the Wales value where one is
-- published, the median of the 22 authorities, and the authority's rank among them (1 = best,
-- using the indicator's polarity).
-- expect: columns indicator_code, indicator_name_en, period, unit, polarity, la_value, wales_value, median_of_las, rank_among_las; rows: >=1
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

all_las as (
    select
        i.indicator_code,
        i.period,
        i.area_code,
        i.value,
        median(i.value) over (partition by i.indicator_code, i.period) as median_of_las,
        rank() over (
            partition by i.indicator_code, i.period
            order by case when i.polarity = 'lower_is_better' then i.value else -i.value end
        ) as rank_among_las,
    from marts.goal_indicators as i
    where i.area_type = 'local_authority'
        and i.value is not null
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
    round(a.median_of_las, 3) as median_of_las,
    a.rank_among_las,
from la
left join wales as w
    on la.indicator_code = w.indicator_code
    and la.period = w.period
left join all_las as a
    on la.indicator_code = a.indicator_code
    and la.period = a.period
    and a.area_code = (select la_code from chosen)
order by la.indicator_code
