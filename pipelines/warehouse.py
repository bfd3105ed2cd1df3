"""The working warehouse: back-ends, connections, raw-table writes with lineage, SQL models.

Schemas: ``raw`` (sources as loaded, with lineage columns), ``staging`` (typed, conformed),
``marts`` (area-level marts), ``reference`` (reference tables shipped with the code),
``quality`` (check results and quarantined partner rows).

Two back-ends sit behind the one ``Warehouse`` resource, chosen by ``WELLBEING_WAREHOUSE``:

* **DuckDB file** (the default, ``data/warehouse.duckdb``; any value that is not ``ducklake:…``
  is a file path): embedded, no set-up, one writer at a time.
* **DuckLake** (``ducklake:postgres:dbname=wellbeing host=db.internal user=…``): the catalog in
  PostgreSQL, table data as Parquet under ``WELLBEING_DUCKLAKE_DATA_PATH`` (a folder here,
  object storage in production). Several processes read and write at once (steps run in
  parallel), every commit is a snapshot, and readers read a snapshot while runs write.

The same SQL runs on both: every connection opens with the lake (or the file) as its default
catalog, so ``raw.x`` means the same table. DuckLake lacks persistent macros, user-defined types,
indexes and primary/unique keys; the pipeline uses none of them (its macros are ``temp``).

Extensions (``ducklake``, ``postgres``, ``spatial``) come from the PyPI packages
``duckdb-ext-<name>`` pinned to our DuckDB version and load from the installed package folder;
every connection has ``autoinstall_known_extensions`` and ``autoload_known_extensions`` off, so
nothing is ever downloaded at run time.
"""

import contextlib
import importlib.metadata
import json
import re
import weakref
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import dagster as dg
import duckdb
import polars as pl
from pydantic import PrivateAttr

from pipelines.financial_year import FINANCIAL_YEAR_MACROS
from pipelines.settings import PROJECT_ROOT, resolve_path, setting
from pipelines.sqltext import quote_ident, quote_literal
from pipelines.warehouse_lock import (
    NO_LOCK,
    NoLock,
    WriterLock,
    entry_point,
    retry,
    retry_while_in_use,
    writer_lock,
)
from pipelines.wimd.bands import WIMD_BAND_MACRO

# The marts' rates, written once: per_10k(count, people) is activities (or any count) per
# 10,000 people, 3 decimals; per_head(gbp, people) is GBP per person, 2 decimals; a missing
# count or sum (an area with no activity) counts as 0.
RATE_MACROS = (
    "create or replace temp macro per_10k(n, people) as round(coalesce(n, 0) * 10000.0 / people, 3)",
    "create or replace temp macro per_head(x, people) as round(coalesce(x, 0) / people, 2)",
)
# The temp macros the SQL models use (the April-March year, WIMD bands, rates): created on every
# warehouse connection and before every model, whatever connection runs it.
SQL_MACROS = (*FINANCIAL_YEAR_MACROS, WIMD_BAND_MACRO, *RATE_MACROS)

SCHEMAS = ("raw", "staging", "marts", "reference", "quality")
SQL_DIR = PROJECT_ROOT / "sql"
LINEAGE_COLUMNS = (
    "source_file_name",
    "source_sha256",
    "retrieved_at",
    "source_url",
    "source_licence",
)
DUCKLAKE_PREFIX = "ducklake:"
DUCKDB_MAGIC = b"DUCK"  # bytes 8-11 of every DuckDB database file (its format's header)
LAKE_ALIAS = "lake"
EXTENSION_PACKAGES = {
    "ducklake": "duckdb-ext-ducklake",
    "postgres": "duckdb-ext-postgres",
    "spatial": "duckdb-ext-spatial",
}


class WarehouseError(RuntimeError):
    """The warehouse cannot be opened as configured (the message says what to change)."""


# ---------------------------------------------------------------------------------------------
# Extensions: from the pinned PyPI packages, never downloaded


