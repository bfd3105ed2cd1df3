-- Well-being indicators by Welsh local authority (and Wales where the source has a Wales row),
-- long: one row per area x indicator x period.
-- Columns: area_code (W06 local authority, or W92000004 Wales); area_type ('local_authority' /
-- 'country'); indicator_code (snake_case, stable); indicator_name_en; period (text: '2020-21'
-- financial / survey year, '2017-19' three-year pool, '2021' calendar year); value, lower_ci,
-- upper_ci (DOUBLE; CIs = 95 % confidence limits where published: healthy life expectancy and
-- smokers); unit (e.g. 'mean score 0-10', 'years', '% of adults', 'GBP per week'); source_key
-- (catalogue key of the raw source).
-- Indicators and rules:
-- * ONS subnational indicators (Feb 2022; 22 LAs each, no Wales row): personal well-being means
--   (life_satisfaction, worthwhile, happiness, anxiety; APS Apr 2020-Mar 2021, lower anxiety is
--   better), healthy life expectancy at birth by sex (2017-19), smokers_pct (APS Apr-Dec 2020),
--   employment_rate_pct (16-64, 2020), weekly_pay_gbp (gross median, resident-based, 2021
--   provisional), gigabit_broadband_pct and outdoor_4g_coverage_pct (Ofcom, May 2021),
--   gva_per_hour_gbp (2019). Values published as 'na' / 'x' (missing) are left out.
-- * National Survey for Wales 2018-19 community cohesion (22 LAs): % of those answering who agree
--   (strongly agree + tend to agree) or, for satisfaction with the local area, who are very or
--   fairly satisfied. Denominator = every response the tabulation lists, including spontaneous
--   answers, as in the source. The tabulation is UNWEIGHTED (custom tabulation of survey
--   microdata, not official weighted estimates): compare with care.
-- * speak_welsh_daily_pct: National Survey for Wales 2018-19, % of adults who speak Welsh daily
--   (Wales + 22 LAs; suppressed '*' values left out).
-- * able_to_speak_welsh_2011_pct: Census 2011, % of usual residents aged 3+ able to speak Welsh
--   (Wales + 22 LAs, 2011 LA names).
-- * loneliness_index_zscore_mean: mean of the 2021-LSOA clinical loneliness z-scores in the LA,
--   weighted by Census 2021 usual residents (TS021 total); LA of each LSOA from lad24_code of
--   raw.lsoa21_population; the 9 LSOAs without a published score are left out of the mean.
--   A prescription-based proxy for 2022, not an official statistic.
-- Local authority names (NSW, Welsh language files) are matched to W06 codes through the W06
-- code/name pairs of the ONS rows, comparing names lower-cased, without a leading 'The' and
-- without spaces or punctuation; 'Rhondda Cynon Taff' (Census 2011 spelling) is aliased.
-- Sources (raw tables): ons_subnational_indicators (ONS, OGL v3.0), nsw_community_cohesion
-- (Welsh Government NSW, tabulation by University of Bristol), welsh_language_frequency and
-- welsh_language_census_2011 (StatsWales, OGL v3.0), loneliness_index (British Red Cross /
-- humaniverse, MIT; prescribing data OGL), lsoa21_population (ONS Census 2021, OGL v3.0).
with ons_source as (
    select
        sheet,
        period_text,
        area_code,
        area_name,
        value,
        lower_ci,
        upper_ci,
    from raw.ons_subnational_indicators
    where area_code like 'W06%'
        or area_code = 'W92000004'
),

