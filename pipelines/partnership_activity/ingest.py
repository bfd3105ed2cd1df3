"""Reading partner submission files and loading them into the warehouse, idempotently.

A submission is one file in the inbox: CSV (UTF-8, UTF-8 with BOM or Windows-1252), XLSX, ODS
or Parquet, one row per activity, a header row naming the contract's columns (title rows above
the header are skipped; header names are matched case- and punctuation-insensitively).

Loading a file (``load_submission``):

1. its sha256 is computed; a file already in ``quality.submissions`` is skipped (nothing changes);
2. the original is copied to ``<archive>/<sha256>/<file name>``;
3. rows are validated (``validate.validate``); valid rows are inserted into
   ``raw.partnership_activity``, each failed rule into ``quality.quarantine``;
4. an earlier current row with the same (partner_organisation, activity_id) is marked
   ``is_current = false`` and the new row's ``supersedes_note`` names it; open quarantine
   rows for that key are marked resolved;
5. one row goes to ``quality.submissions``: rows_submitted == rows_accepted + rows_quarantined.

All of 3 to 5 happen in one DuckDB transaction. A file that cannot be read as a submission
(empty, no recognisable header, required columns missing) is logged with status ``rejected``
and a specific error; its rows (if any) go to quarantine, so no row is ever lost silently.
"""

import re
import shutil
import tempfile
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import polars as pl

from pipelines.catalogue import sha256_of
from pipelines.partnership_activity import validate as v
from pipelines.readers import read_sheet_rows, snake
from pipelines.sqltext import quote_literal

SUPPORTED_SUFFIXES = (".csv", ".txt", ".xlsx", ".xlsm", ".xls", ".ods", ".parquet")
HEADER_SEARCH_ROWS = 30

# Header aliases partners commonly use -> contract column.
HEADER_ALIASES = {
    "id": "activity_id",
    "activity_reference": "activity_id",
    "activity_ref": "activity_id",
    "partner": "partner_organisation",
    "organisation": "partner_organisation",
    "partner_organization": "partner_organisation",
    "category": "action_category",
    "type": "activity_type",
    "lsoa": "lsoa_code",
    "lsoa21cd": "lsoa_code",
    "lsoa_2021_code": "lsoa_code",
    "local_authority": "la_code",
    "local_authority_code": "la_code",
    "la": "la_code",
    "lad_code": "la_code",
    "post_code": "postcode",
    "lat": "latitude",
    "lon": "longitude",
    "long": "longitude",
    "lng": "longitude",
    "start": "start_date",
    "end": "end_date",
    "participants": "participant_count",
    "number_of_participants": "participant_count",
    "funding": "funding_gbp",
    "funding_amount": "funding_gbp",
    "amount_gbp": "funding_gbp",
    "goals": "wellbeing_goals",
    "well_being_goals": "wellbeing_goals",
    "maturity": "partnership_maturity",
    "email": "contact_email",
    "phone": "contact_phone",
    "telephone": "contact_phone",
}


class SubmissionError(ValueError):
    """A file that cannot be read as a submission; the message names the file and the fix.

    Attributes:
        submission: what could be read of the file (its rows go to quarantine), or ``None``.
    """

    def __init__(self, message: str, submission: "Submission | None" = None):
        super().__init__(message)
        self.submission = submission


@dataclass
class Submission:
    """One submitted file read as text.

    Attributes:
        path: the file.
        frame: one row per non-empty data row, contract column names, all text, plus
            ``source_row_number`` (row as a spreadsheet shows it; the header row counts).
        file_format: csv, xlsx, ods or parquet.
        encoding: detected text encoding (CSV only).
        header_row: 1-based row of the header.
        ignored_columns: header names not in the contract (not loaded anywhere).
    """

    path: Path
    frame: pl.DataFrame
    file_format: str
    encoding: str | None
    header_row: int
    ignored_columns: list[str] = field(default_factory=list)


def canonical_column(name: str) -> str:
    """Header text -> contract column name ('Activity ID' -> activity_id, 'LSOA' -> lsoa_code)."""
    key = snake(name.replace("£", "gbp"))
    key = re.sub(r"_gbp$", "_gbp", key)
    return HEADER_ALIASES.get(key, key)