def extension_directory() -> Path | None:
    """The folder DuckDB loads extensions from: ``<site-packages>/duckdb_ext/extensions``.

    The ``duckdb-ext-<name>`` packages install ``duckdb_ext/extensions/v<duckdb>/<platform>/
    <name>.duckdb_extension``; DuckDB looks up ``<directory>/v<version>/<platform>/`` itself.
    ``None`` when no extension package is installed.
    """
    for package in EXTENSION_PACKAGES.values():
        try:
            dist = importlib.metadata.distribution(package)
        except importlib.metadata.PackageNotFoundError:
            continue
        for file in dist.files or []:
            if file.name.endswith(".duckdb_extension"):
                path = Path(dist.locate_file(file)).resolve()
                return path.parent.parent.parent  # .../extensions/v1.4.4/linux_amd64/x
    return None


def duckdb_config() -> dict[str, object]:
    """Connection settings every warehouse connection uses: no extension download, no autoload,
    extensions from the installed packages."""
    config: dict[str, object] = {
        "autoinstall_known_extensions": False,
        "autoload_known_extensions": False,
    }
    directory = extension_directory()
    if directory is not None:
        config["extension_directory"] = str(directory)
    return config


def connect_duckdb(
    database: str = ":memory:", read_only: bool = False
) -> duckdb.DuckDBPyConnection:
    """``duckdb.connect`` with ``duckdb_config()`` (no extension is ever downloaded)."""
    return duckdb.connect(database, read_only=read_only, config=duckdb_config())


def load_extension(con: duckdb.DuckDBPyConnection, name: str) -> None:
    """``LOAD name`` from the installed ``duckdb-ext-<name>`` package.

    Raises:
        WarehouseError: the package is missing or was built for another DuckDB version.
    """
    try:
        con.execute(f"load {name}")
    except duckdb.Error as exc:
        package = EXTENSION_PACKAGES.get(name, f"duckdb-ext-{name}")
        try:
            have = importlib.metadata.version(package)
        except importlib.metadata.PackageNotFoundError:
            have = "not installed"
        raise WarehouseError(
            f"cannot load the DuckDB extension {name!r}: {exc}. It comes from the Python "
            f"package {package} (installed: {have}), which must match DuckDB {duckdb.__version__}"
            " (pinned together in pyproject.toml); extensions are never downloaded at run time."
        ) from exc


# ---------------------------------------------------------------------------------------------
# Back-ends


@dataclass(frozen=True)
class Snapshot:
    """One DuckLake snapshot: ``snapshot_id`` (for ``AT (VERSION => n)``) and its commit time."""

    snapshot_id: int
    snapshot_time: datetime


@dataclass(frozen=True)
class FileBackend:
    """The embedded back-end: one DuckDB file, one writer or many readers at a time."""

    path: Path
    kind = "file"
    concurrent_writers = False

    def describe(self) -> str:
        return str(self.path)

    @property
    def work_dir(self) -> Path:
        return self.path.parent

    def exists(self) -> bool:
        return self.path.exists()

    def problem(self, must_exist: bool = False) -> str | None:
        """Why the file cannot be opened as the warehouse, in one line saying what to do, or
        ``None``: not there (when ``must_exist``: reading it, or accepting a source, needs a
        built warehouse), a folder, or a file that is not a DuckDB database (0 bytes, a text
        file saved under its name), checked from its first bytes before DuckDB or the lock
        file touch anything."""
        if not self.path.exists():
            return (
                f"there is no warehouse at {self.path}: run `make run` first to build it (or set "
                "WELLBEING_WAREHOUSE to the warehouse you meant)."
                if must_exist
                else None
            )
        if self.path.is_dir():
            what = "is a folder, not a DuckDB database file"
        else:
            with self.path.open("rb") as file:
                head = file.read(12)
            if head[8:12] == DUCKDB_MAGIC:
                return None
            size = self.path.stat().st_size
            what = f"is not a DuckDB database ({'0 bytes' if not size else f'{size:,} bytes'})"
        return (
            f"the warehouse file {self.path} {what}. Move it away and run `make run` to build a "
            "new warehouse there, or set WELLBEING_WAREHOUSE to the warehouse you meant."
        )

    def open(self, read_only: bool = False) -> duckdb.DuckDBPyConnection:
        """Open the file; while a program that is not a pipeline run holds it (a reader on the
        working file), retry for ``WELLBEING_WAREHOUSE_BUSY_SECONDS`` only, then raise
        ``WarehouseInUseError`` naming that program and the published file to use instead.

        Raises:
            WarehouseError: ``problem``: the file is not there (read-only) or not a database.
        """
        if problem := self.problem(must_exist=read_only):
            raise WarehouseError(problem)
        if not read_only:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        return retry_while_in_use(
            lambda: connect_duckdb(str(self.path), read_only=read_only), self.path
        )

    def writer_lock(self) -> WriterLock:
        """One writer at a time: the run-level lock file beside the DuckDB file."""
        return writer_lock(self.path)

    def probe(self) -> None:
        """Fail within seconds if another program holds the file (``WarehouseInUseError``)."""
        if self.path.exists():
            self.open().close()

    def attach(self, con: duckdb.DuckDBPyConnection, alias: str, snapshot: int | None = None):
        """Attach this warehouse read-only as ``alias`` on ``con`` (same short wait and error
        as ``open`` while another program holds the file)."""
        retry_while_in_use(lambda: con.execute(self.attach_sql(alias, snapshot)), self.path)

    def attach_sql(self, alias: str, snapshot: int | None = None) -> str:
        """``ATTACH`` statement that opens this warehouse read-only as ``alias``."""
        return f"attach {quote_literal(str(self.path))} as {quote_ident(alias)} (read_only)"


