"""DuckLake on a real PostgreSQL, with the production Dagster instance (``deploy/dagster.yaml``).

One PostgreSQL server (started by the ``postgres_server`` fixture, Debian's package) holds two
databases: ``dagster`` (run, event and schedule storage, as ``deploy/dagster.yaml`` configures
them) and ``lake`` (the DuckLake catalog; table data is Parquet under a temp folder).

1. The whole real-data build runs once on DuckLake through ``make run``'s entry point with that
   instance; its marts must equal the DuckDB-file build's. A second ``make run`` with no source
   changed does no work (no run, no new snapshot).
2. ``dagster-daemon`` then runs with the same instance; a partner file dropped in the inbox makes
   the ``partner_inbox`` sensor start a ``partner_ingestion`` run, which the run queue launches
   and the multiprocess executor runs, steps in parallel. Meanwhile a policy-team reader in
   another process reads the published snapshot again and again: never blocked, never changed.
   After the run it reads the new published snapshot.
3. A Celery worker (broker: Debian's redis-server) runs the marts' steps of another run.
4. A WIMD 2025 copy missing Cardiff: ``make run`` loads it, its check fails, every model
   downstream refuses to build (the quality gate reads the verdicts from the lake), ``make
   publish`` refuses too, and no new snapshot is published.

All of it runs on one xdist worker (the suite distributes whole files), in this order.
"""

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import duckdb
import pytest

from pipelines.settings import PROJECT_ROOT, outputs_under
from pipelines.warehouse import Warehouse
from tests.integration.helpers import MARTS, run_captured, start_logged, wait_for

VENV_BIN = Path(sys.executable).parent
# Columns that record when something ran, not what the data says.
VOLATILE = ("_at", "retrieved_at", "loaded_at")

pytestmark = [pytest.mark.servers, pytest.mark.slow]


def _run(args: list[str], env: dict[str, str], timeout: float, log: Path) -> None:
    with open(log, "w") as out:
        proc = subprocess.run(
            args,
            check=False,
            env=env,
            cwd=PROJECT_ROOT,
            stdout=out,
            stderr=subprocess.STDOUT,
            timeout=timeout,
        )
    if proc.returncode != 0:
        pytest.fail(f"{' '.join(args[:4])} failed ({proc.returncode}):\n{log.read_text()[-4000:]}")


@pytest.fixture(scope="session")
def lake_env(tmp_path_factory, postgres_server, shared_data) -> dict[str, str]:
    """Environment of a production-like deployment: DuckLake warehouse, PostgreSQL instance."""
    root = tmp_path_factory.mktemp("ducklake")
    dagster_home = root / "dagster_home"
    dagster_home.mkdir()
    (dagster_home / "dagster.yaml").write_text(
        (PROJECT_ROOT / "deploy" / "dagster.yaml").read_text()
    )
    lake_dsn = postgres_server.create_database("lake")
    postgres_server.create_database("dagster")
    return {
        **outputs_under(root),
        "WELLBEING_SOURCE_MIRROR": str(shared_data),
        "WELLBEING_WAREHOUSE": f"ducklake:postgres:{lake_dsn}",
        "DAGSTER_PG_HOST": "127.0.0.1",
        "DAGSTER_PG_PORT": str(postgres_server.port),
        "DAGSTER_PG_DB": "dagster",
        "DAGSTER_PG_USER": postgres_server.user,
        "DAGSTER_PG_PASSWORD": "",
        "DAGSTER_COMPUTE_LOG_DIR": str(root / "compute_logs"),
    }


def _subprocess_env(lake_env: dict[str, str], **extra: str) -> dict[str, str]:
    return {
        **os.environ,
        **lake_env,
        **extra,
        "PATH": f"{VENV_BIN}{os.pathsep}{os.environ.get('PATH', '')}",
    }


