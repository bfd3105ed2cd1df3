-- Census 2021 Welsh language skills as indicators: one row per local authority (22) x indicator,
-- on Census Day (21 March 2021).
-- Indicators: welsh_speakers_count (TS033 'Can speak Welsh', persons), able_to_speak_welsh_pct
-- (TS033), able_to_read_welsh_pct (TS035), able_to_write_welsh_pct (TS034),
-- able_to_understand_welsh_pct (TS036), speak_read_write_welsh_pct (TS032 'Can speak, read and
-- write Welsh'); each percentage is 100 x count / the total of its own table (ONS perturbs every
-- table separately, so the totals differ by a few persons). Wales and larger areas are sums of
-- the authorities' counts (marts.goal_indicators).
-- Source: raw.census2021_welsh_language (ONS Census 2021 via Nomis, OGL v3.0).
with source as (
    select
        table_code,
        trim(geography_code) as area_code,
        trim(category) as category,
        try_cast(trim(observation) as bigint) as persons,
        source_url,
        source_licence,
    from raw.census2021_welsh_language
    where trim(geography_code) like 'W06%'
),

totals as (
    select
        table_code,
        area_code,
        persons as residents_aged_3_plus,
    from source
    where category like '%: Total: All usual residents aged 3 years and over'
),

skills as (
    select
        *
    from (
        values
            ('TS033', 'Welsh speaking ability: Can speak Welsh', 'welsh_speakers_count'),
            ('TS033', 'Welsh speaking ability: Can speak Welsh', 'able_to_speak_welsh_pct'),
            ('TS035', 'Welsh reading ability: Can read Welsh', 'able_to_read_welsh_pct'),
            ('TS034', 'Welsh writing ability: Can write Welsh', 'able_to_write_welsh_pct'),
            ('TS036', 'Welsh understanding ability: Can understand spoken Welsh', 'able_to_understand_welsh_pct'),
            ('TS032', 'Welsh language skills: Can speak, read and write Welsh', 'speak_read_write_welsh_pct')
    ) as t (table_code, category, indicator_code)
)

select
    s.area_code,
    'local_authority' as area_type,
    k.indicator_code,
    date '2021-03-21' as period_start,
    date '2021-03-21' as period_end,
    'census_day' as period_type,
    case
        when k.indicator_code = 'welsh_speakers_count' then cast(s.persons as double)
        else round(100.0 * s.persons / t.residents_aged_3_plus, 4)
    end as value,
    s.persons as numerator,
    t.residents_aged_3_plus as denominator,
    'census2021_welsh_language' as source_key,
    s.source_url,
    s.source_licence,
from source as s
inner join skills as k
    on s.table_code = k.table_code
    and s.category = k.category
inner join totals as t
    on s.table_code = t.table_code
    and s.area_code = t.area_code
order by
    k.indicator_code,
    s.area_code
