"""The working DuckDB warehouse: connections, raw-table writes with lineage, SQL models.

Schemas: ``raw`` (sources as loaded, with lineage columns), ``staging`` (typed, conformed),
``marts`` (area-level marts), ``reference`` (reference tables shipped with the code),
``quality`` (check results and quarantined partner rows).
"""

import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import dagster as dg
import duckdb
import polars as pl
from pydantic import PrivateAttr

from pipelines.financial_year import FINANCIAL_YEAR_MACROS
from pipelines.quality.acceptance import ensure_tables as ensure_acceptance_tables
from pipelines.settings import PROJECT_ROOT, resolve_path, setting
from pipelines.warehouse_lock import WriterLock, connect_duckdb, entry_point, writer_lock

SCHEMAS = ("raw", "staging", "marts", "reference", "quality")
SQL_DIR = PROJECT_ROOT / "sql"
LINEAGE_COLUMNS = (
    "source_file_name",
    "source_sha256",
    "retrieved_at",
    "source_url",
    "source_licence",
)


class Warehouse(dg.ConfigurableResource):
    """The working DuckDB file the pipeline writes.

    One writer at a time: a run holds the warehouse's writer lock from start to end
    (``setup_for_execution``), whatever started it (``make run``, the UI, the daemon, a test), and
    a connection opened outside a run holds it while open (see ``pipelines.warehouse_lock``). A
    second writer waits, logging who holds the warehouse, or fails at once
    (``writer_wait_seconds``). A program that is not a pipeline run holding the file (a reader
    that opened the working file instead of the published one) makes the run fail within seconds
    with an error naming the published file.

    Attributes:
        path: DuckDB file; empty means ``WELLBEING_WAREHOUSE`` (default ``data/warehouse.duckdb``).
        threads: DuckDB threads (0 = DuckDB's default: all cores).
        memory_limit: DuckDB memory limit, e.g. ``"4GB"`` (empty = ``WELLBEING_DUCKDB_MEMORY_LIMIT``,
            default 4GB; DuckDB spills to disk above it, so 10 million partner rows stay bounded).
        writer_wait_seconds: how long a run waits for another writer to finish (``None`` =
            ``WELLBEING_WRITER_WAIT_SECONDS``, default 3600; 0 = fail at once; negative = forever).
    """

    path: str = ""
    threads: int = 0
    memory_limit: str = ""
    writer_wait_seconds: float | None = None
    _run_lock: WriterLock | None = PrivateAttr(default=None)

    @property
    def file(self) -> Path:
        return resolve_path(self.path or setting("WELLBEING_WAREHOUSE"))

    def writer_lock(self) -> WriterLock:
        """The one-writer lock of this back-end (a DuckDB file allows one writer at a time)."""
        return writer_lock(self.file)

    def setup_for_execution(self, context: dg.InitResourceContext) -> None:
        """Take the writer lock for the whole run, and fail fast if another program has the
        file open. Steps of a run execute in turn in this process (in_process_executor), so the
        lock is per run, not per step."""
        run = context.run
        lock = self.writer_lock()
        lock.acquire(
            run_id=context.run_id,
            entry=entry_point(dict(run.tags) if run else {}),
            wait_seconds=self.writer_wait_seconds,
            log=context.log.warning if context.log else None,
        )
        self._run_lock = lock
        try:
            if self.file.exists():
                connect_duckdb(self.file).close()
        except BaseException:
            self._run_lock = None
            lock.release()
            raise

    def teardown_after_execution(self, context: dg.InitResourceContext) -> None:
        if self._run_lock is not None:
            self._run_lock.release()
            self._run_lock = None

    @contextmanager
    def connect(self, read_only: bool = False) -> Iterator[duckdb.DuckDBPyConnection]:
        """Open the working warehouse (creating it and its schemas if missing).

        Raises:
            WarehouseBusyError: another pipeline writer holds the warehouse (outside a run).
            WarehouseInUseError: another program has the file open (after a few seconds).
        """
        file = self.file
        file.parent.mkdir(parents=True, exist_ok=True)
        lock = self.writer_lock()
        lock.acquire(wait_seconds=self.writer_wait_seconds)
        try:
            con = connect_duckdb(file, read_only)
            try:
                if self.threads:
                    con.execute(f"set threads = {int(self.threads)}")
                limit = self.memory_limit or setting("WELLBEING_DUCKDB_MEMORY_LIMIT")
                if limit:
                    con.execute(f"set memory_limit = '{limit}'")
                if not read_only:
                    for schema in SCHEMAS:
                        con.execute(f"create schema if not exists {schema}")
                    # the accepted source versions and the checksums checks expect
                    ensure_acceptance_tables(con)
                for macro in FINANCIAL_YEAR_MACROS:
                    con.execute(macro)
                yield con
            finally:
                con.close()
        finally:
            lock.release()


