-- Air quality exposure indicators: one row per area (Wales, 7 health boards, 22 local
-- authorities) x pollutant x calendar year, for the years every local authority has.
-- Completeness: the source file is the first OData page of the table; a pollutant-year is kept
-- only when all 22 local authorities have it (2007-2017 for every pollutant; the partial 2018
-- rows stay in raw.air_quality_indicators and are left out here, so that no series ends on a
-- year most areas lack).
-- Source: raw.air_quality_indicators (Welsh Government StatsWales ENVI0201, OGL v3.0).
with source as (
    select
        trim(area_code) as area_code,
        case
            when trim(area_code) like 'W06%' then 'local_authority'
            when trim(area_code) like 'W11%' then 'health_board'
            when trim(area_code) = 'W92000004' then 'country'
        end as area_type,
        case trim(pollutant_item_name_eng)
            when 'NO2' then 'no2_exposure_ugm3'
            when 'PM10' then 'pm10_exposure_ugm3'
            when 'PM2-5' then 'pm25_exposure_ugm3'
        end as indicator_code,
        cast(trim(year_code) as integer) as year,
        try_cast(trim(data) as double) as value,
        source_url,
        source_licence,
    from raw.air_quality_indicators
),

complete_years as (
    select
        indicator_code,
        year,
    from source
    where area_type = 'local_authority'
    group by indicator_code, year
    having count(distinct area_code) = 22
)

select
    source.area_code,
    source.area_type,
    source.indicator_code,
    make_date(source.year, 1, 1) as period_start,
    make_date(source.year, 12, 31) as period_end,
    'calendar_year' as period_type,
    source.value,
    'air_quality_indicators' as source_key,
    source.source_url,
    source.source_licence,
from source
inner join complete_years using (indicator_code, year)
where source.value is not null
    and source.area_type is not null
order by
    source.indicator_code,
    source.area_type,
    source.area_code,
    source.year
