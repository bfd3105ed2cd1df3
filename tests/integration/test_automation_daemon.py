"""A real Dagster daemon and UI (``dagster dev``) with a source whose blocking check fails.

Reproduces issue 10: with the daemon running, a WIMD 2025 copy missing Cardiff was materialised,
``contract_wimd_2025_ranks`` failed (1,699 rows), and about a minute later the
``wellbeing_automation`` sensor rebuilt staging and marts with 1,699 LSOAs and 21 authorities
and replaced the published file. Here, on a copy of the full real-data build and its Dagster
instance, with a real ``dagster dev``
(webserver + daemon, run queue, temporary DAGSTER_HOME, free port):

1. automation launches nothing while the check is failed, tick after tick;
2. a run launched from the UI (GraphQL, as the Launchpad does) that selects the staging model,
   marts and publish but no checks fails at the quality gate and publishes nothing;
3. once the source is fixed, automation does rebuild staging, marts and the published file,
   with the staging and mart contract checks in the same run (a positive control: the first
   two results are not automation simply being off).
"""

import json
import os
import shutil
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from pipelines.catalogue import sha256_of
from pipelines.localservers import free_port
from pipelines.settings import PROJECT_ROOT, outputs_under
from tests.integration.helpers import run_captured, start_logged, wait_for

BIN = Path(sys.executable).parent
TICK_DONE = "Finished auto-materialization tick for wellbeing_automation"
STAGING = ["staging", "stg_wimd__wimd_2025"]

pytestmark = pytest.mark.slow


@pytest.fixture()
def site(private_build, tmp_path, editable_mirror):
    """A copy of the session's full build *with its Dagster instance* (so every input of the
    marts has a recorded materialisation and a passed check, as after a real first run), the
    run queue of deploy/dagster.local.yaml, and a mirror whose WIMD 2025 folder can be edited."""
    build = private_build(instance=True)
    home = Path(build["DAGSTER_HOME"])
    shutil.copy(PROJECT_ROOT / "deploy" / "dagster.local.yaml", home / "dagster.yaml")
    mirror = editable_mirror("wimd_2025")
    env = {
        **os.environ,
        **build,
        "PYTHONPATH": str(PROJECT_ROOT),
        "WELLBEING_SOURCE_MIRROR": str(mirror),
        "WELLBEING_AUTOMATION_INTERVAL_SECONDS": "5",
    }
    env.pop("WELLBEING_ENTRY_POINT", None)
    assert env["DAGSTER_HOME"] == str(home)
    return {"env": env, "mirror": mirror, "home": home, "root": tmp_path}


def _materialize(env: dict, select: str) -> subprocess.CompletedProcess:
    dagster = [str(BIN / "dagster"), "asset", "materialize", "-m", "pipelines.definitions"]
    return run_captured([*dagster, "--select", select], env)


