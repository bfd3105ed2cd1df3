-- The seven local health boards of Wales, one row each, with English and Welsh names and the
-- local authorities they cover.
-- Columns: lhb_code (W11), lhb_name_en (ONS Unitary Authority to Local Health Board (April 2019)
-- lookup), lhb_name_cy, la_codes (list of W06 codes, sorted), la_count.
-- Welsh names: the statutory bilingual names as in the ONS "Local Health Boards (April 2022)
-- Names and Codes in Wales" field LHB22NMW (Open Geography Portal, OGL v3.0); the lookup we load
-- has English names only, so they are listed here (pipelines/reference/SOURCES.md cites them).
with lookup as (
    select
        trim(ua19cd) as la_code,
        trim(lhb19cd) as lhb_code,
        trim(lhb19nm) as lhb_name_en,
    from raw.la_lhb_lookup
),

welsh_names as (
    select
        *
    from (
        values
            ('W11000023', 'Bwrdd Iechyd Prifysgol Betsi Cadwaladr'),
            ('W11000024', 'Bwrdd Iechyd Addysgu Powys'),
            ('W11000025', 'Bwrdd Iechyd Prifysgol Hywel Dda'),
            ('W11000028', 'Bwrdd Iechyd Prifysgol Aneurin Bevan'),
            ('W11000029', 'Bwrdd Iechyd Prifysgol Caerdydd a''r Fro'),
            ('W11000030', 'Bwrdd Iechyd Prifysgol Cwm Taf Morgannwg'),
            ('W11000031', 'Bwrdd Iechyd Prifysgol Bae Abertawe')
    ) as t (lhb_code, lhb_name_cy)
)

select
    lookup.lhb_code,
    any_value(lookup.lhb_name_en) as lhb_name_en,
    any_value(welsh_names.lhb_name_cy) as lhb_name_cy,
    list(lookup.la_code order by lookup.la_code) as la_codes,
    count(*) as la_count,
from lookup
left join welsh_names using (lhb_code)
group by lookup.lhb_code
order by lookup.lhb_code
