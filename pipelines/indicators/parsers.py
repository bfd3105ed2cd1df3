"""Parsers for the well-being indicator sources. Every value is kept as text, as published;
``sql/staging/stg_indicators__*.sql`` types and conforms them.

Each parser returns one row per published data cell or row, with ``source_row_number`` = the
1-based row of the sheet (for CSV files: the 1-based CSV record, which is the sheet row of the
spreadsheet the CSV was exported from). Lineage columns are added by
``pipelines.sources.raw_source_asset``.
"""

import csv
import re
from pathlib import Path

import polars as pl

from pipelines.catalogue import FetchedFile
from pipelines.contracts import source_columns, source_schema
from pipelines.readers import (
    csv_parser,
    find_header_row,
    read_sheet_rows,
    require_columns,
    sheet_names,
    snake,
    stripped_text,
)

Rows = list[list[str | None]]

# The 12 ONS indicator sheets with Welsh rows (the workbook also holds England-only sheets, a data
# dictionary and release notes, which are not loaded).
ONS_SHEETS: tuple[str, ...] = (
    "Life satisfaction",
    "Worthwhile",
    "Happiness",
    "Anxiety",
    "Female HLE",
    "Male HLE",
    "Smokers",
    "Employment rate",
    "Weekly pay",
    "Broadband availability",
    "4G",
    "GVA per hour",
)

NSW_SHEET = "By local authority"
FREQUENCY_TABLE = "raw.welsh_language_frequency"
CENSUS_2011_TABLE = "raw.welsh_language_census_2011"
# The value columns of the StatsWales exports: their contracts' columns after those the parser fills
FREQUENCY_VALUES = source_columns(FREQUENCY_TABLE)[3:]  # after source_row_number, level, area_name
CENSUS_2011_VALUES = source_columns(CENSUS_2011_TABLE)[5:]  # ... level, country, LA, LSOA code
N_PERCENT = re.compile(r"^\s*(\d+)\s*\(\s*(-?\d+(?:\.\d+)?)\s*%?\s*\)\s*$")


def _clean(value: str | None) -> str | None:
    """``None`` for empty or whitespace-only cells, otherwise the text unchanged."""
    if value is None or value.strip() == "":
        return None
    return value


def read_csv_rows(path: Path) -> Rows:
    """All records of a CSV file as lists of strings (``None`` for empty cells).

    Tolerates a UTF-8 byte-order mark; undecodable bytes are replaced rather than fatal.
    Quoted fields may span lines (one record = one spreadsheet row).
    """
    with path.open(encoding="utf-8-sig", errors="replace", newline="") as handle:
        return [[_clean(cell) for cell in record] for record in csv.reader(handle)]


def _cell(row: list[str | None], index: int | None) -> str | None:
    if index is None or index >= len(row):
        return None
    return row[index]


# ---------------------------------------------------------------------------------------------
# ONS subnational indicators


def _metadata(rows: Rows, label: str, limit: int) -> str | None:
    """The value next to a ``'<label>:'`` metadata line above the table (e.g. ``'Date: '``)."""
    for row in rows[:limit]:
        first = stripped_text(_cell(row, 0))
        if first is not None and first.rstrip(":").strip().lower() == label.lower():
            return stripped_text(_cell(row, 1))
    return None


def _ons_column_indexes(header: list[str | None], sheet: str) -> dict[str, int]:
    """Where area code, name, value, CIs and notes are in one sheet's header row."""
    found: dict[str, int] = {"area_code": 0, "area_name": 1, "value": 2}
    for i, text in enumerate(header):
        name = (text or "").strip().lower()
        if i < 3 or not name:
            continue
        if re.search(r"\blower ci\b|^lci$|\blower\b", name):
            found["lower_ci"] = i
        elif re.search(r"\bupper ci\b|^uci$|\bupper\b", name):
            found["upper_ci"] = i
        elif name.startswith("note"):
            found["notes"] = i
    if ("lower_ci" in found) != ("upper_ci" in found):
        raise ValueError(f"ONS sheet {sheet!r}: found only one confidence limit column in {header}")
    return found


