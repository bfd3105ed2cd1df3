-- Every 2021 LSOA in Wales (1,917), one row each, placed in its MSOA, local authority and local
-- health board, with names in English and Welsh and the 2021 rural-urban class.
-- Welsh LSOA names follow the English WIMD 2025 name ('<place> <n>' or '<place>'), first rule
-- that applies, recorded in lsoa_name_cy_source:
--   'wimd_2019_name'     the same English name is a WIMD 2019 LSOA name in the same authority:
--                        its official Welsh name (WIMD 2019 postcode lookup, Welsh Government),
--                        unless its number differs (three Upper Cwmbran names in that file);
--   'ons_ward_2025_name' the place is an electoral ward (2025) of the authority: the ward's
--                        official Welsh name (ONS WD25NMW) and the same number;
--   'wimd_2019_stem'     the place is the stem of a WIMD 2019 name in the authority: that
--                        name's Welsh stem and the same number;
--   'english_name'       no Welsh form in these sources: the English name unchanged.
-- Then a name whose place is a 2025 ward of the authority spelt with Welsh accents the name lacks
-- ('Tregwyr 1' -> 'Tregŵyr 1', 'Gwyr (Abertawe) 1' -> 'Gŵyr (Abertawe) 1') takes the ward's spelling
-- ('ons_ward_2025_name').
-- Places match ignoring case, '&' / 'and', full stops, commas, brackets and apostrophes.
-- MSOA: the ONS LSOA name is the MSOA name plus one letter ('Cardiff 032H' is in 'Cardiff 032').
-- Local authority: the ONS best-fit lookup raw.lsoa21_ward_la_lookup, the one statement of which
-- authority an LSOA is in (pipelines.geography.LSOA_LA; the partner loader and the community-group
-- placement read the same table).
-- Sources: ONS LSOA21 -> ward -> LAD24 best-fit lookup, LSOA11 -> LSOA21 lookup, Rural Urban
-- Classification 2021, wards (2025) names (OGL v3.0); WIMD 2025 and WIMD 2019 postcode lookup
-- (Welsh Government, OGL v3.0); MSOA names: House of Commons Library (Open Parliament Licence).
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

names_2019 as (
    -- WIMD 2019 English and Welsh names of the 2011 LSOAs, with their local authority.
    select
        trim(postcodes.lsoa_code) as lsoa11_code,
        min(trim(la_names.ladcd)) as la_code,
        min(trim(postcodes.lsoa_name_en)) as name_en,
        min(trim(postcodes.lsoa_name_cy)) as name_cy,
    from raw.wimd_2019_postcodes as postcodes
    inner join raw.lsoa11_la_names as la_names on trim(la_names.lsoa11cd) = trim(postcodes.lsoa_code)
    group by 1
),

welsh_by_name_2019 as (
    select
        la_code,
        name_en,
        min(name_cy) as name_cy,
    from names_2019
    group by all
),

welsh_by_stem_2019 as (
    select
        la_code,
        lower(trim(regexp_replace(regexp_replace(replace(regexp_extract(name_en, '^(.*?)(\s+\d+)?$', 1), '&', ' and '), '[.,()''’]', '', 'g'), '[\s-]+', ' ', 'g'))) as place_key,
        min(regexp_extract(name_cy, '^(.*?)(\s+\d+)?$', 1)) as place_cy,
    from names_2019
    group by all
),

wards_2025 as (
    select
        trim(lad25cd) as la_code,
        lower(trim(regexp_replace(regexp_replace(replace(wd25nm, '&', ' and '), '[.,()''’]', '', 'g'), '[\s-]+', ' ', 'g'))) as place_key,
        min(trim(wd25nmw)) as place_cy,
    from raw.ward25_names
    group by all
),

ward_welsh as (
    -- the ward's Welsh name (ONS WD25NMW) by its code: every 2024 ward code of the lookup is a
    -- 2025 ward of the names file
    select trim(wd25cd) as ward_code, min(trim(wd25nmw)) as ward_name_cy
    from raw.ward25_names
    group by all
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
),

