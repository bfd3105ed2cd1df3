"""Publishing: a read-only DuckDB snapshot of the marts for readers, swapped in atomically.

Readers (policy teams, the dashboard build) never open the working warehouse: DuckDB allows one
writer or many readers per file. ``publish`` builds a *new* DuckDB file next to the published one,
copies every ``marts.*`` and ``reference.*`` table with its table and column comments (which come
from the data contracts), adds a ``dictionary`` schema, checkpoints, closes, fsyncs and then
``os.replace``s it onto ``<publish>/wellbeing.duckdb``. A reader that already has the old file open
keeps reading the old inode; a reader that opens the path afterwards sees the complete new file.
No reader ever sees a half-built table, and a failed or killed publish leaves the published file
as it was (its temporary files are removed at the start of the next publish).

It also writes Parquet and CSV exports of every published table (``<publish>/exports/``), the data
dictionary as Markdown and HTML, and a ``manifest.json``; each through a temporary name and an
atomic replace.

Layout of ``<publish>``::

    wellbeing.duckdb            the read-only snapshot (schemas marts, reference, dictionary:
                                tables, columns, sources, code_labels)
    exports/<table>.parquet     one per published table (zstd)
    exports/<table>.csv         same rows, with header (UTF-8 with a byte-order mark, a nested
                                column as JSON text, a formula-like text after a quote:
                                pipelines.csvfiles)
    exports/lsoa_profile_<W06 code>.csv   one local authority's LSOAs (the per-area extract)
    exports/lsoa_profile_<W02 code>.csv   one MSOA's LSOAs
    exports/local_authority_profile_<PSB or W11 code>.csv   a PSB's or health board's authorities
    data_dictionary.md/.html    every table and column with its type and description
    manifest.json               published_at, tables, row counts, sources (licence, attribution,
                                files with sha256 and retrieval time)
    partners/partner_submission_template.xlsx   the partner template (``extra_files``)
"""

import fcntl
import json
import os
import re
import shutil
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path

import duckdb
from jinja2 import Environment, FileSystemLoader, select_autoescape

from pipelines.catalogue import PART_SEPARATOR, Source, load_catalogue
from pipelines.contracts import code_labels
from pipelines.csvfiles import write_csv
from pipelines.disclosure import apply_disclosure, rules_for
from pipelines.settings import setting_number
from pipelines.sqltext import quote_ident, quote_literal
from pipelines.warehouse import Backend, FileBackend, Snapshot, columns_of, connect_duckdb
from pipelines.warehouse_lock import WarehouseInUseError

PUBLISHED_FILE_NAME = "wellbeing.duckdb"
PUBLISHED_SCHEMAS = ("marts", "reference")
DICTIONARY_SCHEMA = "dictionary"
TEMP_PREFIX = ".tmp-"
LOCK_FILE_NAME = ".publish.lock"
EXPORT_FORMATS = ("parquet", "csv")
READABLE_FILE = 0o644
READABLE_DIR = 0o755
# Per-area extracts: one CSV per area of a level, holding that area's rows of a table.
# An authority's or MSOA's extract holds its LSOAs; a PSB's or health board's its authorities.
AREA_EXTRACTS = (
    ("marts", "lsoa_profile", "la_code"),
    ("marts", "lsoa_profile", "msoa_code"),
    ("marts", "local_authority_profile", "psb_code"),
    ("marts", "local_authority_profile", "lhb_code"),
)

# Column names that would mean personal data reached a published table; publishing refuses them.
PERSONAL_DATA_COLUMN = re.compile(
    r"(^|_)(e_?mail|phone|telephone|mobile|address|date_of_birth|dob|ni_number|"
    r"contact_name|contact_email|first_name|last_name|surname|full_name|submitted_by)($|_)"
)

Log = Callable[[str], None]


class PublishError(RuntimeError):
    """The working warehouse cannot be published (missing, locked, or holds forbidden columns)."""


@dataclass(frozen=True)
class PublishedColumn:
    name: str
    data_type: str
    description: str | None