def write_table(
    con: duckdb.DuckDBPyConnection,
    table: str,
    frame: pl.DataFrame,
    lineage: dict[str, object] | None = None,
) -> int:
    """Replace ``table`` (``schema.name``) with ``frame``, adding lineage columns if given.

    Returns the number of rows written.
    """
    if lineage:
        frame = frame.with_columns([pl.lit(value).alias(name) for name, value in lineage.items()])
    con.register("_frame_to_write", frame.to_arrow())
    try:
        con.execute(f"create or replace table {table} as select * from _frame_to_write")
    finally:
        con.unregister("_frame_to_write")
    return frame.height


def table_row_count(con: duckdb.DuckDBPyConnection, table: str) -> int:
    return con.execute(f"select count(*) from {table}").fetchone()[0]


def table_preview_markdown(con: duckdb.DuckDBPyConnection, table: str, limit: int = 5) -> str:
    """A small Markdown preview of the first rows of a table (for Dagster metadata)."""
    frame = con.execute(f"select * from {table} limit {int(limit)}").pl()
    if frame.is_empty():
        return "_empty table_"
    cols = frame.columns[:12]
    lines = ["| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
    for row in frame.select(cols).iter_rows():
        lines.append("| " + " | ".join("" if v is None else str(v)[:40] for v in row) + " |")
    return "\n".join(lines)


def table_column_schema(con: duckdb.DuckDBPyConnection, table: str) -> dg.TableSchema:
    """The Dagster column schema of a DuckDB table, with the column comments as descriptions."""
    schema, name = table.split(".")
    rows = con.execute(
        """
        select column_name, data_type, comment
        from duckdb_columns()
        where schema_name = ? and table_name = ?
        order by column_index
        """,
        [schema, name],
    ).fetchall()
    return dg.TableSchema(
        columns=[dg.TableColumn(name=c, type=t, description=d or None) for c, t, d in rows]
    )


def table_metadata(con: duckdb.DuckDBPyConnection, table: str) -> dict[str, object]:
    """Standard materialisation metadata: row count, column schema, preview, table name."""
    return {
        "dagster/row_count": table_row_count(con, table),
        "dagster/column_schema": table_column_schema(con, table),
        "dagster/table_name": table,
        "preview": dg.MetadataValue.md(table_preview_markdown(con, table)),
    }


# ---------------------------------------------------------------------------------------------
# SQL models


TABLE_REF = re.compile(r"\b(raw|staging|marts|reference|quality)\.([a-z_][a-z0-9_]*)\b")


def sql_models() -> list[tuple[str, str, Path]]:
    """All SQL models as ``(schema, table, file)``: ``sql/<schema>/<table>.sql``."""
    models = []
    for schema in ("staging", "marts"):
        for file in sorted((SQL_DIR / schema).glob("*.sql")):
            models.append((schema, file.stem, file))
    return models


def sql_dependencies(sql: str) -> list[tuple[str, str]]:
    """The ``schema.table`` references in a SQL model (comments stripped), in order, unique."""
    without_comments = re.sub(r"--[^\n]*", "", sql)
    seen: list[tuple[str, str]] = []
    for match in TABLE_REF.finditer(without_comments):
        ref = (match.group(1), match.group(2))
        if ref not in seen:
            seen.append(ref)
    return seen


def sql_description(sql: str) -> str:
    """The leading ``--`` comment block of a SQL model, as its description."""
    lines = []
    for line in sql.splitlines():
        stripped = line.strip()
        if stripped.startswith("--"):
            lines.append(stripped[2:].removeprefix(" "))
        elif stripped == "" and not lines:
            continue
        else:
            break
    return "\n".join(lines).strip()


def run_sql_model(con: duckdb.DuckDBPyConnection, schema: str, table: str, sql: str) -> None:
    """Materialise a SQL model: ``create or replace table schema.table as <select>``."""
    body = sql.strip().rstrip(";")
    con.execute(f"create or replace table {schema}.{table} as\n{body}")
