-- Population of each 2021 LSOA (1,917): Census 2021 usual residents (persons, 21 March 2021).
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
