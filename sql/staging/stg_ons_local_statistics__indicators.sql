-- ONS Explore local statistics, typed: one row per Welsh area x indicator x period (every period
-- the files hold, not the latest only).
-- Period rules: ISO 8601 'YYYY-MM-DD/PnY' starts on that date and lasts n years (end = start + n
-- years - 1 day); a bare date is a point in time (start = end). Housing affordability's bare date
-- stands for the year of the ratio ('year'); weekly pay's and gigabit coverage's for a month.
-- City-region rows (W42) are not indicators of an area people plan in and are left out.
-- Source: raw.ons_local_statistics and raw.ons_local_statistics_metadata (ONS, OGL v3.0).
with indicators as (
    select
        *
    from (
        values
            ('personal-wellbeing-estimates', 'Satisfaction', 'life_satisfaction', null),
            ('personal-wellbeing-estimates', 'Worthwhile', 'worthwhile', null),
            ('personal-wellbeing-estimates', 'Happiness', 'happiness', null),
            ('personal-wellbeing-estimates', 'Anxiety', 'anxiety', null),
            ('healthy-life-expectancy', 'Female healthy life expectancy', 'healthy_life_expectancy_female', null),
            ('healthy-life-expectancy', 'Male healthy life expectancy', 'healthy_life_expectancy_male', null),
            ('employment-rate', 'Employment rate', 'employment_rate_pct', null),
            ('employment-rate', 'Economically inactive', 'economic_inactivity_rate_pct', null),
            ('modelled-unemployment', 'Modelled unemployment rate', 'unemployment_rate_modelled_pct', null),
            ('gross-median-weekly-pay', 'Gross median weekly pay', 'weekly_pay_gbp', 'month'),
            ('gross-disposable-household-income-per-head', 'Gross disposable household income', 'gdhi_per_head_gbp', null),
            ('gross-value-added', 'Gross value added per hour worked', 'gva_per_hour_gbp', null),
            ('gross-value-added', 'Gross value added per filled job', 'gva_per_filled_job_gbp', null),
            ('qualifications-level-3-or-above', 'Level 3 or above qualifications (Great Britain)', 'qualifications_level_3_plus_pct', null),
            ('qualifications-none-gb', 'No qualifications', 'no_qualifications_pct', null),
            ('children-in-relative-poverty', 'Children in relative poverty before housing costs', 'children_relative_poverty_bhc_pct', null),
            ('children-in-relative-poverty', 'Children in relative poverty after housing costs', 'children_relative_poverty_ahc_pct', null),
            ('greenhouse-gas-emissions', 'Greenhouse gas emissions', 'ghg_emissions_per_capita_t', null),
            ('housing-affordability-ratio', 'Housing affordability ratio (residence-based)', 'housing_affordability_ratio', 'year'),
            ('net-additions-to-the-housing-stock-wales', 'Net additions to the housing stock (Wales)', 'net_additions_per_1k_dwellings', null),
            ('cigarette-smokers', 'Cigarette smokers', 'smokers_pct', null),
            ('gigabit-capable-broadband', 'Gigabit capable broadband', 'gigabit_broadband_pct', 'month')
    ) as t (dataset, indicator, indicator_code, point_type)
),

metadata as (
    select
        dataset,
        indicator_key,
        experimental_statistic,
        split_part(publisher_url, '|', 1) as publisher_url,
    from raw.ons_local_statistics_metadata
),

source as (
    select
        dataset,
        trim(areacd) as areacd,
        trim(indicator) as indicator,
        trim(period) as period,
        try_cast(trim(observation) as double) as value,
        try_cast(trim(lci_95) as double) as lower_ci,
        try_cast(trim(uci_95) as double) as upper_ci,
        source_licence,
    from raw.ons_local_statistics
    where trim(areacd) like 'W06%'
        or trim(areacd) = 'W92000004'
        or (trim(areacd) = 'TLL' and dataset = 'gross-value-added')
),

periods as (
    select
        *,
        cast(regexp_extract(period, '^(\d{4}-\d{2}-\d{2})', 1) as date) as period_start,
        try_cast(regexp_extract(period, '/P(\d+)Y$', 1) as integer) as period_years,
    from source
)

select
    case when p.areacd like 'W06%' then p.areacd else 'W92000004' end as area_code,
    case when p.areacd like 'W06%' then 'local_authority' else 'country' end as area_type,
    i.indicator_code,
    p.period_start,
    case
        when p.period_years is null then p.period_start
        else cast(p.period_start + to_years(p.period_years) - interval 1 day as date)
    end as period_end,
    case
        when p.period_years is null then coalesce(i.point_type, 'month')
        when p.period_years > 1 then 'pooled_years'
        when month(p.period_start) = 4 and day(p.period_start) = 1 then 'financial_year'
        else 'calendar_year'
    end as period_type,
    p.value,
    p.lower_ci,
    p.upper_ci,
    coalesce(m.experimental_statistic, shared.experimental_statistic) = 'T'
        as is_official_statistic_in_development,
    'ons_local_statistics' as source_key,
    coalesce(m.publisher_url, shared.publisher_url) as source_url,
    p.source_licence,
from periods as p
inner join indicators as i
    on p.dataset = i.dataset
    and p.indicator = i.indicator
left join metadata as m
    on p.dataset = m.dataset
    and p.indicator = m.indicator_key
left join metadata as shared
    on p.dataset = shared.dataset
    and shared.indicator_key is null
where p.value is not null
order by
    i.indicator_code,
    area_code,
    p.period_start
