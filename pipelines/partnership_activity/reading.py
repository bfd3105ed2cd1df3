"""Reading one partner file into text rows, whatever it is, without ever raising.

``read(path)`` looks at what the file really is (not only its suffix), finds the data (the
encoding and delimiter of a CSV, the sheet of a workbook, the header row under any title rows)
and returns a ``FileRead``: either a DuckDB relation of the submitted rows as text, or, for a
file that cannot be read as a submission, an error in English and Welsh naming what was found
(the real file type, the encoding, the delimiter, the sheet names, the first cells) and what to do.

The relation has one row per row of the file after the header, with
``source_row_number`` (the row a spreadsheet shows; null on the DuckDB CSV path, where the
loader numbers rows from their order), ``_field_count``, ``_read_problem`` / ``_read_problem_cy``
(a ragged row or broken quoting: the row is quarantined with this reason and its fields are not
trusted), ``_raw`` (the row's text when its fields are not trusted) and one VARCHAR column per
contract column found in the header (``columns``).

Two CSV readers, one result:

* files up to ``FAST_CSV_BYTES`` (and any CSV the fast path refuses) are read by Python's
  ``csv`` module in strict mode, record by record: each record keeps its row number, its field
  count is compared with the header's (a ragged row is quarantined with both counts, never
  truncated or shifted), a quote that is not closed or doubled quarantines that row; blank
  lines keep their row numbers. The rows are written to a temporary Parquet file.
* larger UTF-8 files are read by DuckDB's CSV reader in strict mode (fast, parallel), which
  rejects any ragged or badly quoted row into a rejects table; if it rejects anything, or the
  file is not valid UTF-8, the loader reads the file again with the first reader. One
  difference is known and stated: on this path a completely empty line is not counted as a row,
  so row numbers after one are one lower than a spreadsheet shows.
"""

import codecs
import csv
import io
import tempfile
import unicodedata
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from xml.etree import ElementTree

import pyarrow as pa
import pyarrow.parquet as pq
from openpyxl.utils import column_index_from_string, get_column_letter
from openpyxl.utils.cell import coordinate_from_string

from pipelines.partnership_activity.contract import (
    LOCATION_COLUMNS,
    PERSONAL_COLUMNS,
    REQUIRED_HEADER,
    canonical_column,
    submitted_columns,
)
from pipelines.partnership_activity.normalise import redact_text, shown_value
from pipelines.readers import read_sheet_rows, sheet_names
from pipelines.sqltext import quote_ident, quote_literal
from pipelines.wording import counted

HEADER_SEARCH_ROWS = 30
FAST_CSV_BYTES = 64 * 2**20
BATCH_ROWS = 50_000
DELIMITERS = {",": "comma", ";": "semicolon", "\t": "tab", "|": "pipe"}
TEXT_TYPES = ("csv",)
SHEET_TYPES = ("xlsx", "xlsm", "xls", "ods")
TYPE_NAMES = {
    "csv": "a CSV text file",
    "xlsx": "an Excel workbook (.xlsx)",
    "xlsm": "an Excel macro-enabled workbook (.xlsm)",
    "xls": "an Excel 97-2003 workbook (.xls)",
    "ods": "an OpenDocument spreadsheet (.ods)",
    "parquet": "a Parquet file",
    "pdf": "a PDF document",
    "docx": "a Word document (.docx)",
    "doc": "a Word 97-2003 document or another Office file in the old format",
    "pptx": "a PowerPoint presentation (.pptx)",
    "odt": "an OpenDocument text document (.odt)",
    "zip": "a zip archive",
    "html": "a web page (HTML)",
    "xml": "an XML file",
    "excel_xml": "an Excel 2003 XML spreadsheet",
    "rtf": "a Rich Text document",
    "png": "a PNG image",
    "jpeg": "a JPEG image",
    "empty": "an empty file",
    "binary": "a binary file that is not a spreadsheet",
}
TYPE_NAMES_CY = {
    "csv": "ffeil destun CSV",
    "xlsx": "llyfr gwaith Excel (.xlsx)",
    "xlsm": "llyfr gwaith Excel gyda macros (.xlsm)",
    "xls": "llyfr gwaith Excel 97-2003 (.xls)",
    "ods": "taenlen OpenDocument (.ods)",
    "parquet": "ffeil Parquet",
    "pdf": "dogfen PDF",
    "docx": "dogfen Word (.docx)",
    "doc": "dogfen Word 97-2003 neu ffeil Office arall yn yr hen fformat",
    "pptx": "cyflwyniad PowerPoint (.pptx)",
    "odt": "dogfen destun OpenDocument (.odt)",
    "zip": "archif zip",
    "html": "tudalen we (HTML)",
    "xml": "ffeil XML",
    "excel_xml": "taenlen XML Excel 2003",
    "rtf": "dogfen Rich Text",
    "png": "delwedd PNG",
    "jpeg": "delwedd JPEG",
    "empty": "ffeil wag",
    "binary": "ffeil ddeuaidd nad yw'n daenlen",
}
SAVE_AS = (
    "Save or export the data as CSV (UTF-8) or Excel (.xlsx), one row per activity under a "
    "header row, and send it again"
)
SAVE_AS_CY = (
    "Cadwch neu allforiwch y data fel CSV (UTF-8) neu Excel (.xlsx), un rhes i bob gweithgaredd "
    "o dan res o benawdau, a'i anfon eto"
)


