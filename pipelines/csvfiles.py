"""CSV files written for people, in one place: what Excel opens safely and reads right.

Every CSV we write that can hold text from a partner or a source (the published exports and
per-area extracts, a partner's ``rejected_rows.csv``) goes through ``write_csv``:

- UTF-8 with a byte-order mark, so Excel on Windows reads "Ynys Môn", "ar ôl" and "£" rather
  than "Ynys MÃ´n", "ar Ã´l" and "Â£";
- a text cell that a spreadsheet would run as a formula (it starts with ``=``, ``+``, ``-``,
  ``@``, a tab or a carriage return, e.g. ``=HYPERLINK(...)``) is written with a single quote
  before it (OWASP's advice against CSV injection), which Excel shows and does not run. A text
  cell that is a number (``-3``, ``+1.5``) is left as it is, and so is every numeric column.

Only the CSV differs: Parquet files and DuckDB tables keep the values exactly as they are.
"""

from pathlib import Path

import duckdb

from pipelines.sqltext import quote_ident, quote_literal

UTF8_BOM = b"\xef\xbb\xbf"
# a cell Excel, LibreOffice or Google Sheets would read as a formula (or a DDE call) ...
FORMULA_START = r"^[=+\-@\t\r]"
# ... unless it is a plain number, which a spreadsheet reads as the number it is
NUMBER = r"^[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][+-]?[0-9]+)?$"
TEXT_TYPES = ("VARCHAR", "JSON")


def spreadsheet_text(expr: str) -> str:
    """SQL: the text ``expr`` as a CSV cell a spreadsheet shows and never runs (a single quote
    before a formula-like value; numbers and everything else unchanged)."""
    return (
        f"case when regexp_matches({expr}, {quote_literal(FORMULA_START)}) "
        f"and not regexp_matches({expr}, {quote_literal(NUMBER)}) "
        f"then '''' || {expr} else {expr} end"
    )


def write_csv(con: duckdb.DuckDBPyConnection, select: str, path: Path) -> None:
    """Write the rows of ``select`` to ``path`` as CSV with a header, a UTF-8 byte-order mark and
    every text column through ``spreadsheet_text``."""
    path = Path(path)
    exprs = []
    for name, data_type, *_ in con.execute(f"describe {select}").fetchall():
        q = quote_ident(name)
        text = str(data_type).upper() in TEXT_TYPES
        exprs.append(f"{spreadsheet_text(q)} as {q}" if text else q)
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