def decode_text(data: bytes) -> tuple[str, str]:
    """Decode CSV bytes: UTF-8 with BOM, UTF-8, then Windows-1252 (then Latin-1, which never fails).

    Returns (text, encoding name). Windows-1252 covers â, ô, ê and the other circumflexes of
    Welsh but not ŵ or ŷ; a file with those must be UTF-8.
    """
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="replace"), "utf-8-sig"
    for encoding in ("utf-8", "cp1252"):
        try:
            return data.decode(encoding), encoding
        except UnicodeDecodeError:
            continue
    return data.decode("latin-1"), "latin-1"


def _header_score(cells: list[str | None]) -> int:
    known = set(v.submitted_columns())
    return sum(1 for x in cells if x is not None and canonical_column(str(x)) in known)


def _redacted(text: str) -> str:
    """``text`` with e-mail addresses, phone numbers and postcodes replaced by '[removed]'."""
    return pl.select(v.redact(pl.lit(str(text)))).item()


def _find_header(rows: list[list[str | None]], path: Path) -> int:
    best, best_score = None, 0
    for i, row in enumerate(rows[:HEADER_SEARCH_ROWS]):
        score = _header_score(row)
        if score > best_score:
            best, best_score = i, score
        if score >= 4:
            return i
    if best is None or best_score < 2:
        # Show only the first few cells of the first rows, with contact details removed: the
        # message is stored in quality.submissions and logged, so it must carry no personal data.
        first = [[_redacted(c) for c in r if c][:4] for r in rows[:3]]
        raise SubmissionError(
            f"{path.name}: no header row found in the first {HEADER_SEARCH_ROWS} rows. Expected a row "
            f"naming the columns {', '.join(v.REQUIRED_HEADER)} (and optional ones); the file starts "
            f"with {first}."
        )
    return best


def _rows_to_submission(
    rows: list[list[str | None]], path: Path, file_format: str, encoding: str | None
) -> Submission:
    rows = [r for r in rows]
    if not rows or all(all(c is None or str(c).strip() == "" for c in r) for r in rows):
        raise SubmissionError(
            f"{path.name}: the file is empty (no header row and no data). Expected a header row "
            f"naming the columns {', '.join(v.REQUIRED_HEADER)} and one row per activity."
        )
    header_index = _find_header(rows, path)
    header = rows[header_index]
    keep, names, ignored = [], [], []
    for i, h in enumerate(header):
        if h is None or str(h).strip() == "":
            continue
        name = canonical_column(str(h))
        if name in v.submitted_columns() and name not in names:
            keep.append(i)
            names.append(name)
        else:
            ignored.append(str(h).strip())
    data, numbers = [], []
    for offset, row in enumerate(rows[header_index + 1 :], start=header_index + 2):
        values = [row[i] if i < len(row) else None for i in keep]
        values = [None if x is None or str(x).strip() == "" else str(x) for x in values]
        if any(x is not None for x in values):
            data.append(values)
            numbers.append(offset)
    frame = pl.DataFrame(data, schema={n: pl.String for n in names}, orient="row")
    frame = frame.with_columns(pl.Series("source_row_number", numbers, dtype=pl.Int64))
    return Submission(path, frame, file_format, encoding, header_index + 1, ignored)


