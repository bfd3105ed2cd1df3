"""Parser for the StatsWales OData JSON of ENVI0201 (air quality indicators).

The document is ``{"odata.metadata": …, "value": [record, …], "odata.nextLink": …}``; each record
has ``Data`` (the value, text), ``Area_Code``, ``Area_ItemName_ENG``, ``Pollutant_ItemName_ENG``,
``Year_Code`` and sort orders. A ``odata.nextLink`` means the document is one page of a longer
result (the mirror's copy is the first page of 1,000 records).
"""

import json
import re

import polars as pl

from pipelines.catalogue import FetchedFile
from pipelines.contracts import source_columns, source_schema
from pipelines.readers import require_columns, stripped_text

NEXT_LINK = "odata.nextLink"
TABLE = "raw.air_quality_indicators"
RECORD_COLUMNS = tuple(
    c for c in source_columns(TABLE) if c not in ("source_row_number", "odata_next_link")
)
"""The record fields (snake_cased) the contract of ``raw.air_quality_indicators`` names."""


def _snake(name: str) -> str:
    """``Area_ItemName_ENG`` -> ``area_item_name_eng``."""
    return re.sub(r"(?<=[a-z])(?=[A-Z])", "_", name).replace("__", "_").lower()


def parse_odata_records(document: dict, where: str) -> pl.DataFrame:
    """OData records as a text frame, one row per record, in document order.

    Returns:
        The columns of ``raw.air_quality_indicators`` (its contract): source_row_number (1-based
        position in ``value``), one snake_case column per record field (``data``, ``area_code``,
        ``area_item_name_eng``, ``pollutant_item_name_eng``, ``year_code``, …), and
        ``odata_next_link`` (the same on every row; null when the document is the whole result).

    Raises:
        ValueError: no ``value`` list, records with different fields, or fields other than the
            contract's (naming ``where`` and the missing or unexpected fields).
    """
    records = document.get("value")
    if not isinstance(records, list) or not records:
        raise ValueError(f"{where}: no OData 'value' list of records")
    fields = list(records[0])
    for i, record in enumerate(records, start=1):
        if list(record) != fields:
            raise ValueError(f"{where}: record {i} has fields {list(record)}, expected {fields}")
    require_columns([_snake(k) for k in fields], RECORD_COLUMNS, where)
    rows = [
        {"source_row_number": i, **{_snake(k): stripped_text(v) for k, v in r.items()}}
        for i, r in enumerate(records, start=1)
    ]
    next_link = document.get(NEXT_LINK)
    return pl.DataFrame(
        [row | {"odata_next_link": next_link} for row in rows], schema=source_schema(TABLE)
    )


def parse_air_quality(fetched: FetchedFile) -> pl.DataFrame:
    """The ENVI0201 OData JSON file; see ``parse_odata_records``."""
    with fetched.path.open(encoding="utf-8-sig") as handle:
        document = json.load(handle)
    return parse_odata_records(document, f"air quality {fetched.path.name}")