@dataclass(frozen=True)
class PublishedTable:
    schema: str
    name: str
    rows: int
    description: str | None
    columns: tuple[PublishedColumn, ...] = field(default_factory=tuple)
    is_example_data: bool | None = None  # None: the table has no is_example_data column

    @property
    def qualified(self) -> str:
        return f"{self.schema}.{self.name}"


@dataclass
class PublishResult:
    """What one publish wrote.

    Attributes:
        file: the published DuckDB file.
        tables: every table in it (including the ``dictionary`` tables), with row counts.
        exports: the Parquet and CSV files written.
        dictionary_files: the Markdown and HTML data dictionary.
        seconds: wall-clock time of the publish.
        stale_removed: temporary files of earlier failed publishes that were removed.
        missing_comments: ``schema.table`` or ``schema.table.column`` without a comment.
        withheld: ``schema.table.column`` -> cells withheld by disclosure control (withheld,
            primary, secondary).
        snapshot: on DuckLake, the snapshot that was published (``None`` on the DuckDB file).
        published_at: when the publish started (UTC), also in ``manifest.json``.
    """

    file: Path
    tables: list[PublishedTable]
    exports: list[Path]
    dictionary_files: list[Path]
    seconds: float
    stale_removed: list[Path]
    missing_comments: list[str]
    withheld: dict[str, dict[str, int]] = field(default_factory=dict)
    snapshot: Snapshot | None = None
    published_at: datetime | None = None

    @property
    def rows(self) -> int:
        return sum(t.rows for t in self.tables if t.schema != DICTIONARY_SCHEMA)


def published_file(publish_dir: Path) -> Path:
    return Path(publish_dir) / PUBLISHED_FILE_NAME


@contextmanager
def _publish_lock(publish_dir: Path) -> Iterator[None]:
    """An exclusive lock on the publish folder (released by the OS if the process dies)."""
    with open(publish_dir / LOCK_FILE_NAME, "a+") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def remove_stale_temp_files(publish_dir: Path) -> list[Path]:
    """Delete temporary files left by a failed or killed publish. Call only under the lock."""
    removed = []
    for folder in (publish_dir, publish_dir / "exports", publish_dir / "partners"):
        if not folder.is_dir():
            continue
        for path in folder.glob(f"{TEMP_PREFIX}*"):
            if path.is_file():
                path.unlink(missing_ok=True)
                removed.append(path)
    return removed


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _replace(temp: Path, final: Path) -> None:
    """Atomically move ``temp`` onto ``final`` (same folder) and make the rename durable. The
    file is made world-readable first: policy teams read it whatever the writer's umask."""
    _fsync(temp)
    temp.chmod(READABLE_FILE)
    os.replace(temp, final)
    _fsync(final.parent)


def _pin_snapshot(con: duckdb.DuckDBPyConnection, source):
    """DuckLake: the snapshot to publish (the latest committed one); ``None`` for the file."""
    if source.kind != "ducklake":
        return None
    source.load_extensions(con)
    con.execute(source.attach_sql("wh_latest"))
    try:
        return source.current_snapshot(con, "wh_latest")
    finally:
        con.execute("detach wh_latest")


def _tables(
    con: duckdb.DuckDBPyConnection, schemas: tuple[str, ...], database: str | None = None
) -> list[tuple]:
    """``(schema, table, comment)`` of the tables in ``schemas``, by name, in ``database``
    (default: the current one, the new published file)."""
    placeholders = ", ".join("?" for _ in schemas)
    return con.execute(
        f"""
        select schema_name, table_name, comment
        from duckdb_tables()
        where database_name = coalesce(?, current_database()) and schema_name in ({placeholders})
        order by schema_name, table_name
        """,
        [database, *schemas],
    ).fetchall()