def parse_ons_indicator_rows(rows: Rows, sheet: str) -> pl.DataFrame:
    """One ONS indicator sheet (rows of text) as a long frame: one row per area.

    Layout: metadata lines ``Indicator:``, ``Date:``, ``Coverage:``, ``Geography:``, a blank
    line, a header row starting ``Area Code, Area, <measure>`` followed, depending on the sheet, by
    ``HLE Lower CI, HLE Upper CI`` / ``LCI, UCI`` and ``Notes``, then one row per area.

    Returns:
        The columns of ``raw.ons_subnational_indicators`` (its contract), all text except
        ``source_row_number`` (Int64); ``lower_ci`` and ``upper_ci`` are null on sheets without
        confidence intervals.

    Raises:
        ValueError: the sheet has no ``Indicator:`` line or no ``Area Code`` header row.
    """
    header_index = find_header_row(rows, r"^area code")
    indicator = _metadata(rows, "Indicator", header_index)
    if indicator is None:
        raise ValueError(f"ONS sheet {sheet!r}: no 'Indicator:' line above the header row")
    header = rows[header_index]
    columns = _ons_column_indexes(header, sheet)
    common = {
        "sheet": sheet,
        "indicator_title": indicator,
        "period_text": _metadata(rows, "Date", header_index),
        "coverage": _metadata(rows, "Coverage", header_index),
        "geography": _metadata(rows, "Geography", header_index),
        "measure": stripped_text(_cell(header, 2)),
    }
    records = []
    for i, row in enumerate(rows[header_index + 1 :], start=header_index + 2):
        code = stripped_text(_cell(row, 0))
        if code is None:
            continue
        records.append(
            {
                **common,
                "source_row_number": i,
                "area_code": code,
                "area_name": stripped_text(_cell(row, columns["area_name"])),
                "value": _cell(row, columns["value"]),
                "lower_ci": _cell(row, columns.get("lower_ci")),
                "upper_ci": _cell(row, columns.get("upper_ci")),
                "notes": stripped_text(_cell(row, columns.get("notes"))),
            }
        )
    if not records:
        raise ValueError(f"ONS sheet {sheet!r}: no area rows below the header row")
    return pl.DataFrame(records, schema=source_schema("raw.ons_subnational_indicators"))


def _ons_sheet_rows(fetched: FetchedFile, sheet: str) -> Rows:
    if fetched.format == "csv_folder":
        path = fetched.path / f"{sheet}-Table 1.csv"
        if not path.exists():
            raise ValueError(f"ONS subnational indicators: {path} is missing from the folder")
        return read_csv_rows(path)
    names = {name.strip().lower(): name for name in sheet_names(fetched.path)}
    if sheet.lower() not in names:
        raise ValueError(
            f"ONS subnational indicators: sheet {sheet!r} not in {fetched.path.name} "
            f"(sheets: {sorted(names.values())})"
        )
    return read_sheet_rows(fetched.path, names[sheet.lower()])


def parse_ons_subnational_indicators(fetched: FetchedFile) -> pl.DataFrame:
    """The 12 ONS indicator sheets stacked long: one row per sheet x area (all UK areas).

    Reads the official xlsx workbook (``format: xlsx``) or a folder of per-sheet CSV exports named
    ``<sheet>-Table 1.csv`` (``format: csv_folder``); both give the same rows.

    Raises:
        ValueError: a sheet is missing or has an unexpected layout.
    """
    return pl.concat([parse_ons_indicator_rows(_ons_sheet_rows(fetched, s), s) for s in ONS_SHEETS])


# ---------------------------------------------------------------------------------------------
# National Survey for Wales: community cohesion by local authority


def parse_nsw_rows(rows: Rows) -> pl.DataFrame:
    """The ``By local authority`` cross-tabulation (rows of text) as a long frame.

    Layout: a header row of local authority names (columns C onwards) ending in a ``p`` column
    (p-value of the variable); then variable blocks, the variable name in column A on the block's
    first row only, the response in column B, ``n ( %)`` strings in the LA columns. The first
    block (``n``) is the number of respondents; ``Mean age`` cells are ``mean (sd)``.

    Returns:
        One row per variable x response x local authority: source_row_number, variable (filled
        down, as published but stripped), response, la_name, cell_text (as published), n and
        percent (text, parsed from ``n ( %)``; null where the cell is not of that form, and n =
        the cell for the ``n`` row), p_value (filled down over the variable's rows).

    Raises:
        ValueError: no header row of local authority names.
    """
    header_index = next(
        (i for i, row in enumerate(rows[:10]) if sum(_clean(c) is not None for c in row[2:]) >= 5),
        None,
    )
    if header_index is None:
        raise ValueError(
            "NSW cohesion: no header row with local authority names in the first 10 rows"
        )
    header = rows[header_index]
    la_columns = {}
    p_column = None
    for i, text in enumerate(header):
        name = stripped_text(text)
        if i < 2 or name is None:
            continue
        if name.lower() in ("p", "p-value", "p value"):
            p_column = i
        else:
            la_columns[i] = name
    records = []
    variable = None
    p_value = None
    for row_number, row in enumerate(rows[header_index + 1 :], start=header_index + 2):
        first = stripped_text(_cell(row, 0))
        if first is not None:
            variable = first
            p_value = stripped_text(_cell(row, p_column))
        response = stripped_text(_cell(row, 1))
        if variable is None or all(_clean(_cell(row, i)) is None for i in la_columns):
            continue
        for i, la_name in la_columns.items():
            text = stripped_text(_cell(row, i))
            n = percent = None
            match = N_PERCENT.match(text or "")
            if match:
                n, percent = match.group(1), match.group(2)
            elif text is not None and response is None and re.fullmatch(r"\d+", text):
                n = text
            records.append(
                {
                    "source_row_number": row_number,
                    "variable": variable,
                    "response": response,
                    "la_name": la_name,
                    "cell_text": text,
                    "n": n,
                    "percent": percent,
                    "p_value": p_value,
                }
            )
    return pl.DataFrame(records, schema=source_schema("raw.nsw_community_cohesion"))


