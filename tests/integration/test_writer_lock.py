"""One writer at a time, and a reader on the working file, with real separate processes.

Issue 10: two ``make run`` started together both succeeded with their steps interleaved; a
reader holding the working warehouse made each step wait ~128 s in silence (the run failed after
442 s). Now a second writer waits with a log line naming the holder (pid, run id, entry point,
since when) or fails at once with it, and a reader makes the run fail within seconds with an
error naming the published file.
"""

import os
import subprocess
import sys
import time
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from pipelines.settings import PROJECT_ROOT
from pipelines.warehouse_lock import lock_path
from tests.unit.test_dead_runs import create_instance

DAGSTER = Path(sys.executable).with_name("dagster")
SELECT = 'key:"reference/wellbeing_goals" or key:"reference/indicator_goals"'


@pytest.fixture()
def env(tmp_path) -> dict[str, str]:
    home = tmp_path / "dagster_home"
    home.mkdir()
    create_instance(home)
    return {
        **os.environ,
        "PYTHONPATH": str(PROJECT_ROOT),
        "DAGSTER_HOME": str(home),
        "WELLBEING_WAREHOUSE": str(tmp_path / "warehouse.duckdb"),
        "WELLBEING_PUBLISH_DIR": str(tmp_path / "published"),
        "WELLBEING_QUALITY_DIR": str(tmp_path / "quality"),
        "WELLBEING_WAREHOUSE_BUSY_SECONDS": "2",
    }


def _materialize(env: dict, **extra) -> subprocess.Popen:
    return subprocess.Popen(
        [str(DAGSTER), "asset", "materialize", "-m", "pipelines.definitions", "--select", SELECT],
        cwd=PROJECT_ROOT,
        env={**env, **extra},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def test_second_writer_fails_at_once_naming_the_holder(env, hold_writer_lock):
    holder, release = hold_writer_lock(env["WELLBEING_WAREHOUSE"], env)
    try:
        started = time.monotonic()
        second = _materialize(env, WELLBEING_WRITER_WAIT_SECONDS="0")
        out, _ = second.communicate(timeout=300)
        assert second.returncode != 0
        assert f"pid {holder.pid}" in out
        assert "run 1a2b3c4d, make run) since" in out
        assert "One writer at a time: this run did not start" in out
        assert time.monotonic() - started < 120  # start-up only: no wait
    finally:
        release()
    assert not Path(env["WELLBEING_WAREHOUSE"]).exists(), "the refused run wrote nothing"


def _run_windows(home: Path) -> list[tuple[float, float, str]]:
    """(first step start, run end, run id) of every run in the instance."""
    os.environ["DAGSTER_HOME"] = str(home)  # instance API reads dagster.yaml from here
    instance = dg.DagsterInstance.from_config(str(home))
    windows = []
    for run in instance.get_runs():
        logs = instance.all_logs(run.run_id)
        starts = [e.timestamp for e in logs if e.dagster_event and e.dagster_event.is_step_start]
        ends = [
            e.timestamp
            for e in logs
            if e.dagster_event and e.dagster_event.event_type == dg.DagsterEventType.RUN_SUCCESS
        ]
        assert starts and ends, f"run {run.run_id} did not succeed"
        windows.append((min(starts), max(ends), run.run_id))
    return sorted(windows)


def test_two_runs_started_together_never_interleave(env, tmp_path, monkeypatch):
    monkeypatch.setenv("DAGSTER_HOME", env["DAGSTER_HOME"])
    first = _materialize(env, WELLBEING_ENTRY_POINT="make run (first)")
    second = _materialize(env, WELLBEING_ENTRY_POINT="make run (second)")
    outputs = [p.communicate(timeout=600)[0] for p in (first, second)]
    assert [p.returncode for p in (first, second)] == [0, 0], "\n".join(o[-3000:] for o in outputs)
    (_, a_end, a_id), (b_start, _, _) = _run_windows(Path(env["DAGSTER_HOME"]))
    assert a_end <= b_start, "the second run's steps started before the first run ended"
    waited = [o for o in outputs if "waiting for the warehouse" in o]
    assert len(waited) == 1, "exactly one run waited, and said for whom"
    assert f"(run {a_id[:8]}, make run (" in waited[0] and "since" in waited[0]
    with duckdb.connect(env["WELLBEING_WAREHOUSE"], read_only=True) as con:
        assert con.execute("select count(*) from reference.wellbeing_goals").fetchone()[0] == 7
    assert lock_path(Path(env["WELLBEING_WAREHOUSE"])).read_text() == "", "released, emptied"


def test_reader_on_the_working_file_fails_the_run_within_seconds(env, reader_on):
    built = _materialize(env)
    assert built.wait(timeout=600) == 0, built.stdout.read()[-3000:]
    reader = reader_on(env["WELLBEING_WAREHOUSE"], env)
    started = time.monotonic()
    run = _materialize(env)
    out, _ = run.communicate(timeout=600)
    elapsed = time.monotonic() - started
    assert run.returncode != 0
    assert f"is open in process {reader.pid}" in out
    assert "which is not a pipeline run" in out
    published = str(Path(env["WELLBEING_PUBLISH_DIR"]) / "wellbeing.duckdb")
    assert f"must open the published file {published} read-only instead" in out
    # One clear failure at the start of the run (the old code waited ~128 s per step).
    assert out.count("is open in process") <= 3
    assert elapsed < 100, f"took {elapsed:.0f} s"
