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
  ``csv`` module in strict mode, record by record, from physical lines ending in CR LF, LF or a
  CR alone, each character decoded as UTF-8 or, where its bytes are not UTF-8, Windows-1252:
  each record keeps its row number, its field count is compared with the header's (a ragged
  row is quarantined with both counts, never truncated or shifted), a quote that is not closed
  or doubled quarantines that row; a quoted value that would swallow a line reading like a whole
  row is a stray quote (``_csv_records``): its line is quarantined and the others read again as
  rows of their own; blank lines keep their row numbers. The rows are written to a temporary
  Parquet file.
* larger UTF-8 files are read by DuckDB's CSV reader in strict mode (fast, parallel), which
  rejects any ragged or badly quoted row into a rejects table; if it rejects anything, the
  loader reads the file again with the first reader. A scan of the bytes first
  (``_fast_path_refusal``, about half a second for 70 MB) sends a file to the first reader
  when DuckDB would number its rows differently from a spreadsheet: bytes that are not UTF-8, a
  CR alone, an empty line (which DuckDB does not count), or a stray quote (which DuckDB joins to
  the rows after it).
"""

import codecs
import csv
import io
import itertools
import logging
import re
import struct
import tempfile
import traceback
import unicodedata
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from xml.etree import ElementTree

import pyarrow as pa
import pyarrow.parquet as pq
import xlrd
from openpyxl.utils import column_index_from_string, get_column_letter
from openpyxl.utils.cell import coordinate_from_string

from dashboards.i18n import yn_predicative
from pipelines.filetypes import TYPE_NAMES, TYPE_NAMES_CY, sniff_type, text_encoding
from pipelines.partnership_activity.contract import (
    IDENTITY_COLUMNS,
    LOCATION_COLUMNS,
    PERSONAL_COLUMNS,
    REQUIRED_HEADER,
    canonical_column,
    submitted_columns,
)
from pipelines.partnership_activity.normalise import redact_text, shown_value
from pipelines.readers import read_sheet_rows, sheet_names
from pipelines.sqltext import quote_ident, quote_literal
from pipelines.wording import counted, some_of

LOG = logging.getLogger(__name__)
HEADER_SEARCH_ROWS = 30
FAST_CSV_BYTES = 64 * 2**20
BATCH_ROWS = 50_000
DELIMITERS = {",": "comma", ";": "semicolon", "\t": "tab", "|": "pipe"}
# The reader's own columns of a row read without a problem, between source_row_number and
# _field_count and the submitted columns (``_RowWriter`` fills them for the rows it writes): every
# other relation of rows (DuckDB's CSV reader, Parquet, a year re-run, tests) selects these.
READ_FINE = (
    "null::varchar as _read_problem, null::varchar as _read_problem_cy, null::varchar as _raw, "
    "null::varchar as _read_rule"
)
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
        notes / notes_cy: what else the partner should know, and the Welsh of those notes that
            have one (the others are shown in English in the Welsh report).
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
    notes_cy: dict[str, str] = field(default_factory=dict)  # an English note -> its Welsh
    error: str | None = None
    error_cy: str | None = None
    fast: bool = False
    rejects_table: str | None = None
    temp_dir: Path | None = None

    @property
    def delimiter_name(self) -> str | None:
        return DELIMITERS.get(self.delimiter, self.delimiter) if self.delimiter else None

    def note(self, en: str, cy: str) -> None:
        """Add a note in English and Welsh (no ';': the report lists the notes split at it)."""
        self.notes.append(en)
        self.notes_cy[en] = cy


# ---------------------------------------------------------------------------------------------
# what the file is


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


def _cell(value) -> str | None:
    """A cell or field as text; ``None`` when it is missing or blank."""
    return None if value is None or str(value).strip() == "" else str(value)


def header_score(cells: list) -> int:
    """How many contract columns the cells name (after header normalisation): a column named
    twice, in English and in Welsh (as a row of the template's table of columns does), counts
    once."""
    known = set(submitted_columns())
    return len({canonical_column(str(x)) for x in cells if _cell(x)} & known)


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
        filled = [c for c in row if _cell(c)]
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
        if _cell(cell) is None:
            continue
        name = canonical_column(str(cell))
        if name in known and name not in names:
            keep.append((i, name))
            names.add(name)
        else:
            ignored.append(str(cell).strip())
    return keep, ignored


def _shown(read: FileRead, columns: list[str]) -> str:
    """Columns found, each as the partner named it and as the contract does ('Local authority
    (la_code)'), so a partner recognises their own header."""
    return ", ".join(f"{read.sent_names[c]} ({c})" if c in read.sent_names else c for c in columns)


def _header_width(header: list) -> int:
    """Fields of the header row, not counting empty cells at its end."""
    width = len(header)
    while width and _cell(header[width - 1]) is None:
        width -= 1
    return width


def _take_header(read: FileRead, header: list) -> list[tuple[int, str]]:
    """Record the contract columns ``header`` names, the header cell as sent of those the partner
    named otherwise, the names it has that are not columns, and the error of a header without
    the required columns; returns ``_map_header``'s [(position, column)]."""
    keep, read.ignored_columns = _map_header(header)
    read.columns = [c for _, c in keep]
    sent = {name: str(header[i]).strip() for i, name in keep}
    read.sent_names = {name: cell for name, cell in sent.items() if cell != name}
    _missing_columns_error(read)
    return keep


def _missing_columns_error(read: FileRead) -> None:
    found, ignored = read.columns, read.ignored_columns
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


# ---------------------------------------------------------------------------------------------
# writing text rows


class _RowWriter:
    """Rows -> a temporary Parquet file of the relation's shape, in batches."""

    def __init__(self, folder: Path, columns: list[str]):
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
        # rule: the problem's rule name (default file.row_shape)
        row = (number, fields, problem, problem_cy, raw, rule, *values)
        for name, value in zip(self.schema.names, row):
            self.buffer[name].append(value)
        self.rows += 1
        if len(self.buffer["source_row_number"]) >= BATCH_ROWS:
            self.flush()

    def flush(self) -> None:
        if self.buffer["source_row_number"]:
            self.writer.write_table(pa.table(self.buffer, schema=self.schema))
            self.buffer = {f.name: [] for f in self.schema}

    def close(self) -> str:
        self.flush()
        self.writer.close()
        return f"read_parquet({quote_literal(str(self.file))})"


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


_SPLIT_HEAD = re.compile(r"-?£?[0-9]{1,3}")
_SPLIT_TAIL = re.compile(r"[0-9]{3}(\.[0-9]{1,2})?")


def _split_numbers(fields: list, raw: str | None, extra: int) -> list[tuple[int, str]]:
    """(header column index, value) of each number a comma-separated line split at its
    thousands commas ('£1,200' sent unquoted reads as '£1' and '200'), when those splits
    account for every extra field of the row; else ``[]`` (the row is ragged for another
    reason, or the pieces are two real values that only look alike)."""
    if not raw or extra <= 0:
        return []
    texts = ["" if f is None else str(f) for f in fields]
    # field i and i + 1 may be one number ('1', '200'; '1', '200', '000' joins twice)
    joins = [
        i
        for i in range(len(texts) - 1)
        if _SPLIT_HEAD.fullmatch(texts[i]) and _SPLIT_TAIL.fullmatch(texts[i + 1])
    ]
    if len(joins) != extra:
        return []
    numbers, shift = [], 0
    for _, run in itertools.groupby(enumerate(joins), lambda pair: pair[1] - pair[0]):
        run = [i for _, i in run]  # consecutive joins: one number
        value = ",".join(texts[run[0] : run[-1] + 2])
        if value not in raw:
            return []
        numbers.append((run[0] - shift, value))
        shift += len(run)
    return numbers


def _split_number_hint(split: list[tuple[int, str]], header: dict[int, str]) -> tuple[str, str]:
    """What to add to the ragged-row reason when its extra fields may be numbers split at their
    thousands commas (a hint, not a verdict: two real values can look the same)."""

    def where(index: int) -> str:
        return f"{index + 1}, {header[index]}" if index in header else f"{index + 1}"

    one = len(split) == 1
    values = " and ".join(f"{v} (column {where(i)})" for i, v in split)
    values_cy = " a ".join(f"{v} (colofn {where(i)})" for i, v in split)
    first, plain = split[0][1], split[0][1].replace(",", "")
    split_cy = "rhif wedi'i rannu" if one else "rhifau wedi'u rhannu"
    en = (
        f"; perhaps {values} {'is a number' if one else 'are numbers'} split at the thousands "
        f"comma: write {'it' if one else 'them'} without the comma ({plain}) or in quotes "
        f'("{first}")'
    )
    cy = (
        f"; efallai fod {values_cy} yn {split_cy} wrth goma'r "
        f'miloedd: ysgrifennwch heb y coma ({plain}) neu mewn dyfynodau ("{first}")'
    )
    return en, cy


def _write_rows(
    read: FileRead,
    records,
    header_index: int,
    width: int,
    keep: list[tuple[int, str]],
    sheet: bool = False,
    cell_problems: dict | None = None,
) -> FileRead:
    """Write the data records after the header to the relation of ``read`` (a temporary Parquet
    file); ``records`` yields (row number, fields, problem (English, Welsh) or None, raw text);
    with a problem, ``fields`` are the values before the bad quote mark (or None).

    A CSV row must have the header's number of fields (empty fields after them are ignored); a
    spreadsheet row may stop early (empty cells), but a value right of the last header is ragged.
    """
    read.temp_dir = Path(tempfile.mkdtemp(prefix="partner-read-"))
    writer = _RowWriter(read.temp_dir, read.columns)
    positions = [i for i, _ in keep]
    for number, fields, problem, raw in records:
        if number <= header_index + 1:
            continue
        if problem is not None:
            # the row is set aside whole; only the values before its bad quote mark, which
            # identify it (IDENTITY_COLUMNS), are kept so the partner can find it
            en, cy = problem
            intact = fields or []
            values = [
                _cell(intact[i]) if i < len(intact) and column in IDENTITY_COLUMNS else None
                for i, column in keep
            ]
            writer.add(number, -1, values, en, cy, redact_text(raw or "")[:2000])
            continue
        if not any(_cell(f) for f in fields):
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
            split = [] if sheet else _split_numbers(fields, raw, count - width)
            if split:
                hint = _split_number_hint(split, dict(keep))
                en, cy = en + hint[0], cy + hint[1]
            writer.add(number, count, values, en, cy, redact_text(raw or "")[:2000])
        else:
            writer.add(number, count, values)
    read.relation = writer.close()
    read.rows_hint = writer.rows
    return _no_data_rows(read, writer.rows)


# a physical line of bytes with its ending: CR LF, LF or a CR alone (an old Mac file)
_LINE = re.compile(rb"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+$")
_WORD_WITH_QUESTION_MARK = re.compile(r"[^\W\d_]+\?[^\W\d_]+")
codecs.register_error(
    "partner_latin1", lambda e: (e.object[e.start : e.end].decode("latin-1"), e.end)
)


def _utf8_or_cp1252(error: UnicodeDecodeError) -> tuple[str, int]:
    """Decoding error handler: the bytes that are not UTF-8 read as Windows-1252 (the five
    bytes it leaves undefined as Latin-1)."""
    bad = error.object[error.start : error.end]
    return bad.decode("cp1252", errors="partner_latin1"), error.end


codecs.register_error("partner_utf8_or_cp1252", _utf8_or_cp1252)


def _decode_line(data: bytes) -> tuple[str, str]:
    """One line's text and what it was: ``ascii``, ``utf-8`` (non-ASCII UTF-8), ``cp1252``
    (bytes that are not UTF-8, read as Windows-1252) or ``mixed`` (both on one line: a "£"
    typed in one program on a line of Welsh from another). Every character is decoded by what
    it is, so no letter is garbled."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        text = data.decode("utf-8", errors="partner_utf8_or_cp1252")
        plain = data.decode("cp1252", errors="partner_latin1")
        return text, "cp1252" if text == plain else "mixed"
    return text, "ascii" if text.isascii() else "utf-8"


def _byte_lines(path: Path):
    """(text, kind) of every physical line of a file in an 8-bit or UTF-8 encoding, each line
    decoded by what it is (see ``_decode_line``): a UTF-8 file with one line pasted from a
    Windows-1252 source keeps its Welsh letters on every other line. Lines end at CR LF, LF or
    CR; a UTF-8 byte-order mark is dropped."""
    first = True
    with open(path, "rb") as handle:
        for piece in handle:  # split at LF
            if first:
                piece = piece.removeprefix(b"\xef\xbb\xbf")
                first = False
            if b"\r" in piece and not (piece.count(b"\r") == 1 and piece.endswith(b"\r\n")):
                for line in _LINE.findall(piece):
                    yield _decode_line(line)
            else:
                yield _decode_line(piece)


@dataclass
class _TextFacts:
    """What the record reader saw of a file's text (for the notes)."""

    kinds: set = field(default_factory=set)
    not_utf8_rows: list[int] = field(default_factory=list)
    question_mark_rows: list[tuple[int, str]] = field(default_factory=list)


def _quote_columns(line: str, delimiter: str) -> tuple[int | None, int | None]:
    """(field index where a quoted value opens and is still open at the end of the line, field
    index of the first value with a quote mark that does not pair with another), reading the
    line on its own as a CSV reader would."""
    index, inside, at_start, lone = 0, False, True, None
    i, text = 0, line.rstrip("\r\n")
    opened = None
    while i < len(text):
        ch = text[i]
        if inside:
            if ch == '"':
                if i + 1 < len(text) and text[i + 1] == '"':
                    i += 1
                else:
                    inside = False
        elif ch == delimiter:
            index, at_start = index + 1, True
            i += 1
            continue
        elif ch == '"':
            if at_start:
                inside, opened = True, index
            elif lone is None:
                lone = index
        at_start = False
        i += 1
    return (opened if inside else None), lone


def _intact_fields(line: str, delimiter: str) -> list[str]:
    """The values of a badly quoted line that come before its first quote mark, which the
    quote cannot have moved (the activity_id and partner of a row set aside, so the partner
    can find it); empty when the quote is in the first value."""
    opened, lone = _quote_columns(line, delimiter)
    stops = [i for i in (opened, lone) if i is not None]
    if not stops:
        return []
    fields = next(csv.reader([line.rstrip("\r\n")], delimiter=delimiter), [])
    return fields[: min(stops)]


def _column_name(header: list, index: int | None) -> tuple[str, str]:
    """'column 5 (title)' in English and Welsh (mutated, after 'yng'), from the header as the
    partner wrote it."""
    if index is None:
        return "one of its columns", "un o'i cholofnau"
    name = str(header[index]).strip() if index < len(header) and header[index] else ""
    named = f" ({name})" if name else ""
    return f"column {index + 1}{named}", f"ngholofn {index + 1}{named}"


QUOTE_HOW = (
    "a value that holds a quote mark or a separator is put in double quotes, with each quote mark "
    'inside it doubled ("5"" screen")'
)
QUOTE_HOW_CY = (
    "rhoddir gwerth sy'n cynnwys dyfynnod neu wahanydd mewn dyfynodau dwbl, gyda phob dyfynnod "
    'y tu mewn iddo wedi\'i ddyblu ("5"" screen")'
)


def _yn(where_cy: str) -> str:
    """'yng ngholofn 5' / 'yn un o'i cholofnau'."""
    return f"yng {where_cy}" if where_cy.startswith("ngholofn") else f"yn {where_cy}"


def _stray_open(header: list, column: int | None, next_rows: int) -> tuple[str, str]:
    where, where_cy = _column_name(header, column)
    if next_rows == 1:
        after = (
            "the next line, which it would have joined to this row, was read as a row of its own"
        )
        after_cy = (
            "darllenwyd y llinell nesaf, y byddai wedi'i huno â'r rhes hon, fel rhes ar wahân"
        )
    else:
        after = (
            f"the next {next_rows:,} lines, which it would have joined to this row, were read as "
            "rows of their own"
        )
        after_cy = (
            f"darllenwyd y {next_rows:,} llinell nesaf, y byddai wedi'u huno â'r rhes hon, fel "
            "rhesi ar wahân"
        )
    en = (
        f'a quote mark (") in {where} opens here and is not closed: remove it or close it '
        f"({QUOTE_HOW}); {after}"
    )
    cy = (
        f"mae dyfynnod (\") {_yn(where_cy)} yn agor yma ac nid yw'n cael ei gau: tynnwch ef neu "
        f"caewch ef ({QUOTE_HOW_CY}); {after_cy}"
    )
    return en, cy


def _stray_lone(header: list, column: int | None) -> tuple[str, str]:
    where, where_cy = _column_name(header, column)
    en = (
        f'a quote mark (") in {where} has no partner: it closes a value that an earlier row '
        f"opened by mistake, or is a stray; remove it ({QUOTE_HOW})"
    )
    cy = (
        f"nid oes pâr i'r dyfynnod (\") {_yn(where_cy)}: mae'n cau gwerth a agorwyd trwy "
        f"gamgymeriad mewn rhes gynharach, neu mae'n grwydr; tynnwch ef ({QUOTE_HOW_CY})"
    )
    return en, cy


def _bad_quoting(header: list, error: str, raw: list[str], delimiter: str) -> tuple[str, str]:
    """Partner words for a record the CSV reader could not split (never the reader's own
    message): which column, what is wrong, how many lines it took."""
    opened, _lone = _quote_columns(raw[0] if raw else "", delimiter)
    lines = len(raw)
    took = (
        f" ({lines} lines, to the end of the file, were read as this one row)"
        if lines > 1 and "end of data" in error
        else f" ({lines} lines were read as this one row)"
        if lines > 1
        else ""
    )
    took_cy = (
        f" (darllenwyd {lines} llinell, hyd at ddiwedd y ffeil, fel yr un rhes hon)"
        if lines > 1 and "end of data" in error
        else f" (darllenwyd {lines} llinell fel yr un rhes hon)"
        if lines > 1
        else ""
    )
    if "end of data" in error:
        where, where_cy = _column_name(header, opened)
        return (
            (
                f'a quote mark (") in {where} opens a value that is never closed{took}: remove it or '
                f"close it ({QUOTE_HOW})"
            ),
            (
                f'mae dyfynnod (") {_yn(where_cy)} yn agor gwerth nad yw byth yn cael ei gau{took_cy}: '
                f"tynnwch ef neu caewch ef ({QUOTE_HOW_CY})"
            ),
        )
    if "expected after" in error:
        return (
            (
                f"this row has a quoted value followed by more text before the next separator{took}, "
                f"so its values cannot be told apart: {QUOTE_HOW}, or remove the quote marks"
            ),
            (
                "mae gan y rhes hon werth mewn dyfynodau a mwy o destun ar ei ôl cyn y gwahanydd nesaf"
                f"{took_cy}, felly nid oes modd gwahanu ei gwerthoedd: {QUOTE_HOW_CY}, neu tynnwch y "
                "dyfynodau"
            ),
        )
    if "field larger than field limit" in error:
        limit = csv.field_size_limit()
        return (
            (
                f"a value in this row is longer than {limit:,} characters{took}: usually a quote mark "
                f"that is not closed; check the quote marks of this row ({QUOTE_HOW})"
            ),
            (
                f"mae gwerth yn y rhes hon yn hwy na {limit:,} nod{took_cy}: fel arfer, dyfynnod nad "
                f"yw wedi'i gau; gwiriwch ddyfynodau'r rhes hon ({QUOTE_HOW_CY})"
            ),
        )
    if "NUL" in error:
        return (
            (
                "this row holds a NUL character (a zero byte), which text never has: the file may be "
                f"damaged or not a text file; save it again as CSV (UTF-8) and send it{took}"
            ),
            (
                "mae nod NUL (beit sero) yn y rhes hon, nad yw byth mewn testun: efallai bod y ffeil "
                f"wedi'i difrodi neu nad yw'n ffeil destun; cadwch hi eto fel CSV (UTF-8) a'i hanfon"
                f"{took_cy}"
            ),
        )
    return (
        (
            f'this row has a quote mark (") that is not closed or not doubled{took}, so its values '
            f"cannot be told apart: {QUOTE_HOW}, or remove the quote marks"
        ),
        (
            f"mae dyfynnod (\") yn y rhes hon nad yw wedi'i gau neu heb ei ddyblu{took_cy}, felly nid "
            f"oes modd gwahanu ei gwerthoedd: {QUOTE_HOW_CY}, neu tynnwch y dyfynodau"
        ),
    )


def _row_like(line: str, delimiter: str, width: int) -> bool:
    """Whether a line reads like a whole row: about as many separators as the header (at most
    one fewer), so it is a row of its own, not the next line of a value with a line break."""
    return width >= 2 and line.count(delimiter) >= max(1, width - 2)


def _csv_records(lines, delimiter: str, header: list, facts: _TextFacts):
    """(record number, fields, problem, raw text) for every record of a CSV, in strict mode.

    ``lines`` yields (text, kind) per physical line. ``problem`` is ``None`` or (English, Welsh)
    for a record whose fields cannot be trusted (``fields`` is then ``None``); it keeps its
    number and raw text.

    A quoted value that runs over a line break is one value (a description with a line break),
    unless a line it swallows reads like a whole row (``_row_like``): then the quote mark is a
    stray, not the start of a multi-line value. The line with it is set aside with the column
    where it opens, and the lines after it are read again as rows of their own; a line among
    them with a quote mark that pairs with none (the one that closed the stray) is set aside too.
    So no row is swallowed, and every row keeps the number the partner's spreadsheet shows.
    """
    width = _header_width(header)
    source = iter(lines)
    pending: list[tuple[str, str, bool]] = []  # lines to read again: (text, kind, after a stray)
    raw: list[tuple[str, str, bool]] = []

    def feed():
        while True:
            if pending:
                item = pending.pop(0)
            else:
                got = next(source, None)
                if got is None:
                    return
                item = (got[0], got[1], False)
            raw.append(item)
            yield item[0]

    def reader():
        return csv.reader(feed(), delimiter=delimiter, strict=True)

    records = reader()
    number = 0
    while True:
        raw.clear()
        error = None
        try:
            fields = next(records)
        except StopIteration:
            return
        except csv.Error as exc:
            fields, error = None, str(exc)
            records = reader()  # the reader starts afresh after an error
        if not raw:
            return
        texts = [t for t, _, _ in raw]
        number += 1
        if any(k in ("cp1252", "mixed") for _, k, _ in raw):
            facts.not_utf8_rows.append(number)
        facts.kinds.update(k for _, k, _ in raw)
        if len(raw) > 1 and width and any(_row_like(t, delimiter, width) for t in texts[1:]):
            # a stray quote: this line alone is the row; the others are read again
            opened, _ = _quote_columns(texts[0], delimiter)
            pending[:0] = [(t, k, True) for t, k, _ in raw[1:]]
            en, cy = _stray_open(header, opened, len(raw) - 1)
            yield number, _intact_fields(texts[0], delimiter), (en, cy), texts[0]
            if facts.not_utf8_rows[-1:] == [number] and raw[0][1] not in ("cp1252", "mixed"):
                facts.not_utf8_rows.pop()
            records = reader()
            continue
        text = "".join(texts)
        if error is not None:
            problem = _bad_quoting(header, error, texts, delimiter)
            yield number, _intact_fields(texts[0], delimiter), problem, text
            continue
        if len(raw) == 1 and raw[0][2] and texts[0].count('"') % 2:
            _, lone = _quote_columns(texts[0], delimiter)
            yield number, _intact_fields(texts[0], delimiter), _stray_lone(header, lone), text
            continue
        if len(facts.question_mark_rows) < 1000:
            for value in fields:
                if "?" in value and "/" not in value and "=" not in value:
                    found = _WORD_WITH_QUESTION_MARK.search(value)
                    if found:
                        facts.question_mark_rows.append((number, found.group()))
                        break
        yield number, fields, None, text


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
    byte_lines = encoding in ("utf-8", "utf-8-sig")  # else UTF-16: decoded whole
    fast_ok = prefer_fast and byte_lines and path.stat().st_size > FAST_CSV_BYTES
    if byte_lines:
        lines = _LINE.findall(head_bytes.removeprefix(b"\xef\xbb\xbf"))
        if len(head_bytes) == 1 << 16 and len(lines) > 1:
            lines = lines[:-1]  # the last line may be cut short
        head_text = "".join(_decode_line(line)[0] for line in lines)
    else:
        encoding = confirm_encoding(path, encoding)
        head_text = head_bytes.decode(encoding, errors="ignore").lstrip("\ufeff")
        if len(head_bytes) == 1 << 16:
            head_text = re.split(r"[\r\n]+(?=[^\r\n]*$)", head_text)[0]
    read.encoding = encoding
    best = (None, None, 0, [])
    for delimiter in DELIMITERS:
        try:
            rows = list(csv.reader(io.StringIO(head_text, newline=""), delimiter=delimiter))[
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
        try:
            sample = list(csv.reader(io.StringIO(head_text, newline=""), delimiter=sniffed or ","))[
                :5
            ]
        except csv.Error:
            sample = [line.split(sniffed or ",") for line in head_text.splitlines()[:5]]
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
            f"ni chanfuwyd rhes benawdau {searched_cy}. Mae'r ffeil "
            f"{yn_predicative(TYPE_NAMES_CY['csv'])} yn {encoding}. Disgwylir rhes sy'n enwi'r colofnau "
            f"{', '.join(REQUIRED_HEADER)}. Defnyddiwch res benawdau'r templed cyflwyno ac "
            "anfonwch y ffeil eto.",
        )
    read.delimiter = delimiter
    read.header_row = header_index + 1
    header = rows[header_index]
    # A file without the required columns is rejected, but its rows are still read (each is
    # quarantined with the reason, so no row is lost silently).
    keep = _take_header(read, header)
    width = _header_width(header)
    if fast_ok and read.error is None:
        refusal = _fast_path_refusal(path, delimiter, width)
        if refusal is None:
            return _fast_csv(read, header, keep)
        LOG.info("%s: read row by row, not by DuckDB's CSV reader: %s", path.name, refusal)
    facts = _TextFacts()
    if byte_lines:
        records = _csv_records(_byte_lines(path), delimiter, header, facts)
        _write_rows(read, records, header_index, width, keep)
        read.encoding = _byte_encoding(encoding, facts.kinds)
    else:
        with open(path, encoding=encoding, newline="") as stream:  # UTF-16: decoded whole
            lines = ((line, "text") for line in stream)
            _write_rows(
                read, _csv_records(lines, delimiter, header, facts), header_index, width, keep
            )
    _text_notes(read, facts, header_index)
    return read


def _byte_encoding(detected: str, kinds: set) -> str:
    """The encoding recorded for a file read line by line: ``utf-8`` / ``utf-8-sig`` when every
    line is UTF-8, ``cp1252`` when no character beyond ASCII is, else ``utf-8+cp1252``."""
    if not kinds & {"cp1252", "mixed"}:
        return detected
    return "utf-8+cp1252" if kinds & {"utf-8", "mixed"} else "cp1252"


def _rows_list_cy(numbers: list[int], limit: int = 10) -> str:
    """``wording.some_of`` in Welsh: '2, 3, 5 a 4 arall'."""
    shown = ", ".join(str(n) for n in numbers[:limit])
    return shown + (f" a {len(numbers) - limit:,} arall" if len(numbers) > limit else "")


def _text_notes(read: FileRead, facts: _TextFacts, header_index: int) -> None:
    """Notes on how the text was saved: rows that were not UTF-8 in a UTF-8 file (each read as
    Windows-1252, so its letters are right, but the partner should know), and, in a file that
    cannot hold every Welsh letter, words with a '?' where Excel put one for a letter it could
    not save (ŵ, ŷ)."""
    data_rows = [n for n in facts.not_utf8_rows if n > header_index]
    if read.encoding == "utf-8+cp1252" and facts.not_utf8_rows:
        rows_en = counted(len(data_rows), "row") if data_rows else "the header row"
        listed = some_of(data_rows or [header_index + 1], 10)
        listed_cy = _rows_list_cy(data_rows or [header_index + 1])
        read.note(
            f"the file is UTF-8 except for characters on {rows_en} ({listed}) saved as "
            "Windows-1252 (such as a '£' typed or pasted in another program): they were read as "
            "Windows-1252, so every letter was kept. Check those rows, and save the whole file "
            "as 'CSV UTF-8' next time",
            f"mae'r ffeil yn UTF-8 ac eithrio nodau ar {len(data_rows) or 1} rhes ({listed_cy}) "
            "a gadwyd fel Windows-1252 (fel '£' a deipiwyd neu a ludwyd mewn rhaglen arall): "
            "fe'u darllenwyd fel Windows-1252, felly cadwyd pob llythyren. Gwiriwch y rhesi hynny, "
            "a chadwch y ffeil gyfan fel 'CSV UTF-8' y tro nesaf",
        )
    if facts.kinds & {"utf-8", "mixed"} or read.encoding not in ("utf-8", "utf-8-sig", "cp1252"):
        return
    found = [(n, w) for n, w in facts.question_mark_rows if n > header_index]
    if not found:
        return
    numbers = [n for n, _ in found]
    words = ", ".join(dict.fromkeys(f"'{w}'" for _, w in found[:5]))
    if read.encoding == "cp1252":
        saved = "the file was saved in Windows-1252, which cannot hold ŵ or ŷ: Excel saves them"
        saved_cy = "cadwyd y ffeil yn Windows-1252, na all ddal ŵ nac ŷ: mae Excel yn eu cadw"
    else:
        saved = (
            "the file has no letter beyond plain ASCII (no â, ŵ or ŷ): Excel's 'CSV (Comma "
            "delimited)' saves ŵ and ŷ"
        )
        saved_cy = (
            "nid oes gan y ffeil unrhyw lythyren y tu hwnt i ASCII plaen (dim â, ŵ nac ŷ): mae "
            "'CSV (Comma delimited)' Excel yn cadw ŵ ac ŷ"
        )
    read.note(
        f"{saved} as '?', and {counted(len(numbers), 'row')} ({some_of(numbers, 10)}) have a '?' "
        f"inside a word ({words}). The rows were loaded as written. If a letter is missing, save "
        "the file as 'CSV UTF-8 (Comma delimited)' and send it again",
        f"{saved_cy} fel '?', ac mae gan {len(numbers)} rhes ({_rows_list_cy(numbers)}) '?' y tu "
        f"mewn i air ({words}). Llwythwyd y rhesi fel y'u hysgrifennwyd. Os oes llythyren ar "
        "goll, cadwch y ffeil fel 'CSV UTF-8 (Comma delimited)' a'i hanfon eto",
    )


def _fast_path_refusal(path: Path, delimiter: str, width: int) -> str | None:
    """Why DuckDB's CSV reader would not give the rows a spreadsheet shows (``None``: it
    would): bytes that are not UTF-8, a line ending in CR alone, an empty line (which it does
    not count), or a quoted value running over a line that reads like a whole row (a stray
    quote, which it would join to the rows after it). A scan of the bytes: about half a second
    for 70 MB."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    sep = delimiter.encode()
    inside, tail = False, b""
    with open(path, "rb") as handle:
        while block := handle.read(1 << 24):
            try:
                decoder.decode(block)
            except UnicodeDecodeError:
                return "not all UTF-8"
            data = tail + block
            cut = data.rfind(b"\n") + 1
            data, tail = data[:cut], data[cut:]
            if data.count(b"\r") != data.count(b"\r\n"):
                return "a line ends in CR alone"
            if b"\n\n" in data or b"\n\r\n" in data:
                return "an empty line"
            if inside or b'"' in data:
                for line in data.split(b"\n"):
                    if inside and line.count(sep) >= max(1, width - 2):
                        return "a quote mark that is not closed"
                    if line.count(b'"') % 2:
                        inside = not inside
    try:
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return "not all UTF-8"
    if b"\r" in tail.rstrip(b"\r"):
        return "a line ends in CR alone"
    if inside and tail.count(sep) >= max(1, width - 2):
        return "a quote mark that is not closed"
    return None


def _fast_csv(read: FileRead, header: list, keep: list[tuple[int, str]]) -> FileRead:
    """DuckDB's CSV reader over the whole file (strict; rejects recorded)."""
    spec = "{" + ", ".join(f"'c{i}': 'VARCHAR'" for i in range(len(header))) + "}"
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
        f"{READ_FINE}, {selected} from {source})"
    )
    read.fast = True
    return read


# A password-protected .xlsx, .xlsm or .ods (encrypted with a password to open) is an OLE
# container, like an old .xls, holding the encrypted file as this stream (its name in UTF-16).
ENCRYPTED_PACKAGE = "EncryptedPackage".encode("utf-16-le")


def _password_protected(path: Path) -> bool:
    """Whether an OLE container is a workbook encrypted with a password, not an old .xls."""
    try:
        with path.open("rb") as f:
            return any(ENCRYPTED_PACKAGE in chunk for chunk in iter(lambda: f.read(1 << 24), b""))
    except OSError:
        return False


def _read_sheets(read: FileRead) -> FileRead:
    path = read.path
    try:
        names = sheet_names(path)
    except Exception as exc:  # noqa: BLE001 (calamine raises its own error types)
        if read.file_format == "xls" and _password_protected(path):
            return _reject(
                read,
                "the file is a workbook protected by a password to open it, so it cannot be "
                "read: remove the password (in Excel: File > Info > Protect Workbook > Encrypt "
                "with Password, and clear it) and send the file again.",
                "mae'r ffeil yn llyfr gwaith wedi'i ddiogelu gan gyfrinair i'w agor, felly nid "
                "oes modd ei darllen: tynnwch y cyfrinair (yn Excel: Ffeil > Gwybodaeth > Diogelu "
                "Llyfr Gwaith > Amgryptio gyda Chyfrinair, a'i glirio) ac anfonwch y ffeil eto.",
            )
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
            f"mae'r ffeil {yn_predicative(TYPE_NAMES_CY[read.file_format])} ond nid oedd modd ei hagor; "
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
        read.note(
            f"read sheet '{name}' (sheets: {', '.join(names)})",
            f"darllenwyd y ddalen '{name}' (dalennau: {', '.join(names)})",
        )
    read.header_row = header_index + 1
    header = rows[header_index]
    keep = _take_header(read, header)  # rows still read without the required columns
    hidden, formulas = SHEET_MARKS[read.file_format](path, name)
    problems = _formula_problems(formulas, keep, header, header_index, read.file_format)
    # a hidden row below the data (formatted, empty) has no row in ``rows``
    hidden_rows = [
        r
        for r in sorted(hidden)
        if header_index + 1 < r <= len(rows) and any(_cell(c) for c in rows[r - 1])
    ]
    if hidden_rows:
        _hidden_note(read, hidden_rows, name)
    records = ((i + 1, row, None, None) for i, row in enumerate(rows))
    width = _header_width(header)
    return _write_rows(read, records, header_index, width, keep, sheet=True, cell_problems=problems)


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


def _xls_marks(path: Path, sheet: str) -> tuple[set[int], dict[int, list[tuple[int, str]]]]:
    """The hidden rows of an old Excel 97-2003 (.xls) sheet, hidden by hand or filtered out (the
    row's hidden flag), read with xlrd's formatting records. An .xls cell always holds its
    formula's saved value, so no formula is listed. ``(set(), {})`` when it cannot be read."""
    try:
        with xlrd.open_workbook(
            path, formatting_info=True, on_demand=True, logfile=io.StringIO()
        ) as book:
            rows = book.sheet_by_name(sheet).rowinfo_map
    except (xlrd.XLRDError, OSError, ValueError, KeyError, AssertionError, struct.error):
        return set(), {}
    return {index + 1 for index, info in rows.items() if info.hidden}, {}


ODS_TABLE_NS = "{urn:oasis:names:tc:opendocument:xmlns:table:1.0}"
ODS_OFFICE_NS = "{urn:oasis:names:tc:opendocument:xmlns:office:1.0}"
# A run of repeated rows longer than this is the empty, formatted rest of a sheet, not data.
ODS_REPEATED_ROWS_LIMIT = 100_000
ODS_ROWS_REPEATED = f"{ODS_TABLE_NS}number-rows-repeated"


def _ods_marks(path: Path, sheet: str) -> tuple[set[int], dict[int, list[tuple[int, str]]]]:
    """The same marks as ``_sheet_marks``, for an OpenDocument sheet (LibreOffice Calc): rows
    hidden (``table:visibility="collapse"``) or filtered out (``"filter"``), and cells with a
    ``table:formula`` but no ``office:value-type`` (written by a program and never recalculated
    and saved: calamine reads the cell as empty). Rows and cells count their
    ``number-rows-repeated`` / ``number-columns-repeated``; covered (merged) cells take their
    column. Read from ``content.xml`` as a stream; ``(set(), {})`` when it cannot be read."""
    hidden: set[int] = set()
    formulas: dict[int, list[tuple[int, str]]] = {}
    table, row_tag = f"{ODS_TABLE_NS}table", f"{ODS_TABLE_NS}table-row"
    cells = (f"{ODS_TABLE_NS}table-cell", f"{ODS_TABLE_NS}covered-table-cell")
    depth, row, column = 0, 0, 0
    try:
        with zipfile.ZipFile(path) as archive, archive.open("content.xml") as stream:
            for event, element in ElementTree.iterparse(stream, events=("start", "end")):
                tag = element.tag
                if tag == table:
                    if event == "start" and (depth or element.get(f"{ODS_TABLE_NS}name") == sheet):
                        depth += 1  # a table inside a cell of ours counts as ours: rare, harmless
                    elif event == "end" and depth:
                        depth -= 1
                        if not depth:
                            break
                    continue
                if not depth or depth > 1:
                    if event == "end" and not depth:
                        element.clear()
                    continue
                if tag == row_tag and event == "start":
                    column = 0
                    count = int(element.get(ODS_ROWS_REPEATED, "1"))
                    if element.get(f"{ODS_TABLE_NS}visibility") in ("collapse", "filter"):
                        hidden.update(range(row + 1, row + 1 + min(count, ODS_REPEATED_ROWS_LIMIT)))
                elif tag == row_tag:
                    row += int(element.get(ODS_ROWS_REPEATED, "1"))
                    element.clear()
                elif tag in cells and event == "start":
                    formula = element.get(f"{ODS_TABLE_NS}formula")
                    if formula is not None and element.get(f"{ODS_OFFICE_NS}value-type") is None:
                        text = (
                            formula.split(":", 1)[1] if formula[:3] in ("of:", "oooc:") else formula
                        )
                        formulas.setdefault(row + 1, []).append((column, text.lstrip("=")))
                elif tag in cells:
                    column += int(element.get(f"{ODS_TABLE_NS}number-columns-repeated", "1"))
    except (KeyError, ValueError, OSError, zipfile.BadZipFile, ElementTree.ParseError):
        return set(), {}
    return hidden, formulas


SHEET_MARKS = {"xlsx": _sheet_marks, "xlsm": _sheet_marks, "ods": _ods_marks, "xls": _xls_marks}


def _formula_problems(
    formulas: dict[int, list[tuple[int, str]]],
    keep,
    header: list,
    header_index: int,
    file_format: str,
) -> dict[int, tuple[str, str, str]]:
    """Row -> (English, Welsh, rule) for data rows with a formula without a saved value in a
    column that is loaded: the row is set aside saying which cell, rather than loaded as if the
    cell were empty. The advice names the program that saves such a file with its values (Excel,
    or LibreOffice Calc for an OpenDocument sheet)."""
    program = "LibreOffice Calc" if file_format == "ods" else "Excel"
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
            f" (the file was written by a program, not saved by {program}): open the file in "
            f"{program}, save it and send it again, or type the values in"
        )
        cy += (
            f" (ysgrifennwyd y ffeil gan raglen, nid ei chadw gan {program}): agorwch y ffeil yn "
            f"{program}, ei chadw a'i hanfon eto, neu teipiwch y gwerthoedd"
        )
        out[number] = (en, cy, FORMULA_RULE)
    return out


