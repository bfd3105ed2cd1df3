-- Question: which well-being goal indicators differ most between local authorities with high
-- and low shared-purpose activity (above and below the median shared_purpose_per_10k)?
-- Result: the ten indicators with the largest standardised gap (difference in group means
-- divided by the indicator's spread across all 22 authorities), latest period of each indicator
-- (is_latest), labelled with its period.
-- Association only: this says nothing about cause.
-- expect: columns indicator_code, indicator_label_en, period_label, unit, polarity, mean_high_shared_purpose, mean_low_shared_purpose, standardised_gap; rows: 10
with groups as (
    select
        la_code,
        case
            when shared_purpose_per_10k >= median(shared_purpose_per_10k) over () then 'high'
            else 'low'
        end as shared_purpose_group,
    from marts.local_authority_profile
),

values_by_group as (
    select
        i.indicator_code,
        i.indicator_label_en,
        i.period_label,
        i.unit,
        i.polarity,
        g.shared_purpose_group,
        i.value,
    from marts.goal_indicators as i
    inner join groups as g
        on i.area_code = g.la_code
    where i.area_type = 'local_authority'
        and i.is_latest
        and i.value is not null
)

select
    indicator_code,
    any_value(indicator_label_en) as indicator_label_en,
    any_value(period_label) as period_label,
    any_value(unit) as unit,
    any_value(polarity) as polarity,
    round(avg(value) filter (where shared_purpose_group = 'high'), 3) as mean_high_shared_purpose,
    round(avg(value) filter (where shared_purpose_group = 'low'), 3) as mean_low_shared_purpose,
    round(
        (avg(value) filter (where shared_purpose_group = 'high')
            - avg(value) filter (where shared_purpose_group = 'low'))
        / nullif(stddev_samp(value), 0),
        3
    ) as standardised_gap,
from values_by_group
group by indicator_code
having count(*) >= 10
order by abs(standardised_gap) desc nulls last, indicator_code
limit 10
