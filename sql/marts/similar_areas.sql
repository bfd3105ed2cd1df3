-- Areas like this one: for every 2021 LSOA and every local authority, the five most similar
-- areas of the same level (nearest neighbours, Euclidean distance on measures scaled 0-1; ties
-- broken by code; min_by keeps the five nearest per area without sorting every pair).
-- LSOAs: the eight WIMD 2025 domain ranks as fractions of 1,917 and rural (1) or urban (0).
-- Local authorities: for each of the eight domains the share of its LSOAs in the most deprived
-- 20 % of Wales on that domain, and the share of its people living in rural LSOAs.
with lsoas as (
    select
        lsoa_code,
        la_code,
        population,
        is_urban,
        income_rank,
        employment_rank,
        health_rank,
        education_rank,
        access_to_services_rank,
        housing_rank,
        community_safety_rank,
        physical_environment_rank,
        count(*) over () as lsoa_total,
    from marts.lsoa_profile
),

lsoa_measures as (
    select
        'lsoa' as area_type,
        lsoa_code as area_code,
        [
            income_rank / lsoa_total,
            employment_rank / lsoa_total,
            health_rank / lsoa_total,
            education_rank / lsoa_total,
            access_to_services_rank / lsoa_total,
            housing_rank / lsoa_total,
            community_safety_rank / lsoa_total,
            physical_environment_rank / lsoa_total,
            case when is_urban then 0.0 else 1.0 end
        ] as measures,
    from lsoas
),

la_measures as (
    select
        'local_authority' as area_type,
        la_code as area_code,
        [
            avg(case when income_rank <= 0.2 * lsoa_total then 1.0 else 0.0 end),
            avg(case when employment_rank <= 0.2 * lsoa_total then 1.0 else 0.0 end),
            avg(case when health_rank <= 0.2 * lsoa_total then 1.0 else 0.0 end),
            avg(case when education_rank <= 0.2 * lsoa_total then 1.0 else 0.0 end),
            avg(case when access_to_services_rank <= 0.2 * lsoa_total then 1.0 else 0.0 end),
            avg(case when housing_rank <= 0.2 * lsoa_total then 1.0 else 0.0 end),
            avg(case when community_safety_rank <= 0.2 * lsoa_total then 1.0 else 0.0 end),
            avg(case when physical_environment_rank <= 0.2 * lsoa_total then 1.0 else 0.0 end),
            sum(population) filter (where not is_urban) / sum(population)
        ] as measures,
    from lsoas
    group by la_code
),

areas as (
    select * from lsoa_measures
    union all
    select * from la_measures
),

nearest as (
    select
        areas.area_type,
        areas.area_code,
        min_by(
            {'code': other.area_code, 'distance': list_distance(areas.measures, other.measures)},
            {'distance': list_distance(areas.measures, other.measures), 'code': other.area_code},
            5
        ) as neighbours,
    from areas
    inner join areas as other
        on other.area_type = areas.area_type
        and other.area_code <> areas.area_code
    group by areas.area_type, areas.area_code
)

select
    area_type,
    area_code,
    generate_subscripts(neighbours, 1) as similar_rank,
    unnest(neighbours).code as similar_area_code,
    round(unnest(neighbours).distance, 4) as distance,
from nearest
order by area_type, area_code, similar_rank