def parse_nsw_community_cohesion(fetched: FetchedFile) -> pl.DataFrame:
    """NSW cross-tabulation by local authority (sheet ``By local authority``); see ``parse_nsw_rows``."""
    names = sheet_names(fetched.path)
    sheet = next((s for s in names if s.strip().lower() == NSW_SHEET.lower()), None)
    if sheet is None:
        raise ValueError(
            f"NSW cohesion: no sheet {NSW_SHEET!r} in {fetched.path.name} (sheets: {names})"
        )
    return parse_nsw_rows(read_sheet_rows(fetched.path, sheet))


# ---------------------------------------------------------------------------------------------
# StatsWales hierarchy CSV exports (Welsh language)


def _value_columns(
    header: list[str | None], first: int, expected: tuple[str, ...], where: str
) -> dict[int, str]:
    """Where the ``expected`` value columns are in the header (columns ``first`` on, matched by
    snake_cased name): ``{index: name}``.

    Raises:
        ValueError: the header lacks an expected column or has one more (``require_columns``).
    """
    found = {i: snake(h) for i, h in enumerate(header) if i >= first and _clean(h) is not None}
    require_columns(list(found.values()), expected, where)
    return found


def parse_welsh_language_frequency(fetched: FetchedFile) -> pl.DataFrame:
    """NSW 2018-19 frequency of speaking Welsh: one row per area (Wales and the 22 LAs).

    Layout (StatsWales export): header ``"","","Daily ","Weekly ","Less Often ","Never "``; column A
    holds the parent (``Wales``, on the Wales row and the first LA row only), column B the LA name.

    Returns:
        source_row_number, level (``country`` / ``local_authority``), area_name (names stripped of
        trailing spaces), daily, weekly, less_often, never (% of adults, text as published;
        ``*`` = suppressed, small base).

    Raises:
        ValueError: the header's value columns are not those of the contract (naming the file
            and the missing or unexpected columns).
    """
    rows = read_csv_rows(fetched.path)
    where = f"Welsh language frequency {fetched.path.name}"
    values = _value_columns(rows[0], 2, FREQUENCY_VALUES, where)
    records = []
    for row_number, row in enumerate(rows[1:], start=2):
        parent, name = stripped_text(_cell(row, 0)), stripped_text(_cell(row, 1))
        if parent is None and name is None:
            continue
        level = "local_authority" if name is not None else "country"
        records.append(
            {
                "source_row_number": row_number,
                "level": level,
                "area_name": name if name is not None else parent,
                **{col: stripped_text(_cell(row, i)) for i, col in values.items()},
            }
        )
    return pl.DataFrame(records, schema=source_schema(FREQUENCY_TABLE))


def parse_welsh_language_census_2011(fetched: FetchedFile) -> pl.DataFrame:
    """Census 2011 % able to speak Welsh: one row per area (Wales, 22 LAs, 1,909 2011 LSOAs).

    Layout (StatsWales export): columns country, LA name, LSOA code, value; the country and LA
    names appear only on the first row of their block (filled down here); LSOA codes carry a
    trailing space (stripped here).

    Returns:
        source_row_number, level (``country`` / ``local_authority`` / ``lsoa``), country_name
        (filled down: ``Wales``), la_name (filled down; null on the Wales row), lsoa_code (2011 ``W01`` code; null above LSOA level),
        percentage_able_to_speak_welsh (% of usual residents aged 3+, text as published).

    Raises:
        ValueError: the header's value column is not that of the contract (naming the file and
            the missing or unexpected columns).
    """
    rows = read_csv_rows(fetched.path)
    where = f"Welsh language census 2011 {fetched.path.name}"
    ((value_index, value_name),) = _value_columns(rows[0], 3, CENSUS_2011_VALUES, where).items()
    records = []
    la_name = country_name = None
    for row_number, row in enumerate(rows[1:], start=2):
        country, la, lsoa = (stripped_text(_cell(row, i)) for i in range(3))
        value = stripped_text(_cell(row, value_index))
        if country is None and la is None and lsoa is None and value is None:
            continue
        if country is not None:
            country_name = country
        if la is not None:
            la_name = la
        if lsoa is not None:
            level = "lsoa"
        elif la is not None:
            level = "local_authority"
        else:
            level, la_name = "country", None
        records.append(
            {
                "source_row_number": row_number,
                "level": level,
                "country_name": country_name,
                "la_name": la_name,
                "lsoa_code": lsoa,
                value_name: value,
            }
        )
    return pl.DataFrame(records, schema=source_schema(CENSUS_2011_TABLE))


# ---------------------------------------------------------------------------------------------
# Loneliness index (plain CSV)

parse_loneliness_index = csv_parser()
"""Loneliness index: one row per 2021 LSOA (1,917): lsoa21_code, loneliness_zscore, rank, deciles
(text as published; rank is written like ``1200.0``), source_row_number."""
