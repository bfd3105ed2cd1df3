"""Parser for the Census 2021 Welsh-language topic summaries (Nomis bulk CSVs TS032-TS036).

Each file: ``date, geography, geography code`` then one count column per category, named
``"<variable>: <category>"`` (the first is the total of usual residents aged 3 and over). The
parser keeps the counts as text, long: one row per area x category. The official download is the
table's zip; ``pipelines.catalogue.fetch`` extracts its local-authority member
(``census2021-tsNNN-ltla.csv``, the catalogue's ``member``), so the parser always reads that CSV.
"""

import re

import polars as pl

from pipelines.catalogue import FetchedFile
from pipelines.contracts import source_columns
from pipelines.readers import with_row_numbers

TABLE_IN_NAME = re.compile(r"census2021-(ts\d{3})", re.IGNORECASE)
TABLE = "raw.census2021_welsh_language"


def parse_census_table(fetched: FetchedFile) -> pl.DataFrame:
    """One Census 2021 TS table by local authority, long: one row per area x category.

    Returns:
        The columns of ``raw.census2021_welsh_language`` (its contract): source_row_number
        (CSV record; header = 1), table_code (``TS033``,
        from the file name), date, geography, geography_code (W06, as published), category (the
        column header as published, e.g. ``Welsh speaking ability: Can speak Welsh``),
        observation (count of usual residents aged 3+, text). Only Welsh (``W``) areas are kept.

    Raises:
        ValueError: the file name has no table code, or the header lacks ``geography code``.
    """
    name = fetched.path.name
    match = TABLE_IN_NAME.search(name)
    if match is None:
        raise ValueError(f"Census 2021 file {name}: no table code (census2021-tsNNN) in its name")
    frame = pl.read_csv(fetched.path, infer_schema=False, encoding="utf8-lossy")
    frame = frame.rename({c: c.strip().lstrip("\ufeff") for c in frame.columns})
    required = ("date", "geography", "geography code")
    missing = [c for c in required if c not in frame.columns]
    if missing:
        raise ValueError(
            f"Census 2021 file {name}: missing columns {missing}; header is {frame.columns}"
        )
    categories = [c for c in frame.columns if c not in required]
    long = (
        with_row_numbers(frame, 2)
        .rename({"geography code": "geography_code"})
        .filter(pl.col("geography_code").str.strip_chars().str.starts_with("W"))
        .unpivot(
            index=["source_row_number", "date", "geography", "geography_code"],
            on=categories,
            variable_name="category",
            value_name="observation",
        )
        .with_columns(pl.lit(match.group(1).upper()).alias("table_code"))
    )
    return long.select(source_columns(TABLE)).sort("source_row_number", "category")
