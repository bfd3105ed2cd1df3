"""CSV files written for people, in one place: what Excel opens safely and reads right.

Every CSV we write that can hold text from a partner or a source (the published exports and
per-area extracts, a partner's ``rejected_rows.csv``) goes through ``write_csv``:

- UTF-8 with a byte-order mark, so Excel on Windows reads "Ynys Môn", "ar ôl" and "£" rather
  than "Ynys MÃ´n", "ar Ã´l" and "Â£";
- a text cell that a spreadsheet would run as a formula (it starts with ``=``, ``+``, ``-``,
  ``@``, a tab or a carriage return, e.g. ``=HYPERLINK(...)``) is written with a single quote
  before it (OWASP's advice against CSV injection), which Excel shows and does not run. A text
  cell that is a number (``-3``, ``+1.5``) is left as it is, and so is every numeric column;
- a list of plain values (``la_codes``, ``wellbeing_goals``) is one cell ``a; b``, as a person
  reads it in a spreadsheet (and, like any text, quoted if it starts like a formula);
- any other nested column (a struct, map or union, or a list of them: the profiles'
  ``indicators``) is one cell of JSON text (DuckDB ``to_json``: ``[{"indicator_code":...}]``),
  which any JSON reader parses back, rather than DuckDB's own struct text, which none does.

Only the CSV differs: Parquet files and DuckDB tables keep the values exactly as they are.
"""

import re
from pathlib import Path

import duckdb

from pipelines.sqltext import quote_ident, quote_literal

UTF8_BOM = b"\xef\xbb\xbf"
# a cell Excel, LibreOffice or Google Sheets would read as a formula (or a DDE call) ...
FORMULA_START = r"^[=+\-@\t\r]"
# ... unless it is a plain number, which a spreadsheet reads as the number it is
NUMBER = r"^[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][+-]?[0-9]+)?$"
TEXT_TYPES = ("VARCHAR", "JSON")
# a struct, map or union (at the top), or a list or fixed-size array (``VARCHAR[]``, ``DOUBLE[3]``)
NESTED_TYPE = re.compile(r"^(STRUCT|MAP|UNION)\(|\[\d*\]$", re.IGNORECASE)
# a list of plain values: ``VARCHAR[]``, ``INTEGER[]`` (no struct, map, union or list inside)
FLAT_LIST_TYPE = re.compile(r"^[A-Z0-9_ (),]+\[\]$", re.IGNORECASE)


def is_flat_list(data_type: str) -> bool:
    """Whether a DuckDB type is a list of plain values (written ``a; b`` in a CSV)."""
    text = str(data_type).strip()
    return bool(FLAT_LIST_TYPE.match(text)) and not re.search(
        r"STRUCT|MAP|UNION|\[\d*\].", text, re.IGNORECASE
    )


def is_nested(data_type: str) -> bool:
    """Whether a DuckDB type is nested (a struct, map, union, list or array, at any depth)."""
    return bool(NESTED_TYPE.search(str(data_type).strip()))


def spreadsheet_text(expr: str) -> str:
    """SQL: the text ``expr`` as a CSV cell a spreadsheet shows and never runs (a single quote
    before a formula-like value; numbers and everything else unchanged)."""
    return (
        f"case when regexp_matches({expr}, {quote_literal(FORMULA_START)}) "
        f"and not regexp_matches({expr}, {quote_literal(NUMBER)}) "
        f"then '''' || {expr} else {expr} end"
    )


def write_csv(con: duckdb.DuckDBPyConnection, select: str, path: Path) -> None:
    """Write the rows of ``select`` to ``path`` as CSV with a header, a UTF-8 byte-order mark,
    a list of plain values as ``a; b`` text, every other nested column as JSON text, and every
    text through ``spreadsheet_text``."""
    path = Path(path)
    exprs = []
    for name, data_type, *_ in con.execute(f"describe {select}").fetchall():
        q = quote_ident(name)
        if is_flat_list(data_type):
            text = f"array_to_string({q}, '; ')"
            exprs.append(f"{spreadsheet_text(text)} as {q}")
        elif is_nested(data_type):
            # JSON text starts with [ { " or a digit, never a formula
            exprs.append(f"to_json({q})::varchar as {q}")
        elif str(data_type).upper() in TEXT_TYPES:
            exprs.append(f"{spreadsheet_text(q)} as {q}")
        else:
            exprs.append(q)
    plain = path.with_name(path.name + ".nobom")
    con.execute(
        f"copy (select {', '.join(exprs)} from ({select}) as _rows) "
        f"to {quote_literal(str(plain))} (format csv, header true)"
    )
    try:
        with plain.open("rb") as src, path.open("wb") as out:
            out.write(UTF8_BOM)
            while chunk := src.read(1 << 20):
                out.write(chunk)
    finally:
        plain.unlink(missing_ok=True)
