-- The 22 Welsh local authorities (principal areas), one row each, with English and Welsh names
-- and their local health board.
-- Columns: la_code (W06), la_name_en, la_name_cy, lhb_code (W11), lhb_name_en.
-- Sources: ONS Index of Multiple Deprivation (December 2019) Lookup in Wales (LA codes and
-- Welsh names) and ONS Unitary Authority to Local Health Board (April 2019) Lookup; OGL v3.0.
with la_names as (
    select distinct
        trim(ladcd) as la_code,
        trim(ladnm) as la_name_en,
        trim(ladnmw) as la_name_cy
    from raw.lsoa11_la_names
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
from la_names
left join health_boards using (la_code)
order by la_names.la_code
