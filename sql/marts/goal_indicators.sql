-- The well-being goal indicators, every period: one row per area x indicator x period, for local
-- authorities, current Public Services Boards, local health boards, MSOAs (where LSOA data allow)
-- and Wales, each row beside the Wales value of the same period.
-- value_method: 'published' (the source's own figure); for areas the source does not publish,
-- from the local authorities in them, when every one has a value for the period and the
-- indicator's aggregation (reference.indicator_goals) allows it:
-- 'population_weighted_mean_of_authorities' (weights: Census 2021 usual residents of all ages,
-- not the indicator's own denominator; for survey estimates this is not itself a survey
-- estimate), 'sum_of_authorities' (counts), 'ratio_of_summed_counts' (100 x summed numerators /
-- summed denominators); 'population_weighted_mean_of_lsoas' (loneliness index, every level);
-- 'ratio_of_counts' (volunteer registrations per 1,000 residents); 'same_area_as_authority' (a board
-- or health board that covers one authority takes that authority's value, limits and all). A
-- published value always wins over a computed one for the same area and period.
-- Sources: the staging indicator models (ONS Explore local statistics, Census 2021, National
-- Survey for Wales, StatsWales air quality, the older ONS workbook and Welsh-language files,
-- loneliness index, WCVA registrations); licences per row from the raw tables' lineage.
with reference as (
    select * from reference.indicator_goals
),

published as (
    select * from staging.stg_ons_local_statistics__indicators
    union all by name
    select * from staging.stg_census2021__welsh_language
    union all by name
    select * from staging.stg_nsw__adult_lifestyles
    union all by name
    select * from staging.stg_air_quality__exposure
    union all by name
    select * from staging.stg_indicators__local_authority
),

area_lsoas as (
    select * from staging.stg_geography__area_lsoas
),

lsoa_population as (
    select
        lsoa_code,
        population,
    from staging.stg_population__lsoa21
),

authority_population as (
    select
        area_lsoas.la_code,
        sum(lsoa_population.population) as population,
    from area_lsoas
    inner join lsoa_population using (lsoa_code)
    where area_lsoas.area_type = 'local_authority'
    group by area_lsoas.la_code
),

area_authorities as (
    select
        area_type,
        area_code,
        la_code,
        count(*) over (partition by area_type, area_code) as authority_count,
    from (
        select distinct area_type, area_code, la_code
        from area_lsoas
        where area_type in ('public_services_board', 'health_board', 'country')
    )
),

authority_values as (
    select
        published.*,
        authority_population.population,
        reference.aggregation,
    from published
    inner join authority_population
        on published.area_code = authority_population.la_code
    inner join reference using (indicator_code)
    where published.area_type = 'local_authority'
),

aggregated as (
    select
        a.area_type,
        a.area_code,
        v.indicator_code,
        v.period_start,
        v.period_end,
        v.period_type,
        v.aggregation,
        bool_or(v.is_period_inferred) as is_period_inferred,
        case
            when any_value(a.authority_count) = 1 then any_value(v.value)
            when v.aggregation = 'population_weighted_mean'
                then round(sum(v.value * v.population) / sum(v.population), 4)
            when v.aggregation = 'sum' then sum(v.value)
            when v.aggregation = 'ratio_of_sums'
                then round(100.0 * sum(v.numerator) / sum(v.denominator), 4)
        end as value,
        case when any_value(a.authority_count) = 1 then any_value(v.lower_ci) end as lower_ci,
        case when any_value(a.authority_count) = 1 then any_value(v.upper_ci) end as upper_ci,
        cast(sum(v.sample_size) as bigint) as sample_size,
        any_value(v.weighting_status) as weighting_status,
        case
            when any_value(a.authority_count) = 1 then 'same_area_as_authority'
            when v.aggregation = 'population_weighted_mean' then 'population_weighted_mean_of_authorities'
            when v.aggregation = 'sum' then 'sum_of_authorities'
            when v.aggregation = 'ratio_of_sums' then 'ratio_of_summed_counts'
        end as value_method,
        bool_or(v.is_official_statistic_in_development) as is_official_statistic_in_development,
        any_value(v.source_key) as source_key,
        any_value(v.source_url) as source_url,
        any_value(v.source_licence) as source_licence,
    from authority_values as v
    inner join area_authorities as a
        on v.area_code = a.la_code
    group by a.area_type, a.area_code, v.indicator_code, v.period_start, v.period_end, v.period_type, v.aggregation
    having count(*) = any_value(a.authority_count)
        and (
            any_value(a.authority_count) = 1
            or v.aggregation in ('population_weighted_mean', 'sum')
            or (v.aggregation = 'ratio_of_sums' and count(v.numerator) = count(*))
        )
),

computed as (
    select aggregated.* exclude (aggregation)
    from aggregated
    anti join published using (area_code, indicator_code, period_start, period_end)
),

loneliness as (
    -- every level from the 2021 LSOAs (9 LSOAs without a published score are left out)
    select
        area_lsoas.area_type,
        area_lsoas.area_code,
        'loneliness_index_zscore_mean' as indicator_code,
        date '2022-01-01' as period_start,
        date '2022-12-31' as period_end,
        'calendar_year' as period_type,
        round(
            sum(lonely.loneliness_zscore * lsoa_population.population) / sum(lsoa_population.population),
            4
        ) as value,
        'population_weighted_mean_of_lsoas' as value_method,
        'loneliness_index' as source_key,
    from area_lsoas
    inner join staging.stg_indicators__lsoa21 as lonely using (lsoa_code)
    inner join lsoa_population using (lsoa_code)
    where lonely.loneliness_zscore is not null
    group by area_lsoas.area_type, area_lsoas.area_code
),

volunteers as (
    select
        a.area_type,
        a.area_code,
        'volunteer_registrations_per_1k' as indicator_code,
        date '2020-05-18' as period_start,
        date '2020-05-18' as period_end,
        'day' as period_type,
        round(sum(r.total_volunteer_count) * 1000.0 / sum(p.population), 3) as value,
        case when a.area_type = 'local_authority' then 'ratio_of_counts' else 'ratio_of_summed_counts' end
            as value_method,
        'volunteer_registrations' as source_key,
    from staging.stg_community_activity__volunteer_registrations as r
    inner join authority_population as p using (la_code)
    inner join (
        select area_type, area_code, la_code from area_authorities
        union all
        select 'local_authority', la_code, la_code from authority_population
    ) as a using (la_code)
    group by a.area_type, a.area_code
),

lineage as (
    select distinct on (source_key)
        source_key,
        source_url,
        source_licence,
    from (
        select 'loneliness_index' as source_key, source_url, source_licence from raw.loneliness_index
        union all
        select 'volunteer_registrations', source_url, source_licence from raw.volunteer_registrations
    )
),

all_values as (
    select *, 'published' as value_method from published
    union all by name
    select * from computed
    union all by name
    select * from loneliness
    union all by name
    select * from volunteers
),

period_parts as (
    select
        v.*,
        year(v.period_start) as start_year,
        year(v.period_end) as end_year,
        strftime(v.period_start, '%B') as start_month_en,
        strftime(v.period_end, '%B') as end_month_en,
        months.cy[month(v.period_start)] as start_month_cy,
        months.cy[month(v.period_end)] as end_month_cy,
        case
            when month(v.period_start) = 4
                then financial_year_label(v.period_start) || ' to ' || financial_year_label(v.period_end)
            else year(v.period_start) || '-' || year(v.period_end)
        end as span,
    from all_values as v
    cross join (
        select [
            'Ionawr', 'Chwefror', 'Mawrth', 'Ebrill', 'Mai', 'Mehefin',
            'Gorffennaf', 'Awst', 'Medi', 'Hydref', 'Tachwedd', 'Rhagfyr'
        ] as cy
    ) as months
    where v.value is not null
),

labelled as (
    -- [English, Welsh] period labels
    select
        p.* exclude (start_year, end_year, start_month_en, end_month_en, start_month_cy, end_month_cy, span, labels),
        labels[1] as period_label,
        labels[2] as period_label_cy,
        row_number() over (
            partition by p.area_code, p.indicator_code
            order by p.period_end desc, p.period_start desc
        ) = 1 as is_latest,
    from (
        select
            *,
            case period_type
                when 'financial_year' then [financial_year_label(period_start), financial_year_label(period_start)]
                when 'pooled_years' then [span || ' pooled', replace(span, ' to ', ' i ') || ' wedi''u cyfuno']
                when 'month' then [start_month_en || ' ' || start_year, start_month_cy || ' ' || start_year]
                when 'day' then [
                    day(period_start) || ' ' || start_month_en || ' ' || start_year,
                    day(period_start) || ' ' || start_month_cy || ' ' || start_year
                ]
                when 'part_year' then [
                    start_month_en || '-' || end_month_en || ' ' || end_year,
                    start_month_cy || '-' || end_month_cy || ' ' || end_year
                ]
                else [cast(start_year as varchar), cast(start_year as varchar)]
            end as labels,
        from period_parts
    ) as p
),

wales as (
    select
        indicator_code,
        period_start,
        period_end,
        value as wales_value,
        lower_ci as wales_lower_ci,
        upper_ci as wales_upper_ci,
        value_method as wales_value_method,
    from labelled
    where area_code = 'W92000004'
)

select
    v.area_code,
    v.area_type,
    areas.area_name_en,
    areas.area_name_cy,
    v.indicator_code,
    r.indicator_name_en,
    r.indicator_name_cy,
    r.indicator_name_en || ' (' || v.period_label
        || case when coalesce(v.is_period_inferred, false) then ', year inferred' else '' end || ')'
        as indicator_label_en,
    r.indicator_name_cy || ' (' || v.period_label_cy
        || case when coalesce(v.is_period_inferred, false) then ', blwyddyn wedi''i chasglu' else '' end || ')'
        as indicator_label_cy,
    v.period_start,
    v.period_end,
    v.period_label,
    v.period_label_cy,
    v.period_type,
    coalesce(v.is_period_inferred, false) as is_period_inferred,
    v.is_latest,
    v.value,
    r.unit,
    v.lower_ci,
    v.upper_ci,
    v.sample_size,
    coalesce(v.weighting_status, r.weighting_status) as weighting_status,
    v.value_method,
    v.is_official_statistic_in_development,
    w.wales_value,
    w.wales_lower_ci,
    w.wales_upper_ci,
    w.wales_value_method,
    v.value - w.wales_value as difference_from_wales,
    case
        when w.wales_value is null
            then coalesce(r.no_wales_value_reason, 'No Wales value for this period: the source publishes none and not every authority has a value to combine.')
    end as wales_value_note,
    case
        when w.wales_value is null
            then coalesce(r.no_wales_value_reason_cy, 'Dim gwerth i Gymru ar gyfer y cyfnod hwn: nid yw''r ffynhonnell yn cyhoeddi un ac nid oes gan bob awdurdod werth i''w gyfuno.')
    end as wales_value_note_cy,
    r.polarity,
    r.wellbeing_goals,
    r.national_indicator,
    r.national_indicator_relation,
    v.source_key,
    coalesce(v.source_url, lineage.source_url) as source_url,
    coalesce(v.source_licence, lineage.source_licence) as licence,
from labelled as v
inner join reference as r using (indicator_code)
left join reference.areas as areas
    on v.area_code = areas.area_code
left join wales as w
    on v.indicator_code = w.indicator_code
    and v.period_start = w.period_start
    and v.period_end = w.period_end
left join lineage using (source_key)
order by
    v.indicator_code,
    v.area_type,
    v.area_code,
    v.period_start