DICTIONARY_TABLE_COMMENTS = {
    "columns": "Data dictionary: one row per column of every published table, with its type and "
    "description (generated from the data contracts).",
    "tables": "Data dictionary: one row per published table, with its row count and description.",
    "sources": "Data dictionary: one row per source file the published tables were built from "
    "(pipelines/catalogue.yaml), with its publisher, licence and the attribution to cite with "
    "the data, and the file's checksum and retrieval time as the working warehouse recorded "
    "them. Partners' partnership activity records are not a catalogue source.",
    "code_labels": "Data dictionary: one row per code of a closed list in a data contract, with "
    "its name in English and Welsh (the contract's valueLabels), e.g. shared_purpose: 'Shared "
    "purpose' / 'Pwrpas cyffredin'. The codes are those partners send (action_category, "
    "activity_type, sectors, partnership_maturity); the marts hold them in their "
    "action_category columns, in marts.activity_by_la_sector.sector (one code of sectors) and "
    "in column names (shared_purpose_count, shared_purpose_per_10k).",
}
# A comment for ``<table>.<column>`` is used before the one for every ``<column>``.
DICTIONARY_COLUMN_COMMENTS = {
    "code_labels.table_name": "The data contract table whose column lists the codes "
    "(raw.partnership_activity: partners' submissions, not itself published).",
    "code_labels.column_name": "The column of table_name that holds the codes (sectors holds "
    "a list of them; the marts' sector column one each).",
    "code": "The code as the tables hold it (shared_purpose).",
    "name_en": "The code's name in English (Shared purpose).",
    "name_cy": "The code's name in Welsh (Pwrpas cyffredin).",
    "schema_name": "Schema of the table (marts, reference or dictionary).",
    "table_name": "Name of the published table, within schema_name.",
    "column_name": "Name of the column, within table_name.",
    "column_index": "Position of the column in the table, from 1.",
    "data_type": "DuckDB data type of the column.",
    "description": "What the column or table holds, with its unit (from the data contract).",
    "row_count": "Number of rows in the table when it was published.",
    "column_count": "Number of columns in the table.",
    "published_at": "When this file was published (UTC).",
    "source_key": "The source's key in pipelines/catalogue.yaml (raw.<table>, or "
    "<table>__<part> for one file of a table read from several files).",
    "raw_table": "The working warehouse's raw table the file was loaded into (raw.<raw_table>; "
    "not published).",
    "title": "What the source is, as its publisher describes it.",
    "publisher": "Who publishes the source (and who compiled the copy read, where not the "
    "publisher).",
    "landing_page": "The publisher's page for the dataset.",
    "source_url": "The URL the file was read from: its official download URL or API query, "
    "else the landing page (the raw rows' source_url).",
    "licence": "The licence the source is published under, as its publisher states it.",
    "attribution": "The text to cite with the data, as the licence asks: for the Open "
    "Government Licence the publisher and its attribution statement, for an MIT source its "
    "copyright and permission notice, for a source with no licence whom to credit.",
    "source_file_name": "The file read (null: the source is not in the working warehouse).",
    "source_sha256": "SHA-256 of the file read, as recorded in the raw table.",
    "retrieved_at": "When the file was read into the working warehouse (UTC).",
}

CODE_LABEL_COLUMNS = (
    "table_name varchar, column_name varchar, code varchar, name_en varchar, name_cy varchar"
)
SOURCE_COLUMNS = (
    "source_key varchar, raw_table varchar, title varchar, publisher varchar, "
    "landing_page varchar, source_url varchar, licence varchar, attribution varchar, "
    "source_file_name varchar, source_sha256 varchar, retrieved_at timestamp with time zone"
)
LINEAGE_COLUMNS = {"source_file_name", "source_sha256", "retrieved_at", "source_url"}


def _file_names(source: Source) -> set[str]:
    """The names a source's file may have in its raw table: its mirror file, alternates and
    download (parts and zip members included)."""
    paths = [source.mirror_path, *(a.mirror_path for a in source.alternates)]
    if source.download:
        paths.append(source.download.mirror_path)
        for part in source.download.files:
            paths += [part.name, part.member or ""]
    return {Path(p).name for p in paths if p}