def _read_csv(path: Path) -> Submission:
    """Read a CSV submission without holding more than one copy of it in memory.

    The header row is found in the first 64 KiB; the file is then parsed by polars straight from
    disk when it is valid UTF-8 (with or without a byte-order mark), and decoded from
    Windows-1252 only when it is not.
    """
    with path.open("rb") as handle:
        head = handle.read(1 << 16)
    bom = head.startswith(b"\xef\xbb\xbf")
    head_text, encoding = decode_text(head if len(head) < (1 << 16) else _trim_partial_utf8(head))
    if head_text.strip() == "":
        return _rows_to_submission([], path, "csv", encoding)
    import csv

    lines = head_text.splitlines()[:HEADER_SEARCH_ROWS]
    head_rows = [[c if c.strip() else None for c in r] for r in csv.reader(lines)]
    header_index = _find_header(head_rows, path) if head_rows else 0
    options = {
        "infer_schema": False,
        "skip_rows": header_index,
        "has_header": True,
        "truncate_ragged_lines": True,
    }
    frame = None
    if encoding in ("utf-8", "utf-8-sig"):
        try:
            frame = pl.read_csv(path, encoding="utf8", **options)
            encoding = "utf-8-sig" if bom else "utf-8"
        except pl.exceptions.ComputeError:
            frame = None  # not valid UTF-8 further into the file
    if frame is None:
        text, encoding = decode_text(path.read_bytes())
        frame = pl.read_csv(text.encode("utf-8"), **options)
        del text
    if frame.columns and frame.columns[0].startswith("\ufeff"):
        frame = frame.rename({frame.columns[0]: frame.columns[0].lstrip("\ufeff")})
    return _frame_to_submission(frame, path, "csv", encoding, header_index)


def _trim_partial_utf8(data: bytes) -> bytes:
    """Drop an incomplete UTF-8 sequence at the end of a block (so the block can be decoded)."""
    for cut in range(4):
        try:
            (data[: len(data) - cut] if cut else data).decode("utf-8")
            return data[: len(data) - cut] if cut else data
        except UnicodeDecodeError:
            continue
    return data


def _frame_to_submission(
    frame: pl.DataFrame, path: Path, file_format: str, encoding: str | None, header_index: int
) -> Submission:
    """A frame read with its header -> Submission (rename, drop unknown and empty rows)."""
    rename, ignored = {}, []
    for col in frame.columns:
        name = canonical_column(col)
        if name in v.submitted_columns() and name not in rename.values():
            rename[col] = name
        else:
            ignored.append(col)
    frame = frame.select([pl.col(c).cast(pl.String).alias(n) for c, n in rename.items()])
    frame = frame.with_row_index("source_row_number", offset=header_index + 2).with_columns(
        pl.col("source_row_number").cast(pl.Int64)
    )
    data_cols = [c for c in frame.columns if c != "source_row_number"]
    if data_cols:
        frame = frame.filter(
            pl.any_horizontal([pl.col(c).str.strip_chars().fill_null("") != "" for c in data_cols])
        )
    ignored = [c for c in ignored if c and not c.startswith("_duplicated")]
    return Submission(path, frame, file_format, encoding, header_index + 1, ignored)


# CSVs larger than this are validated and loaded in batches straight from disk (two streaming
# passes: the duplicate-id keys first, then the rows), so memory does not grow with the file.
STREAM_CSV_BYTES = 64 * 2**20
# Rows validated at a time when streaming: validation needs a few KiB per row at its peak.
STREAM_BATCH_ROWS = 100_000


@dataclass
class CsvScan:
    """A large UTF-8 CSV read lazily: ``frame`` yields the rows ``_frame_to_submission`` would."""

    submission: Submission  # metadata only (its frame is empty)
    frame: pl.LazyFrame
    rows: int  # -1: not counted yet (the streaming pass counts them)
    first_row: pl.DataFrame  # source_row_number, _first_row of rows whose key repeats


