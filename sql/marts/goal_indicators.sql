-- The well-being goal indicators in one long table: one row per area, indicator and period.
-- Columns: area_code (W06 local authority or W92000004 Wales), area_type ('local_authority' or
-- 'country'), area_name_en, area_name_cy, indicator_code, indicator_name_en, indicator_name_cy,
-- period (as published, e.g. '2020-21'), value, lower_ci and upper_ci (95 % confidence interval
-- where the publisher gives one), unit, polarity ('higher_is_better' or 'lower_is_better'),
-- wellbeing_goals (list of goal codes, see reference.wellbeing_goals), national_indicator (number
-- of the national well-being indicator that corresponds, or null), national_indicator_relation
-- ('direct', 'related' or 'none'), source_key (the source catalogue entry), licence.
-- The mapping to goals and national indicators is reference.indicator_goals (sources cited in
-- pipelines/reference/SOURCES.md).
with published as (
    select
        area_code,
        area_type,
        indicator_code,
        period,
        value,
        lower_ci,
        upper_ci,
        source_key,
    from staging.stg_indicators__local_authority
),

lsoa_population as (
    select
        geography.la_code,
        population.population,
    from staging.stg_geography__lsoa21 as geography
    inner join staging.stg_population__lsoa21 as population using (lsoa_code)
),

la_population as (
    select
        la_code,
        sum(population) as population,
    from lsoa_population
    group by la_code
),

volunteers as (
    -- One row per local authority and one for Wales (the grouping set with no key).
    select
        coalesce(volunteers.la_code, 'W92000004') as area_code,
        case when grouping(volunteers.la_code) = 0 then 'local_authority' else 'country' end as area_type,
        'volunteer_registrations_per_1k' as indicator_code,
        '2020' as period,
        round(sum(volunteers.total_volunteer_count) * 1000.0 / sum(la_population.population), 3) as value,
        cast(null as double) as lower_ci,
        cast(null as double) as upper_ci,
        'volunteer_registrations' as source_key,
    from staging.stg_community_activity__volunteer_registrations as volunteers
    inner join la_population using (la_code)
    group by grouping sets ((volunteers.la_code), ())
),

all_values as (
    select * from published
    union all by name
    select * from volunteers
),

areas as (
    select
        la_code as area_code,
        la_name_en as area_name_en,
        la_name_cy as area_name_cy,
    from staging.stg_geography__local_authorities
    union all
    select
        'W92000004',
        'Wales',
        'Cymru'
),

catalogue as (
    select * from reference.indicator_goals
),

licences as (
    select * from (
        values
            ('ons_subnational_indicators', 'Open Government Licence v3.0'),
            ('nsw_community_cohesion', 'Survey: Open Government Licence v3.0; tabulation licence not stated'),
            ('welsh_language_frequency', 'Open Government Licence v3.0'),
            ('welsh_language_census_2011', 'Open Government Licence v3.0'),
            ('loneliness_index', 'MIT (package); prescribing data Open Government Licence'),
            ('volunteer_registrations', 'Not stated (third-party public information); attribute WCVA')
    ) as t(source_key, licence)
)

select
    all_values.area_code,
    all_values.area_type,
    areas.area_name_en,
    areas.area_name_cy,
    all_values.indicator_code,
    catalogue.indicator_name_en,
    catalogue.indicator_name_cy,
    all_values.period,
    all_values.value,
    all_values.lower_ci,
    all_values.upper_ci,
    catalogue.unit,
    catalogue.polarity,
    catalogue.wellbeing_goals,
    catalogue.national_indicator,
    catalogue.national_indicator_relation,
    all_values.source_key,
    licences.licence,
from all_values
inner join catalogue using (indicator_code)
left join areas using (area_code)
left join licences using (source_key)
where all_values.value is not null
order by all_values.indicator_code, all_values.area_code, all_values.period