ons_indicators as (
    select
        *
    from (
        values
            ('Life satisfaction', 'life_satisfaction', 'Life satisfaction (mean rating)', 'mean score 0-10'),
            ('Worthwhile', 'worthwhile', 'Feeling the things done in life are worthwhile (mean rating)', 'mean score 0-10'),
            ('Happiness', 'happiness', 'Happiness yesterday (mean rating)', 'mean score 0-10'),
            ('Anxiety', 'anxiety', 'Anxiety yesterday (mean rating; lower is better)', 'mean score 0-10'),
            ('Female HLE', 'healthy_life_expectancy_female', 'Healthy life expectancy at birth, females', 'years'),
            ('Male HLE', 'healthy_life_expectancy_male', 'Healthy life expectancy at birth, males', 'years'),
            ('Smokers', 'smokers_pct', 'Adults who currently smoke cigarettes', '% of adults'),
            ('Employment rate', 'employment_rate_pct', 'Employment rate, people aged 16 to 64', '% of people aged 16-64'),
            ('Weekly pay', 'weekly_pay_gbp', 'Gross median weekly pay (residents)', 'GBP per week'),
            ('Broadband availability', 'gigabit_broadband_pct', 'Premises with gigabit-capable broadband', '% of premises'),
            ('4G', 'outdoor_4g_coverage_pct', 'Geographic area with outdoor 4G from at least one operator', '% of area'),
            ('GVA per hour', 'gva_per_hour_gbp', 'Gross value added per hour worked', 'GBP per hour')
    ) as t (sheet, indicator_code, indicator_name_en, unit)
),

ons as (
    select
        s.area_code,
        case when s.area_code = 'W92000004' then 'country' else 'local_authority' end as area_type,
        i.indicator_code,
        i.indicator_name_en,
        case
            when regexp_matches(s.period_text, '^\s*\d{2}/\d{4}\s*-\s*\d{2}/\d{4}\s*$')
                then case
                    when regexp_extract(s.period_text, '\d{2}/(\d{4})', 1)
                        = regexp_extract(s.period_text, '-\s*\d{2}/(\d{4})', 1)
                        then regexp_extract(s.period_text, '\d{2}/(\d{4})', 1)
                    else regexp_extract(s.period_text, '\d{2}/(\d{4})', 1)
                        || '-'
                        || right(regexp_extract(s.period_text, '-\s*\d{2}/(\d{4})', 1), 2)
                end
            when regexp_matches(s.period_text, '^\s*\d{4}\s*-\s*\d{4}\s*$')
                then regexp_extract(s.period_text, '^\s*(\d{4})', 1)
                    || '-'
                    || right(regexp_extract(s.period_text, '(\d{4})\s*$', 1), 2)
            else regexp_extract(s.period_text, '\d{4}')
        end as period,
        try_cast(regexp_replace(s.value, '\s+', '', 'g') as double) as value,
        try_cast(regexp_replace(s.lower_ci, '\s+', '', 'g') as double) as lower_ci,
        try_cast(regexp_replace(s.upper_ci, '\s+', '', 'g') as double) as upper_ci,
        i.unit,
        'ons_subnational_indicators' as source_key,
    from ons_source as s
    inner join ons_indicators as i
        on s.sheet = i.sheet
),

la_codes as (
    select distinct
        area_code as la_code,
        regexp_replace(
            regexp_replace(lower(trim(area_name)), '^the\s+', ''),
            '[^a-z]',
            '',
            'g'
        ) as name_key,
    from raw.ons_subnational_indicators
    where area_code like 'W06%'
),

name_aliases as (
    select
        *
    from (
        values
            ('rhonddacynontaff', 'rhonddacynontaf')
    ) as t (alias_key, name_key)
),

nsw_source as (
    select
        la_name,
        lower(variable) as variable,
        lower(trim(response)) as response,
        try_cast(n as double) as n,
    from raw.nsw_community_cohesion
    where response is not null
        and percent is not null
),

nsw_questions as (
    select
        *
    from (
        values
            ('%satisfaction with local area%', 'satisfied_with_local_area_pct', 'Very or fairly satisfied with the local area as a place to live (unweighted)', ['very satisfied', 'fairly satisfied']),
            ('%belonging to local area%', 'belong_to_local_area_pct', 'Agree they belong to the local area (unweighted)', ['strongly agree', 'tend to agree']),
            ('%different backgrounds get on%', 'different_backgrounds_get_on_pct', 'Agree people from different backgrounds get on well together (unweighted)', ['strongly agree', 'tend to agree']),
            ('%treat each other with respect%', 'treat_each_other_with_respect_pct', 'Agree people treat each other with respect and consideration (unweighted)', ['strongly agree', 'tend to agree'])
    ) as t (variable_pattern, indicator_code, indicator_name_en, agreeing_responses)
),