def _scan_csv(path: Path) -> CsvScan | None:
    """Plan a batched read of a large UTF-8 CSV; ``None`` when the whole-file path must be used
    (another encoding, no header, missing columns: that path gives the same outcome as before)."""
    with path.open("rb") as handle:
        head = handle.read(1 << 16)
    bom = head.startswith(b"\xef\xbb\xbf")
    try:
        head_text = _trim_partial_utf8(head).decode("utf-8")
    except UnicodeDecodeError:
        return None
    import csv

    lines = head_text.lstrip("\ufeff").splitlines()[:HEADER_SEARCH_ROWS]
    head_rows = [[c if c.strip() else None for c in r] for r in csv.reader(lines)]
    try:
        header_index = _find_header(head_rows, path)
    except SubmissionError:
        return None
    scan = pl.scan_csv(
        path,
        infer_schema=False,
        skip_rows=header_index,
        has_header=True,
        truncate_ragged_lines=True,
        encoding="utf8",
    )
    try:
        names = scan.collect_schema().names()
    except pl.exceptions.PolarsError:
        return None
    if names and names[0].startswith("\ufeff"):
        scan = scan.rename({names[0]: names[0].lstrip("\ufeff")})
        names[0] = names[0].lstrip("\ufeff")
    rename, ignored = {}, []
    for col in names:
        name = canonical_column(col)
        if name in v.submitted_columns() and name not in rename.values():
            rename[col] = name
        else:
            ignored.append(col)
    if any(c not in rename.values() for c in v.REQUIRED_HEADER) or not any(
        c in rename.values() for c in v.LOCATION_COLUMNS
    ):
        return None
    frame = (
        scan.select([pl.col(c).alias(n) for c, n in rename.items()])
        .with_row_index("source_row_number", offset=header_index + 2)
        .with_columns(pl.col("source_row_number").cast(pl.Int64))
        .filter(
            pl.any_horizontal(
                [pl.col(n).str.strip_chars().fill_null("") != "" for n in rename.values()]
            )
        )
    )
    # Pass 1: a 64-bit hash of each row's (partner, id) key; rows whose hash repeats are then
    # compared on the exact key (so a hash collision never marks a row as a duplicate). Only the
    # two key columns are parsed (projection): blank rows are not filtered out here (that needs
    # every column) but they drop out of the exact comparison below, which reads ``frame``.
    key_names = [n for n in ("partner_organisation", "activity_id") if n in rename.values()]
    key_frame = (
        scan.select([pl.col(c).alias(n) for c, n in rename.items() if n in key_names])
        .with_row_index("source_row_number", offset=header_index + 2)
        .with_columns(pl.col("source_row_number").cast(pl.Int64))
        .with_columns(
            [
                pl.lit(None, pl.String).alias(n)
                for n in ("partner_organisation", "activity_id")
                if n not in key_names
            ]
        )
    )
    try:
        keys = key_frame.select(
            "source_row_number", pl.struct(v.duplicate_key_exprs()).hash(7).alias("_h")
        ).collect(engine="streaming")
    except pl.exceptions.ComputeError:
        return None  # not valid UTF-8 further into the file
    candidates = keys.filter(pl.len().over("_h") > 1)["source_row_number"]
    rows = -1  # counted while the rows are streamed (blank rows are not rows)
    del keys
    first_row = pl.DataFrame(schema={"source_row_number": pl.Int64, "_first_row": pl.Int64})
    if candidates.len():
        first_row = (
            frame.filter(pl.col("source_row_number").is_in(candidates.implode()))
            .select("source_row_number", *v.duplicate_key_exprs())
            .collect(engine="streaming")
            .select(
                "source_row_number",
                pl.col("source_row_number")
                .min()
                .over(["partner_organisation", "activity_id"])
                .alias("_first_row"),
            )
        )
    ignored = [c for c in ignored if c and not c.startswith("_duplicated")]
    encoding = "utf-8-sig" if bom else "utf-8"
    sub = Submission(path, pl.DataFrame(), "csv", encoding, header_index + 1, ignored)
    return CsvScan(sub, frame, rows, first_row)


class _NotUtf8(Exception):
    """A streamed CSV turned out not to be valid UTF-8 part-way through (reload it whole)."""


