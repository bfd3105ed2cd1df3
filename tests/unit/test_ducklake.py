"""Warehouse back-ends without servers: configuration, extensions from the installed packages (no
network), the executor choice, and publishing / time travel on a small DuckLake whose catalog is
a DuckDB file. The PostgreSQL-catalog build is in test_ducklake_postgres.py."""

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import duckdb
import pytest

from pipelines.executors import executor_mode
from pipelines.operations.publish import publish
from pipelines.settings import PROJECT_ROOT
from pipelines.snapshots import published_as_of, published_snapshots, record_published
from pipelines.warehouse import (
    DuckLakeBackend,
    FileBackend,
    Warehouse,
    WarehouseError,
    backend_for,
    connect_duckdb,
    extension_directory,
    load_extension,
)
from pipelines.warehouse_lock import NO_LOCK, WriterLock, lock_path


@pytest.mark.parametrize(
    "spec, kind, concurrent",
    [
        (None, "file", False),
        ("data/warehouse.duckdb", "file", False),
        ("/srv/wellbeing/warehouse.duckdb", "file", False),
        ("ducklake:postgres:dbname=wellbeing host=db.internal", "ducklake", True),
        ("ducklake:/srv/wellbeing/catalog.ducklake", "ducklake", False),
    ],
)
def test_backend_is_chosen_by_the_warehouse_setting(spec, kind, concurrent):
    backend = backend_for(spec, "data/lake")
    assert backend.kind == kind
    assert backend.concurrent_writers is concurrent
    if kind == "file":
        assert isinstance(backend, FileBackend) and backend.path.is_absolute()
    else:
        assert isinstance(backend, DuckLakeBackend)
        assert backend.catalog == spec.removeprefix("ducklake:")
    # One writer at a time where the back-end needs it: a lock file beside the DuckDB file (or
    # the DuckDB-file catalog); DuckLake on PostgreSQL takes concurrent writers, so no lock.
    lock = backend.writer_lock()
    if concurrent:
        assert lock is NO_LOCK
    else:
        assert isinstance(lock, WriterLock)
        target = backend.path if kind == "file" else Path(backend.catalog)
        assert lock.path == lock_path(target)


def test_default_is_the_duckdb_file(monkeypatch):
    monkeypatch.delenv("WELLBEING_WAREHOUSE", raising=False)
    backend = Warehouse().backend()
    assert backend == FileBackend(PROJECT_ROOT / "data" / "warehouse.duckdb")
    assert Warehouse().file == PROJECT_ROOT / "data" / "warehouse.duckdb"


def test_ducklake_errors_say_what_to_change():
    with pytest.raises(WarehouseError, match="needs a catalog"):
        backend_for("ducklake:")
    lake = Warehouse(path="ducklake:postgres:dbname=w password=secret host=h", data_path="/x")
    with pytest.raises(WarehouseError, match="not a DuckDB file"):
        _ = lake.file
    assert "secret" not in lake.backend().describe()
    assert lake.work_dir == Path("/x")


def test_extensions_load_from_the_installed_packages():
    directory = extension_directory()
    assert directory is not None and directory.name == "extensions"
    con = connect_duckdb()
    settings = dict(
        con.execute(
            "select name, value from duckdb_settings() where name in "
            "('autoinstall_known_extensions', 'autoload_known_extensions', 'extension_directory')"
        ).fetchall()
    )
    assert settings["autoinstall_known_extensions"] == "false"
    assert settings["autoload_known_extensions"] == "false"
    for name in ("ducklake", "postgres", "spatial"):
        load_extension(con, name)
    loaded = con.execute(
        "select extension_name, install_path from duckdb_extensions() where loaded "
        "and extension_name in ('ducklake', 'postgres_scanner', 'spatial')"
    ).fetchall()
    assert len(loaded) == 3
    for name, path in loaded:
        assert Path(path).is_relative_to(directory), (name, path)
        assert f"v{duckdb.__version__}" in path


def test_an_extension_we_do_not_ship_is_an_error_not_a_download():
    con = connect_duckdb()
    with pytest.raises(WarehouseError, match="duckdb-ext-excel"):
        load_extension(con, "excel")
    # Autoloading is off: a function from an unloaded extension fails instead of fetching it.
    with pytest.raises(duckdb.Error):
        con.execute("select * from read_xlsx('nothing.xlsx')")