@pytest.fixture()
def instance(lake_env, monkeypatch):
    """The production Dagster instance (deploy/dagster.yaml on our PostgreSQL)."""
    import dagster as dg

    for key, value in lake_env.items():
        monkeypatch.setenv(key, value)
    with dg.DagsterInstance.from_config(lake_env["DAGSTER_HOME"]) as inst:
        yield inst


def _lake(lake_env: dict[str, str]) -> Warehouse:
    return Warehouse(
        path=lake_env["WELLBEING_WAREHOUSE"], data_path=lake_env["WELLBEING_DUCKLAKE_DATA_PATH"]
    )


@pytest.fixture(scope="session")
def lake_build(lake_env, tmp_path_factory) -> dict:
    """Run 1: the whole real-data build on DuckLake with the production instance, as ``make run``
    runs it (``python -m pipelines.run``, which records the fingerprints later runs compare). Returns the published snapshot and the run's log."""
    log = tmp_path_factory.mktemp("logs") / "build.log"
    started = time.monotonic()
    _run(
        [sys.executable, "-m", "pipelines.run"],  # what `make run` calls
        # One process: on the Wales-sized build, step processes cost more than they save (see
        # benchmarks/README.md); the daemon test below runs steps in parallel.
        _subprocess_env(lake_env, WELLBEING_EXECUTOR="in_process"),
        timeout=1500,
        log=log,
    )
    with _lake(lake_env).connect(read_only=True) as con:
        snapshot_id, run_id = con.execute(
            "select snapshot_id, run_id from quality.published_snapshots "
            "order by published_at desc limit 1"
        ).fetchone()
    return {"snapshot_id": snapshot_id, "run_id": run_id, "seconds": time.monotonic() - started}


def _mart_frame(con: duckdb.DuckDBPyConnection, table: str, at: str = ""):
    columns = [
        c
        for (c,) in con.execute(
            "select column_name from duckdb_columns() where database_name = current_database() "
            "and schema_name = 'marts' and table_name = ? order by column_index",
            [table],
        ).fetchall()
        if not c.endswith(VOLATILE)
    ]
    select = ", ".join(f'"{c}"' for c in columns)
    return con.execute(f"select {select} from marts.{table} {at} order by all").pl()


def test_real_data_build_on_ducklake_equals_the_duckdb_file(lake_build, lake_env, built_warehouse):
    file = duckdb.connect(str(built_warehouse), read_only=True)
    at = f"at (version => {lake_build['snapshot_id']})"
    with _lake(lake_env).connect(read_only=True) as con:
        for table in MARTS:
            on_lake = _mart_frame(con, table, at)
            on_file = _mart_frame(file, table)
            assert on_lake.height == on_file.height, table
            assert on_lake.equals(on_file), f"marts.{table} differs between DuckLake and the file"
        rows, lsoas, las = con.execute(
            f"select count(*), count(distinct lsoa_code), count(distinct la_code) "
            f"from marts.lsoa_profile {at}"
        ).fetchone()
        assert (rows, lsoas, las) == (1917, 1917, 22)
        assert con.execute(
            f"select count(*) from marts.local_authority_profile {at}"
        ).fetchone() == (22,)
        most_deprived = con.execute(
            f"select lsoa_code, wimd_decile from marts.lsoa_profile {at} where wimd_rank = 1"
        ).fetchone()
    assert (
        most_deprived
        == file.execute(
            "select lsoa_code, wimd_decile from marts.lsoa_profile where wimd_rank = 1"
        ).fetchone()
    )
    assert most_deprived[1] == 1
    file.close()


def test_the_published_file_is_the_published_snapshot(lake_build, lake_env):
    published = Path(lake_env["WELLBEING_PUBLISH_DIR"])
    manifest = json.loads((published / "manifest.json").read_text())
    assert manifest["warehouse"] == "ducklake"
    assert manifest["snapshot_id"] == lake_build["snapshot_id"]
    con = duckdb.connect(str(published / "wellbeing.duckdb"), read_only=True)
    assert con.execute("select count(*) from marts.lsoa_profile").fetchone() == (1917,)
    undocumented = con.execute(
        "select count(*) from duckdb_columns() where schema_name = 'marts' and comment is null"
    ).fetchone()[0]
    assert undocumented == 0, "column comments from the contracts reach the published file"
    con.close()