def read_submission(path: Path) -> Submission:
    """Read a submission file into text columns named as in the contract.

    Raises:
        SubmissionError: unsupported format, empty file, no header row, or required columns
            missing (the message names the file, the missing columns and the expected ones).
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        raise SubmissionError(
            f"{path.name}: unsupported file type '{suffix}'. Expected CSV, XLSX, ODS or Parquet."
        )
    if path.stat().st_size == 0:
        return _rows_to_submission([], path, suffix.lstrip("."), None)
    if suffix in (".csv", ".txt"):
        sub = _read_csv(path)
    elif suffix == ".parquet":
        sub = _frame_to_submission(pl.read_parquet(path), path, "parquet", None, 0)
    else:
        try:
            rows = read_sheet_rows(path, 0)
        except Exception as exc:  # calamine raises its own error types
            raise SubmissionError(
                f"{path.name}: could not be opened as a spreadsheet ({exc})."
            ) from exc
        sub = _rows_to_submission(rows, path, suffix.lstrip("."), None)
    missing = [c for c in v.REQUIRED_HEADER if c not in sub.frame.columns]
    if missing:
        raise SubmissionError(
            f"{path.name}: missing required column(s) {', '.join(missing)} in the header on row "
            f"{sub.header_row}. Found: {', '.join(c for c in sub.frame.columns if c != 'source_row_number') or 'none'}"
            + (
                f" (not recognised: {', '.join(sub.ignored_columns)})"
                if sub.ignored_columns
                else ""
            )
            + f". Expected: {', '.join(v.REQUIRED_HEADER)}, and at least one of "
            f"{', '.join(v.LOCATION_COLUMNS)}; optional: "
            + ", ".join(
                c for c in v.submitted_columns() if c not in v.REQUIRED_HEADER + v.LOCATION_COLUMNS
            )
            + ".",
            sub,
        )
    if not any(c in sub.frame.columns for c in v.LOCATION_COLUMNS):
        raise SubmissionError(
            f"{path.name}: no location column. Expected at least one of {', '.join(v.LOCATION_COLUMNS)}.",
            sub,
        )
    return sub


# ---------------------------------------------------------------------------------------------
# Warehouse tables

DDL = {
    "raw.partnership_activity": """
        create table if not exists raw.partnership_activity (
            activity_id varchar not null,
            partner_organisation varchar not null,
            action_category varchar not null,
            activity_type varchar not null,
            title varchar not null,
            description varchar,
            lsoa_code varchar,
            la_code varchar not null,
            postcode varchar,
            latitude double,
            longitude double,
            start_date date not null,
            end_date date,
            sectors varchar not null,
            participant_count bigint,
            funding_gbp double,
            wellbeing_goals varchar not null,
            partnership_maturity varchar,
            is_example_data boolean not null,
            financial_year varchar not null,
            lsoa_resolved_from varchar,
            submission_file varchar not null,
            submission_sha256 varchar not null,
            source_row_number bigint not null,
            loaded_at timestamp with time zone not null,
            is_current boolean not null,
            superseded_at timestamp with time zone,
            supersedes_note varchar
        )""",
    "quality.quarantine": """
        create table if not exists quality.quarantine (
            submission_file varchar not null,
            submission_sha256 varchar not null,
            source_row_number bigint,
            partner_organisation varchar,
            activity_id varchar,
            column_name varchar not null,
            value varchar,
            reason varchar not null,
            row_json json,
            quarantined_at timestamp with time zone not null,
            is_resolved boolean not null,
            resolved_at timestamp with time zone,
            resolved_by_sha256 varchar
        )""",
    "quality.submissions": """
        create table if not exists quality.submissions (
            submission_file varchar not null,
            submission_sha256 varchar not null,
            archived_path varchar not null,
            received_at timestamp with time zone not null,
            file_format varchar not null,
            encoding varchar,
            header_row bigint,
            rows_submitted bigint not null,
            rows_accepted bigint not null,
            rows_quarantined bigint not null,
            rows_superseding bigint not null,
            status varchar not null,
            error varchar,
            note varchar
        )""",
}
TABLES = tuple(DDL)


def ensure_tables(con: duckdb.DuckDBPyConnection) -> None:
    """Create the schemas and the three tables if missing."""
    for schema in ("raw", "quality"):
        con.execute(f"create schema if not exists {schema}")
    for ddl in DDL.values():
        con.execute(ddl)


@dataclass
class LoadOutcome:
    """What loading one file did (also the row written to quality.submissions)."""

    file: str
    sha256: str
    status: str
    rows_submitted: int = 0
    rows_accepted: int = 0
    rows_quarantined: int = 0
    rows_superseding: int = 0
    error: str | None = None
    note: str | None = None
    skipped: bool = False


def archive_file(path: Path, sha256: str, archive_dir: Path) -> Path:
    """Copy the original to ``<archive_dir>/<sha256>/<name>`` (once) and return the copy's path."""
    target = Path(archive_dir) / sha256 / path.name
    if not target.exists():
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_name(target.name + ".part")
        shutil.copy2(path, tmp)
        tmp.replace(target)
    return target


