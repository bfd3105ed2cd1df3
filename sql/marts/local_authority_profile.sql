-- One row per local authority in Wales (22): its Public Services Board and health board, population,
-- how much of it lives in the most deprived areas (WIMD 2025), partnership activity by action
-- category, partners, community activity, and every goal indicator's latest value beside Wales.
-- Units: population in persons (Census 2021 usual residents, the sum of the LA's LSOAs; the
-- denominator of every rate); population_mid_2023 (StatsWales estimate, for reference);
-- share_* are fractions 0-1; *_per_10k are activities per 10,000 people; funding_gbp in GBP;
-- funding_per_head_gbp in GBP per person; indicators: a list with, per indicator, its label
-- (name and period), value, unit, 95 % limits, method and the Wales value of the same period (the
-- full series in marts.goal_indicators). share_activity_in_most_deprived_20pct: of the activities
-- placed in an LSOA, the fraction in LSOAs of WIMD 2025 quintile 1. is_example_data: activity
-- figures come from generated example submissions.
-- Sources: staging.stg_areas__profiles (the measures and latest indicators of every area level),
-- reference.areas.
with local_authorities as (
    select * from staging.stg_geography__local_authorities
),

areas as (
    select * from reference.areas
),

profiles as (
    select * from staging.stg_areas__profiles
    where area_type = 'local_authority'
),

mid_year as (
    select
        area_code as la_code,
        population as population_mid_2023,
    from staging.stg_population__local_authority
    where year = 2023
)

select
    local_authorities.la_code,
    local_authorities.la_name_en,
    local_authorities.la_name_cy,
    boards.area_code as psb_code,
    boards.area_name_en as psb_name_en,
    boards.area_name_cy as psb_name_cy,
    local_authorities.lhb_code,
    local_authorities.lhb_name_en,
    local_authorities.lhb_name_cy,
    profiles.population,
    mid_year.population_mid_2023,
    profiles.* exclude (area_type, area_code, population),
from local_authorities
inner join profiles
    on local_authorities.la_code = profiles.area_code
left join areas as authority
    on local_authorities.la_code = authority.area_code
left join areas as boards
    on authority.psb_code = boards.area_code
left join mid_year
    on local_authorities.la_code = mid_year.la_code
order by local_authorities.la_code
