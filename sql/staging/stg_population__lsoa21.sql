-- Population of each 2021 LSOA (1,917): Census 2021 usual residents (persons, 21 March 2021).
-- Columns: lsoa_code, population (the 'all usual residents' total of Census table TS021, used
-- as the denominator throughout), population_ts030 and population_ts038 (the same count from two
-- other tables; they differ by a few people because of ONS disclosure control).
-- Source: ONS Census 2021 (Nomis bulk tables TS021, TS030, TS038), OGL v3.0.
with source as (
    select * from raw.lsoa21_population
)

select
    trim(lsoa21_code) as lsoa_code,
    cast(usual_residents_ts021 as integer) as population,
    cast(usual_residents_ts030 as integer) as population_ts030,
    cast(usual_residents_ts038 as integer) as population_ts038,
from source
order by lsoa_code
