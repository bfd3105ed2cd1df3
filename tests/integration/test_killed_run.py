"""A pipeline run killed midway (SIGKILL) leaves the published file as it was, and the next run
recovers with no manual clean-up (the dead writer's lock file, a DuckDB WAL it may have left).

Both runs select the partner source and everything downstream of it (18 of the whole run's 74
assets, the marts and the publish among them), not the whole graph: the killed run has
written the raw partner table and holds the writer lock when it dies at the start of the partner
staging step, which is what the claim needs; building the other 56 assets too, in both runs,
would only rebuild what the copy of the session build already holds and prove nothing more."""

import os
import signal
import sys
import time
from pathlib import Path

import duckdb

from pipelines.catalogue import sha256_of
from tests.integration.helpers import run_captured, start_logged

KILL_AFTER_STEP = "staging__stg_partnership_activity__activities"
# The partner source (one multi-asset: the raw table, its quarantine and submission log) and
# everything downstream, but not the financial-year re-run, which needs a partition key (as in
# the Makefile's WHOLE_RUN).
SELECTION = (
    '(key:"raw/partnership_activity"+ or key:"quality/quarantine"+ or key:"quality/submissions"+)'
    ' and not key:"quality/partnership_activity_year_reruns"'
)


def test_the_selection_reaches_the_marts_and_the_publish():
    import dagster as dg

    from pipelines.definitions import defs

    selected = {
        k.to_user_string()
        for k in dg.AssetSelection.from_coercible([SELECTION]).resolve(defs.resolve_asset_graph())
    }
    assert {
        "raw/partnership_activity",
        "staging/stg_partnership_activity__activities",
        "marts/lsoa_profile",
        "marts/local_authority_profile",
        "published/wellbeing_duckdb",
    } <= selected
    assert "quality/partnership_activity_year_reruns" not in selected


def _run_command() -> list[str]:
    """The partner source and everything downstream of it, the way `make run` materialises
    (the Dagster CLI, every selected asset with its checks)."""
    dagster = Path(sys.executable).with_name("dagster")
    return [
        str(dagster),
        "asset",
        "materialize",
        "-m",
        "pipelines.definitions",
        "--select",
        SELECTION,
    ]


def test_killed_run_leaves_published_file_and_next_run_recovers(private_build, tmp_path):
    # A copy of a finished run: working warehouse, published file, archive, boundaries.
    env = {**os.environ, **private_build()}
    published = Path(env["WELLBEING_PUBLISH_DIR"]) / "wellbeing.duckdb"
    before = sha256_of(published)

    # Start a run and kill it once it is rebuilding the partner staging table (mid-graph, after
    # the raw partner table was written and before the marts and the publish).
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