def source_rows(con: duckdb.DuckDBPyConnection, database: str = "wh") -> list[tuple]:
    """One row per catalogue source and file read (``SOURCE_COLUMNS``): the catalogue's title,
    publisher, licence and attribution beside the checksum and retrieval time its raw table in
    ``database`` records. A table read from several files (``<table>__<part>``) is matched to
    each part by file name; a source whose raw table is not in the warehouse has null files."""
    raw_tables = {
        name
        for (name,) in con.execute(
            "select table_name from duckdb_tables() where database_name = ? "
            "and schema_name = 'raw'",
            [database],
        ).fetchall()
    }
    catalogue = load_catalogue()
    parts_of = Counter(key.split(PART_SEPARATOR)[0] for key in catalogue)
    files: dict[str, list[tuple]] = {}
    rows = []
    for key, source in catalogue.items():
        table = key.split(PART_SEPARATOR)[0]
        if table not in files:
            files[table] = []
            if table in raw_tables and LINEAGE_COLUMNS <= {
                c for c, _, _ in columns_of(con, f"raw.{table}", database)
            }:
                files[table] = con.execute(
                    f"""
                    select source_file_name, source_sha256, max(source_url), max(retrieved_at)
                    from {quote_ident(database)}.raw.{quote_ident(table)}
                    group by source_file_name, source_sha256
                    order by source_file_name, source_sha256
                    """
                ).fetchall()
        names = _file_names(source)
        read = [f for f in files[table] if parts_of[table] == 1 or f[0] in names]
        for file_name, sha256, url, retrieved_at in read or [(None, None, None, None)]:
            rows.append(
                (
                    key,
                    table,
                    source.title,
                    source.publisher,
                    source.landing_page,
                    url or source.url,
                    source.licence,
                    source.attribution_text,
                    file_name,
                    sha256,
                    retrieved_at,
                )
            )
    return rows


def _row_count(con: duckdb.DuckDBPyConnection, schema: str, table: str) -> int:
    return con.execute(
        f"select count(*) from {quote_ident(schema)}.{quote_ident(table)}"
    ).fetchone()[0]


def _write_dictionary(
    con: duckdb.DuckDBPyConnection, published_at: datetime, sources: list[tuple]
) -> None:
    con.execute(f"create schema {DICTIONARY_SCHEMA}")
    con.execute(f"create table {DICTIONARY_SCHEMA}.sources ({SOURCE_COLUMNS})")
    if sources:
        marks = ", ".join("?" for _ in sources[0])
        con.executemany(f"insert into {DICTIONARY_SCHEMA}.sources values ({marks})", sources)
    con.execute(f"create table {DICTIONARY_SCHEMA}.code_labels ({CODE_LABEL_COLUMNS})")
    con.executemany(
        f"insert into {DICTIONARY_SCHEMA}.code_labels values (?, ?, ?, ?, ?)", code_labels()
    )
    con.execute(
        f"""
        create table {DICTIONARY_SCHEMA}.columns as
        select
            schema_name,
            table_name,
            column_name,
            column_index::integer as column_index,
            data_type,
            comment as description
        from duckdb_columns()
        where database_name = current_database()
            and schema_name in ({", ".join(quote_literal(s) for s in PUBLISHED_SCHEMAS)})
        order by schema_name, table_name, column_index
        """
    )
    con.execute(
        f"""
        create table {DICTIONARY_SCHEMA}.tables (
            schema_name varchar,
            table_name varchar,
            row_count bigint,
            column_count integer,
            description varchar,
            published_at timestamp with time zone
        )
        """
    )
    for schema, table, comment in _tables(con, PUBLISHED_SCHEMAS):
        con.execute(
            f"insert into {DICTIONARY_SCHEMA}.tables select ?, ?, ?, count(*), ?, ? "
            f"from {DICTIONARY_SCHEMA}.columns where schema_name = ? and table_name = ?",
            [schema, table, _row_count(con, schema, table), comment, published_at, schema, table],
        )
    for table, text in DICTIONARY_TABLE_COMMENTS.items():
        con.execute(f"comment on table {DICTIONARY_SCHEMA}.{table} is {quote_literal(text)}")
        for col, _, _ in columns_of(con, f"{DICTIONARY_SCHEMA}.{table}"):
            comment = DICTIONARY_COLUMN_COMMENTS.get(f"{table}.{col}")
            con.execute(
                f"comment on column {DICTIONARY_SCHEMA}.{table}.{quote_ident(col)} is "
                f"{quote_literal(comment or DICTIONARY_COLUMN_COMMENTS[col])}"
            )