@dataclass
class FileRead:
    """What reading one file found.

    Attributes:
        file_format: what the file really is (csv, xlsx, ods, parquet, pdf, ...).
        relation: DuckDB SQL relation of the text rows (``None`` when rejected).
        columns: contract columns found in the header, in file order.
        sent_names: contract column -> the header cell as the partner wrote it, where the two
            differ ('Local authority' -> la_code).
        error / error_cy: why the file cannot be read as a submission, and what to do.
        rows_hint: rows counted while reading (Python path), else ``None``.
        fast: the relation is DuckDB's CSV reader (check ``rejects_table`` after reading).
        temp_dir: temporary files to remove when done.
    """

    path: Path
    file_format: str
    encoding: str | None = None
    delimiter: str | None = None
    sheet_name: str | None = None
    header_row: int | None = None
    columns: list[str] = field(default_factory=list)
    ignored_columns: list[str] = field(default_factory=list)
    sent_names: dict[str, str] = field(default_factory=dict)
    relation: str | None = None
    rows_hint: int | None = None
    notes: list[str] = field(default_factory=list)
    error: str | None = None
    error_cy: str | None = None
    fast: bool = False
    rejects_table: str | None = None
    temp_dir: Path | None = None

    @property
    def delimiter_name(self) -> str | None:
        return DELIMITERS.get(self.delimiter, self.delimiter) if self.delimiter else None


# ---------------------------------------------------------------------------------------------
# what the file is


def sniff_type(path: Path) -> str:
    """The real type of a file from its first bytes (``csv`` for text), whatever its suffix."""
    with open(path, "rb") as handle:
        head = handle.read(4096)
    if not head:
        return "empty"
    if head.startswith(b"PK\x03\x04"):
        try:
            with zipfile.ZipFile(path) as archive:
                names = set(archive.namelist())
                if "mimetype" in names:
                    kind = archive.read("mimetype").decode("ascii", "replace")
                    if "spreadsheet" in kind:
                        return "ods"
                    return "odt" if "text" in kind else "zip"
                if "xl/workbook.xml" in names or "xl/workbook.bin" in names:
                    return "xlsm" if "xl/vbaProject.bin" in names else "xlsx"
                if any(n.startswith("word/") for n in names):
                    return "docx"
                if any(n.startswith("ppt/") for n in names):
                    return "pptx"
        except zipfile.BadZipFile:
            return "zip"
        return "zip"
    if head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        return "xls"  # or a password-protected workbook; calamine says which when it fails
    if head.startswith(b"PAR1"):
        return "parquet"
    if head.startswith(b"%PDF"):
        return "pdf"
    if head.startswith(b"{\\rtf"):
        return "rtf"
    if head.startswith(b"\x89PNG"):
        return "png"
    if head.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    encoding = text_encoding(head)
    if encoding is None:
        return "binary"
    text = head.decode(encoding.replace("-sig", ""), errors="replace").lstrip("\ufeff").lstrip()
    lowered = text[:400].lower()
    if lowered.startswith(("<!doctype html", "<html")) or "<html" in lowered[:200]:
        return "html"
    if lowered.startswith("<?xml"):
        return "excel_xml" if "urn:schemas-microsoft-com:office:spreadsheet" in text else "xml"
    return "csv"


def text_encoding(head: bytes) -> str | None:
    """The encoding of text from its first bytes: a byte-order mark, UTF-16 without one (NUL
    bytes at every other position), else ``utf-8`` (confirmed or refuted later); ``None`` when
    the bytes are not text."""
    if head.startswith(b"\xef\xbb\xbf"):
        return "utf-8-sig"
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "utf-16"
    sample = head[:2048]
    if len(sample) >= 4:
        even, odd = sample[0::2], sample[1::2]
        if odd.count(0) > 0.4 * len(odd) and even.count(0) < 0.1 * len(even):
            return "utf-16-le"
        if even.count(0) > 0.4 * len(even) and odd.count(0) < 0.1 * len(odd):
            return "utf-16-be"
    if b"\x00" in sample:
        return None
    return "utf-8"


def confirm_encoding(path: Path, encoding: str) -> str:
    """The encoding the whole file decodes with: ``encoding`` (UTF-8 or UTF-16 as detected),
    else Windows-1252, else Latin-1 (which decodes any bytes)."""
    for candidate in (encoding, "cp1252", "latin-1"):
        decoder = codecs.getincrementaldecoder(candidate)()
        try:
            with open(path, "rb") as handle:
                while block := handle.read(1 << 20):
                    decoder.decode(block)
                decoder.decode(b"", final=True)
            return candidate
        except UnicodeDecodeError:
            continue
    return "latin-1"


# ---------------------------------------------------------------------------------------------
# header


def header_score(cells: list) -> int:
    """How many contract columns the cells name (after header normalisation): a column named
    twice, in English and in Welsh (as a row of the template's table of columns does), counts
    once."""
    known = set(submitted_columns())
    return len(
        {canonical_column(str(x)) for x in cells if x is not None and str(x).strip()} & known
    )


def find_header(rows: list[list]) -> tuple[int | None, int]:
    """(index, score) of the row naming the most contract columns among the first rows."""
    best, best_score = None, 0
    for i, row in enumerate(rows[:HEADER_SEARCH_ROWS]):
        score = header_score(row)
        if score > best_score:
            best, best_score = i, score
    return (best, best_score) if best_score >= 2 else (None, best_score)


def _first_cells(rows: list[list], limit: int = 3) -> str:
    """The first non-empty cells of the first rows in words, personal data removed (for
    messages): ``row 1: 'Partnership return', row 3: 'id', 'partner', ...``; ``no values`` when
    the rows are empty. Never a Python list: a partner reads it."""
    out = []
    for number, row in enumerate(rows, start=1):
        filled = [c for c in row if c is not None and str(c).strip()]
        cells = [f"'{shown_value(redact_text(c)[:40])}'" for c in filled[:4]]
        if cells:
            more = ", ..." if len(filled) > 4 else ""
            out.append(f"row {number}: {', '.join(cells)}{more}")
        if len(out) == limit:
            break
    return "; ".join(out) or "no values"


