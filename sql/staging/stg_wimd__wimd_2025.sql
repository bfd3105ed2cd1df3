-- WIMD 2025 ranks, deciles, quintiles and quartiles, one row per 2021 LSOA (1,917).
-- Deciles follow the Welsh Government's WIMD 2019 method, which we reproduce exactly on the 2019
-- file: group = floor((rank - 1) * groups / number of LSOAs) + 1.
-- Source: Welsh Government, WIMD 2025 index and domain ranks by small area (OGL v3.0).
with source as (
    select * from raw.wimd_2025_ranks
),

typed as (
    select
        trim(lsoa_code) as lsoa_code,
        cast(wimd_rank as integer) as wimd_rank,
        cast(income_rank as integer) as income_rank,
        cast(employment_rank as integer) as employment_rank,
        cast(health_rank as integer) as health_rank,
        cast(education_rank as integer) as education_rank,
        cast(access_to_services_rank as integer) as access_to_services_rank,
        cast(housing_rank as integer) as housing_rank,
        cast(community_safety_rank as integer) as community_safety_rank,
        cast(physical_environment_rank as integer) as physical_environment_rank,
        count(*) over () as lsoa_total,
    from source
)

select
    lsoa_code,
    wimd_rank,
    wimd_band(wimd_rank, lsoa_total, 10) as wimd_decile,
    wimd_band(wimd_rank, lsoa_total, 5) as wimd_quintile,
    wimd_band(wimd_rank, lsoa_total, 4) as wimd_quartile,
    income_rank,
    employment_rank,
    health_rank,
    education_rank,
    access_to_services_rank,
    housing_rank,
    community_safety_rank,
    physical_environment_rank,
from typed
order by lsoa_code
