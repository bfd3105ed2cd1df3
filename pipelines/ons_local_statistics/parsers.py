"""Parsers for the ONS Explore local statistics files (one tidy CSV + one JSON per indicator).

Every value is kept as text, as published; ``sql/staging/stg_ons_local_statistics__indicators.sql``
types and conforms them. Lineage columns are added by
``pipelines.sources.raw_multi_source_asset``.
"""

import json
from pathlib import Path

import polars as pl

from pipelines.catalogue import FetchedFile
from pipelines.contracts import source_columns, source_schema
from pipelines.readers import csv_parser, stripped_text

TABLE = "raw.ons_local_statistics"
CSV_COLUMNS = tuple(c for c in source_columns(TABLE) if c not in ("source_row_number", "dataset"))
"""The 12 columns of every indicator CSV, as its contract names them (the personal well-being
file orders them differently; they are read by name)."""

WELSH_AREA = r"^(W\d{8}|TLL)$"
"""Welsh rows: W06 local authorities, W92000004 Wales, W42 city regions, and TLL (the ITL1 region
Wales, which stands for Wales in the GVA file)."""

METADATA_TABLE = "raw.ons_local_statistics_metadata"

_METADATA_FIELDS = {
    "label": "label",
    "subtitle": "subtitle",
    "long_description": "longDescription",
    "caveats": "caveats",
    "source_org": "sourceOrg",
    "source_date": "sourceDate",
    "publisher_url": "sourceURL",
    "experimental_statistic": "experimentalStatistic",
    "decimal_places": "decimalPlaces",
    "prefix": "prefix",
    "suffix": "suffix",
    "sub_text": "subText",
    "standardised": "standardised",
}


def dataset_of(path: Path) -> str:
    """The indicator file's name without extension: ``personal-wellbeing-estimates``."""
    return path.name.split(".")[0]


def parse_indicator_csv(fetched: FetchedFile) -> pl.DataFrame:
    """One indicator CSV: its Welsh rows, all text, one row per area x indicator x period.

    Returns:
        The columns of ``raw.ons_local_statistics`` (its contract): ``source_row_number`` (the
        1-based CSV record; header = 1), ``dataset`` (file name, e.g. ``employment-rate``) and
        ``CSV_COLUMNS`` as published. Rows of areas outside
        Wales (``WELSH_AREA``) are not kept: the files cover the whole UK.

    Raises:
        ValueError: a column of ``CSV_COLUMNS`` is missing (naming the file and what it has).
    """
    frame = csv_parser()(fetched)
    missing = [c for c in CSV_COLUMNS if c not in frame.columns]
    if missing:
        raise ValueError(
            f"ONS local statistics file {fetched.path.name}: missing columns {missing}; "
            f"it has {frame.columns[1:]} (expected {list(CSV_COLUMNS)})"
        )
    return (
        frame.with_columns(pl.lit(dataset_of(fetched.path)).alias("dataset"))
        .filter(pl.col("areacd").str.strip_chars().str.contains(WELSH_AREA))
        .select(source_columns(TABLE))
    )


def parse_metadata_rows(document: dict, dataset: str) -> list[dict[str, str | None]]:
    """The ``ess-beta-metadata`` of one JSON file as one record per indicator.

    Two layouts exist: a file with one indicator has its fields at the top level; a file with
    several has a ``shared`` block and one block per indicator, keyed by the CSV's ``indicator``
    value (the indicator's own fields override the shared ones).

    Returns:
        Records with the columns of ``raw.ons_local_statistics_metadata``; ``indicator_key`` is
        null for a one-indicator file.

    Raises:
        ValueError: the document has no ``ess-beta-metadata`` object.
    """
    meta = document.get("ess-beta-metadata")
    if not isinstance(meta, dict):  # a malformed file, reported like any other bad input
        raise ValueError(  # noqa: TRY004
            f"ONS local statistics metadata {dataset}: no 'ess-beta-metadata' object"
        )
    blocks = {k: v for k, v in meta.items() if isinstance(v, dict) and k != "shared"}
    shared = meta.get("shared") if isinstance(meta.get("shared"), dict) else {}
    if not blocks:
        blocks, shared = {None: meta}, {}
    records = []
    for key, block in blocks.items():
        merged = {**shared, **{k: v for k, v in block.items() if v is not None}}
        records.append(
            {
                "dataset": dataset,
                "indicator_key": key,
                **{
                    col: stripped_text(merged.get(field)) for col, field in _METADATA_FIELDS.items()
                },
                "file_note": stripped_text(document.get("_note")),
            }
        )
    return records


def parse_metadata_json(fetched: FetchedFile) -> pl.DataFrame:
    """One JSON metadata file as a frame (see ``parse_metadata_rows``), all text."""
    with fetched.path.open(encoding="utf-8-sig") as handle:
        document = json.load(handle)
    records = parse_metadata_rows(document, dataset_of(fetched.path))
    return pl.DataFrame(records, schema=source_schema(METADATA_TABLE))