@pytest.mark.parametrize(
    "warehouse, mode, expected",
    [
        ("data/warehouse.duckdb", "", "in_process"),
        ("data/warehouse.duckdb", "auto", "in_process"),
        ("ducklake:postgres:dbname=w host=h", "", "multiprocess"),
        ("ducklake:postgres:dbname=w host=h", "in_process", "in_process"),
        ("ducklake:postgres:dbname=w host=h", "celery", "celery"),
    ],
)
def test_steps_run_in_parallel_only_where_the_backend_allows(
    monkeypatch, warehouse, mode, expected
):
    monkeypatch.setenv("WELLBEING_WAREHOUSE", warehouse)
    monkeypatch.setenv("WELLBEING_EXECUTOR", mode)
    assert executor_mode() == expected


@pytest.mark.parametrize("mode", ["multiprocess", "celery"])
def test_parallel_steps_on_the_duckdb_file_are_refused(monkeypatch, mode):
    monkeypatch.setenv("WELLBEING_WAREHOUSE", "data/warehouse.duckdb")
    with pytest.raises(WarehouseError, match="one writer at a time"):
        executor_mode(mode)
    with pytest.raises(WarehouseError, match="expected one of"):
        executor_mode("threads")


def _small_lake(tmp_path: Path) -> Warehouse:
    lake = Warehouse(path=f"ducklake:{tmp_path}/catalog.ducklake", data_path=str(tmp_path / "lake"))
    with lake.connect() as con:
        con.execute("create table marts.area as select 'W06000015' as la_code, 10 as n")
        con.execute("comment on table marts.area is 'Areas.'")
        con.execute("comment on column marts.area.la_code is 'Local authority code.'")
        con.execute("comment on column marts.area.n is 'A count.'")
        con.execute("create table reference.goal as select 'healthier' as wellbeing_goal")
    return lake


def test_publish_reads_a_pinned_snapshot_and_time_travel_reproduces_it(tmp_path):
    lake = _small_lake(tmp_path)
    backend = lake.backend()
    first = publish(backend, tmp_path / "published")
    assert first.snapshot is not None
    manifest = json.loads((tmp_path / "published" / "manifest.json").read_text())
    assert manifest["warehouse"] == "ducklake"
    assert manifest["snapshot_id"] == first.snapshot.snapshot_id
    t1 = datetime(2026, 11, 1, 9, 0, tzinfo=UTC)
    with lake.connect() as con:
        record_published(con, first.snapshot, t1, "run-1")
        con.execute("update marts.area set n = 25")
    second = publish(backend, tmp_path / "published")
    assert second.snapshot.snapshot_id > first.snapshot.snapshot_id
    with lake.connect() as con:
        record_published(con, second.snapshot, t1 + timedelta(days=2), "run-2")
        assert [s.run_id for s in published_snapshots(con)] == ["run-1", "run-2"]
        # "The data as published on 2026-11-01" and on 2026-11-03.
        as_of_1 = published_as_of(con, t1.date())
        as_of_3 = published_as_of(con, (t1 + timedelta(days=2)).date())
        assert (as_of_1.snapshot_id, as_of_3.snapshot_id) == (
            first.snapshot.snapshot_id,
            second.snapshot.snapshot_id,
        )
        with pytest.raises(LookupError):
            published_as_of(con, t1.date() - timedelta(days=1))
        then = con.execute(
            f"select n from marts.area at (version => {as_of_1.snapshot_id})"
        ).fetchone()
        assert then == (10,)
        # The recording commit says what it recorded.
        message = con.execute(
            "select commit_message, commit_extra_info from lake.snapshots() "
            "where commit_message is not null order by snapshot_id"
        ).fetchall()
        assert message[0][0] == f"published snapshot {first.snapshot.snapshot_id}"
        assert json.loads(message[0][1])["run_id"] == "run-1"
    published = duckdb.connect(str(second.file), read_only=True)
    assert published.execute("select n from marts.area").fetchone() == (25,)
    comment = published.execute(
        "select comment from duckdb_columns() where table_name = 'area' and column_name = 'n'"
    ).fetchone()
    assert comment == ("A count.",)
    published.close()