named as (
    select
        lsoa.*,
        coalesce(wimd_names.lsoa_name_en, lsoa.lsoa_ons_name_en) as lsoa_name_en,
        regexp_extract(coalesce(wimd_names.lsoa_name_en, lsoa.lsoa_ons_name_en), '^(.*?)(\s+\d+)?$', 2)
            as place_number,
        lower(trim(regexp_replace(regexp_replace(replace(
            regexp_extract(coalesce(wimd_names.lsoa_name_en, lsoa.lsoa_ons_name_en), '^(.*?)(\s+\d+)?$', 1),
            '&', ' and '), '[.,()''’]', '', 'g'), '[\s-]+', ' ', 'g'))) as place_key,
    from lsoa
    left join wimd_names using (lsoa_code)
),

welsh_names as (
    select
        named.lsoa_code,
        case
            when by_name.name_cy is not null then by_name.name_cy
            when wards.place_cy is not null then wards.place_cy || named.place_number
            when by_stem.place_cy is not null then by_stem.place_cy || named.place_number
            else named.lsoa_name_en
        end as lsoa_name_cy,
        case
            when by_name.name_cy is not null then 'wimd_2019_name'
            when wards.place_cy is not null then 'ons_ward_2025_name'
            when by_stem.place_cy is not null then 'wimd_2019_stem'
            else 'english_name'
        end as lsoa_name_cy_source,
    from named
    left join welsh_by_name_2019 as by_name
        on by_name.la_code = named.la_code
        and by_name.name_en = named.lsoa_name_en
        -- a Welsh name whose number differs from the English one is a source slip: not used
        and regexp_extract(by_name.name_cy, '^(.*?)(\s+\d+)?$', 2) = named.place_number
    left join wards_2025 as wards
        on wards.la_code = named.la_code and wards.place_key = named.place_key
    left join welsh_by_stem_2019 as by_stem
        on by_stem.la_code = named.la_code and by_stem.place_key = named.place_key
),

welsh_places as (
    -- a Welsh name split into its place and what follows it: ' (Abertawe)' and / or the number
    select
        lsoa_code,
        lsoa_name_cy,
        lsoa_name_cy_source,
        regexp_extract(lsoa_name_cy, '^(.*?)((\s+\(.*\))?(\s+\d+)?)$', 1) as place_cy,
        regexp_extract(lsoa_name_cy, '^(.*?)((\s+\(.*\))?(\s+\d+)?)$', 2) as suffix,
    from welsh_names
),

welsh_spelt as (
    -- WIMD 2019 and the English names drop Welsh accents ('Tregwyr', 'Bon-y-maen', 'Gwyr
    -- (Abertawe)'): where the place is a 2025 ward of the authority whose Welsh name differs only
    -- by its accents (same letters and case once accents are removed: 'Tregŵyr', 'Bôn-y-maen',
    -- 'Gŵyr'), the ward's official spelling is used
    select
        named.lsoa_code,
        coalesce(min(wards.place_cy) || named.suffix, named.lsoa_name_cy) as lsoa_name_cy,
        case when min(wards.place_cy) is not null then 'ons_ward_2025_name'
             else named.lsoa_name_cy_source end as lsoa_name_cy_source,
    from welsh_places as named
    inner join lsoa using (lsoa_code)
    left join wards_2025 as wards
        on wards.la_code = lsoa.la_code
        and wards.place_cy <> named.place_cy
        and strip_accents(wards.place_cy) = strip_accents(named.place_cy)
    group by named.lsoa_code, named.lsoa_name_cy, named.lsoa_name_cy_source, named.suffix
)

select
    lsoa.lsoa_code,
    coalesce(wimd_names.lsoa_name_en, lsoa.lsoa_ons_name_en) as lsoa_name_en,
    welsh_spelt.lsoa_name_cy,
    welsh_spelt.lsoa_name_cy_source,
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
    local_authorities.lhb_name_cy,
    rural_urban.rural_urban_code,
    rural_urban.rural_urban_class,
    rural_urban.is_urban,
    lsoa.ward_code,
    lsoa.ward_name,
    ward_welsh.ward_name_cy,
from lsoa
left join wimd_names using (lsoa_code)
left join change_since_2011 using (lsoa_code)
left join welsh_spelt using (lsoa_code)
left join msoa on msoa.msoa_ons_name_en = regexp_replace(lsoa.lsoa_ons_name_en, '[A-Z]$', '')
left join rural_urban using (lsoa_code)
left join local_authorities using (la_code)
left join ward_welsh using (ward_code)
order by lsoa.lsoa_code