class DagsterDev:
    """``dagster dev`` (webserver + daemon) in its own process group, stopped at the end."""

    def __init__(self, env: dict, log: Path):
        self.port = free_port()
        self.log = log
        dagster = [str(BIN / "dagster"), "dev", "-m", "pipelines.definitions"]
        self.proc = start_logged([*dagster, "-h", "127.0.0.1", "-p", str(self.port)], env, log)

    def text(self) -> str:
        return self.log.read_text(errors="replace")

    def ticks(self) -> int:
        return self.text().count(TICK_DONE)

    def wait_for_ticks(self, n: int, timeout: float = 300) -> None:
        target = self.ticks() + n
        deadline = time.monotonic() + timeout
        while self.ticks() < target:
            assert self.proc.poll() is None, self.text()[-3000:]
            assert time.monotonic() < deadline, "automation did not tick:\n" + self.text()[-3000:]
            time.sleep(1)

    def graphql(self, query: str, variables: dict | None = None) -> dict:
        request = urllib.request.Request(
            f"http://127.0.0.1:{self.port}/graphql",
            data=json.dumps({"query": query, "variables": variables or {}}).encode(),
            headers={"Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=60) as response:
            body = json.loads(response.read())
        assert "errors" not in body, body
        return body["data"]

    def wait_until_up(self, timeout: float = 240) -> None:
        deadline = time.monotonic() + timeout
        while True:
            assert self.proc.poll() is None, self.text()[-3000:]
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/server_info", timeout=5):
                    return
            except OSError:
                assert time.monotonic() < deadline, self.text()[-3000:]
                time.sleep(1)

    def stop(self) -> None:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGINT)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                pass
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.proc.wait()


LAUNCH = """
mutation Launch($params: ExecutionParams!) {
  launchRun(executionParams: $params) {
    __typename
    ... on LaunchRunSuccess { run { runId } }
    ... on PythonError { message }
    ... on InvalidSubsetError { message }
  }
}
"""


def _launch_ui_run(dev: "DagsterDev", selection: list[list[str]], checks: list | None = None):
    """Launch a run of ``selection`` as the UI's Materialize button does (Dagster's built-in asset
    job, empty run config), with ``checks`` (asset check selectors) or none; returns its run id."""
    selector = {
        "repositoryLocationName": "pipelines.definitions",
        "repositoryName": "__repository__",
        "jobName": "__ASSET_JOB",
        "assetSelection": [{"path": p} for p in selection],
    }
    if checks is not None:
        selector["assetCheckSelection"] = checks
    params = {
        "selector": selector,
        "mode": "default",
        "runConfigData": {},
        "executionMetadata": {"tags": [{"key": "wellbeing/writes", "value": "warehouse"}]},
    }
    result = dev.graphql(LAUNCH, {"params": params})["launchRun"]
    assert result["__typename"] == "LaunchRunSuccess", result
    return result["run"]["runId"]


def _runs(home: Path) -> list[dg.DagsterRun]:
    instance = dg.DagsterInstance.from_config(str(home))
    try:
        return list(instance.get_runs())
    finally:
        instance.dispose()


def _wait_for_run(home: Path, run_id: str, timeout: float = 600) -> dg.DagsterRun:
    def finished():
        run = next(r for r in _runs(home) if r.run_id == run_id)
        return run if run.is_finished else None

    return wait_for(finished, timeout, lambda: f"run {run_id} not finished")


def _run_text(home: Path, run_id: str) -> str:
    instance = dg.DagsterInstance.from_config(str(home))
    try:
        return "\n".join(
            (e.dagster_event.message or "")
            + " "
            + json.dumps(
                getattr(getattr(e.dagster_event.event_specific_data, "error", None), "message", "")
            )
            if e.dagster_event
            else (e.user_message or "")
            for e in instance.all_logs(run_id)
        )
    finally:
        instance.dispose()


def _staging_and_las(warehouse: str) -> tuple[int, int]:
    with duckdb.connect(warehouse, read_only=True) as con:
        return (
            con.execute("select count(*) from staging.stg_wimd__wimd_2025").fetchone()[0],
            con.execute("select count(*) from marts.local_authority_profile").fetchone()[0],
        )


def test_daemon_and_ui_never_build_on_a_failed_check(site, remove_cardiff, monkeypatch):
    env, home, mirror = site["env"], site["home"], site["mirror"]
    monkeypatch.setenv("DAGSTER_HOME", str(home))
    published = Path(env["WELLBEING_PUBLISH_DIR"]) / "wellbeing.duckdb"

    # The full run is recorded in this instance: every input of the marts has a passed check.
    assert any(r.status == dg.DagsterRunStatus.SUCCESS for r in _runs(home))
    good_sha = sha256_of(published)
    assert _staging_and_las(env["WELLBEING_WAREHOUSE"]) == (1917, 22)

    dev = DagsterDev(env, site["root"] / "dagster_dev.log")
    try:
        dev.wait_until_up()
        dev.wait_for_ticks(1)
        before = {r.run_id for r in _runs(home)}

        # The publisher's copy loses Cardiff; the analyst materialises the source: check fails.
        restore = remove_cardiff(mirror)
        bad = _materialize(env, 'key:"raw/wimd_2025_ranks"')
        assert bad.returncode != 0 and "contract_wimd_2025_ranks" in bad.stderr + bad.stdout

        # 1. Automation: tick after tick, nothing is launched.
        dev.wait_for_ticks(4)
        launched = [r for r in _runs(home) if r.run_id not in before]
        assert [r.tags.get("dagster/sensor_name") for r in launched] == [None], launched
        assert sha256_of(published) == good_sha
        assert _staging_and_las(env["WELLBEING_WAREHOUSE"]) == (1917, 22)

        # 2. The UI: a run of the staging model, marts and publish, without their checks.
        selection = [
            STAGING,
            ["marts", "lsoa_profile"],
            ["marts", "local_authority_profile"],
            ["published", "wellbeing_duckdb"],
        ]
        # no contract check; the published file's own comment check is part of its op
        check = {"assetKey": {"path": ["published", "wellbeing_duckdb"]}}
        run_id = _launch_ui_run(
            dev, selection, [{**check, "name": "every_table_and_column_commented"}]
        )
        ui_run = _wait_for_run(home, run_id)
        assert ui_run.status == dg.DagsterRunStatus.FAILURE
        text = _run_text(home, ui_run.run_id)
        assert "staging/stg_wimd__wimd_2025 was not rebuilt" in text
        assert "raw.wimd_2025_ranks: check contract_wimd_2025_ranks failed" in text
        assert sha256_of(published) == good_sha
        assert _staging_and_las(env["WELLBEING_WAREHOUSE"]) == (1917, 22)

        # 3. Positive control: the source is fixed, and automation rebuilds and republishes.
        restore()
        known = {r.run_id for r in _runs(home)}
        fixed = _materialize(env, 'key:"raw/wimd_2025_ranks"')
        assert fixed.returncode == 0, fixed.stdout[-3000:]
        auto = wait_for(
            lambda: [
                r
                for r in _runs(home)
                if r.run_id not in known
                and r.tags.get("dagster/sensor_name") == "wellbeing_automation"
            ],
            300,
            lambda: dev.text()[-3000:],
        )
        run = _wait_for_run(home, auto[0].run_id)
        assert run.status == dg.DagsterRunStatus.SUCCESS, _run_text(home, run.run_id)[-3000:]
        assets = {k.to_user_string() for k in run.asset_selection}
        assert {
            "staging/stg_wimd__wimd_2025",
            "marts/lsoa_profile",
            "published/wellbeing_duckdb",
        } <= assets
        checks = {k.name for k in run.asset_check_selection or []}
        assert {"contract_stg_wimd__wimd_2025", "contract_lsoa_profile"} <= checks
        assert sha256_of(published) != good_sha, "republished"
        with duckdb.connect(str(published), read_only=True) as con:
            assert con.execute("select count(*) from marts.lsoa_profile").fetchone()[0] == 1917
    finally:
        dev.stop()


def test_the_daemon_fails_runs_killed_with_kill_9(tmp_path):
    """The tester's case: runs killed with ``kill -9`` stayed STARTED and filled the run queue
    (two places), so nothing launched from the UI left QUEUED. Three killed runs (real runs in
    real processes, as ``make run`` starts them), then a real ``dagster dev`` on that instance:
    its daemon's ``dead_run_cleanup`` sensor marks all three failed, and a run launched from the
    UI is dequeued and runs."""
    from tests.unit.test_dead_runs import _start_run

    home = tmp_path / "dagster_home"
    home.mkdir()
    shutil.copy(PROJECT_ROOT / "deploy" / "dagster.local.yaml", home / "dagster.yaml")
    killed = []
    old_home = os.environ.get("DAGSTER_HOME")
    os.environ["DAGSTER_HOME"] = str(home)
    try:
        for _ in range(3):
            proc, run_id = _start_run(home, tmp_path)
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait()
            killed.append(run_id)
    finally:
        if old_home is None:
            os.environ.pop("DAGSTER_HOME")
        else:
            os.environ["DAGSTER_HOME"] = old_home
    assert {r.status for r in _runs(home)} == {dg.DagsterRunStatus.STARTED}

    env = {
        **os.environ,
        **outputs_under(tmp_path / "outputs"),  # nothing of the checkout's data/ is touched
        "DAGSTER_HOME": str(home),
        "PYTHONPATH": str(PROJECT_ROOT),
    }
    env.pop("WELLBEING_ENTRY_POINT", None)
    dev = DagsterDev(env, tmp_path / "dagster_dev.log")
    try:
        dev.wait_until_up()
        wait_for(
            lambda: all(
                r.status == dg.DagsterRunStatus.FAILURE for r in _runs(home) if r.run_id in killed
            ),
            240,
            lambda: dev.text()[-3000:],
        )
        # the queue has room again: a run launched from the UI leaves QUEUED and finishes
        run_id = _launch_ui_run(dev, [["partnership_activity", "submission_template"]])
        run = _wait_for_run(home, run_id, timeout=300)
        assert run.status == dg.DagsterRunStatus.SUCCESS, _run_text(home, run.run_id)[-3000:]
    finally:
        dev.stop()
