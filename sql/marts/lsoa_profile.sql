-- One row per 2021 LSOA in Wales (1,917): where it is, how deprived it is (WIMD 2025), how many
-- people live there, and what partnership and community activity happens there.
-- The activity counts, rates and support groups are the LSOA level of the shared area measures
-- (staging.stg_areas__activity_and_deprivation), computed there once for every level.
-- Sources: Welsh Government WIMD 2025, ONS Census 2021 and geography lookups (OGL v3.0);
-- partner submissions; COVID-19 Community Response groups list; British Red Cross loneliness index.
with geography as (
    select * from staging.stg_geography__lsoa21
),

wimd as (
    select * from staging.stg_wimd__wimd_2025
),

population as (
    select
        lsoa_code,
        population,
    from staging.stg_population__lsoa21
),

measures as (
    select
        area_code as lsoa_code,
        activity_count,
        shared_purpose_count,
        governance_count,
        financial_mechanism_count,
        funding_gbp,
        participant_count,
        participant_count_activities,
        activity_per_10k,
        shared_purpose_per_10k,
        governance_per_10k,
        financial_mechanism_per_10k,
        community_support_groups,
        is_example_data,
    from staging.stg_areas__activity_and_deprivation
    where area_type = 'lsoa'
),

example_activity as (
    select
        lsoa_code,
        count(*) as example_activity_count,
    from staging.stg_partnership_activity__activities
    where is_example_data and lsoa_code is not null
    group by lsoa_code
),

loneliness as (
    select
        lsoa_code,
        loneliness_zscore,
    from staging.stg_indicators__lsoa21
)

select
    geography.lsoa_code,
    geography.lsoa_name_en,
    geography.lsoa_name_cy,
    geography.lsoa_name_cy_source,
    geography.msoa_code,
    geography.msoa_name_en,
    geography.msoa_name_cy,
    geography.la_code,
    geography.la_name_en,
    geography.la_name_cy,
    geography.lhb_code,
    geography.lhb_name_en,
    geography.lhb_name_cy,
    geography.rural_urban_class,
    geography.is_urban,
    geography.ward_code,
    geography.ward_name,
    geography.ward_name_cy,
    wimd.wimd_rank,
    wimd.wimd_decile,
    wimd.wimd_quintile,
    wimd.income_rank,
    wimd.employment_rank,
    wimd.health_rank,
    wimd.education_rank,
    wimd.access_to_services_rank,
    wimd.housing_rank,
    wimd.community_safety_rank,
    wimd.physical_environment_rank,
    population.population,
    measures.activity_count,
    measures.shared_purpose_count,
    measures.governance_count,
    measures.financial_mechanism_count,
    measures.funding_gbp,
    measures.participant_count,
    measures.participant_count_activities,
    measures.activity_per_10k,
    measures.shared_purpose_per_10k,
    measures.governance_per_10k,
    measures.financial_mechanism_per_10k,
    measures.community_support_groups,
    loneliness.loneliness_zscore,
    coalesce(example_activity.example_activity_count, 0) as example_activity_count,
    measures.is_example_data,
from geography
inner join wimd using (lsoa_code)
inner join population using (lsoa_code)
inner join measures using (lsoa_code)
left join example_activity using (lsoa_code)
left join loneliness using (lsoa_code)
order by geography.lsoa_code