nsw as (
    select
        s.la_name as area_name,
        'local_authority' as area_type,
        q.indicator_code,
        q.indicator_name_en,
        '2018-19' as period,
        100.0 * sum(s.n) filter (where list_contains(q.agreeing_responses, s.response))
            / nullif(sum(s.n), 0) as value,
        'nsw_community_cohesion' as source_key,
        '% of respondents (unweighted)' as unit,
    from nsw_source as s
    inner join nsw_questions as q
        on s.variable like q.variable_pattern
    group by all
),

welsh_frequency as (
    select
        area_name,
        level as area_type,
        'speak_welsh_daily_pct' as indicator_code,
        'Adults who speak Welsh daily' as indicator_name_en,
        '2018-19' as period,
        try_cast(trim(daily) as double) as value,
        'welsh_language_frequency' as source_key,
        '% of adults' as unit,
    from raw.welsh_language_frequency
    where level in ('country', 'local_authority')
),

welsh_census as (
    select
        coalesce(la_name, country_name) as area_name,
        level as area_type,
        'able_to_speak_welsh_2011_pct' as indicator_code,
        'Usual residents aged 3 and over able to speak Welsh (Census 2011)' as indicator_name_en,
        '2011' as period,
        try_cast(trim(percentage_able_to_speak_welsh) as double) as value,
        'welsh_language_census_2011' as source_key,
        '% of usual residents aged 3+' as unit,
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
        case
            when n.area_type = 'country' then 'W92000004'
            else c.la_code
        end as area_code,
        n.area_type,
        n.indicator_code,
        n.indicator_name_en,
        n.period,
        n.value,
        cast(null as double) as lower_ci,
        cast(null as double) as upper_ci,
        n.unit,
        n.source_key,
    from named as n
    left join name_aliases as a
        on regexp_replace(
            regexp_replace(lower(trim(n.area_name)), '^the\s+', ''),
            '[^a-z]',
            '',
            'g'
        ) = a.alias_key
    left join la_codes as c
        on coalesce(
            a.name_key,
            regexp_replace(
                regexp_replace(lower(trim(n.area_name)), '^the\s+', ''),
                '[^a-z]',
                '',
                'g'
            )
        ) = c.name_key
),

loneliness_lsoa as (
    select
        p.lad24_code as area_code,
        try_cast(l.loneliness_zscore as double) as zscore,
        try_cast(p.usual_residents_ts021 as double) as residents,
    from raw.loneliness_index as l
    inner join raw.lsoa21_population as p
        on trim(l.lsoa21_code) = trim(p.lsoa21_code)
),

loneliness as (
    select
        area_code,
        'local_authority' as area_type,
        'loneliness_index_zscore_mean' as indicator_code,
        'Clinical loneliness index, population-weighted mean of LSOA z-scores (prescription-based proxy)' as indicator_name_en,
        '2022' as period,
        sum(zscore * residents) / nullif(sum(residents), 0) as value,
        cast(null as double) as lower_ci,
        cast(null as double) as upper_ci,
        'z-score (population-weighted mean)' as unit,
        'loneliness_index' as source_key,
    from loneliness_lsoa
    where zscore is not null
        and residents is not null
    group by area_code
),

unioned as (
    select * from ons
    union all by name
    select * from named_coded
    union all by name
    select * from loneliness
)

select
    area_code,
    area_type,
    indicator_code,
    indicator_name_en,
    period,
    value,
    lower_ci,
    upper_ci,
    unit,
    source_key,
from unioned
where value is not null
order by
    indicator_code,
    area_type,
    area_code
