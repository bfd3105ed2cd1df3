-- The body of every area profile mart: for each MSOA, local authority, current Public Services
-- Board, local health board and Wales, its activity and deprivation measures and the latest value
-- of every indicator beside Wales, as one list. The profile marts (local authority, Public Services
-- Board, health board, MSOA) add names and membership and select their level.
-- Sources: staging.stg_areas__activity_and_deprivation, marts.goal_indicators (is_latest rows).
with latest as (
    select
        area_type,
        area_code,
        list(
            {
                'indicator_code': indicator_code,
                'indicator_label_en': indicator_label_en,
                'indicator_label_cy': indicator_label_cy,
                'period_label': period_label,
                'value': value,
                'unit': unit,
                'lower_ci': lower_ci,
                'upper_ci': upper_ci,
                'value_method': value_method,
                'wales_value': wales_value,
                'wales_value_method': wales_value_method,
                'difference_from_wales': difference_from_wales,
                'polarity': polarity,
                'national_indicator': national_indicator,
            }
            order by indicator_code
        ) as indicators,
    from marts.goal_indicators
    where is_latest
    group by area_type, area_code
)

select
    measures.* exclude (is_example_data),
    latest.indicators,
    measures.is_example_data,
from staging.stg_areas__activity_and_deprivation as measures
inner join latest using (area_type, area_code)
order by measures.area_type, measures.area_code
