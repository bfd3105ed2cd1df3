-- Mid-year population estimates for Wales and its 22 local authorities, one row per area and year.
-- Source: StatsWales, population estimates by local authority and year (ONS mid-year estimates,
-- rebased after Census 2021), Welsh Government, OGL v3.0.
with source as (
    select * from raw.la_population
),

local_authorities as (
    select * from staging.stg_geography__local_authorities
),

coded as (
    select
        case
            when source.area_name = 'Wales' then 'W92000004'
            else local_authorities.la_code
        end as area_code,
        source.area_name as area_name_en,
        cast(regexp_extract(source.year_label, '(\d{4})', 1) as integer) as year,
        try_cast(replace(source.value, ',', '') as bigint) as population,
    from source
    left join local_authorities on local_authorities.la_name_en = source.area_name
)

select
    area_code,
    area_name_en,
    year,
    population,
from coded
where area_code is not null
order by area_code, year