@dataclass(frozen=True)
class DuckLakeBackend:
    """DuckLake: catalog in PostgreSQL (``catalog`` = ``postgres:<libpq string>``), data as
    Parquet under ``data_path``. Concurrent writers; every commit is a snapshot."""

    catalog: str
    data_path: str
    kind = "ducklake"

    @property
    def concurrent_writers(self) -> bool:
        # A PostgreSQL catalog serves many processes; a DuckDB-file catalog only one.
        return self.catalog.startswith("postgres:")

    def describe(self) -> str:
        # The catalog string may carry a password: show only the non-secret parts.
        shown = re.sub(r"password=\S+", "password=***", self.catalog)
        return f"ducklake:{shown} (data {self.data_path})"

    @property
    def work_dir(self) -> Path:
        local = resolve_path(self.data_path) if "://" not in self.data_path else None
        return local if local is not None else PROJECT_ROOT / "data"

    def exists(self) -> bool:
        return True

    def problem(self, must_exist: bool = False) -> str | None:
        """Nothing to check before connecting (a new catalog is made on first use)."""
        return None

    def attach_sql(self, alias: str, snapshot: int | None = None, read_only: bool = True) -> str:
        """``ATTACH 'ducklake:…' AS alias`` (read-only unless asked; at ``snapshot`` if given)."""
        options = [f"data_path {quote_literal(self._data_path())}"]
        if read_only:
            options.append("read_only")
        if snapshot is not None:
            options.append(f"snapshot_version {int(snapshot)}")
        return (
            f"attach {quote_literal(DUCKLAKE_PREFIX + self.catalog)} as {quote_ident(alias)} "
            f"({', '.join(options)})"
        )

    def _data_path(self) -> str:
        if "://" in self.data_path:
            return self.data_path.rstrip("/") + "/"
        path = resolve_path(self.data_path)
        path.mkdir(parents=True, exist_ok=True)
        return str(path) + "/"

    def writer_lock(self) -> WriterLock | NoLock:
        """DuckLake on PostgreSQL takes concurrent writers (each commit is a snapshot): no lock.
        A DuckDB-file catalog (single-process trials) admits one writer: the file's lock."""
        if self.concurrent_writers:
            return NO_LOCK
        return writer_lock(resolve_path(self.catalog))

    def probe(self) -> None:
        """Nothing to probe: readers never block writers on DuckLake."""

    def attach(self, con: duckdb.DuckDBPyConnection, alias: str, snapshot: int | None = None):
        """Attach the lake read-only as ``alias`` on ``con`` (at ``snapshot`` if given)."""
        self.load_extensions(con)
        con.execute(self.attach_sql(alias, snapshot))

    def load_extensions(self, con: duckdb.DuckDBPyConnection) -> None:
        load_extension(con, "ducklake")
        if self.catalog.startswith("postgres:"):
            load_extension(con, "postgres")

    def open(
        self, read_only: bool = False, snapshot: int | None = None
    ) -> duckdb.DuckDBPyConnection:
        """A connection with the lake attached as ``lake`` and used as the default catalog.

        Loading the two extensions and attaching costs about half a second, so each process
        keeps one in-memory DuckDB per (catalog, data path, mode) and hands out a new
        connection (``cursor()``) to it each time; closing that connection keeps the instance.
        (A DuckDB-file catalog, for single-process trials, is opened and closed each time.)
        """
        key = (self.catalog, self._data_path(), read_only, snapshot)
        instance = _LAKE_INSTANCES.get(key)
        if instance is None:
            instance = connect_duckdb()
            try:
                self.load_extensions(instance)
                _attach_with_retry(
                    instance, self.attach_sql(LAKE_ALIAS, snapshot, read_only=read_only)
                )
            except BaseException:
                instance.close()
                raise
            if not self.concurrent_writers:
                # A DuckDB-file catalog admits one process at a time: hold it only while used.
                instance.execute(f"use {LAKE_ALIAS}")
                return instance
            _LAKE_INSTANCES[key] = instance
        con = instance.cursor()
        con.execute(f"use {LAKE_ALIAS}")
        return con

    def current_snapshot(self, con: duckdb.DuckDBPyConnection, alias: str = LAKE_ALIAS) -> Snapshot:
        snapshot_id, snapshot_time = con.execute(
            f"select snapshot_id, snapshot_time from {quote_ident(alias)}.snapshots() "
            "order by snapshot_id desc limit 1"
        ).fetchone()
        return Snapshot(int(snapshot_id), snapshot_time)