def already_loaded(con: duckdb.DuckDBPyConnection, sha256: str) -> bool:
    return (
        con.execute(
            "select count(*) from quality.submissions where submission_sha256 = ?", [sha256]
        ).fetchone()[0]
        > 0
    )


def _whole_file_quarantine(
    sub: Submission | None, message: str
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Every row of a rejected file as one quarantine problem (so rows are never lost)."""
    if sub is None or sub.frame.height == 0:
        return pl.DataFrame(schema=v.PROBLEM_SCHEMA), pl.DataFrame(
            schema={"source_row_number": pl.Int64, "row_json": pl.String}
        )
    frame = sub.frame
    cols = [c for c in frame.columns if c != "source_row_number"]
    redacted = frame.with_columns(
        [v.redact(pl.col(c)).alias(c) for c in cols if c in v.FREE_TEXT_COLUMNS]
        + [
            pl.when(pl.col(c).is_not_null()).then(pl.lit(v.REMOVED)).alias(c)
            for c in cols
            if c in v.PERSONAL_COLUMNS
        ]
    )
    get = lambda name: pl.col(name) if name in cols else pl.lit(None, dtype=pl.String)
    problems = redacted.select(
        "source_row_number",
        get("partner_organisation").alias("partner_organisation"),
        get("activity_id").alias("activity_id"),
        pl.lit("(file)").alias("column_name"),
        pl.lit(None, dtype=pl.String).alias("value"),
        pl.lit(message).alias("reason"),
    ).cast(v.PROBLEM_SCHEMA)
    rows_json = redacted.select(
        "source_row_number",
        (pl.struct(cols).struct.json_encode() if cols else pl.lit("{}")).alias("row_json"),
    )
    return problems, rows_json


def load_submission(
    con: duckdb.DuckDBPyConnection,
    path: Path,
    ref: v.Reference,
    archive_dir: Path,
    is_example_data: bool = False,
    now: datetime | None = None,
    chunk_rows: int = 500_000,
    stream_csv: bool = True,
) -> LoadOutcome:
    """Validate one file and load it (see the module docstring). Idempotent on the file's sha256.

    Args:
        con: open warehouse connection (tables are created if missing).
        path: the submitted file.
        ref: geography lookups for validation.
        archive_dir: archive root (``WELLBEING_ARCHIVE_DIR``).
        is_example_data: mark every row as example data (files from the example inbox).
        now: load time (UTC); defaults to the current time.
        chunk_rows: validate and insert at most this many rows at a time (bounds the memory
            validation needs; duplicate ids are still found across the whole file).
        stream_csv: read a UTF-8 CSV larger than ``STREAM_CSV_BYTES`` in batches from disk
            instead of whole (same outcome, memory independent of the file's size).

    Returns:
        ``LoadOutcome``; ``skipped`` is true when the same file was loaded before.
    """
    ensure_tables(con)
    path = Path(path)
    sha256 = sha256_of(path)
    if already_loaded(con, sha256):
        return LoadOutcome(path.name, sha256, "already_loaded", skipped=True)
    now = now or datetime.now(UTC)
    archived = archive_file(path, sha256, archive_dir)

    sub: Submission | None = None
    error = None
    scan = None
    if (
        stream_csv
        and path.suffix.lower() in (".csv", ".txt")
        and path.stat().st_size > STREAM_CSV_BYTES
    ):
        scan = _scan_csv(path)
    if scan is not None:
        sub = scan.submission
    else:
        try:
            sub = read_submission(path)
        except SubmissionError as exc:
            error = str(exc)
            sub = exc.submission

    note = None
    if error is None:
        notes = []
        if sub.ignored_columns:
            notes.append(
                f"columns not in the contract, not loaded: {', '.join(sub.ignored_columns)}"
            )
        if sub.encoding and sub.encoding not in ("utf-8",):
            notes.append(f"decoded as {sub.encoding}")
        note = "; ".join(notes) or None
    outcome = LoadOutcome(
        file=path.name,
        sha256=sha256,
        status="rejected" if error else "loaded",
        rows_submitted=scan.rows if scan is not None else (sub.frame.height if sub else 0),
        error=error,
        note=note,
    )

    con.execute("begin transaction")
    try:
        if error is not None:
            problems, rows_json = _whole_file_quarantine(sub, error)
            _insert_quarantine(con, problems, rows_json, path.name, sha256, now)
            outcome.rows_quarantined = (
                problems["source_row_number"].n_unique() if problems.height else 0
            )
        else:
            if scan is not None:
                chunks = _scan_batches(scan, min(chunk_rows, STREAM_BATCH_ROWS))
            else:
                frame = sub.frame
                if frame.height > chunk_rows:
                    # Duplicate ids are found over the whole file before it is validated in chunks.
                    frame = frame.with_columns(
                        pl.col("source_row_number")
                        .min()
                        .over(v.duplicate_key_exprs())
                        .alias("_first_row")
                    )
                chunks = (
                    frame.slice(offset, chunk_rows)
                    for offset in range(0, max(frame.height, 1), chunk_rows)
                )
            staged = None
            streamed_rows = 0
            if scan is not None:
                # Accepted rows are staged in Parquet and inserted with one statement at the end:
                # DuckDB then writes whole row groups to the file instead of holding every
                # uncommitted batch in memory until the commit.
                staged = Path(tempfile.mkdtemp(prefix="partner-load-"))
            for k, chunk in enumerate(chunks):
                result = v.validate(chunk, ref, is_example_data=is_example_data)
                if result.accepted.height and staged is not None:
                    result.accepted.write_parquet(staged / f"{k:06d}.parquet", compression="lz4")
                elif result.accepted.height:
                    outcome.rows_superseding += _insert_accepted(
                        con, result.accepted, path.name, sha256, now
                    )
                _insert_quarantine(con, result.problems, result.rows_json, path.name, sha256, now)
                outcome.rows_accepted += result.accepted.height
                outcome.rows_quarantined += result.rows_quarantined
                streamed_rows += chunk.height
                del result, chunk
            if scan is not None:
                outcome.rows_submitted = streamed_rows
            if staged is not None:
                try:
                    if outcome.rows_accepted:
                        outcome.rows_superseding += _insert_accepted(
                            con, staged, path.name, sha256, now
                        )
                finally:
                    shutil.rmtree(staged, ignore_errors=True)
            if outcome.rows_quarantined:
                outcome.status = "loaded_with_quarantine"
        con.execute(
            "insert into quality.submissions values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                path.name,
                sha256,
                str(archived),
                now,
                sub.file_format if sub else path.suffix.lower().lstrip("."),
                sub.encoding if sub else None,
                sub.header_row if sub else None,
                outcome.rows_submitted,
                outcome.rows_accepted,
                outcome.rows_quarantined,
                outcome.rows_superseding,
                outcome.status,
                outcome.error,
                outcome.note,
            ],
        )
        con.execute("commit")
    except _NotUtf8:
        con.execute("rollback")
        return load_submission(
            con, path, ref, archive_dir, is_example_data, now, chunk_rows, stream_csv=False
        )
    except Exception:
        con.execute("rollback")
        raise
    return outcome


def _scan_batches(scan: CsvScan, chunk_rows: int):
    """Rows of a streamed CSV in batches of ``chunk_rows``, with ``_first_row`` (duplicate ids)."""
    try:
        for batch in scan.frame.collect_batches(chunk_size=chunk_rows):
            yield batch.join(
                scan.first_row, on="source_row_number", how="left", maintain_order="left"
            ).with_columns(pl.col("_first_row").fill_null(pl.col("source_row_number")))
    except pl.exceptions.PolarsError as exc:
        raise _NotUtf8(str(exc)) from exc


def _insert_quarantine(
    con: duckdb.DuckDBPyConnection,
    problems: pl.DataFrame,
    rows_json: pl.DataFrame,
    file_name: str,
    sha256: str,
    now: datetime,
) -> None:
    """Insert one quarantine row per problem (with the whole redacted row as JSON)."""
    if not problems.height:
        return
    quarantine = problems.join(rows_json, on="source_row_number", how="left").with_columns(
        pl.lit(file_name).alias("submission_file"),
        pl.lit(sha256).alias("submission_sha256"),
        pl.lit(now).alias("quarantined_at"),
    )
    con.register("_quarantine", quarantine.to_arrow())
    try:
        con.execute(
            """
            insert into quality.quarantine
            select submission_file, submission_sha256, source_row_number, partner_organisation,
                   activity_id, column_name, value, reason, row_json, quarantined_at,
                   false, null, null
            from _quarantine
            """
        )
    finally:
        con.unregister("_quarantine")


def _insert_accepted(
    con: duckdb.DuckDBPyConnection,
    accepted: pl.DataFrame | Path,
    file_name: str,
    sha256: str,
    now: datetime,
) -> int:
    """Insert accepted rows, supersede earlier current rows with the same key, resolve quarantine.

    ``accepted`` is a frame, or a folder of Parquet files of such frames (read in name order).
    Returns the number of new rows that replaced an earlier row.
    """
    if isinstance(accepted, Path):
        con.execute(
            "create or replace temp view _new as select *, "
            f"{quote_literal(file_name)} as submission_file, {quote_literal(sha256)} as submission_sha256, "
            f"{quote_literal(now.isoformat())}::timestamptz as loaded_at "
            f"from read_parquet({quote_literal(str(accepted / '*.parquet'))})"
        )
    else:
        new = accepted.with_columns(
            pl.lit(file_name).alias("submission_file"),
            pl.lit(sha256).alias("submission_sha256"),
            pl.lit(now).alias("loaded_at"),
        )
        con.register("_new", new.to_arrow())
    try:
        # The earlier current row each new row replaces (at most one per key by construction).
        con.execute(
            """
            create or replace temp table _replaced as
            select n.partner_organisation, n.activity_id,
                   'replaces the row from ' || o.submission_file || ' (sha256 '
                   || left(o.submission_sha256, 12) || '..., row ' || o.source_row_number
                   || ') loaded ' || strftime(o.loaded_at, '%Y-%m-%d %H:%M:%S') || ' UTC' as note
            from _new n
            join raw.partnership_activity o
              on o.partner_organisation = n.partner_organisation
             and o.activity_id = n.activity_id
             and o.is_current
            """
        )
        superseding = con.execute("select count(*) from _replaced").fetchone()[0]
        if superseding:
            con.execute(
                """
                update raw.partnership_activity o
                set is_current = false, superseded_at = ?
                from _replaced r
                where o.is_current
                  and o.partner_organisation = r.partner_organisation
                  and o.activity_id = r.activity_id
                """,
                [now],
            )
        con.execute(
            """
            insert into raw.partnership_activity by name
            select n.* exclude (source_row_number), n.source_row_number,
                   true as is_current, null::timestamptz as superseded_at, r.note as supersedes_note
            from _new n
            left join _replaced r
              on r.partner_organisation = n.partner_organisation and r.activity_id = n.activity_id
            """
        )
        con.execute(
            """
            update quality.quarantine q
            set is_resolved = true, resolved_at = ?, resolved_by_sha256 = ?
            from (
                -- only keys with an open quarantine row: no hash of every new key
                select distinct partner_organisation, activity_id from _new
                semi join (select partner_organisation, activity_id from quality.quarantine
                           where not is_resolved) o using (partner_organisation, activity_id)
            ) n
            where not q.is_resolved
              and q.partner_organisation = n.partner_organisation
              and q.activity_id = n.activity_id
            """,
            [now, sha256],
        )
        con.execute("drop table if exists _replaced")
    finally:
        if isinstance(accepted, Path):
            con.execute("drop view if exists _new")
        else:
            con.unregister("_new")
    return superseding


def inbox_files(inbox: Path) -> list[Path]:
    """Submission files in the inbox (recursively), oldest first (then by name)."""
    files = [
        p
        for p in Path(inbox).rglob("*")
        if p.is_file()
        and p.suffix.lower() in SUPPORTED_SUFFIXES
        and not p.name.startswith((".", "~$"))
    ]
    return sorted(files, key=lambda p: (p.stat().st_mtime, str(p)))