def test_runs_are_in_the_production_instance(lake_build, instance):
    from dagster_postgres import (
        PostgresEventLogStorage,
        PostgresRunStorage,
        PostgresScheduleStorage,
    )

    assert isinstance(instance.run_storage, PostgresRunStorage)
    assert isinstance(instance.event_log_storage, PostgresEventLogStorage)
    assert isinstance(instance.schedule_storage, PostgresScheduleStorage)
    run = instance.get_run_by_id(lake_build["run_id"])
    assert run is not None and run.is_success
    materialized = instance.get_latest_materialization_event(
        __import__("dagster").AssetKey(["marts", "lsoa_profile"])
    )
    assert materialized is not None and materialized.run_id == lake_build["run_id"]


def _published_snapshot(lake_env: dict[str, str]) -> int:
    with _lake(lake_env).connect(read_only=True) as con:
        return con.execute("select max(snapshot_id) from quality.published_snapshots").fetchone()[0]


def test_make_run_with_nothing_changed_does_no_work_on_ducklake(
    lake_build, lake_env, instance, tmp_path
):
    runs_before = len(instance.get_runs())
    log = tmp_path / "rerun.log"
    started = time.monotonic()
    _run([sys.executable, "-m", "pipelines.run"], _subprocess_env(lake_env), 600, log)
    text = log.read_text()
    assert "changed since the last run: none. 0 of " in text, text[-3000:]
    assert "Nothing changed: no work to do" in text
    assert len(instance.get_runs()) == runs_before, "no Dagster run was started"
    assert _published_snapshot(lake_env) == lake_build["snapshot_id"]
    assert time.monotonic() - started < 300


READER_SCRIPT = textwrap.dedent(
    """
    # A policy-team reader: attach the published snapshot and query it until told to stop.
    import json, sys, time
    from pathlib import Path
    from pipelines.warehouse import Warehouse, connect_duckdb
    snapshot, out, stop = int(sys.argv[1]), Path(sys.argv[2]), Path(sys.argv[3])
    con = connect_duckdb()
    Warehouse().backend().attach(con, "published", snapshot)
    with open(out, "w") as handle:
        while not stop.exists():
            try:
                value = con.execute(
                    "select count(*), sum(activity_count), sum(funding_gbp) "
                    "from published.marts.local_authority_profile"
                ).fetchone()
                handle.write(json.dumps({"t": time.time(), "value": value}, default=str) + "\\n")
            except Exception as exc:
                handle.write(json.dumps({"t": time.time(), "error": repr(exc)}) + "\\n")
            handle.flush()
            time.sleep(0.25)
    """
)


def _partner_file(path: Path, lake_env: dict[str, str], n: int = 2000) -> None:
    from pipelines.partnership_activity import generator

    with _lake(lake_env).connect(read_only=True) as con:
        areas = generator.areas_from_frames(
            *(con.execute(f"select * from raw.{t}").pl() for t in generator.AREA_SOURCES)
        )
    frame = generator.generate_activity(n, 314, areas)
    frame = frame.with_columns(frame["partner_organisation"].str.replace(r"^", "Daemon test "))
    frame.write_csv(path)


def _stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


