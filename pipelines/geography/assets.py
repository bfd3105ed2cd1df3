"""Geography lookup source assets (group ``geography``)."""

import polars as pl

from pipelines.geography import parsers
from pipelines.readers import csv_parser
from pipelines.sources import raw_source_asset

lsoa11_geography_lookup = raw_source_asset(
    "lsoa11_geography_lookup",
    parsers.parse_lsoa11_geography_lookup,
    group_name="geography",
    description=(
        "Welsh Government geography lookup, one row per 2011 LSOA (1,909): local authority "
        "(la_code W06), MSOA (msoa_code W02, 410), local health board (lhb_code W11, 7), rural/"
        "urban class, built-up area, economic action plan area, Senedd constituency, city region."
    ),
)

lsoa11_la_names = raw_source_asset(
    "lsoa11_la_names",
    csv_parser(),
    group_name="geography",
    description=(
        "ONS lookup, one row per 2011 LSOA (1,909): lsoa11cd, lsoa11nm, ladcd, ladnm, ladnmw "
        "(local authority name in Welsh, e.g. 'Ynys Môn'), wimd_2019 rank."
    ),
)

lsoa11_lsoa21_lookup = raw_source_asset(
    "lsoa11_lsoa21_lookup",
    csv_parser(),
    group_name="geography",
    description=(
        "ONS LSOA 2011 -> LSOA 2021 -> LAD 2022 lookup, Welsh rows (1,940): lsoa11cd, lsoa11nm, "
        "lsoa21cd, lsoa21nm, chgind (U unchanged, S split, M merged), lad22cd, lad22nm."
    ),
)

lsoa21_ward_la_lookup = raw_source_asset(
    "lsoa21_ward_la_lookup",
    csv_parser(),
    group_name="geography",
    description=(
        "ONS LSOA 2021 -> electoral ward 2024 -> LAD 2024 best-fit lookup, one row per Welsh 2021 "
        "LSOA (1,917): lsoa21cd, lsoa21nm, wd24cd, wd24nm, lad24cd, lad24nm."
    ),
)

lsoa21_rural_urban = raw_source_asset(
    "lsoa21_rural_urban",
    csv_parser(),
    group_name="geography",
    description=(
        "ONS Rural Urban Classification 2021, one row per Welsh 2021 LSOA (1,917): lsoa21cd, "
        "ruc21cd, ruc21nm (six classes), urban_rural_flag."
    ),
)

msoa_names = raw_source_asset(
    "msoa_names",
    csv_parser(keep_if=pl.col("ctrycd") == "W92000004"),
    group_name="geography",
    description=(
        "MSOA names (House of Commons Library) in English and Welsh with their local authority, "
        "Welsh rows of the UK file (415): msoacd, msoanm, msoahclnm, msoahclnmw, ladcd_active, "
        "msoa11cd, msoa21cd and more."
    ),
)

la_lhb_lookup = raw_source_asset(
    "la_lhb_lookup",
    csv_parser(),
    group_name="geography",
    description=(
        "ONS unitary authority -> local health board (April 2019), one row per local authority "
        "(22): ua19cd, ua19nm, lhb19cd, lhb19nm."
    ),
)

ward25_names = raw_source_asset(
    "ward25_names",
    parsers.parse_ward25_names,
    group_name="geography",
    description=(
        "Electoral wards (2025) in Wales, one row per ward (762): wd25cd, wd25nm (English name), "
        "wd25nmw (official Welsh name), lad25cd. Used for the Welsh names of 2021 LSOAs whose WIMD "
        "2025 name is a ward name and a number."
    ),
)