def _map_header(header: list) -> tuple[list[tuple[int, str]], list[str]]:
    """Header cells -> [(position, contract column)] (first occurrence wins), ignored names."""
    keep, names, ignored = [], set(), []
    known = set(submitted_columns())
    for i, cell in enumerate(header):
        if cell is None or str(cell).strip() == "":
            continue
        name = canonical_column(str(cell))
        if name in known and name not in names:
            keep.append((i, name))
            names.add(name)
        else:
            ignored.append(str(cell).strip())
    return keep, ignored


def _sent_names(header: list, keep: list[tuple[int, str]]) -> dict[str, str]:
    """Contract column -> header cell as sent, for the columns the partner named otherwise."""
    return {name: str(header[i]).strip() for i, name in keep if str(header[i]).strip() != name}


def _shown(read: FileRead, columns: list[str]) -> str:
    """Columns found, each as the partner named it and as the contract does ('Local authority
    (la_code)'), so a partner recognises their own header."""
    return ", ".join(f"{read.sent_names[c]} ({c})" if c in read.sent_names else c for c in columns)


def _header_width(header: list) -> int:
    """Fields of the header row, not counting empty cells at its end."""
    width = len(header)
    while width and (header[width - 1] is None or str(header[width - 1]).strip() == ""):
        width -= 1
    return width


def _missing_columns_error(read: FileRead, found: list[str], ignored: list[str]) -> FileRead:
    missing = [c for c in REQUIRED_HEADER if c not in found]
    optional = [
        c
        for c in submitted_columns()
        if c not in REQUIRED_HEADER + LOCATION_COLUMNS and c not in PERSONAL_COLUMNS
    ]
    personal = [c for c in submitted_columns() if c in PERSONAL_COLUMNS]
    do_not_send = (
        f"; do not send {', '.join(personal)} (personal data: they are never loaded)"
        if personal
        else ""
    )
    where = f"in the header on row {read.header_row}"
    if read.sheet_name:
        where += f" of sheet '{read.sheet_name}'"
    if missing:
        read.error = (
            f"missing required column(s) {', '.join(missing)} {where}. Found: "
            f"{_shown(read, found) or 'none'}"
            + (f" (not recognised: {', '.join(ignored)})" if ignored else "")
            + f". Expected: {', '.join(REQUIRED_HEADER)}, and at least one of "
            f"{', '.join(LOCATION_COLUMNS)}; optional: {', '.join(optional)}{do_not_send}. Add "
            "the missing "
            "columns (the submission template has them all) and send the file again."
        )
        read.error_cy = (
            f"mae'r golofn/colofnau gofynnol {', '.join(missing)} ar goll yn y rhes benawdau "
            f"(rhes {read.header_row}). Wedi'u canfod: {_shown(read, found) or 'dim'}. Disgwylir: "
            f"{', '.join(REQUIRED_HEADER)}, ac o leiaf un o {', '.join(LOCATION_COLUMNS)}"
            + (
                f"; peidiwch ag anfon {', '.join(personal)} (data personol: ni chânt eu llwytho)"
                if personal
                else ""
            )
            + ". Ychwanegwch y colofnau sydd ar goll (mae'r templed cyflwyno yn cynnwys pob un) ac "
            "anfonwch y ffeil eto."
        )
    elif not any(c in found for c in LOCATION_COLUMNS):
        read.error = (
            f"no location column {where}: expected at least one of {', '.join(LOCATION_COLUMNS)}."
        )
        read.error_cy = (
            f"dim colofn lleoliad yn y rhes benawdau (rhes {read.header_row}): disgwylir o leiaf "
            f"un o {', '.join(LOCATION_COLUMNS)}."
        )
    return read


# ---------------------------------------------------------------------------------------------
# writing text rows


class _RowWriter:
    """Rows -> a temporary Parquet file of the relation's shape, in batches."""

    def __init__(self, folder: Path, columns: list[str]):
        self.columns = columns
        self.file = folder / "rows.parquet"
        fields = [
            ("source_row_number", pa.int64()),
            ("_field_count", pa.int32()),
            ("_read_problem", pa.string()),
            ("_read_problem_cy", pa.string()),
            ("_raw", pa.string()),
            ("_read_rule", pa.string()),
        ] + [(c, pa.string()) for c in columns]
        self.schema = pa.schema(fields)
        self.writer = pq.ParquetWriter(self.file, self.schema, compression="lz4")
        self.buffer: dict[str, list] = {f.name: [] for f in self.schema}
        self.rows = 0

    def add(
        self,
        number: int,
        fields: int,
        values: list,
        problem=None,
        problem_cy=None,
        raw=None,
        rule=None,
    ):
        b = self.buffer
        b["source_row_number"].append(number)
        b["_field_count"].append(fields)
        b["_read_problem"].append(problem)
        b["_read_problem_cy"].append(problem_cy)
        b["_raw"].append(raw)
        b["_read_rule"].append(rule)  # the problem's rule name (default file.row_shape)
        for column, value in zip(self.columns, values):
            b[column].append(value)
        self.rows += 1
        if len(b["source_row_number"]) >= BATCH_ROWS:
            self.flush()

    def flush(self) -> None:
        if self.buffer["source_row_number"]:
            self.writer.write_table(pa.table(self.buffer, schema=self.schema))
            self.buffer = {f.name: [] for f in self.schema}

    def close(self) -> str:
        self.flush()
        self.writer.close()
        return f"read_parquet({quote_literal(str(self.file))})"


def _cell(value) -> str | None:
    return None if value is None or str(value).strip() == "" else str(value)