def _hidden_note(read: FileRead, rows: list[int], sheet: str) -> None:
    """Note a sheet's hidden rows (loaded like any other), in English and Welsh."""
    one = len(rows) == 1
    en = (
        f"{'row' if one else 'rows'} {some_of(rows, 10)} {'was' if one else 'were'} hidden in your "
        f"sheet '{sheet}': loaded like the other rows (check {'it is' if one else 'they are'} "
        "meant to be sent)"
    )
    cy = (
        f"roedd rhes {_rows_list_cy(rows)} wedi'i chuddio ar eich dalen '{sheet}': fe'i llwythwyd"
        if one
        else f"roedd rhesi {_rows_list_cy(rows)} wedi'u cuddio ar eich dalen '{sheet}': fe'u "
        "llwythwyd"
    ) + f" fel y rhesi eraill (gwiriwch fod angen {'ei' if one else 'eu'} hanfon)"
    read.note(en, cy)


def _read_parquet(read: FileRead) -> FileRead:
    schema = pq.read_schema(read.path)
    read.header_row = 0
    keep = _take_header(read, list(schema.names))
    if read.error:
        return read
    selected = ", ".join(
        f"{quote_ident(schema.names[i])}::varchar as {quote_ident(name)}" for i, name in keep
    )
    read.relation = (
        "(select (file_row_number + 1)::bigint as source_row_number, null::integer as _field_count, "
        f"{READ_FINE}, {selected} "
        f"from read_parquet({quote_literal(str(read.path))}, file_row_number = true))"
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
        f"mae'r ffeil {yn_predicative(TYPE_NAMES_CY['zip'])} ({inside_cy}), nid taenlen na CSV: nid yw "
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
    if kind not in ("csv", "parquet", *SHEET_MARKS):
        extra = " (Excel's 'XML Spreadsheet 2003' format)" if kind == "excel_xml" else ""
        return _reject(
            result,
            f"the file is {TYPE_NAMES[kind]}{extra}, not a spreadsheet or CSV, although its name "
            f"ends in .{suffix or '(none)'}. {SAVE_AS}.",
            f"mae'r ffeil {yn_predicative(TYPE_NAMES_CY[kind])}, nid taenlen na CSV, er bod ei henw yn gorffen "
            f"â .{suffix or '(dim)'}. {SAVE_AS_CY}.",
        )
    # a password-protected .xlsx is an OLE container like an .xls: not a misnamed file
    encrypted = kind == "xls" and looks != "xls" and _password_protected(path)
    if kind != looks and not (kind == "xlsx" and looks == "xlsm") and not encrypted:
        result.notes.append(
            f"the file is {TYPE_NAMES[kind]} although its name ends in .{suffix}: read as {kind}"
        )
    try:
        if kind == "csv":
            return _read_csv(result, prefer_fast)
        if kind == "parquet":
            return _read_parquet(result)
        return _read_sheets(result)
    except Exception:  # noqa: BLE001 (a reader bug or a file no library reads: never raise)
        # the library's own words are for the run log; the partner is told what was found
        # (a library's message may quote a cell: personal details removed, as everywhere)
        LOG.error(
            "%s: could not be read as %s:\n%s", path.name, kind, redact_text(traceback.format_exc())
        )
        encoding = f" in {result.encoding}" if result.encoding else ""
        encoding_cy = f" yn {result.encoding}" if result.encoding else ""
        return _reject(
            result,
            f"the file is {TYPE_NAMES.get(kind, kind)}{encoding} but could not be split into rows "
            f"and values (the data team can see the details in the run log). {SAVE_AS}.",
            f"mae'r ffeil {yn_predicative(TYPE_NAMES_CY.get(kind, kind))}{encoding_cy} ond nid oedd modd ei "
            f"rhannu'n rhesi a gwerthoedd (gall y tîm data weld y manylion yng nghofnod y "
            f"rhediad). {SAVE_AS_CY}.",
        )