def _published_tables(con: duckdb.DuckDBPyConnection) -> list[PublishedTable]:
    """Every table of the (new) published file with its columns, comments and row count."""
    tables = []
    rows = con.execute(
        """
        select schema_name, table_name, comment
        from duckdb_tables()
        where database_name = current_database()
        order by schema_name = 'dictionary', schema_name, table_name
        """
    ).fetchall()
    for schema, table, comment in rows:
        cols = columns_of(con, f"{schema}.{table}")
        n = _row_count(con, schema, table)
        example = None
        if any(c == "is_example_data" for c, _, _ in cols):
            example = con.execute(
                "select coalesce(bool_or(is_example_data), false) "
                f"from {quote_ident(schema)}.{quote_ident(table)}"
            ).fetchone()[0]
        tables.append(
            PublishedTable(
                schema,
                table,
                n,
                comment or None,
                tuple(PublishedColumn(c, t, d or None) for c, t, d in cols),
                example,
            )
        )
    return tables


def missing_comments(tables: list[PublishedTable]) -> list[str]:
    """``schema.table`` and ``schema.table.column`` names that carry no comment."""
    out = []
    for table in tables:
        if not table.description:
            out.append(table.qualified)
        out.extend(f"{table.qualified}.{c.name}" for c in table.columns if not c.description)
    return out


def export_name(table: PublishedTable, fmt: str) -> str:
    """File name of a table's export: ``<table>.<fmt>`` for marts, ``<schema>__<table>`` else."""
    stem = table.name if table.schema == "marts" else f"{table.schema}__{table.name}"
    return f"{stem}.{fmt}"


def export_select(table: PublishedTable, where: str = "") -> str:
    """The ``select`` one export of ``table`` writes (the same for both formats: the CSV writer,
    ``pipelines.csvfiles.write_csv``, turns every nested column into JSON text; Parquet keeps the
    nested type). Disclosure control has already been applied to the published file
    (``pipelines.disclosure``), so every export shows exactly what the file holds."""
    columns = ", ".join(quote_ident(column.name) for column in table.columns)
    source = f"{quote_ident(table.schema)}.{quote_ident(table.name)}"
    return f"select {columns} from {source}{where}"


def write_export(
    con: duckdb.DuckDBPyConnection,
    select: str,
    fmt: str,
    path: Path,
    table: PublishedTable | None = None,
) -> None:
    """Write one export: Parquet (zstd, with the table's description and example-data flag as
    key-value metadata) or CSV through ``pipelines.csvfiles.write_csv``: a header, a UTF-8
    byte-order mark (Excel reads "Ynys Môn", not "Ynys MÃ´n"), every nested column (struct, list,
    map) as JSON text, and text a spreadsheet would run as a formula (``=HYPERLINK(...)`` in a
    partner's title) after a single quote. The Parquet keeps
    every value as published."""
    if fmt == "parquet":
        metadata = ""
        if table is not None:
            metadata = (
                f", kv_metadata {{description: {quote_literal(table.description or '')}, "
                f"is_example_data: {quote_literal(str(table.is_example_data).lower())}}}"
            )
        con.execute(
            f"copy ({select}) to {quote_literal(str(path))} "
            f"(format parquet, compression zstd{metadata})"
        )
        return
    write_csv(con, select, path)


def _area_extracts(con: duckdb.DuckDBPyConnection, tables: list[PublishedTable]) -> list[tuple]:
    """(table, area code column, area code) for every per-area extract to write."""
    by_name = {(t.schema, t.name): t for t in tables}
    out = []
    for schema, name, code_column in AREA_EXTRACTS:
        table = by_name.get((schema, name))
        if table is None or code_column not in {c.name for c in table.columns}:
            continue
        codes = con.execute(
            f"select distinct {quote_ident(code_column)} from {quote_ident(schema)}."
            f"{quote_ident(name)} where {quote_ident(code_column)} is not null order by 1"
        ).fetchall()
        out.extend((table, code_column, code) for (code,) in codes)
    return out


