-- Well-being indicators by Welsh local authority (and Wales where the source has a Wales row) from
-- the sources that predate the ONS time series: one row per area x indicator x period.
-- Indicators and rules:
-- * ONS subnational indicators workbook (February 2022): only what the ONS Explore local statistics
--   series do not cover: outdoor_4g_coverage_pct (May 2021), gigabit_broadband_pct (May 2021; the
--   series has January 2026 only) and smokers_pct (April-December 2020 single-period estimate; the
--   series has five-year averages). The other sheets' periods are all in the time series, whose
--   revised values replace them (staging.stg_ons_local_statistics__indicators).
-- * National Survey for Wales community cohesion, custom tabulation by local authority, UNWEIGHTED:
--   % of those answering who agree (strongly agree + tend to agree) or, for the local area, who
--   are very or fairly satisfied; sample_size = respondents to the question in the authority.
--   The file does not state its year: 2018-19 is inferred from its 11,922 respondents
--   (is_period_inferred). Indicator codes say 'unweighted'.
-- * speak_welsh_daily_pct: National Survey for Wales 2018-19, % of adults who speak Welsh daily
--   (Wales + 22 authorities; suppressed '*' values left out).
-- * able_to_speak_welsh_pct, Census 2011 (27 March 2011): % of usual residents aged 3+ able to
--   speak Welsh (Wales + 22 authorities); Census 2021 adds the next point
--   (staging.stg_census2021__welsh_language).
-- Names are matched to codes through staging.stg_geography__area_name_keys.
-- Sources (raw tables): ons_subnational_indicators (ONS, OGL v3.0), nsw_community_cohesion
-- (Welsh Government NSW, tabulation by University of Bristol), welsh_language_frequency and
-- welsh_language_census_2011 (StatsWales, OGL v3.0).
with ons_source as (
    select
        sheet,
        trim(period_text) as period_text,
        trim(area_code) as area_code,
        try_cast(regexp_replace(value, '\s+', '', 'g') as double) as value,
        try_cast(regexp_replace(lower_ci, '\s+', '', 'g') as double) as lower_ci,
        try_cast(regexp_replace(upper_ci, '\s+', '', 'g') as double) as upper_ci,
        source_url,
        source_licence,
    from raw.ons_subnational_indicators
    where trim(area_code) like 'W06%'
        and sheet in ('4G', 'Broadband availability', 'Smokers')
),

ons as (
    select
        area_code,
        'local_authority' as area_type,
        case sheet
            when '4G' then 'outdoor_4g_coverage_pct'
            when 'Broadband availability' then 'gigabit_broadband_pct'
            when 'Smokers' then 'smokers_pct'
        end as indicator_code,
        case
            when regexp_matches(period_text, '^\d{2}/\d{4}\s*-\s*\d{2}/\d{4}$')
                then strptime('01/' || regexp_extract(period_text, '^(\d{2}/\d{4})', 1), '%d/%m/%Y')::date
            else strptime('1 ' || regexp_extract(period_text, '^\d{4} (\w+)$', 1) || ' ' || left(period_text, 4), '%d %B %Y')::date
        end as period_start,
        case
            when regexp_matches(period_text, '^\d{2}/\d{4}\s*-\s*\d{2}/\d{4}$')
                then last_day(strptime('01/' || regexp_extract(period_text, '(\d{2}/\d{4})$', 1), '%d/%m/%Y'))::date
            else strptime('1 ' || regexp_extract(period_text, '^\d{4} (\w+)$', 1) || ' ' || left(period_text, 4), '%d %B %Y')::date
        end as period_end,
        case when regexp_matches(period_text, '^\d{2}/\d{4}') then 'part_year' else 'month' end
            as period_type,
        value,
        lower_ci,
        upper_ci,
        'ons_subnational_indicators' as source_key,
        source_url,
        source_licence,
    from ons_source
),

nsw_source as (
    select
        la_name,
        lower(variable) as variable,
        lower(trim(response)) as response,
        try_cast(n as double) as n,
        source_url,
        source_licence,
    from raw.nsw_community_cohesion
    where response is not null
        and percent is not null
),

nsw_questions as (
    select
        *
    from (
        values
            ('%satisfaction with local area%', 'satisfied_with_local_area_unweighted_pct', ['very satisfied', 'fairly satisfied']),
            ('%belonging to local area%', 'belong_to_local_area_unweighted_pct', ['strongly agree', 'tend to agree']),
            ('%different backgrounds get on%', 'different_backgrounds_get_on_unweighted_pct', ['strongly agree', 'tend to agree']),
            ('%treat each other with respect%', 'treat_each_other_with_respect_unweighted_pct', ['strongly agree', 'tend to agree'])
    ) as t (variable_pattern, indicator_code, agreeing_responses)
),

nsw as (
    select
        s.la_name as area_name,
        q.indicator_code,
        date '2018-04-01' as period_start,
        date '2019-03-31' as period_end,
        'financial_year' as period_type,
        true as is_period_inferred,
        100.0 * sum(s.n) filter (where list_contains(q.agreeing_responses, s.response))
            / nullif(sum(s.n), 0) as value,
        cast(sum(s.n) as bigint) as sample_size,
        'unweighted' as weighting_status,
        'nsw_community_cohesion' as source_key,
        any_value(s.source_url) as source_url,
        any_value(s.source_licence) as source_licence,
    from nsw_source as s
    inner join nsw_questions as q
        on s.variable like q.variable_pattern
    group by s.la_name, q.indicator_code
),

welsh_frequency as (
    select
        area_name,
        'speak_welsh_daily_pct' as indicator_code,
        date '2018-04-01' as period_start,
        date '2019-03-31' as period_end,
        'financial_year' as period_type,
        try_cast(trim(daily) as double) as value,
        'welsh_language_frequency' as source_key,
        source_url,
        source_licence,
    from raw.welsh_language_frequency
    where level in ('country', 'local_authority')
),

welsh_census as (
    select
        coalesce(la_name, country_name) as area_name,
        'able_to_speak_welsh_pct' as indicator_code,
        date '2011-03-27' as period_start,
        date '2011-03-27' as period_end,
        'census_day' as period_type,
        try_cast(trim(percentage_able_to_speak_welsh) as double) as value,
        'welsh_language_census_2011' as source_key,
        source_url,
        source_licence,
    from raw.welsh_language_census_2011
    where level in ('country', 'local_authority')
),

named as (
    select * from nsw
    union all by name
    select * from welsh_frequency
    union all by name
    select * from welsh_census
),

named_coded as (
    select
        areas.area_code,
        areas.area_type,
        named.* exclude (area_name),
    from named
    left join staging.stg_geography__area_name_keys as areas
        on regexp_replace(regexp_replace(lower(trim(named.area_name)), '^the\s+', ''), '[^a-z]', '', 'g')
            = areas.name_key
),

unioned as (
    select * from ons
    union all by name
    select * from named_coded
)

select
    area_code,
    area_type,
    indicator_code,
    period_start,
    period_end,
    period_type,
    coalesce(is_period_inferred, false) as is_period_inferred,
    value,
    lower_ci,
    upper_ci,
    sample_size,
    weighting_status,
    source_key,
    source_url,
    source_licence,
from unioned
where value is not null
order by
    indicator_code,
    area_type,
    area_code
