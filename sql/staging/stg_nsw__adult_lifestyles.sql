-- National Survey for Wales adult lifestyles as indicators: one row per area (Wales, 7 health
-- boards, 22 local authorities) x indicator, for the two survey years combined in the export.
-- Indicators: healthy_lifestyle_2plus_behaviours_pct ('2 or more healthy behaviours', the
-- measure of national indicator 3), and the behaviours the table also reports:
-- nsw_smokers_pct ('Smoker'), drinking_above_guidelines_pct ('above 14 units (over guidelines)'),
-- fruit_veg_5_a_day_pct ('Ate at least 5 portions'), physically_active_150_min_pct ('Active at
-- least 150 minutes'), healthy_weight_pct ('BMI 18.5 - under 25'). Areas are matched by name
-- (staging.stg_geography__area_name_keys); an unmatched name leaves area_code null, which the
-- contract rejects.
-- Source: raw.nsw_adult_lifestyles (Welsh Government, StatsWales; OGL).
with source as (
    select
        trim(measure) as measure,
        area_name,
        try_cast(trim(value) as double) as value,
        list_transform(regexp_extract_all(year_filter, '(\d{4})-\d{2}', 1), y -> cast(y as integer)) as survey_years,
        source_url,
        source_licence,
    from raw.nsw_adult_lifestyles
),

measures as (
    select
        *
    from (
        values
            ('2 or more healthy behaviours', 'healthy_lifestyle_2plus_behaviours_pct'),
            ('Smoker', 'nsw_smokers_pct'),
            ('Average weekly alcohol consumption - above 14 units (over guidelines)', 'drinking_above_guidelines_pct'),
            ('Ate at least 5 portions fruit & veg the previous day', 'fruit_veg_5_a_day_pct'),
            ('Active at least 150 minutes in previous week', 'physically_active_150_min_pct'),
            ('BMI 18.5 - under 25 (healthy weight)', 'healthy_weight_pct')
    ) as t (measure, indicator_code)
),

areas as (
    select * from staging.stg_geography__area_name_keys
)

select
    areas.area_code,
    areas.area_type,
    measures.indicator_code,
    make_date(list_min(source.survey_years), 4, 1) as period_start,
    make_date(list_max(source.survey_years) + 1, 3, 31) as period_end,
    case when len(source.survey_years) > 1 then 'pooled_years' else 'financial_year' end
        as period_type,
    source.value,
    'nsw_adult_lifestyles' as source_key,
    source.source_url,
    source.source_licence,
from source
inner join measures using (measure)
left join areas
    on regexp_replace(regexp_replace(lower(trim(source.area_name)), '^the\s+', ''), '[^a-z]', '', 'g')
        = areas.name_key
where source.value is not null
order by
    measures.indicator_code,
    areas.area_type,
    areas.area_code
