"""Parser for the StatsWales CSV export "Adult lifestyles by local authority and health board,
2020-21 onwards" (National Survey for Wales).

Layout: title and filter lines (``Measure: …``, ``Standardisation: …``, ``Year: …``), a header row
of area names (``Wales``, the 7 health boards, the 22 local authorities; names with trailing
spaces) in columns C onwards, then blocks of rows: the topic in column A (filled down), the
measure in column B, one value per area (``.`` = not applicable on the topic's heading row).
After the data: footnotes and a metadata block, which are not loaded.
"""

import polars as pl

from pipelines.catalogue import FetchedFile
from pipelines.contracts import source_schema
from pipelines.indicators.parsers import read_csv_rows
from pipelines.readers import stripped_text

FILTERS = {
    "measure": "measure_filter",
    "standardisation": "standardisation_filter",
    "year": "year_filter",
}
TABLE = "raw.nsw_adult_lifestyles"


def parse_adult_lifestyles_rows(rows: list[list[str | None]]) -> pl.DataFrame:
    """The table (rows of text) as a long frame: one row per measure x area.

    Returns:
        The columns of ``raw.nsw_adult_lifestyles`` (its contract): source_row_number (1-based
        CSV record), topic (filled down),
        measure (e.g. ``2 or more healthy behaviours``), area_name (stripped), value (text as
        published), and the three filter lines above the table (e.g. year_filter
        ``2021-22 & 2022-23``), repeated on every row. Topic heading rows (no measure) and the
        footnotes below the table are skipped.

    Raises:
        ValueError: no header row whose third cell is ``Wales``, or no ``Year:`` filter line.
    """
    header_index = next(
        (i for i, r in enumerate(rows[:30]) if len(r) > 2 and stripped_text(r[2]) == "Wales"), None
    )
    if header_index is None:
        raise ValueError("NSW adult lifestyles: no header row starting with 'Wales' in column C")
    filters: dict[str, str | None] = dict.fromkeys(FILTERS.values())
    for row in rows[:header_index]:
        first = stripped_text(row[0] if row else None) or ""
        label, _, value = first.partition(":")
        if label.strip().lower() in FILTERS and value.strip():
            filters[FILTERS[label.strip().lower()]] = value.strip()
    if filters["year_filter"] is None:
        raise ValueError("NSW adult lifestyles: no 'Year:' filter line above the table")
    areas = {
        i: stripped_text(name)
        for i, name in enumerate(rows[header_index])
        if i >= 2 and stripped_text(name)
    }
    records, topic = [], None
    for number, row in enumerate(rows[header_index + 1 :], start=header_index + 2):
        if all(stripped_text(c) is None for c in row):
            break  # the blank line that ends the table (footnotes follow)
        topic = stripped_text(row[0]) or topic
        measure = stripped_text(row[1] if len(row) > 1 else None)
        if measure is None:
            continue
        for i, area in areas.items():
            records.append(
                {
                    "source_row_number": number,
                    "topic": topic,
                    "measure": measure,
                    "area_name": area,
                    "value": stripped_text(row[i] if i < len(row) else None),
                    **filters,
                }
            )
    return pl.DataFrame(records, schema=source_schema(TABLE))


def parse_adult_lifestyles(fetched: FetchedFile) -> pl.DataFrame:
    """The StatsWales export file; see ``parse_adult_lifestyles_rows``."""
    return parse_adult_lifestyles_rows(read_csv_rows(fetched.path))