def _ragged(number: int, count: int, width: int) -> tuple[str, str]:
    return (
        (
            f"row {number} has {count} fields, the header has {width}: a value holds an unquoted separator, "
            "or one is missing; put each value in its own column (quote values that contain the "
            "separator) and send the row again"
        ),
        (
            f"mae gan res {number} {count} maes, mae gan y rhes benawdau {width}: mae gwerth yn cynnwys "
            "gwahanydd heb ddyfynodau, neu mae un ar goll; rhowch bob gwerth yn ei golofn ei hun "
            "(rhowch ddyfynodau o amgylch gwerthoedd sy'n cynnwys y gwahanydd) ac anfonwch y rhes eto"
        ),
    )


def _rows_from_records(
    records,
    header_index: int,
    width: int,
    keep: list[tuple[int, str]],
    writer: _RowWriter,
    sheet: bool = False,
    cell_problems: dict | None = None,
) -> None:
    """Write the data records after the header; ``records`` yields (row number, fields or None,
    error text, raw text).

    A CSV row must have the header's number of fields (empty fields after them are ignored); a
    spreadsheet row may stop early (empty cells), but a value right of the last header is ragged.
    """
    positions = [i for i, _ in keep]
    for number, fields, error, raw in records:
        if number <= header_index + 1:
            continue
        if error is not None:
            en = (
                f'this row has a quote mark (") that is not closed or not doubled ({error}), so '
                "its values cannot be told apart: put values containing quote marks in double "
                'quotes and double the quote marks inside them ("5"" screen"), or remove them'
            )
            cy = (
                "mae dyfynnod (\") yn y rhes hon nad yw wedi'i gau neu heb ei ddyblu, felly nid "
                "oes modd gwahanu ei gwerthoedd: rhowch werthoedd sy'n cynnwys dyfynodau mewn "
                "dyfynodau dwbl a dyblwch y dyfynodau y tu mewn iddynt, neu tynnwch nhw"
            )
            writer.add(number, -1, [None] * len(positions), en, cy, redact_text(raw or "")[:2000])
            continue
        if not any(f is not None and str(f).strip() for f in fields):
            continue  # an empty row: not a row of data (its number is still counted)
        count = _header_width(fields) if sheet else len(fields)
        if not sheet and count > width and _header_width(fields) <= width:
            count = width  # only empty fields after the last column
        values = [_cell(fields[i]) if i < len(fields) else None for i in positions]
        if cell_problems and number in cell_problems:  # e.g. a formula with no saved value
            en, cy, rule = cell_problems[number]
            writer.add(number, count, values, en, cy, None, rule)
        elif count > width or (not sheet and count != width):
            en, cy = _ragged(number, count, width)
            writer.add(number, count, values, en, cy, redact_text(raw or "")[:2000])
        else:
            writer.add(number, count, values)


def _csv_records(text_stream, delimiter: str):
    """(record number, fields, error, raw text) for every record of a CSV, in strict mode; a
    record with broken quoting keeps its number and raw text (``fields`` is ``None``)."""
    raw_lines: list[str] = []

    def lines():
        for line in text_stream:
            raw_lines.append(line)
            yield line

    reader = csv.reader(lines(), delimiter=delimiter, strict=True)
    number = 0
    while True:
        raw_lines.clear()
        try:
            fields = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            number += 1
            lines_read = len(raw_lines)
            detail = str(exc)
            if lines_read > 1:
                detail += f"; {lines_read} lines were read as this one row"
            yield number, None, detail, "".join(raw_lines)
            continue
        number += 1
        yield number, fields, None, "".join(raw_lines) if len(raw_lines) else ""


# ---------------------------------------------------------------------------------------------
# readers by type


def _reject(read: FileRead, en: str, cy: str) -> FileRead:
    read.error, read.error_cy = en, cy
    return read


def _no_data_rows(read: FileRead, rows: int) -> FileRead:
    """A header row and nothing under it is rejected, not recorded as a return of 0 rows (the
    partner would take it as received). A file whose header is already wrong keeps that error."""
    if rows:
        return read
    read.relation = None  # no rows to check or set aside
    if read.error is not None:
        return read
    if not read.header_row:  # Parquet: the columns are named in the file's schema
        return _reject(
            read,
            "the file names its columns but has no data rows: nothing was loaded; send the file "
            "with its rows (one row per activity).",
            "mae'r ffeil yn enwi ei cholofnau ond nid oes ganddi resi data: ni lwythwyd dim; "
            "anfonwch y ffeil gyda'i rhesi (un rhes i bob gweithgaredd).",
        )
    where = f"on row {read.header_row}"
    where_cy = f"ar res {read.header_row}"
    if read.sheet_name:
        where += f" of sheet '{read.sheet_name}'"
        where_cy += f" o'r ddalen '{read.sheet_name}'"
    return _reject(
        read,
        f"the file has a header row {where} but no data rows: nothing was loaded; send the file "
        "with its rows (one row per activity under the header row).",
        f"mae gan y ffeil res benawdau {where_cy} ond dim rhesi data: ni lwythwyd dim; anfonwch "
        "y ffeil gyda'i rhesi (un rhes i bob gweithgaredd o dan y rhes benawdau).",
    )


def _searched(rows: int, complete: bool) -> tuple[str, str]:
    """Where the header was looked for (English, Welsh): the first ``HEADER_SEARCH_ROWS`` rows,
    or all the rows of a file shorter than that."""
    if complete and rows < HEADER_SEARCH_ROWS:
        return f"in its {counted(rows, 'row')}", f"yn {rows} rhes y ffeil"
    return (
        f"in the first {HEADER_SEARCH_ROWS} rows",
        f"yn y {HEADER_SEARCH_ROWS} rhes gyntaf",
    )


