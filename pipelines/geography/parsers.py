"""Parsers for the geography lookups (all columns kept as text, names snake_cased)."""

import polars as pl

from pipelines.catalogue import FetchedFile
from pipelines.readers import read_sheet_table


def parse_lsoa11_geography_lookup(fetched: FetchedFile) -> pl.DataFrame:
    """Welsh Government WIMD 2019 geography lookup: one row per 2011 LSOA (1,909), with LA, MSOA,
    LHB, rural/urban class, built-up area, EAP area, constituency, city region (codes and names)."""
    rename = {
        "Lower Layer Super Output Area (LSOA) Code": "lsoa_code",
        "LSOA Name": "lsoa_name_en",
        "Local Authority (LA) Code": "la_code",
        "Local Authority (LA) Name": "la_name_en",
        "Middle Layer Super Output Area (MSOA) Code": "msoa_code",
        "Middle Layer Super Output Area (MSOA) Name": "msoa_name_en",
        "Local Health Board (LHB) Code": "lhb_code",
        "Local Health Board (LHB) Name": "lhb_name_en",
    }
    return read_sheet_table(
        fetched.path, "Geography_Lookup", r"lower layer super output area|^lsoa", rename
    )
