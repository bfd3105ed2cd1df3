"""Readers in other processes while the pipeline publishes; a publish killed midway.

A reader that holds the published file open, or opens it again and again, must never see an
error or a half-built table while the main process rewrites the warehouse and publishes; a
publish killed with SIGKILL leaves the published file as it was, and the next one recovers.
"""

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb

from pipelines.catalogue import sha256_of
from pipelines.operations.publish import publish, published_file
from pipelines.settings import PROJECT_ROOT

ROWS = 50_000
EXPECTED_SUM = sum(1000 + (i % 7) for i in range(ROWS))


def build_warehouse(path: Path, version: int, tables: int = 1) -> None:
    """The working warehouse a run writes: each version has the same shape, a new marker."""
    with duckdb.connect(str(path)) as con:
        con.execute("create schema if not exists marts")
        for n in range(tables):
            name = "lsoa_profile" if n == 0 else f"extra_{n}"
            con.execute(
                f"""
                create or replace table marts.{name} as
                select
                    'W01' || lpad(i::varchar, 6, '0') as lsoa_code,
                    1000 + (i % 7) as population,
                    {int(version)} as version
                from range({ROWS}) t(i)
                """
            )
            con.execute(f"comment on table marts.{name} is 'test mart'")


READER = r"""
import json, sys, time
import duckdb

path, mode, seconds, rows, total = sys.argv[1], sys.argv[2], float(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
query = "select count(*), sum(population), min(version), max(version) from marts.lsoa_profile"
columns_query = (
    "select list(column_name order by column_index) from duckdb_columns() "
    "where schema_name = 'marts' and table_name = 'lsoa_profile'"
)
expected_columns = ["lsoa_code", "population", "version"]
# "hold": one connection open for the whole test (it keeps reading the inode it opened);
# "reopen": a new connection per query (each sees the newest complete file). Within one process
# DuckDB shares one database instance per path, so the two modes run in separate processes.
held = duckdb.connect(path, read_only=True) if mode == "hold" else None
errors, versions, reads = [], set(), 0
end = time.monotonic() + seconds
while time.monotonic() < end:
    try:
        con = held or duckdb.connect(path, read_only=True)
        try:
            n, s, vmin, vmax = con.execute(query).fetchone()
            cols = con.execute(columns_query).fetchone()[0]
        finally:
            if held is None:
                con.close()
        if (n, s) != (rows, total) or vmin != vmax or cols != expected_columns:
            errors.append(f"half-built or changed table: {(n, s, vmin, vmax, cols)}")
        versions.add(vmin)
        reads += 1
    except Exception as exc:
        errors.append(f"{type(exc).__name__}: {exc}")
    time.sleep(0.005)
if held is not None:
    held.close()
print(json.dumps({"errors": errors[:20], "versions": sorted(versions), "reads": reads}))
"""


def test_readers_never_see_errors_or_half_built_tables_while_publishing(tmp_path):
    warehouse = tmp_path / "warehouse.duckdb"
    publish_dir = tmp_path / "published"
    build_warehouse(warehouse, version=1)
    publish(warehouse, publish_dir, exports=False)
    target = published_file(publish_dir)

    readers = {
        mode: subprocess.Popen(
            [sys.executable, "-c", READER, str(target), mode, "8", str(ROWS), str(EXPECTED_SUM)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for mode in ("hold", "reopen")
    }
    reports = {}
    try:
        time.sleep(1.0)
        published_versions = [1]
        for version in range(2, 7):  # a "run": rewrite the working warehouse, then publish
            build_warehouse(warehouse, version=version)
            publish(warehouse, publish_dir)
            published_versions.append(version)
            time.sleep(0.3)
        for mode, reader in readers.items():
            out, err = reader.communicate(timeout=60)
            assert reader.returncode == 0, err
            reports[mode] = json.loads(out.strip().splitlines()[-1])
    finally:
        for reader in readers.values():
            if reader.poll() is None:
                reader.kill()
    for mode, report in reports.items():
        assert report["errors"] == [], mode
        assert report["reads"] > 20, mode
        assert set(report["versions"]) <= set(published_versions), mode
    assert reports["hold"]["versions"] == [1], "a held connection keeps the snapshot it opened"
    assert len(reports["reopen"]["versions"]) >= 3, "a new connection sees the newest publish"


PUBLISHER = r"""
import sys
from pipelines.operations.publish import publish
publish(sys.argv[1], sys.argv[2])
"""


def _rows_and_version(published: Path) -> tuple:
    with duckdb.connect(str(published), read_only=True) as con:
        return con.execute("select count(*), max(version) from marts.lsoa_profile").fetchone()


def test_killed_publish_leaves_published_file_and_next_run_recovers(tmp_path):
    warehouse = tmp_path / "warehouse.duckdb"
    publish_dir = tmp_path / "published"
    build_warehouse(warehouse, version=1, tables=4)
    publish(warehouse, publish_dir)
    target = published_file(publish_dir)
    before = sha256_of(target)
    exports_before = {p.name: sha256_of(p) for p in (publish_dir / "exports").iterdir()}

    build_warehouse(warehouse, version=2, tables=4)
    env = {**os.environ, "WELLBEING_PUBLISH_DELAY_SECONDS": "1.5", "PYTHONPATH": str(PROJECT_ROOT)}
    proc = subprocess.Popen(
        [sys.executable, "-c", PUBLISHER, str(warehouse), str(publish_dir)],
        env=env,
        cwd=PROJECT_ROOT,
    )
    try:
        deadline = time.monotonic() + 30
        while not list(publish_dir.glob(".tmp-*")) and time.monotonic() < deadline:
            assert proc.poll() is None, "publish ended before it could be killed"
            time.sleep(0.02)
        assert list(publish_dir.glob(".tmp-*")), "no temporary file appeared"
        time.sleep(2.0)  # midway: some tables copied into the temporary file
        assert proc.poll() is None
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == -signal.SIGKILL

    # The published file and its exports are exactly as before, and readable.
    assert sha256_of(target) == before
    assert {
        p.name: sha256_of(p)
        for p in (publish_dir / "exports").iterdir()
        if not p.name.startswith(".tmp-")
    } == exports_before
    assert _rows_and_version(target) == (ROWS, 1)
    stale = list(publish_dir.glob(".tmp-*"))
    assert stale, "the killed publish should have left its temporary file behind"

    # The next run needs no manual clean-up.
    result = publish(warehouse, publish_dir)
    assert set(stale) <= set(result.stale_removed)
    assert list(publish_dir.rglob(".tmp-*")) == []
    assert _rows_and_version(target) == (ROWS, 2)