def _read_csv(read: FileRead, prefer_fast: bool) -> FileRead:
    path = read.path
    with open(path, "rb") as handle:
        head_bytes = handle.read(1 << 16)
    encoding = text_encoding(head_bytes) or "utf-8"
    fast_ok = (
        prefer_fast and encoding in ("utf-8", "utf-8-sig") and path.stat().st_size > FAST_CSV_BYTES
    )
    if not fast_ok:
        encoding = confirm_encoding(path, encoding)
    read.encoding = encoding
    head_text = head_bytes.decode(encoding, errors="ignore")
    head_text = head_text.lstrip("\ufeff")
    if len(head_bytes) == 1 << 16:
        head_text = head_text.rsplit("\n", 1)[0]
    best = (None, None, 0, [])
    for delimiter in DELIMITERS:
        try:
            rows = list(csv.reader(io.StringIO(head_text), delimiter=delimiter))[
                :HEADER_SEARCH_ROWS
            ]
        except csv.Error:
            continue
        index, score = find_header(rows)
        if index is not None and score > best[2]:
            best = (delimiter, index, score, rows)
    delimiter, header_index, _, rows = best
    if delimiter is None:
        try:
            sniffed = (
                csv.Sniffer().sniff(head_text[:20000], delimiters="".join(DELIMITERS)).delimiter
            )
        except csv.Error:
            sniffed = None
        sample = list(csv.reader(io.StringIO(head_text), delimiter=sniffed or ","))[:5]
        found = (
            f"the {DELIMITERS.get(sniffed, repr(sniffed))} separates its values"
            if sniffed
            else "no separator splits its lines into columns"
        )
        searched, searched_cy = _searched(len(head_text.splitlines()), len(head_bytes) < 1 << 16)
        return _reject(
            read,
            f"no header row found {searched}. The file is "
            f"{TYPE_NAMES['csv']} in {encoding}; {found}; it starts with {_first_cells(sample)}. "
            f"Expected a row naming the columns {', '.join(REQUIRED_HEADER)} (and optional "
            "ones), values separated by commas, semicolons, tabs or pipes. Use the submission "
            "template's header row and send the file again.",
            f"ni chanfuwyd rhes benawdau {searched_cy}. Mae'r ffeil yn "
            f"{TYPE_NAMES_CY['csv']} yn {encoding}. Disgwylir rhes sy'n enwi'r colofnau "
            f"{', '.join(REQUIRED_HEADER)}. Defnyddiwch res benawdau'r templed cyflwyno ac "
            "anfonwch y ffeil eto.",
        )
    read.delimiter = delimiter
    read.header_row = header_index + 1
    header = rows[header_index]
    keep, ignored = _map_header(header)
    read.columns, read.ignored_columns = [c for _, c in keep], ignored
    read.sent_names = _sent_names(header, keep)
    # A file without the required columns is rejected, but its rows are still read (each is
    # quarantined with the reason, so no row is lost silently).
    _missing_columns_error(read, read.columns, ignored)
    width = _header_width(header)
    if fast_ok and read.error is None:
        return _fast_csv(read, header, keep)
    read.temp_dir = Path(tempfile.mkdtemp(prefix="partner-read-"))
    writer = _RowWriter(read.temp_dir, read.columns)
    with open(path, encoding=encoding, newline="") as stream:
        _rows_from_records(_csv_records(stream, delimiter), header_index, width, keep, writer)
    read.relation = writer.close()
    read.rows_hint = writer.rows
    return _no_data_rows(read, writer.rows)


def _fast_csv(read: FileRead, header: list, keep: list[tuple[int, str]]) -> FileRead:
    """DuckDB's CSV reader over the whole file (strict; rejects recorded)."""
    columns = {f"c{i}": "VARCHAR" for i in range(len(header))}
    spec = "{" + ", ".join(f"{quote_literal(k)}: 'VARCHAR'" for k in columns) + "}"
    read.rejects_table = f"_rejects_{abs(hash((str(read.path), id(read)))) % 10**9}"
    source = (
        f"read_csv({quote_literal(str(read.path))}, auto_detect = false, columns = {spec}, "
        f"header = true, skip = {read.header_row - 1}, delim = {quote_literal(read.delimiter)}, "
        "quote = '\"', escape = '\"', strict_mode = true, null_padding = false, "
        f"store_rejects = true, rejects_table = {quote_literal(read.rejects_table)}, "
        f"rejects_scan = {quote_literal(read.rejects_table + '_scan')}, max_line_size = 8388608)"
    )
    selected = ", ".join(f"c{i} as {quote_ident(name)}" for i, name in keep)
    read.relation = (
        f"(select null::bigint as source_row_number, {len(header)}::integer as _field_count, "
        "null::varchar as _read_problem, null::varchar as _read_problem_cy, null::varchar as _raw, "
        f"null::varchar as _read_rule, {selected} from {source})"
    )
    read.fast = True
    return read


