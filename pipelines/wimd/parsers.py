"""Parsers for the WIMD files (original ODS, or the CSV export of the 2025 ranks sheet).

Rank 1 = most deprived. Every value is kept as text in ``raw``; ``staging`` types it.
"""

import polars as pl

from pipelines.catalogue import FetchedFile
from pipelines.readers import csv_parser, read_sheet_table, sheet_names

DOMAIN_COLUMNS = {
    "income": "income_rank",
    "employment": "employment_rank",
    "health": "health_rank",
    "education": "education_rank",
    "access_to_services": "access_to_services_rank",
    "housing": "housing_rank",
    "community_safety": "community_safety_rank",
    "physical_environment": "physical_environment_rank",
}


def _standard_rank_columns(frame: pl.DataFrame, year: int) -> pl.DataFrame:
    rename = {}
    for col in frame.columns:
        if col.startswith("lsoa_name"):
            rename[col] = "lsoa_name_en"
        elif col.startswith("local_authority_name"):
            rename[col] = "la_name_en"
        elif col == f"wimd_{year}":
            rename[col] = "wimd_rank"
        elif col in DOMAIN_COLUMNS:
            rename[col] = DOMAIN_COLUMNS[col]
    return frame.rename(rename)


def parse_wimd_2025_ranks(fetched: FetchedFile) -> pl.DataFrame:
    """WIMD 2025 ranks: one row per 2021 LSOA (1,917).

    Columns: source_row_number, lsoa_code, lsoa_name_en, la_name_en, wimd_rank, and the eight
    domain ``*_rank`` columns (text, as published).
    """
    if fetched.format == "csv":
        frame = csv_parser()(fetched)
    else:
        names = sheet_names(fetched.path)
        sheet = next((s for s in names if "rank" in s.lower()), names[0])
        frame = read_sheet_table(fetched.path, sheet, r"^lsoa code")
    frame = frame.filter(
        pl.col("lsoa_code").is_not_null() & (pl.col("lsoa_code").str.strip_chars() != "")
    )
    return _standard_rank_columns(frame, 2025)


def parse_wimd_2019_ranks(fetched: FetchedFile) -> pl.DataFrame:
    """WIMD 2019 ranks with deciles, quintiles and quartiles: one row per 2011 LSOA (1,909).

    Joins the ``WIMD_2019_ranks`` and ``Deciles_quintiles_quartiles`` sheets of the official ODS
    on LSOA code.
    """
    ranks = _standard_rank_columns(
        read_sheet_table(fetched.path, "WIMD_2019_ranks", r"^lsoa code"), 2019
    )
    groups = read_sheet_table(fetched.path, "Deciles_quintiles_quartiles", r"^lsoa code")
    kinds = ("decile", "quintile", "quartile")
    rename = {col: f"wimd_{kind}" for col in groups.columns for kind in kinds if col.endswith(kind)}
    groups = groups.rename(rename).select(
        ["lsoa_code", "wimd_decile", "wimd_quintile", "wimd_quartile"]
    )
    return ranks.join(groups, on="lsoa_code", how="left")


def parse_wimd_2019_scores(fetched: FetchedFile) -> pl.DataFrame:
    """WIMD 2019 scores: one row per 2011 LSOA (1,909). Scores are a construction stage, not a
    measure of how much deprivation; use ranks for comparison."""
    frame = _standard_rank_columns(read_sheet_table(fetched.path, "Data", r"^lsoa code"), 2019)
    return frame.rename(
        {c: c.replace("_rank", "_score") for c in frame.columns if c.endswith("_rank")}
    )


def parse_wimd_2019_postcodes(fetched: FetchedFile) -> pl.DataFrame:
    """WIMD 2019 postcode lookup: one row per postcode (139,843), with English and Welsh LSOA names."""
    rename = {
        "Welsh Postcode": "postcode",
        "LSOA Code": "lsoa_code",
        "LSOA Name (English)": "lsoa_name_en",
        "LSOA Name (Cymraeg)": "lsoa_name_cy",
        "WIMD 2019 LSOA Rank": "wimd_rank",
        "WIMD 2019 Overall Decile": "wimd_decile",
        "WIMD 2019 Overall Quintile": "wimd_quintile",
        "WIMD 2019 Overall Quartile": "wimd_quartile",
    }
    return read_sheet_table(fetched.path, "Welsh_Postcodes", r"postcode", rename)