Backend = FileBackend | DuckLakeBackend
_LAKE_INSTANCES: dict[tuple, duckdb.DuckDBPyConnection] = {}


def close_lake_instances() -> None:
    """Close every DuckLake instance this process keeps open (tests; before a server stops)."""
    while _LAKE_INSTANCES:
        _, instance = _LAKE_INSTANCES.popitem()
        instance.close()


# Connections inside a ``transaction()`` block -> whether a block nested in it failed.
_OPEN_TRANSACTIONS: "weakref.WeakKeyDictionary[duckdb.DuckDBPyConnection, bool]" = (
    weakref.WeakKeyDictionary()
)
# Pauses between attempts when parallel writers conflict (DuckLake): 0.2 s, 0.4 s, ... 9 s in all
# (the catalog attach waited that long before the retry loops became one; a loaded CI machine needs it).
CONFLICT_PAUSES = tuple(0.2 * n for n in range(1, 10))


@contextmanager
def transaction(con: duckdb.DuckDBPyConnection) -> Iterator[duckdb.DuckDBPyConnection]:
    """Run a block of statements as one transaction (one DuckLake snapshot, one WAL flush on the
    file): committed at the end, rolled back on error.

    Nested in another ``transaction()`` on the same connection, the block joins it: DuckDB has no
    savepoints, and a second ``begin`` would fail and abort the open transaction, so the inner
    block begins and commits nothing; the outermost block commits, or rolls everything back when
    any block inside failed (even if the caller caught that error).

    Raises:
        WarehouseError: a nested block failed and its error was caught inside this one.
    """
    if con in _OPEN_TRANSACTIONS:
        try:
            yield con
        except BaseException:
            _OPEN_TRANSACTIONS[con] = True
            raise
        return
    con.execute("begin transaction")
    _OPEN_TRANSACTIONS[con] = False
    try:
        yield con
        if _OPEN_TRANSACTIONS[con]:
            raise WarehouseError("a block inside this transaction failed: all of it rolled back")
        con.execute("commit")
    except BaseException:
        with contextlib.suppress(duckdb.Error):
            con.execute("rollback")  # (a failed commit may have rolled back already)
        raise
    finally:
        del _OPEN_TRANSACTIONS[con]


