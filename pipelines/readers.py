"""Reading awkward source files (ODS, XLSX, StatsWales CSV exports) into polars frames.

Spreadsheets are read with python-calamine (ODS and XLSX alike); every cell comes back as a
string so that parsers decide types explicitly and a bad cell can be reported by row and column.
"""

import datetime as dt
import json
import re
from pathlib import Path

import polars as pl
from python_calamine import CalamineWorkbook


def sheet_names(path: Path) -> list[str]:
    return CalamineWorkbook.from_path(str(path)).sheet_names


def _cell_text(value: object, float_format: str | None = None) -> str | None:
    if value is None:
        return None
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, float) and float_format:
        return format(value, float_format)
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    text = str(value)
    return text if text.strip() != "" else None


def read_sheet_rows(
    path: Path, sheet: str | int = 0, nrows: int | None = None, float_format: str | None = None
) -> list[list[str | None]]:
    """All rows of a sheet (or its first ``nrows``) as lists of strings (``None`` for empty
    cells); row ``i`` of the list is row ``i + 1`` of the sheet.

    ``float_format`` formats non-integer numbers (e.g. ``".15g"``: the 15 significant digits a
    spreadsheet shows, so a computed 0.1 + 0.2 reads 0.3); default ``str``.
    """
    workbook = CalamineWorkbook.from_path(str(path))
    name = workbook.sheet_names[sheet] if isinstance(sheet, int) else sheet
    options = {"skip_empty_area": False} | ({"nrows": nrows} if nrows else {})
    rows = workbook.get_sheet_by_name(name).to_python(**options)
    return [[_cell_text(v, float_format) for v in row] for row in rows]


def snake(name: str) -> str:
    """``'LSOA Name (Eng) '`` -> ``'lsoa_name_eng'``."""
    text = re.sub(r"[^0-9a-zA-Z]+", "_", name.strip()).strip("_").lower()
    return text or "column"


def stripped_text(value: object) -> str | None:
    """A cell or field as text without surrounding spaces; ``None`` when missing or blank."""
    if value is None:
        return None
    text = str(value).strip()
    return text or None


def rows_to_frame(
    rows: list[list[str | None]], header_row: int, rename: dict[str, str] | None = None
) -> pl.DataFrame:
    """Turn sheet rows into a string frame, taking row ``header_row`` (0-based) as the header.

    Empty header cells and fully empty rows are dropped; header names are stripped and, unless
    ``rename`` maps them, converted to snake_case.
    """
    header = rows[header_row]
    keep = [i for i, h in enumerate(header) if h is not None and h.strip() != ""]
    names = []
    for i in keep:
        raw_name = header[i].strip()
        names.append((rename or {}).get(raw_name, snake(raw_name)))
    data = []
    for row in rows[header_row + 1 :]:
        values = [row[i] if i < len(row) else None for i in keep]
        if any(v is not None for v in values):
            data.append(values)
    return pl.DataFrame(
        data, schema=names, orient="row", schema_overrides={n: pl.String for n in names}
    )


def read_csv_strings(path: Path, skip_rows: int = 0, **kwargs) -> pl.DataFrame:
    """Read a CSV with every column as a string; tolerates a UTF-8 byte-order mark."""
    return pl.read_csv(
        path,
        infer_schema=False,
        skip_rows=skip_rows,
        encoding="utf8-lossy",
        truncate_ragged_lines=True,
        **kwargs,
    )


def require_columns(found: list[str], expected: tuple[str, ...], where: str) -> None:
    """Check a file's value columns (``found``, as snake_cased from its header or fields) are
    ``expected`` (the columns its raw table's contract names), in any order.

    Raises:
        ValueError: naming ``where`` (the file), the contract columns the file lacks, and the
            file's columns the contract does not name (or names twice).
    """
    missing = [c for c in expected if c not in found]
    unexpected = [c for i, c in enumerate(found) if c not in expected or c in found[:i]]
    if missing or unexpected:
        problems = [f"missing columns {missing}"] if missing else []
        problems += [f"unexpected columns {unexpected}"] if unexpected else []
        raise ValueError(
            f"{where}: {'; '.join(problems)} (the file has {found}; its data contract names "
            f"{list(expected)})"
        )


def find_header_row(rows: list[list[str | None]], first_cell_pattern: str, limit: int = 20) -> int:
    """Index of the first row (within ``limit``) whose first cell matches ``first_cell_pattern``.

    Raises:
        ValueError: no such row, naming the pattern and the first cells seen.
    """
    regex = re.compile(first_cell_pattern, re.IGNORECASE)
    for i, row in enumerate(rows[:limit]):
        if row and row[0] is not None and regex.search(row[0].strip()):
            return i
    seen = [row[0] if row else None for row in rows[:limit]]
    raise ValueError(
        f"no header row whose first cell matches {first_cell_pattern!r}; first cells: {seen}"
    )


