-- Question: how does one local authority (here Cardiff, W06000015; change the code) compare with
-- Wales on every well-being goal indicator, latest period?
-- Result: one row per indicator published for the authority, labelled with its period, with the
-- Wales value of the same period and how it was obtained ('published' or computed from the
-- authorities), the median of the 22 authorities, and the authority's rank among them (1 = best,
-- using the indicator's polarity).
-- expect: columns indicator_code, indicator_label_en, period_label, unit, polarity, la_value, wales_value, wales_value_method, median_of_las, rank_among_las; rows: >=1
with chosen as (
    select
        'W06000015' as la_code
),

all_las as (
    select
        indicator_code,
        period_start,
        period_end,
        area_code,
        median(value) over (partition by indicator_code, period_start, period_end) as median_of_las,
        rank() over (
            partition by indicator_code, period_start, period_end
            order by case when polarity = 'lower_is_better' then value else -value end
        ) as rank_among_las,
    from marts.goal_indicators
    where area_type = 'local_authority'
        and value is not null
)

select
    i.indicator_code,
    i.indicator_label_en,
    i.period_label,
    i.unit,
    i.polarity,
    round(i.value, 3) as la_value,
    round(i.wales_value, 3) as wales_value,
    i.wales_value_method,
    round(a.median_of_las, 3) as median_of_las,
    a.rank_among_las,
from marts.goal_indicators as i
inner join chosen as c
    on i.area_code = c.la_code
left join all_las as a
    on i.indicator_code = a.indicator_code
    and i.period_start = a.period_start
    and i.period_end = a.period_end
    and i.area_code = a.area_code
where i.is_latest
order by i.indicator_code
