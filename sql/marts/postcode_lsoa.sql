-- Which 2021 LSOA is a Welsh postcode in? The WIMD 2019 postcode lookup (2011 LSOAs) carried to
-- 2021 LSOAs through the ONS LSOA 2011 -> 2021 lookup; one row per postcode and 2021 LSOA.
-- A postcode whose 2011 LSOA was split in 2021 has one row per 2021 LSOA it may be in
-- (is_lsoa_split, candidate_lsoa_count > 1): the lookups hold no points to choose between them.
with source as (
    select
        regexp_replace(upper(postcode), '\s', '', 'g') as postcode_compact,
        trim(lsoa_code) as lsoa11_code,
    from raw.wimd_2019_postcodes
    where postcode is not null
),

postcodes as (
    select
        left(postcode_compact, length(postcode_compact) - 3) as postcode_district,
        left(postcode_compact, length(postcode_compact) - 3) || ' ' || right(postcode_compact, 3)
            as postcode,
        lsoa11_code,
    from source
),

lsoa_2011_to_2021 as (
    select distinct
        trim(lsoa11cd) as lsoa11_code,
        trim(lsoa21cd) as lsoa_code,
        trim(chgind) as lsoa_change_since_2011,
    from raw.lsoa11_lsoa21_lookup
),

geography as (
    select
        lsoa_code,
        la_code,
    from staging.stg_geography__lsoa21
),

candidates as (
    select
        postcodes.postcode,
        postcodes.postcode_district,
        postcodes.lsoa11_code,
        lsoa_2011_to_2021.lsoa_code,
        lsoa_2011_to_2021.lsoa_change_since_2011,
        count(*) over (partition by postcodes.postcode) as candidate_lsoa_count,
    from postcodes
    inner join lsoa_2011_to_2021 using (lsoa11_code)
)

select
    candidates.postcode,
    candidates.postcode_district,
    candidates.lsoa11_code,
    candidates.lsoa_code,
    geography.la_code,
    candidates.lsoa_change_since_2011,
    candidates.candidate_lsoa_count > 1 as is_lsoa_split,
    candidates.candidate_lsoa_count,
from candidates
inner join geography using (lsoa_code)
order by candidates.postcode, candidates.lsoa_code