def publish(
    warehouse_file: Path | str | Backend,
    publish_dir: Path | str,
    *,
    schemas: tuple[str, ...] = PUBLISHED_SCHEMAS,
    exports: bool = True,
    extra_files: dict[str, Path] | None = None,
    log: Log | None = None,
) -> PublishResult:
    """Publish the marts and reference tables of the working warehouse.

    Args:
        warehouse_file: the working warehouse: its DuckDB file, or a ``pipelines.warehouse``
            back-end (``Warehouse.backend()``). Opened read-only through ``ATTACH``; DuckLake is
            read at its latest snapshot, pinned for the whole copy (``PublishResult.snapshot``).
        publish_dir: folder of the published file, exports and data dictionary (created).
        schemas: schemas copied whole. Raw, staging and quality (quarantined partner rows) are
            never published.
        exports: also write Parquet and CSV exports of every table.
        extra_files: more files to publish with the rest, ``{name under publish_dir: source}``
            (the partner submission template): copied to a temporary name and swapped in with
            the exports, so a failed publish leaves the published copy as it was.
        log: called with one line per step (tables copied, rows), e.g. ``context.log.info``.

    Returns:
        What was written; ``missing_comments`` lists undocumented tables and columns.

    Raises:
        PublishError: the warehouse is missing or locked by a writer, has no table in
            ``schemas``, or a table has a column that looks like personal data. The published
            file is left as it was.
    """
    started = time.monotonic()
    log = log or (lambda message: None)
    source = (
        warehouse_file
        if hasattr(warehouse_file, "attach_sql")
        else FileBackend(Path(warehouse_file))
    )
    warehouse_file = source.describe()
    publish_dir = Path(publish_dir)
    if problem := source.problem(must_exist=True):
        raise PublishError(problem)
    publish_dir.mkdir(parents=True, exist_ok=True)
    publish_dir.chmod(READABLE_DIR)
    export_dir = publish_dir / "exports"
    final = published_file(publish_dir)
    token = f"{os.getpid()}-{uuid.uuid4().hex[:8]}"

    # The DuckDB file's writer lock (re-entrant: a run already holds it) keeps another run from
    # rewriting the marts while they are copied (DuckLake needs none: publish reads a pinned
    # snapshot); the publish-folder lock keeps two publishes of different warehouses apart.
    with source.writer_lock().hold(log=log), _publish_lock(publish_dir):
        stale = remove_stale_temp_files(publish_dir)
        if stale:
            log(f"removed {len(stale)} temporary file(s) left by an earlier failed publish")
        temp_exports: list[tuple[Path, Path]] = []  # (temporary file, final name), swapped last

        def staged(target: Path) -> Path:
            """The temporary name ``target`` is written under until the swap."""
            tmp = target.parent / f"{TEMP_PREFIX}{token}-{target.name}"
            temp_exports.append((tmp, target))
            return tmp

        temp = staged(final)  # the DuckDB file: first in the list, so swapped first
        export_files: dict[str, dict[str, str]] = {}  # table -> format -> file in exports/
        area_files: dict[str, str] = {}  # area code -> its extract in exports/
        try:
            published_at = datetime.now(UTC)
            con = connect_duckdb(str(temp))
            try:
                snapshot = _pin_snapshot(con, source)
                # The warehouse read-only as ``wh``: the DuckDB file (a few seconds' wait, then
                # an error naming the published file, while another program holds it), or
                # DuckLake at the pinned snapshot (runs committing meanwhile change nothing we copy).
                try:
                    source.attach(con, "wh", snapshot.snapshot_id if snapshot else None)
                except WarehouseInUseError as exc:
                    raise PublishError(str(exc)) from exc
                sources = _tables(con, schemas, "wh")
                if not sources:
                    raise PublishError(
                        f"the warehouse {warehouse_file} has no tables in {', '.join(schemas)}"
                    )
                columns = {(s, t): columns_of(con, f"{s}.{t}", "wh") for s, t, _ in sources}
                forbidden = [
                    f"{s}.{t}.{c}"
                    for (s, t), cols in columns.items()
                    for c, _, _ in cols
                    if PERSONAL_DATA_COLUMN.search(c.lower())
                ]
                if forbidden:
                    raise PublishError(
                        "refusing to publish columns that look like personal data: "
                        + ", ".join(forbidden)
                    )
                # test hook: seconds to sleep after copying each table
                delay = setting_number("WELLBEING_PUBLISH_DELAY_SECONDS")
                for schema in sorted({s for s, _, _ in sources}):
                    con.execute(f"create schema {quote_ident(schema)}")
                for i, (schema, table, comment) in enumerate(sources, start=1):
                    qualified = f"{quote_ident(schema)}.{quote_ident(table)}"
                    con.execute(f"create table {qualified} as select * from wh.{qualified}")
                    if comment:
                        con.execute(f"comment on table {qualified} is {quote_literal(comment)}")
                    for column, _, col_comment in columns[(schema, table)]:
                        if col_comment:
                            con.execute(
                                f"comment on column {qualified}.{quote_ident(column)} is "
                                f"{quote_literal(col_comment)}"
                            )
                    n = _row_count(con, schema, table)
                    log(f"copied {i}/{len(sources)} {schema}.{table}: {n:,} rows")
                    if delay:
                        time.sleep(delay)
                sources_read = source_rows(con, "wh")
                con.execute("detach wh")
                # One disclosure rule, applied once, before anything is read from this file.
                withheld = apply_disclosure(con, [f"{s}.{t}" for s, t, _ in sources])
                if withheld:
                    log(
                        "disclosure control: withheld "
                        + ", ".join(f"{n['withheld']} in {name}" for name, n in withheld.items())
                    )
                _write_dictionary(con, published_at, sources_read)
                tables = _published_tables(con)
                if exports:
                    export_dir.mkdir(exist_ok=True)
                    export_dir.chmod(READABLE_DIR)
                    for table in tables:  # every marts, reference and dictionary table
                        for fmt in EXPORT_FORMATS:
                            target = export_dir / export_name(table, fmt)
                            write_export(con, export_select(table), fmt, staged(target), table)
                            export_files.setdefault(table.qualified, {})[fmt] = target.name
                    for table, code_column, code in _area_extracts(con, tables):
                        target = export_dir / f"{table.name}_{code}.csv"
                        where = f" where {quote_ident(code_column)} = {quote_literal(code)}"
                        write_export(con, export_select(table, where), "csv", staged(target))
                        area_files[code] = target.name
                    written = sum(target.parent == export_dir for _, target in temp_exports)
                    log(f"wrote {written} export files (Parquet and CSV)")
                con.execute("checkpoint")
            finally:
                con.close()

            cited = sources_cited(sources_read)
            markdown = dictionary_markdown(tables, published_at, cited)
            page = dictionary_html(tables, published_at, cited)
            dictionary_files = []
            for name, text in (("data_dictionary.md", markdown), ("data_dictionary.html", page)):
                staged(publish_dir / name).write_text(text, encoding="utf-8")
                dictionary_files.append(publish_dir / name)
            example = any(t.is_example_data for t in tables)
            manifest = {
                "published_at": published_at.isoformat(),
                "file": PUBLISHED_FILE_NAME,
                "warehouse": source.kind,
                **(
                    {
                        "snapshot_id": snapshot.snapshot_id,
                        "snapshot_time": snapshot.snapshot_time.isoformat(),
                    }
                    if snapshot
                    else {}
                ),
                "disclosure": {
                    f"{t.qualified}.{rule.column}": rule.sentence()
                    for t in tables
                    for rule in rules_for(t.qualified)
                },
                "exports": export_files,
                "area_extracts": area_files,
                "tables": [
                    {
                        "table": t.qualified,
                        "rows": t.rows,
                        "columns": len(t.columns),
                        **(
                            {}
                            if t.is_example_data is None
                            else {"is_example_data": t.is_example_data}
                        ),
                    }
                    for t in tables
                ],
                "example_data": example,
                "example_data_note": (
                    "Tables with is_example_data = true hold generated EXAMPLE partnership "
                    "activity, not partner submissions: not evidence (see each table's description)."
                    if example
                    else None
                ),
                "disclosure_withheld": withheld,
                "sources": cited,
            }
            staged(publish_dir / "manifest.json").write_text(
                json.dumps(manifest, indent=2), encoding="utf-8"
            )
            for name, source_file in (extra_files or {}).items():
                target = publish_dir / name
                target.parent.mkdir(parents=True, exist_ok=True)
                target.parent.chmod(READABLE_DIR)
                shutil.copyfile(source_file, staged(target))

            # The swap: the DuckDB file first, then the exports and dictionary.
            for tmp, target in temp_exports:
                _replace(tmp, target)
            wanted = {target.name for _, target in temp_exports}
            if export_dir.is_dir():
                for old in export_dir.iterdir():
                    if (
                        old.is_file()
                        and old.name not in wanted
                        and old.suffix in (".csv", ".parquet")
                    ):
                        old.unlink()
        except BaseException:
            for path in [Path(f"{temp}.wal"), *(tmp for tmp, _ in temp_exports)]:
                path.unlink(missing_ok=True)
            raise

    seconds = time.monotonic() - started
    result = PublishResult(
        file=final,
        tables=tables,
        exports=[target for _, target in temp_exports if target.parent == export_dir],
        dictionary_files=dictionary_files,
        seconds=seconds,
        stale_removed=stale,
        missing_comments=missing_comments(tables),
        withheld=withheld,
        snapshot=snapshot,
        published_at=published_at,
    )
    log(
        f"published {final} in {seconds:.1f} s: {len(tables)} tables, {result.rows:,} rows, "
        f"{len(result.exports)} exports"
    )
    return result


