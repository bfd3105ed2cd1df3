-- The latest value of every indicator of an area, beside Wales, as one list per area: the
-- indicators column of the profile marts (local authority, Public Services Board, health board,
-- MSOA). One row per area in marts.goal_indicators.
-- Columns: area_type, area_code, indicators (list of structs, by indicator_code: indicator_code,
-- indicator_label_en, indicator_label_cy (name and period), period_label, value, unit, lower_ci,
-- upper_ci, value_method, wales_value, wales_value_method, difference_from_wales, polarity,
-- national_indicator), indicator_count.
-- Source: marts.goal_indicators (is_latest rows).
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
    count(*) as indicator_count,
from marts.goal_indicators
where is_latest
group by area_type, area_code
order by area_type, area_code
