-- The 22 Welsh local authorities (principal areas), one row each, with English and Welsh names
-- and their local health board.
-- Sources: ONS Index of Multiple Deprivation (December 2019) Lookup in Wales (LA codes and
-- Welsh names) and ONS Unitary Authority to Local Health Board (April 2019) Lookup; OGL v3.0.
-- Welsh health-board names: the official names as ONS publishes them in the LHB22NMW field of
-- "Local Health Boards (December 2022) Names and Codes in Wales" / its boundary files (ONS Open
-- Geography Portal, OGL v3.0), the names the boards use themselves (e.g. Bwrdd Iechyd Prifysgol
-- Caerdydd a'r Fro). The lookup file we load has English names only, so the seven are listed here.
with la_names as (
    select distinct
        trim(ladcd) as la_code,
        trim(ladnm) as la_name_en,
        trim(ladnmw) as la_name_cy
    from raw.lsoa11_la_names
),

welsh_health_board_names as (
    select * from (
        values
            ('W11000023', 'Bwrdd Iechyd Prifysgol Betsi Cadwaladr'),
            ('W11000024', 'Bwrdd Iechyd Addysgu Powys'),
            ('W11000025', 'Bwrdd Iechyd Prifysgol Hywel Dda'),
            ('W11000028', 'Bwrdd Iechyd Prifysgol Aneurin Bevan'),
            ('W11000029', 'Bwrdd Iechyd Prifysgol Caerdydd a''r Fro'),
            ('W11000030', 'Bwrdd Iechyd Prifysgol Cwm Taf Morgannwg'),
            ('W11000031', 'Bwrdd Iechyd Prifysgol Bae Abertawe')
    ) as t(lhb_code, lhb_name_cy)
),

health_boards as (
    select
        trim(ua19cd) as la_code,
        trim(lhb19cd) as lhb_code,
        trim(lhb19nm) as lhb_name_en
    from raw.la_lhb_lookup
)

select
    la_names.la_code,
    la_names.la_name_en,
    la_names.la_name_cy,
    health_boards.lhb_code,
    health_boards.lhb_name_en,
    welsh_health_board_names.lhb_name_cy,
from la_names
left join health_boards using (la_code)
left join welsh_health_board_names using (lhb_code)
order by la_names.la_code