def retry_transaction(
    con: duckdb.DuckDBPyConnection, work: Callable[[duckdb.DuckDBPyConnection], object]
) -> None:
    """Run ``work(con)`` as one transaction, again when it fails on a concurrent writer.

    DuckLake commits optimistically: when parallel steps append to the same table (the contract
    checks all append to ``quality.check_results``) or create the same schema or table on a fresh
    catalog, a commit can fail on the other's changes (``TransactionException``) and succeeds
    when retried. Only for work that is safe to repeat as a whole (appends of rows built
    beforehand, ``create ... if not exists``). The file back-end has one writer, so the first
    attempt commits. Inside an open ``transaction()`` the work joins it, once (a conflict shows
    when the outermost block commits).

    Raises:
        duckdb.TransactionException: the last attempt failed too.
    """

    def attempt() -> None:
        with transaction(con):
            work(con)

    retry(
        attempt, duckdb.TransactionException, () if con in _OPEN_TRANSACTIONS else CONFLICT_PAUSES
    )


def backend_for(spec: str | None, data_path: str | None = None) -> Backend:
    """The back-end a ``WELLBEING_WAREHOUSE`` value names.

    Args:
        spec: a DuckDB file path (relative to the project root), or ``ducklake:<catalog>``
            where ``<catalog>`` is ``postgres:<libpq connection string>`` (or a DuckDB catalog
            file for a single-process trial).
        data_path: where DuckLake writes Parquet (``WELLBEING_DUCKLAKE_DATA_PATH``); a folder
            or an object-store URL (``s3://…``, needs the matching extension package).

    Raises:
        WarehouseError: ``ducklake:`` with no catalog.
    """
    spec = spec or "data/warehouse.duckdb"
    if spec.startswith(DUCKLAKE_PREFIX):
        catalog = spec[len(DUCKLAKE_PREFIX) :].strip()
        if not catalog:
            raise WarehouseError(
                "WELLBEING_WAREHOUSE=ducklake: needs a catalog, e.g. "
                "'ducklake:postgres:dbname=wellbeing host=localhost'"
            )
        return DuckLakeBackend(catalog, data_path or setting("WELLBEING_DUCKLAKE_DATA_PATH"))
    return FileBackend(resolve_path(spec))