def test_daemon_runs_a_partner_file_in_parallel_while_a_reader_holds_its_snapshot(
    lake_build, lake_env, instance, tmp_path
):
    import dagster as dg

    s1 = lake_build["snapshot_id"]
    with _lake(lake_env).connect(read_only=True) as con:
        before = con.execute(
            "select count(*), sum(activity_count), sum(funding_gbp) "
            f"from marts.local_authority_profile at (version => {s1})"
        ).fetchone()
    reads, stop = tmp_path / "reads.jsonl", tmp_path / "stop"
    env = _subprocess_env(lake_env)
    reader = subprocess.Popen(
        [sys.executable, "-c", READER_SCRIPT, str(s1), str(reads), str(stop)],
        env=env,
        cwd=PROJECT_ROOT,
        start_new_session=True,
    )
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    # The file is in the inbox when the daemon starts: the sensor's first tick finds it (the
    # sensor ticks once a minute; a file written while the daemon starts could wait a minute).
    _partner_file(inbox / "daemon_test_return.csv", lake_env)
    daemon_env = _subprocess_env(
        lake_env,
        WELLBEING_PARTNER_INBOX=str(inbox),
        WELLBEING_INBOX_SETTLE_SECONDS="0",
        WELLBEING_EXECUTOR="auto",  # DuckLake: the multiprocess executor
    )
    daemon_log = tmp_path / "daemon.log"
    daemon = start_logged(
        [str(VENV_BIN / "dagster-daemon"), "run", "-m", "pipelines.definitions"],
        daemon_env,
        daemon_log,
    )
    try:

        def finished():
            tags = {"wellbeing/partner_file": "daemon_test_return.csv"}
            runs = instance.get_runs(filters=dg.RunsFilter(tags=tags))
            return runs[0] if runs and runs[0].is_finished else None

        run = wait_for(
            finished, 900, lambda: f"no finished sensor run:\n{daemon_log.read_text()[-4000:]}"
        )
        assert run.is_success, f"run {run.run_id} {run.status}:\n{daemon_log.read_text()[-4000:]}"
    finally:
        # The run's recorded end_time is stamped a little after its status turns finished: let
        # the reader (4 reads a second) go on past it before stopping it.
        time.sleep(2)
        stop.touch()
        _stop(daemon)
        reader.wait(timeout=60)

    # The run went through the daemon: sensor tick -> queue -> launcher -> multiprocess steps.
    assert run.tags.get("dagster/sensor_name") == "partner_inbox"
    assert run.tags.get("wellbeing/writes") == "warehouse"
    records = instance.get_records_for_run(run.run_id).records
    messages = [r.event_log_entry.message or "" for r in records]
    assert any("Multiprocess executor" in m for m in messages)
    step_pids = {
        r.event_log_entry.dagster_event.pid
        for r in records
        if r.event_log_entry.dagster_event is not None
        and r.event_log_entry.dagster_event.event_type_value == "STEP_START"
    }
    assert len(step_pids) > 1, "steps ran in their own processes"

    # The reader read its snapshot the whole time, without an error, and saw it unchanged.
    lines = [json.loads(line) for line in reads.read_text().splitlines()]
    errors = [line["error"] for line in lines if "error" in line]
    assert not errors, errors[:3]
    values = {tuple(str(v) for v in line["value"]) for line in lines}
    assert values == {tuple(str(v) for v in before)}
    assert len(lines) > 20
    record = instance.get_run_record_by_id(run.run_id)
    assert lines[0]["t"] < record.start_time and lines[-1]["t"] > record.end_time

    # After the run: a new published snapshot, recorded with the daemon's run id, holding the
    # new file's rows (the example rows retire once an inbox is configured).
    with _lake(lake_env).connect(read_only=True) as con:
        s2, run_id = con.execute(
            "select snapshot_id, run_id from quality.published_snapshots "
            "order by published_at desc limit 1"
        ).fetchone()
        accepted = con.execute(
            "select rows_accepted from quality.submissions "
            "where submission_file = 'daemon_test_return.csv'"
        ).fetchone()[0]
    assert run_id == run.run_id and s2 > s1
    from pipelines.warehouse import connect_duckdb

    con = connect_duckdb()  # extensions from the packages, never downloaded

    _lake(lake_env).backend().attach(con, "published", s2)
    after = con.execute(
        "select count(*), sum(activity_count) from published.marts.local_authority_profile"
    ).fetchone()
    con.close()
    assert after == (22, accepted) and accepted > 1900
    assert after[1] != before[1]


