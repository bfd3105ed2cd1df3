"""A whole pipeline run killed midway (SIGKILL) leaves the published file as it was, and the
next run recovers with no manual clean-up."""

import os
import signal
import sys
import time
from pathlib import Path

import duckdb

from pipelines.catalogue import sha256_of
from tests.integration.helpers import run_captured, start_logged

KILL_AFTER_STEP = "staging__stg_partnership_activity__activities"


def _run_command() -> list[str]:
    """What `make run` runs (the same selection as the Makefile's WHOLE_RUN)."""
    dagster = Path(sys.executable).with_name("dagster")
    return [
        str(dagster),
        "asset",
        "materialize",
        "-m",
        "pipelines.definitions",
        "--select",
        'not key:"quality/partnership_activity_year_reruns"',
    ]


def test_killed_run_leaves_published_file_and_next_run_recovers(private_build, tmp_path):
    # A copy of a finished run: working warehouse, published file, archive, boundaries.
    env = {**os.environ, **private_build()}
    published = Path(env["WELLBEING_PUBLISH_DIR"]) / "wellbeing.duckdb"
    before = sha256_of(published)

    # Start a full run and kill it once it is rebuilding the partner staging table (mid-graph,
    # after the sources and before the marts and the publish).
    log = tmp_path / "killed.log"
    proc = start_logged(_run_command(), env, log)
    deadline = time.monotonic() + 240
    while KILL_AFTER_STEP not in log.read_text(errors="replace"):
        assert proc.poll() is None, (
            "the run ended before the kill point:\n" + log.read_text()[-2000:]
        )
        assert time.monotonic() < deadline, "kill point not reached"
        time.sleep(0.2)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    assert proc.returncode == -signal.SIGKILL

    # The published file is untouched and readable.
    assert sha256_of(published) == before
    with duckdb.connect(str(published), read_only=True) as con:
        assert con.execute("select count(*) from marts.lsoa_profile").fetchone()[0] == 1917

    # The next run succeeds as it is, and publishes again.
    rerun = run_captured(_run_command(), env, timeout=600)
    assert rerun.returncode == 0, rerun.stdout[-3000:] + rerun.stderr[-3000:]
    with duckdb.connect(str(published), read_only=True) as con:
        assert con.execute("select count(*) from marts.local_authority_profile").fetchone()[0] == 22
    leftovers = [p.name for p in published.parent.iterdir() if p.name.startswith(".tmp-")]
    assert leftovers == []