def _read_sheets(read: FileRead) -> FileRead:
    path = read.path
    try:
        names = sheet_names(path)
    except Exception as exc:  # noqa: BLE001 (calamine raises its own error types)
        message = str(exc).splitlines()[0][:200]
        protected = (
            "password" in message.lower()
            or "encrypt" in message.lower()
            or (read.file_format == "xls" and "cfb" in message.lower())
        )
        hint = (
            "it may be password-protected: remove the password (File > Info > Protect "
            "Workbook) or save a copy as .xlsx"
            if protected or read.file_format == "xls"
            else SAVE_AS
        )
        return _reject(
            read,
            f"the file is {TYPE_NAMES[read.file_format]} but could not be opened ({message}); "
            f"{hint}.",
            f"mae'r ffeil yn {TYPE_NAMES_CY[read.file_format]} ond nid oedd modd ei hagor; "
            f"efallai ei bod wedi'i diogelu gan gyfrinair: tynnwch y cyfrinair neu cadwch gopi fel "
            ".xlsx.",
        )
    found, filled = [], False
    for name in names:
        try:
            head = read_sheet_rows(path, name, nrows=HEADER_SEARCH_ROWS, float_format=".15g")
        except Exception:  # noqa: BLE001, S112 (a chart sheet or broken sheet: not data)
            continue
        filled = filled or any(_cell(c) for row in head for c in row)
        index, score = find_header(head)
        if index is not None:
            found.append((name, index, score, head))
    if not found and not filled:
        return _empty(
            read,
            "no sheet holds a value" if len(names) > 1 else "its sheet holds no value",
            "nid oes gwerth ar unrhyw ddalen" if len(names) > 1 else "nid oes gwerth ar ei dalen",
        )
    if not found:
        firsts = {}
        for name in names[:5]:
            try:
                firsts[name] = _first_cells(
                    read_sheet_rows(path, name, nrows=HEADER_SEARCH_ROWS), 2
                )
            except Exception:  # noqa: BLE001
                firsts[name] = "no values"
        listed = "; ".join(
            f"'{n}' starts with {c}" if c != "no values" else f"'{n}' is empty"
            for n, c in firsts.items()
        )
        return _reject(
            read,
            f"no header row found in the first {HEADER_SEARCH_ROWS} rows of any sheet. The file "
            f"is {TYPE_NAMES[read.file_format]} with {len(names)} sheet(s): {listed}. Expected "
            f"one sheet with a row naming the columns {', '.join(REQUIRED_HEADER)}; use the "
            "submission template's Activities sheet and send the file again.",
            f"ni chanfuwyd rhes benawdau yn y {HEADER_SEARCH_ROWS} rhes gyntaf o unrhyw ddalen. "
            f"Mae gan y ffeil {len(names)} dalen: {', '.join(repr(n) for n in names)}. Disgwylir "
            f"un ddalen gyda rhes sy'n enwi'r colofnau {', '.join(REQUIRED_HEADER)}.",
        )
    rows_by_sheet = {}
    with_data = []
    for name, index, _, _ in found:
        rows = read_sheet_rows(path, name, float_format=".15g")
        rows_by_sheet[name] = (index, rows)
        if any(any(_cell(c) for c in row) for row in rows[index + 1 :]):
            with_data.append(name)
    if len(with_data) > 1:
        return _reject(
            read,
            f"sheets {', '.join(repr(n) for n in with_data)} each hold a header row and activity "
            "rows, so it is not clear which to load: put all activities on one sheet, or send "
            "one file per sheet.",
            f"mae gan y dalennau {', '.join(repr(n) for n in with_data)} res benawdau a rhesi o "
            "weithgareddau, felly nid yw'n glir pa un i'w llwytho: rhowch yr holl weithgareddau "
            "ar un ddalen, neu anfonwch un ffeil ar gyfer pob dalen.",
        )
    name = with_data[0] if with_data else found[0][0]
    header_index, rows = rows_by_sheet[name]
    read.sheet_name = name
    if names.index(name) != 0:
        read.notes.append(f"read sheet '{name}' (sheets: {', '.join(names)})")
    read.header_row = header_index + 1
    header = rows[header_index]
    keep, ignored = _map_header(header)
    read.columns, read.ignored_columns = [c for _, c in keep], ignored
    read.sent_names = _sent_names(header, keep)
    _missing_columns_error(read, read.columns, ignored)  # rows still read (see _read_csv)
    hidden, formulas = (
        _sheet_marks(path, name) if read.file_format in ("xlsx", "xlsm") else ({}, {})
    )
    problems = _formula_problems(formulas, keep, header, header_index)
    hidden_rows = [
        r for r in sorted(hidden) if r > header_index + 1 and any(_cell(c) for c in rows[r - 1])
    ]
    if hidden_rows:
        read.notes.append(_hidden_note(hidden_rows, name))
    read.temp_dir = Path(tempfile.mkdtemp(prefix="partner-read-"))
    writer = _RowWriter(read.temp_dir, read.columns)
    records = ((i + 1, row, None, None) for i, row in enumerate(rows))
    _rows_from_records(
        records,
        header_index,
        _header_width(header),
        keep,
        writer,
        sheet=True,
        cell_problems=problems,
    )
    read.relation = writer.close()
    read.rows_hint = writer.rows
    return _no_data_rows(read, writer.rows)


SHEET_NS = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
RELS_NS = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
PACKAGE_RELS_NS = "{http://schemas.openxmlformats.org/package/2006/relationships}"
FORMULA_RULE = "file.formula_without_value"


def _sheet_part(archive: zipfile.ZipFile, sheet: str) -> str | None:
    """The part (``xl/worksheets/sheet2.xml``) of a workbook's sheet, from the workbook's list of
    sheets and its relationships."""
    book = ElementTree.fromstring(archive.read("xl/workbook.xml"))
    rid = next(
        (e.get(f"{RELS_NS}id") for e in book.iter(f"{SHEET_NS}sheet") if e.get("name") == sheet),
        None,
    )
    rels = ElementTree.fromstring(archive.read("xl/_rels/workbook.xml.rels"))
    target = next(
        (
            e.get("Target")
            for e in rels.iter(f"{PACKAGE_RELS_NS}Relationship")
            if e.get("Id") == rid
        ),
        None,
    )
    if target is None:
        return None
    return target.lstrip("/") if target.startswith("/") else f"xl/{target}"


