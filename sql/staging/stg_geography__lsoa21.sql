-- Every 2021 LSOA in Wales (1,917), one row each, placed in its MSOA, local authority and local
-- health board, with names in English and Welsh and the 2021 rural-urban class.
-- Columns: lsoa_code (W01), lsoa_name_en (WIMD 2025 name, e.g. 'Amlwch Port'), lsoa_name_cy
-- (WIMD Welsh name where the LSOA is unchanged since 2011, else the ONS-style Welsh name built
-- from the local authority's Welsh name, e.g. 'Caerdydd 032H'), lsoa_ons_name_en ('Cardiff 032H'),
-- lsoa_ons_name_cy, lsoa_change_since_2011 (U unchanged, S split, M merged), msoa_code (W02),
-- msoa_name_en / msoa_name_cy (House of Commons Library names), la_code, la_name_en, la_name_cy,
-- lhb_code, lhb_name_en, rural_urban_code, rural_urban_class, is_urban, ward_code and ward_name
-- (the 2024 electoral ward the LSOA best fits).
-- MSOA: the ONS LSOA name is the MSOA name plus one letter ('Cardiff 032H' is in 'Cardiff 032').
-- Sources: ONS LSOA21 -> ward -> LAD24 best-fit lookup, LSOA11 -> LSOA21 lookup, Rural Urban
-- Classification 2021 (OGL v3.0); WIMD 2025 and WIMD 2019 postcode lookup (Welsh Government,
-- OGL v3.0); MSOA names: House of Commons Library (Open Parliament Licence).
with lsoa as (
    select
        trim(lsoa21cd) as lsoa_code,
        trim(lsoa21nm) as lsoa_ons_name_en,
        trim(lad24cd) as la_code,
        trim(wd24cd) as ward_code,
        trim(wd24nm) as ward_name
    from raw.lsoa21_ward_la_lookup
),

wimd_names as (
    select
        trim(lsoa_code) as lsoa_code,
        trim(lsoa_name_en) as lsoa_name_en
    from raw.wimd_2025_ranks
),

change_since_2011 as (
    select
        trim(lsoa21cd) as lsoa_code,
        min(trim(chgind)) as lsoa_change_since_2011,
        min(trim(lsoa11cd)) as lsoa11_code
    from raw.lsoa11_lsoa21_lookup
    group by 1
),

welsh_names_2011 as (
    select
        trim(lsoa_code) as lsoa11_code,
        min(trim(lsoa_name_cy)) as lsoa_name_cy
    from raw.wimd_2019_postcodes
    group by 1
),

msoa as (
    select
        trim(msoa21cd) as msoa_code,
        trim(msoanm) as msoa_ons_name_en,
        trim(msoahclnm) as msoa_name_en,
        trim(msoahclnmw) as msoa_name_cy
    from raw.msoa_names
    where msoa21cd is not null
),

rural_urban as (
    select
        trim(lsoa21cd) as lsoa_code,
        trim(ruc21cd) as rural_urban_code,
        trim(ruc21nm) as rural_urban_class,
        trim(urban_rural_flag) = 'Urban' as is_urban
    from raw.lsoa21_rural_urban
),

local_authorities as (
    select * from staging.stg_geography__local_authorities
)

select
    lsoa.lsoa_code,
    coalesce(wimd_names.lsoa_name_en, lsoa.lsoa_ons_name_en) as lsoa_name_en,
    coalesce(
        case when change_since_2011.lsoa_change_since_2011 = 'U' then welsh_names_2011.lsoa_name_cy end,
        local_authorities.la_name_cy || ' ' || regexp_extract(lsoa.lsoa_ons_name_en, '(\d{3}[A-Z])$', 1)
    ) as lsoa_name_cy,
    lsoa.lsoa_ons_name_en,
    local_authorities.la_name_cy || ' ' || regexp_extract(lsoa.lsoa_ons_name_en, '(\d{3}[A-Z])$', 1)
        as lsoa_ons_name_cy,
    change_since_2011.lsoa_change_since_2011,
    msoa.msoa_code,
    msoa.msoa_name_en,
    msoa.msoa_name_cy,
    lsoa.la_code,
    local_authorities.la_name_en,
    local_authorities.la_name_cy,
    local_authorities.lhb_code,
    local_authorities.lhb_name_en,
    rural_urban.rural_urban_code,
    rural_urban.rural_urban_class,
    rural_urban.is_urban,
    lsoa.ward_code,
    lsoa.ward_name,
from lsoa
left join wimd_names using (lsoa_code)
left join change_since_2011 using (lsoa_code)
left join welsh_names_2011 on welsh_names_2011.lsoa11_code = change_since_2011.lsoa11_code
left join msoa on msoa.msoa_ons_name_en = regexp_replace(lsoa.lsoa_ons_name_en, '[A-Z]$', '')
left join rural_urban using (lsoa_code)
left join local_authorities using (la_code)
order by lsoa.lsoa_code