class Warehouse(dg.ConfigurableResource):
    """The working warehouse the pipeline writes: a DuckDB file or a DuckLake catalog.

    One writer at a time on the DuckDB file: a run holds the warehouse's writer lock from start
    to end (``setup_for_execution``), whatever started it (``make run``, ``make publish``, the
    UI, the daemon, a test), and a connection opened outside a run holds it while open (see
    ``pipelines.warehouse_lock``). A second writer waits, logging who holds the warehouse, or
    fails at once (``writer_wait_seconds``). A program that is not a pipeline run holding the file
    (a reader that opened the working file instead of the published one) makes the run fail
    within seconds with an error naming the published file. DuckLake on PostgreSQL takes
    concurrent writers and readers read snapshots, so there the lock does nothing.

    Attributes:
        path: ``WELLBEING_WAREHOUSE``-style value (a DuckDB file, or ``ducklake:<catalog>``);
            empty means ``WELLBEING_WAREHOUSE`` (default ``data/warehouse.duckdb``).
        data_path: DuckLake data folder or URL; empty means ``WELLBEING_DUCKLAKE_DATA_PATH``
            (default ``data/lake``). Unused by the file back-end.
        threads: DuckDB threads (0 = DuckDB's default: all cores).
        memory_limit: DuckDB memory limit, e.g. ``"4GB"`` (empty = ``WELLBEING_DUCKDB_MEMORY_LIMIT``,
            default 4GB; DuckDB spills to disk above it, so 10 million partner rows stay bounded).
        writer_wait_seconds: how long a run waits for another writer to finish (``None`` =
            ``WELLBEING_WRITER_WAIT_SECONDS``, default 3600; 0 = fail at once; negative = forever).
    """

    path: str = ""
    data_path: str = ""
    threads: int = 0
    memory_limit: str = ""
    writer_wait_seconds: float | None = None
    _run_lock: WriterLock | NoLock | None = PrivateAttr(default=None)

    def backend(self) -> Backend:
        """The configured back-end (read at run time, from the resource or the environment)."""
        return backend_for(self.path or setting("WELLBEING_WAREHOUSE"), self.data_path or None)

    @property
    def file(self) -> Path:
        """The working DuckDB file (file back-end only).

        Raises:
            WarehouseError: the warehouse is DuckLake, which has no single file.
        """
        backend = self.backend()
        if isinstance(backend, FileBackend):
            return backend.path
        raise WarehouseError(
            f"the warehouse is {backend.describe()}, not a DuckDB file: "
            "use Warehouse.backend() (or work_dir for local working files)"
        )

    @property
    def work_dir(self) -> Path:
        """A local folder for the warehouse's working files (e.g. the example partner inbox)."""
        return self.backend().work_dir

    def writer_lock(self) -> WriterLock | NoLock:
        """The back-end's one-writer lock: the DuckDB file's lock file, or, on DuckLake (which
        takes concurrent writers), a lock that does nothing."""
        return self.backend().writer_lock()

    def setup_for_execution(self, context: dg.InitResourceContext) -> None:
        """Take the writer lock for the whole run, and fail fast if another program has the
        file open. On the DuckDB file the steps of a run execute in turn in this process
        (``pipelines.executors``: in_process), so the lock is per run, not per step."""
        run = context.run
        backend = self.backend()
        lock = backend.writer_lock()
        lock.acquire(
            run_id=run.run_id if run else None,
            entry=entry_point(dict(run.tags) if run else {}),
            wait_seconds=self.writer_wait_seconds,
            log=context.log.warning if context.log else None,
        )
        self._run_lock = lock
        try:
            backend.probe()
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

        On DuckLake the lake is the connection's default catalog (alias ``lake``), so the SQL is
        the same as on the file; every statement commits a snapshot. On the DuckDB file the
        connection holds the writer lock while open (re-entrant: inside a run, the run's own).

        Raises:
            WarehouseError: no warehouse to read (``read_only``), or the file is not a DuckDB
                database (``FileBackend.problem``): said before the lock file is made.
            WarehouseBusyError: another pipeline writer holds the DuckDB file (outside a run).
            WarehouseInUseError: another program has the file open (after a few seconds).
        """
        backend = self.backend()
        if problem := backend.problem(must_exist=read_only):
            raise WarehouseError(problem)
        lock = backend.writer_lock()
        lock.acquire(wait_seconds=self.writer_wait_seconds)
        try:
            con = backend.open(read_only=read_only)
            try:
                if self.threads:
                    con.execute(f"set threads = {int(self.threads)}")
                limit = self.memory_limit or setting("WELLBEING_DUCKDB_MEMORY_LIMIT")
                if limit:
                    con.execute(f"set memory_limit = '{limit}'")
                if not read_only:
                    from pipelines.quality.acceptance import ensure_tables

                    _create_schemas(con)
                    ensure_tables(con)  # accepted source versions, the checksums checks expect
                for macro in SQL_MACROS:
                    con.execute(macro)
                yield con
            finally:
                con.close()
        finally:
            lock.release()


def _create_schemas(con: duckdb.DuckDBPyConnection) -> None:
    """``create schema if not exists`` for every schema that is missing (one transaction; parallel
    steps on a fresh DuckLake catalog may race to create them: the loser retries)."""
    existing = {
        r[0]
        for r in con.execute(
            "select schema_name from duckdb_schemas() where database_name = current_database()"
        ).fetchall()
    }
    missing = [schema for schema in SCHEMAS if schema not in existing]
    if missing:
        retry_transaction(
            con, lambda c: [c.execute(f"create schema if not exists {s}") for s in missing]
        )


def _attach_with_retry(con: duckdb.DuckDBPyConnection, sql: str) -> None:
    """ATTACH a DuckLake catalog; a fresh catalog is initialised by the first process, and one
    that loses that race retries (the catalog is then there)."""
    races = (duckdb.TransactionException, duckdb.ConstraintException, duckdb.CatalogException)
    try:
        retry(lambda: con.execute(sql), races, CONFLICT_PAUSES)
    except duckdb.IOException as exc:
        raise WarehouseError(f"cannot open the DuckLake catalog: {exc}") from exc


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


def columns_of(
    con: duckdb.DuckDBPyConnection, table: str, database: str | None = None
) -> list[tuple[str, str, str | None]]:
    """``(column, duckdb type, comment)`` of ``schema.table`` in order, in ``database`` (default:
    the connection's current database, not an attached copy); empty when it does not exist."""
    schema, name = table.split(".")
    return con.execute(
        "select column_name, data_type, comment from duckdb_columns() "
        "where database_name = coalesce(?, current_database()) and schema_name = ? "
        "and table_name = ? order by column_index",
        [database, schema, name],
    ).fetchall()


def table_exists(con: duckdb.DuckDBPyConnection, table: str) -> bool:
    """Whether ``schema.table`` exists in the connection's current database (the working file or
    the lake, not an attached published copy)."""
    schema, name = table.split(".")
    return bool(
        con.execute(
            "select count(*) from duckdb_tables() "
            "where database_name = current_database() and schema_name = ? and table_name = ?",
            [schema, name],
        ).fetchone()[0]
    )


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
    return dg.TableSchema(
        columns=[
            dg.TableColumn(name=c, type=t, description=d or None)
            for c, t, d in columns_of(con, table)
        ]
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


def sql_models() -> list[tuple[str, str, Path]]:
    """All SQL models as ``(schema, table, file)``: ``sql/<schema>/<table>.sql`` (staging, the
    reference tables built from other tables, such as ``reference.areas``, and marts)."""
    return [
        (schema, file.stem, file)
        for schema in ("staging", "reference", "marts")
        for file in sorted((SQL_DIR / schema).glob("*.sql"))
    ]


class SqlParseError(ValueError):
    """A SQL model or check query that DuckDB's parser cannot read."""


def _base_tables(node: object) -> Iterator[tuple[str, str]]:
    """Every ``(schema, table)`` that DuckDB's parse tree reads as a table (``BASE_TABLE``), in
    the order they appear, subqueries and CTE bodies included; column references such as
    ``reference.aggregation`` (a CTE's column) are not tables and never reach here."""
    if isinstance(node, dict):
        if node.get("type") == "BASE_TABLE":
            yield node.get("schema_name") or "", node["table_name"]
        for value in node.values():
            yield from _base_tables(value)
    elif isinstance(node, list):
        for value in node:
            yield from _base_tables(value)


def sql_dependencies(sql: str) -> list[tuple[str, str]]:
    """The warehouse tables (``schema.table`` in raw, staging, marts, reference or quality) a SQL
    query reads, in order, unique: from DuckDB's own parse tree (``json_serialize_sql``), so a
    qualified column, a CTE named like a schema, a comment or a string is never taken for a
    table. Unqualified names (CTEs) are not warehouse tables.

    Raises:
        SqlParseError: DuckDB cannot parse the query (its message says where)."""
    con = duckdb.connect()
    try:
        tree = json.loads(
            con.execute("select json_serialize_sql(?)", [sql.strip().rstrip(";")]).fetchone()[0]
        )
    finally:
        con.close()
    if tree.get("error"):
        raise SqlParseError(f"cannot read the tables of this SQL: {tree.get('error_message')}")
    seen: list[tuple[str, str]] = []
    for ref in _base_tables(tree["statements"]):
        if ref[0] in SCHEMAS and ref not in seen:
            seen.append(ref)
    return seen


def run_sql_model(con: duckdb.DuckDBPyConnection, schema: str, table: str, sql: str) -> None:
    """Materialise a SQL model: ``create or replace table schema.table as <select>``.

    Retried as a whole on a DuckLake commit conflict (``retry_transaction``): parallel steps
    commit to one catalog, and a commit that loses the race (seen as "Failed to parse catalog
    entry" under load) succeeds when repeated; ``create or replace`` is safe to repeat."""
    for macro in SQL_MACROS:
        con.execute(macro)
    body = sql.strip().rstrip(";")
    retry_transaction(
        con, lambda c: c.execute(f"create or replace table {schema}.{table} as\n{body}")
    )


def main(argv: list[str] | None = None) -> int:
    """``python -m pipelines.warehouse "make publish"``: exit 1, saying why in one line, when
    there is no working warehouse or its file is not a DuckDB database (what ``make publish``
    checks before Dagster starts, so it leaves no file behind); 0 when it can be read."""
    import sys

    entry = (argv if argv is not None else sys.argv[1:]) or ["the command"]
    backend = Warehouse().backend()
    if problem := backend.problem(must_exist=True):
        print(f"{entry[0]} could not start: {problem}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