def read_sheet_table(
    path: Path, sheet: str | int, header_pattern: str, rename: dict[str, str] | None = None
) -> pl.DataFrame:
    """Read the table of one sheet whose header row's first cell matches ``header_pattern``.

    Title lines above the header are skipped; the frame has text columns (snake_cased unless
    ``rename`` maps them) and ``source_row_number``, the 1-based row in the sheet.

    Raises:
        ValueError: no header row matches (the message lists the first cells seen).
    """
    rows = read_sheet_rows(path, sheet)
    header = find_header_row(rows, header_pattern)
    return with_row_numbers(rows_to_frame(rows, header, rename), header + 2)


def with_row_numbers(frame: pl.DataFrame, first_data_row: int) -> pl.DataFrame:
    """Add ``source_row_number``: the 1-based row number in the source file or sheet."""
    return frame.with_row_index("source_row_number", offset=first_data_row).with_columns(
        pl.col("source_row_number").cast(pl.Int64)
    )


def _record_text(value: object) -> str | None:
    """A JSON value as the text a CSV export of it would hold (``None`` stays ``None``)."""
    return str(value).lower() if isinstance(value, bool) else _cell_text(value)


def read_feature_records(path: Path) -> pl.DataFrame:
    """The attributes of a GeoJSON FeatureCollection (or ArcGIS JSON ``features``) as text.

    One row per feature, in file order; columns are the properties of the first feature (every
    feature must have the same ones).

    Raises:
        ValueError: the file is not a feature collection, or features differ in properties.
    """
    doc = json.loads(path.read_text(encoding="utf-8-sig"))
    features = doc.get("features") if isinstance(doc, dict) else None
    if features is None:
        raise ValueError(f"{path.name}: not a GeoJSON FeatureCollection (no 'features')")
    records = [f.get("properties", f.get("attributes")) or {} for f in features]
    names = list(records[0]) if records else []
    for i, record in enumerate(records, start=1):
        if list(record) != names:
            raise ValueError(
                f"{path.name}: feature {i} has properties {list(record)}, expected {names}"
            )
    data = [[_record_text(r[n]) for n in names] for r in records]
    return pl.DataFrame(
        data, schema=names, orient="row", schema_overrides={n: pl.String for n in names}
    )


def select_fields(
    frame: pl.DataFrame, fields: dict[str, str] | None, file_name: str
) -> pl.DataFrame:
    """Keep only ``fields`` (``official name -> raw name``), renamed, in that order.

    Raises:
        ValueError: an expected field is missing (naming the file and the fields present).
    """
    if not fields:
        return frame
    missing = [f for f in fields if f not in frame.columns]
    if missing:
        raise ValueError(
            f"{file_name}: fields {missing} not found (fields present: {frame.columns}); the "
            "publisher may have renamed them: update 'fields' in pipelines/catalogue.yaml"
        )
    return frame.select([pl.col(k).alias(v) for k, v in fields.items()])


def read_table_strings(fetched) -> tuple[pl.DataFrame, int]:
    """A flat source table as text, whatever form was fetched: a CSV (header = row 1) or a
    GeoJSON / ArcGIS feature query (one row per feature). Official field names are mapped to
    the mirror's column names with the catalogue's ``fields``.

    Returns:
        The frame and the 1-based source row number of its first row (2 for a CSV, whose row 1
        is the header; 1 for features, numbered in file order).
    """
    if fetched.format in ("geojson", "json"):
        frame, first = read_feature_records(fetched.path), 1
    else:
        frame, first = read_csv_strings(fetched.path), 2
    return select_fields(frame, fetched.fields, fetched.file_name), first


def csv_parser(rename: dict[str, str] | None = None, keep_if=None):
    """A parser for a plain table source (a CSV, or the same table as an ArcGIS GeoJSON query):
    every column as text, names snake_cased (or renamed), ``source_row_number`` added (the CSV
    row, header = row 1; or the feature number). ``keep_if`` optionally filters rows (a polars
    expression), e.g. to keep Welsh rows of a UK-wide file."""

    def parse(fetched) -> pl.DataFrame:
        frame, first = read_table_strings(fetched)
        frame = frame.rename(
            {c: (rename or {}).get(c.strip().lstrip("\ufeff"), snake(c)) for c in frame.columns}
        )
        frame = frame.select([c for c in frame.columns if c != "column"])
        frame = with_row_numbers(frame, first)
        if keep_if is not None:
            frame = frame.filter(keep_if)
        return frame

    return parse
