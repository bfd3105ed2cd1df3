"""Parsers for the community activity CSVs (University of Bristol COVID-19 Community Response
project, from the Police Coders group list and WCVA / Volunteering Wales).

Every value is kept as text in ``raw``; ``pipelines.community_activity.staging`` types it.
"""

import polars as pl

from pipelines.catalogue import FetchedFile
from pipelines.contracts import source_columns
from pipelines.readers import csv_parser

# The columns a source file must have: its raw table's contract columns less the row number.
GROUP_COLUMNS = source_columns("raw.community_support_groups")[1:]
VOLUNTEER_COLUMNS = source_columns("raw.volunteer_registrations")[1:]


def _read(fetched: FetchedFile, expected: tuple[str, ...]) -> pl.DataFrame:
    """The CSV as text (``csv_parser``: names snake_cased, the unnamed trailing column dropped,
    rows numbered), checked to have the ``expected`` columns."""
    frame = csv_parser()(fetched)
    missing = [c for c in expected if c not in frame.columns]
    if missing:
        raise ValueError(
            f"{fetched.file_name}: columns {missing} not found (columns: {frame.columns[1:]})"
        )
    return frame


def parse_support_groups(fetched: FetchedFile) -> pl.DataFrame:
    """COVID-19 community support groups in Wales: one row per group (202 rows).

    Columns (text, as published, source names snake_cased): source_row_number, location, lat,
    lng, title, url, display, source, notes, force, force_url, neighbourhood, neighbourhood_url,
    neighbourhood_email, created, id, iso_8601_date.

    Raises:
        ValueError: a expected column is missing.
    """
    return _read(fetched, GROUP_COLUMNS)


def parse_volunteer_registrations(fetched: FetchedFile) -> pl.DataFrame:
    """WCVA volunteer registrations by area as at 18 May 2020: one row per area (24 rows).

    Columns (text): source_row_number, area (22 Welsh local authority names, plus 'Outside Area'
    and 'Shropshire'; the trailing non-breaking spaces of the file are stripped),
    total_vol_count, new_vol_count (people). The file's empty trailing column is dropped.

    Raises:
        ValueError: an expected column is missing.
    """
    frame = _read(fetched, VOLUNTEER_COLUMNS)
    frame = frame.with_columns(pl.col(c).str.strip_chars() for c in VOLUNTEER_COLUMNS)
    return frame.filter(pl.col("area").is_not_null() & (pl.col("area") != ""))