def _sheet_marks(path: Path, sheet: str) -> tuple[set[int], dict[int, list[tuple[int, str]]]]:
    """What calamine (which reads the cells' saved values) does not say about an Excel sheet:
    its hidden rows, and its cells holding a formula with no saved value (a workbook written by
    a program and never opened and saved in Excel: the cell reads as empty), by row:
    [(column index, formula)]. A formula whose saved value is empty text (``t="str"``) has a
    value. Read from the sheet's XML as a stream; ``(set(), {})`` when it cannot be read."""
    hidden: set[int] = set()
    formulas: dict[int, list[tuple[int, str]]] = {}
    try:
        with zipfile.ZipFile(path) as archive:
            part = _sheet_part(archive, sheet)
            if part is None:
                return hidden, formulas
            with archive.open(part) as stream:
                for _, element in ElementTree.iterparse(stream):
                    if element.tag == f"{SHEET_NS}row":
                        if element.get("hidden") in ("1", "true"):
                            hidden.add(int(element.get("r")))
                        element.clear()
                    elif element.tag == f"{SHEET_NS}c":
                        formula = element.find(f"{SHEET_NS}f")
                        value = element.find(f"{SHEET_NS}v")
                        if (
                            formula is not None
                            and (value is None or not value.text)
                            and element.get("t") != "str"
                        ):
                            letters, number = coordinate_from_string(element.get("r"))
                            formulas.setdefault(number, []).append(
                                (column_index_from_string(letters) - 1, formula.text or "")
                            )
    except (KeyError, ValueError, OSError, zipfile.BadZipFile, ElementTree.ParseError):
        return set(), {}
    return hidden, formulas


def _formula_problems(
    formulas: dict[int, list[tuple[int, str]]], keep, header: list, header_index: int
) -> dict[int, tuple[str, str, str]]:
    """Row -> (English, Welsh, rule) for data rows with a formula without a saved value in a
    column that is loaded: the row is set aside saying which cell, rather than loaded as if the
    cell were empty."""
    columns = dict(keep)
    out = {}
    for number, cells in formulas.items():
        cells = [(i, f) for i, f in cells if i in columns]
        if number <= header_index + 1 or not cells:
            continue
        named = ", ".join(
            f"{get_column_letter(i + 1)}{number} ({columns[i]}: ={f})"
            if f
            else f"{get_column_letter(i + 1)}{number} ({columns[i]})"
            for i, f in cells
        )
        if len(cells) == 1:
            en = f"cell {named} holds a formula with no saved value, so its value cannot be read"
            cy = f"mae cell {named} yn cynnwys fformiwla heb werth wedi'i gadw, felly nid oes modd"
            cy += " darllen ei gwerth"
        else:
            en = f"cells {named} hold formulas with no saved value, so their values cannot be read"
            cy = f"mae celloedd {named} yn cynnwys fformiwlâu heb werth wedi'i gadw, felly nid oes"
            cy += " modd darllen eu gwerthoedd"
        en += (
            " (the file was written by a program, not saved by Excel): open the file in Excel, "
            "save it and send it again, or type the values in"
        )
        cy += (
            " (ysgrifennwyd y ffeil gan raglen, nid ei chadw gan Excel): agorwch y ffeil yn Excel, "
            "ei chadw a'i hanfon eto, neu teipiwch y gwerthoedd"
        )
        out[number] = (en, cy, FORMULA_RULE)
    return out


def _hidden_note(rows: list[int], sheet: str) -> str:
    """The note of a sheet's hidden rows (loaded like any other)."""
    listed = ", ".join(str(r) for r in rows[:10]) + (
        f" and {len(rows) - 10} more" if len(rows) > 10 else ""
    )
    was = f"row {listed} was" if len(rows) == 1 else f"rows {listed} were"
    return (
        f"{was} hidden in your sheet '{sheet}': loaded like the other rows (check "
        f"{'it is' if len(rows) == 1 else 'they are'} meant to be sent)"
    )


def _read_parquet(read: FileRead) -> FileRead:
    schema = pq.read_schema(read.path)
    keep, ignored = _map_header(list(schema.names))
    read.header_row = 0
    read.columns, read.ignored_columns = [c for _, c in keep], ignored
    read.sent_names = _sent_names(schema.names, keep)
    if _missing_columns_error(read, read.columns, ignored).error:
        return read
    selected = ", ".join(
        f"{quote_ident(schema.names[i])}::varchar as {quote_ident(name)}" for i, name in keep
    )
    read.relation = (
        "(select (file_row_number + 1)::bigint as source_row_number, null::integer as _field_count, "
        "null::varchar as _read_problem, null::varchar as _read_problem_cy, null::varchar as _raw, "
        f"null::varchar as _read_rule, {selected} from read_parquet({quote_literal(str(read.path))}, file_row_number = true))"
    )
    return _no_data_rows(read, pq.ParquetFile(read.path).metadata.num_rows)


def _empty(read: FileRead, detail: str, detail_cy: str) -> FileRead:
    """Every empty form (0 bytes, a byte-order mark alone, only blank lines or separators, a
    workbook of empty sheets) is rejected with the same words; ``detail`` says which."""
    return _reject(
        read,
        f"the file is empty ({detail}): no header row and no data. Expected a header row naming "
        f"the columns {', '.join(REQUIRED_HEADER)} and one row per activity.",
        f"mae'r ffeil yn wag ({detail_cy}): dim rhes benawdau a dim data. Disgwylir rhes "
        f"benawdau sy'n enwi'r colofnau {', '.join(REQUIRED_HEADER)} ac un rhes i bob "
        "gweithgaredd.",
    )


BLANK_TEXT = " \t\r\n\x0b\x0c,;|\"'"  # with invisible characters: what an empty sheet saves as