# ---------------------------------------------------------------------------------------------
# The data dictionary, generated from the comments (which come from the data contracts)


def _md(text: str | None) -> str:
    """A description as one Markdown table cell."""
    return (text or "").replace("|", "\\|").replace("\n", " ")


@lru_cache(maxsize=1)
def _templates() -> Environment:
    env = Environment(
        loader=FileSystemLoader(Path(__file__).with_name("templates")),
        autoescape=select_autoescape(["html.j2"]),
        keep_trailing_newline=True,
    )
    env.filters["md"] = _md
    return env


def sources_cited(rows: list[tuple]) -> list[dict]:
    """The sources of ``source_rows`` once each, with their licence, attribution and files: what
    the manifest and the data dictionary cite."""
    cited: dict[str, dict] = {}
    for key, table, title, publisher, page, url, licence, attribution, name, sha, when in rows:
        entry = cited.setdefault(
            key,
            {
                "source": key,
                "raw_table": table,
                "title": title,
                "publisher": publisher,
                "landing_page": page,
                "url": url,
                "licence": licence,
                "attribution": attribution,
                "files": [],
            },
        )
        if name is not None:
            entry["files"].append(
                {
                    "file": name,
                    "sha256": sha,
                    "retrieved_at": when.isoformat() if when else None,
                }
            )
    return list(cited.values())


def _dictionary(
    form: str, tables: list[PublishedTable], published_at: datetime, sources: list[dict]
) -> str:
    template = _templates().get_template(f"data_dictionary.{form}.j2")
    return template.render(
        tables=tables, published_at=published_at, file_name=PUBLISHED_FILE_NAME, sources=sources
    )


def dictionary_markdown(
    tables: list[PublishedTable], published_at: datetime, sources: list[dict] = ()
) -> str:
    """The data dictionary as Markdown: the exports, the sources with their licences and
    attributions, one section per table, one row per column (``templates/data_dictionary.md.j2``)."""
    return _dictionary("md", tables, published_at, list(sources)).rstrip("\n") + "\n"


def dictionary_html(
    tables: list[PublishedTable], published_at: datetime, sources: list[dict] = ()
) -> str:
    """The data dictionary as one accessible HTML page, no scripts and no external files
    (``templates/data_dictionary.html.j2``)."""
    return _dictionary("html", tables, published_at, list(sources))


__all__ = [
    "PublishError",
    "PublishResult",
    "PublishedTable",
    "publish",
    "published_file",
    "remove_stale_temp_files",
]