def test_celery_workers_run_the_steps(lake_build, lake_env, redis_server, instance, tmp_path):
    """The marts of a run executed as Celery tasks by a worker process (Redis broker)."""
    config = tmp_path / "celery.yaml"
    config.write_text(
        f"execution:\n  config:\n    broker: {redis_server.url}\n    backend: {redis_server.url}\n"
    )
    env = _subprocess_env(
        lake_env, WELLBEING_EXECUTOR="celery", WELLBEING_CELERY_BROKER=redis_server.url
    )
    worker_log = tmp_path / "worker.log"
    worker = start_logged(
        [str(VENV_BIN / "dagster-celery"), "worker", "start", "-A", "dagster_celery.app"]
        + ["-y", str(config), "--", "--concurrency=2"],
        env,
        worker_log,
    )
    try:
        _run(
            [
                str(VENV_BIN / "dagster"),
                "asset",
                "materialize",
                "--select",
                "group:marts",
                "-m",
                "pipelines.definitions",
            ],
            env,
            timeout=900,
            log=tmp_path / "celery_run.log",
        )
    finally:
        _stop(worker)
    run = instance.get_runs(limit=1)[0]
    assert run.is_success
    records = instance.get_records_for_run(run.run_id).records
    messages = " ".join(r.event_log_entry.message or "" for r in records)
    assert "celery" in messages.lower()
    steps = {
        r.event_log_entry.dagster_event.step_key
        for r in records
        if r.event_log_entry.dagster_event is not None
        and r.event_log_entry.dagster_event.event_type_value == "STEP_SUCCESS"
    }
    assert {f"marts__{m}" for m in MARTS} <= steps
    worker_text = worker_log.read_text()
    assert "succeeded" in worker_text, worker_text[-3000:]


def test_a_failed_check_blocks_make_run_and_publish_on_ducklake(
    lake_build, lake_env, editable_mirror, remove_cardiff
):
    """Last in this file: it leaves the lake's WIMD 2025 source broken."""
    mirror = editable_mirror("wimd_2025")
    remove_cardiff(mirror)
    env = _subprocess_env(
        lake_env, WELLBEING_SOURCE_MIRROR=str(mirror), WELLBEING_EXECUTOR="in_process"
    )
    published = Path(lake_env["WELLBEING_PUBLISH_DIR"]) / "wellbeing.duckdb"
    before_file = published.read_bytes()
    before_snapshot = _published_snapshot(lake_env)

    run = run_captured([sys.executable, "-m", "pipelines.run"], env, timeout=900)
    out = run.stdout + run.stderr
    assert run.returncode == 1, out[-3000:]
    assert "changed since the last run: wimd_2025_ranks." in out
    assert "contract_wimd_2025_ranks" in out and "refused" in out
    with _lake(lake_env).connect(read_only=True) as con:
        assert con.execute("select count(*) from raw.wimd_2025_ranks").fetchone() == (1699,)
        assert con.execute("select count(*) from staging.stg_wimd__wimd_2025").fetchone() == (1917,)
        assert con.execute("select count(distinct la_code) from marts.lsoa_profile").fetchone() == (
            22,
        )

    # make publish: the publish asset alone refuses on the failed source far upstream.
    publish = run_captured(
        [str(VENV_BIN / "dagster"), "asset", "materialize", "-m", "pipelines.definitions"]
        + ["--select", "published/wellbeing_duckdb"],
        {**env, "WELLBEING_ENTRY_POINT": "make publish"},
        timeout=600,
    )
    assert publish.returncode != 0
    assert "raw.wimd_2025_ranks: check contract_wimd_2025_ranks failed" in (
        publish.stdout + publish.stderr
    )
    assert _published_snapshot(lake_env) == before_snapshot
    assert published.read_bytes() == before_file