def _blank_text(path: Path) -> tuple[str, str] | None:
    """(English, Welsh) of what an empty text file holds (a byte-order mark alone, as Excel saves
    an empty sheet, or only blank lines and separators), or ``None`` when it holds a value."""
    with open(path, "rb") as handle:
        head = handle.read(4096)
        encoding = (text_encoding(head) or "utf-8").replace("-sig", "")
        decoder = codecs.getincrementaldecoder(encoding)(errors="replace")
        block, seen = head, False
        while block:
            for c in decoder.decode(block).lstrip("\ufeff"):
                if c not in BLANK_TEXT and unicodedata.category(c) not in ("Cf", "Zs", "Zl", "Zp"):
                    return None
                seen = True
            block = handle.read(1 << 20)
    if not seen:
        return (
            "it holds only a byte-order mark, as Excel saves an empty sheet",
            "dim ond nod trefn beit sydd ynddi, fel y mae Excel yn cadw dalen wag",
        )
    return (
        "it holds only empty lines or separators",
        "dim ond llinellau gwag neu wahanyddion sydd ynddi",
    )


ARCHIVE_LISTED = 5  # the names of at most this many files inside a zip are given


def _archive_names(path: Path) -> list[str] | None:
    """The files inside a zip archive (folders and macOS metadata left out), or ``None`` when it
    cannot be opened (a damaged file: rejected as one, with its suffix)."""
    try:
        with zipfile.ZipFile(path) as archive:
            return [
                i.filename
                for i in archive.infolist()
                if not i.is_dir() and not i.filename.startswith("__MACOSX/")
            ]
    except (zipfile.BadZipFile, OSError, ValueError):
        return None


def _reject_archive(read: FileRead) -> FileRead:
    """A zip archive is rejected, naming the files inside it: the partner unzips it and sends
    those files. Its files are not read from inside the archive: each would need its own name,
    archived copy and feedback report, and a re-sent zip with one file changed would be another
    archive of the same returns; a zip may also be encrypted, nested or very large unpacked."""
    names = _archive_names(read.path) or []
    if not names:
        inside, inside_cy = "it holds no files", "nid oes ffeiliau ynddi"
    else:
        listed = ", ".join(f"'{n}'" for n in names[:ARCHIVE_LISTED])
        more = len(names) - ARCHIVE_LISTED
        inside = f"it holds {counted(len(names), 'file')}: {listed}" + (
            f" and {more} more" if more > 0 else ""
        )
        inside_cy = f"mae'n cynnwys {len(names)} ffeil: {listed}" + (
            f" a {more} arall" if more > 0 else ""
        )
    return _reject(
        read,
        f"the file is {TYPE_NAMES['zip']} ({inside}), not a spreadsheet or CSV: archives are not "
        "opened. Unzip it and send the files inside it (CSV or Excel .xlsx, one row per "
        "activity under a header row): each is loaded as its own return.",
        f"mae'r ffeil yn {TYPE_NAMES_CY['zip']} ({inside_cy}), nid taenlen na CSV: nid yw "
        "archifau'n cael eu hagor. Dadsipiwch hi ac anfonwch y ffeiliau sydd ynddi (CSV neu "
        "Excel .xlsx, un rhes i bob gweithgaredd o dan res o benawdau): caiff pob un ei llwytho "
        "fel ffurflen ar wahân.",
    )


def read(path: Path, prefer_fast: bool = True) -> FileRead:
    """Read one submission file (see the module docstring). Never raises for a bad file.

    Args:
        path: the file.
        prefer_fast: allow DuckDB's CSV reader for large UTF-8 files.
    """
    path = Path(path)
    kind = sniff_type(path)
    result = FileRead(path=path, file_format=kind)
    suffix = path.suffix.lower().lstrip(".")
    looks = {"txt": "csv", "tsv": "csv"}.get(suffix, suffix)
    if kind == "empty":
        return _empty(result, "0 bytes", "0 beit")
    if kind == "csv" and (blank := _blank_text(path)) is not None:
        return _empty(result, *blank)
    if kind == "zip" and _archive_names(path) is not None:
        return _reject_archive(result)
    if kind not in TEXT_TYPES + SHEET_TYPES + ("parquet",):
        extra = " (Excel's 'XML Spreadsheet 2003' format)" if kind == "excel_xml" else ""
        return _reject(
            result,
            f"the file is {TYPE_NAMES[kind]}{extra}, not a spreadsheet or CSV, although its name "
            f"ends in .{suffix or '(none)'}. {SAVE_AS}.",
            f"mae'r ffeil yn {TYPE_NAMES_CY[kind]}, nid taenlen na CSV, er bod ei henw yn gorffen "
            f"â .{suffix or '(dim)'}. {SAVE_AS_CY}.",
        )
    if kind != looks and not (kind == "xlsx" and looks == "xlsm"):
        result.notes.append(
            f"the file is {TYPE_NAMES[kind]} although its name ends in .{suffix}: read as {kind}"
        )
    try:
        if kind == "csv":
            return _read_csv(result, prefer_fast)
        if kind == "parquet":
            return _read_parquet(result)
        return _read_sheets(result)
    except Exception as exc:  # noqa: BLE001 (a reader bug or a file no library reads: never raise)
        return _reject(
            result,
            f"the file is {TYPE_NAMES.get(kind, kind)} but could not be read "
            f"({type(exc).__name__}: {redact_text(str(exc))[:300]}). {SAVE_AS}.",
            f"mae'r ffeil yn {TYPE_NAMES_CY.get(kind, kind)} ond nid oedd modd ei darllen. "
            f"{SAVE_AS_CY}.",
        )
