"""``make run`` (``python -m pipelines.run``) redoes only what changed, in separate processes.

Issue 10: a warm ``make run`` took 70 s, most of it repeated work when no source had changed; and
``make run`` must stop on a failed blocking check like every other path. Starting from a copy of
the session's full build (made by the same entry point, so fingerprints are recorded):

- nothing changed: no Dagster run at all, the published file untouched;
- one source changed (the loneliness index): exactly that source and what depends on it ran;
- a WIMD 2025 copy missing Cardiff: the run fails, the models downstream are refused, the
  published file is left as it was; a re-run refuses again without reloading the source; after
  the fix everything downstream of WIMD is rebuilt and published.
"""

import os
import re
import subprocess
import sys
import time
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from pipelines.catalogue import sha256_of
from pipelines.settings import PROJECT_ROOT
from tests.integration.helpers import run_captured

LONELINESS = "loneliness_index_wales/wales_clinical_loneliness_lsoa.csv"


@pytest.fixture()
def copy(private_build, editable_mirror, tmp_path):
    """A copy of the full build, with an editable mirror (the two edited folders copied)."""
    build = private_build()
    root = tmp_path / "run"
    mirror = editable_mirror("loneliness_index_wales", "wimd_2025")
    env = {
        **os.environ,
        **build,
        "WELLBEING_SOURCE_MIRROR": str(mirror),
        "PYTHONPATH": str(PROJECT_ROOT),
    }
    env.pop("WELLBEING_ENTRY_POINT", None)
    return {"env": env, "mirror": mirror, "root": root}


def _run(env: dict, *args: str) -> subprocess.CompletedProcess:
    return run_captured([sys.executable, "-m", "pipelines.run", *args], env)


def _runs(env: dict) -> list[dg.DagsterRun]:
    instance = dg.DagsterInstance.from_config(env["DAGSTER_HOME"])
    try:
        return list(reversed(instance.get_runs()))  # oldest first
    finally:
        instance.dispose()


def _built(env: dict, run_id: str) -> set[str]:
    instance = dg.DagsterInstance.from_config(env["DAGSTER_HOME"])
    try:
        return {
            e.dagster_event.event_specific_data.materialization.asset_key.to_user_string()
            for e in instance.all_logs(run_id, of_type=dg.DagsterEventType.ASSET_MATERIALIZATION)
        }
    finally:
        instance.dispose()


def _downstream_of(key: str) -> set[str]:
    from pipelines.definitions import defs
    from pipelines.operations.jobs import whole_run_selection

    graph = defs.resolve_asset_graph()
    selection = dg.AssetSelection.assets(dg.AssetKey.from_user_string(key)).downstream()
    keys = selection.resolve(graph) & whole_run_selection().resolve(graph)
    return {k.to_user_string() for k in keys}


def _whole_run_size() -> int:
    from pipelines.definitions import defs
    from pipelines.operations.jobs import whole_run_selection

    return len(whole_run_selection().resolve(defs.resolve_asset_graph()))


def test_nothing_changed_does_no_work(copy):
    env = copy["env"]
    published = Path(env["WELLBEING_PUBLISH_DIR"]) / "wellbeing.duckdb"
    before = sha256_of(published)
    result = _run(env)
    assert result.returncode == 0, result.stdout + result.stderr[-3000:]
    total = _whole_run_size()
    assert total > 40
    assert f"changed since the last run: none. 0 of {total} assets out of date." in result.stdout
    assert "Nothing changed: no work to do" in result.stdout
    assert "nothing ran" in result.stdout and "Run succeeded" not in result.stdout
    plan = _run(env, "--plan")
    assert "Nothing to build: every asset is up to date." in plan.stdout, plan.stdout
    assert "Would build" not in plan.stdout
    # A partner file arrives: the plan names it, as what changed and why the loader is stale
    inbox = copy["root"] / "inbox"
    inbox.mkdir()
    (inbox / "conwy_q1.csv").write_text("activity_id,title\nA1,Repair cafe\n", encoding="utf-8")
    arrived = _run({**env, "WELLBEING_PARTNER_INBOX": str(inbox)}, "--plan")
    assert "changed since the last run: partner inbox (1 new file)." in arrived.stdout, (
        arrived.stdout
    )
    assert "  raw/partnership_activity: the partner inbox has 1 new file: conwy_q1.csv\n" in (
        arrived.stdout
    )
    # A mirror without the files (as offline): which cannot be read, why the rest is out of date
    (copy["root"] / "empty").mkdir(parents=True)
    empty = _run({**env, "WELLBEING_SOURCE_MIRROR": str(copy["root"] / "empty")}, "--plan")
    header, *reasons, last = empty.stdout.strip().splitlines()
    assert "; changed since the last run: none; 29 cannot be read (raw/" in header, header
    assert "assets out of date, because a source file they are built from cannot be" in header
    why = dict(line.strip().split(": ", 1) for line in reasons if line.startswith("  "))
    assert why["marts/lsoa_profile"].startswith("an upstream source file cannot be read: raw/")
    assert not [line for line in reasons if "an input, its SQL" in line]
    assert last.startswith("These steps would fail because their source file cannot be read: ")
    assert _runs(env) == [], "no Dagster run was started"
    assert sha256_of(published) == before
    # On an empty warehouse there is no last run to compare with: the plan says so.
    first = _run({**env, "WELLBEING_WAREHOUSE": str(copy["root"] / "new.duckdb")}, "--plan")
    assert (
        "; first run on this warehouse (no earlier make run recorded): building everything. "
        f"{total} of {total} assets out of date.\n" in first.stdout
    ), first.stdout
    assert f"\nWould build {total} assets: " in first.stdout and "changed since" not in first.stdout


def test_one_changed_source_rebuilds_only_what_depends_on_it(copy):
    env = copy["env"]
    path = copy["mirror"] / LONELINESS
    text = path.read_text(encoding="utf-8")
    assert "W01000003,0.922460140552559," in text
    path.write_text(text.replace("W01000003,0.922460140552559,", "W01000003,0.9,"))
    # The plan says the mirror's file changed since the last make run (not "loaded by a run
    # outside make run"), and names that change as why each asset downstream is rebuilt.
    plan = _run(env, "--plan")
    why = dict(line.strip().split(": ", 1) for line in plan.stdout.splitlines() if line[:2] == "  ")
    assert why["raw/loneliness_index"].startswith(
        "its source file changed since the last make run (sha256 "
    ), plan.stdout
    assert why["marts/lsoa_profile"] == "rebuilt because raw/loneliness_index changes"
    assert why["published/wellbeing_duckdb"] == "rebuilt because raw/loneliness_index changes"
    assert "outside make run" not in plan.stdout

    result = _run(env)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert "changed since the last run: loneliness_index." in result.stdout
    assert "Run succeeded. Working warehouse: " in result.stdout
    assert " - DEBUG - " not in result.stdout + result.stderr  # Dagster logs at INFO
    [run] = _runs(env)
    built = _built(env, run.run_id)
    expected = _downstream_of("raw/loneliness_index")
    assert built == expected
    assert {
        "raw/loneliness_index",
        "staging/stg_indicators__lsoa21",
        "marts/lsoa_profile",
        "published/wellbeing_duckdb",
        "dashboard/site",
    } <= built
    assert "raw/wimd_2025_ranks" not in built and "raw/wimd_2019_postcodes" not in built
    assert len(built) < _whole_run_size() / 2
    # The summary table names each step with its time, rows and checks.
    assert "raw/loneliness_index" in result.stdout and "1,917  1 passed" in result.stdout
    published = Path(env["WELLBEING_PUBLISH_DIR"]) / "wellbeing.duckdb"
    with duckdb.connect(str(published), read_only=True) as con:
        columns = [
            r[0]
            for r in con.execute(
                "select column_name from duckdb_columns() where table_name = 'lsoa_profile' "
                "and column_name like '%loneliness%'"
            ).fetchall()
        ]
        assert columns, "lsoa_profile carries the loneliness index"
        value = con.execute(
            f"select {columns[0]} from marts.lsoa_profile where lsoa_code = 'W01000003'"
        ).fetchone()[0]
    assert value == pytest.approx(0.9)
    again = _run(env)
    assert "Nothing changed: no work to do" in again.stdout


def test_make_run_stops_on_a_failed_check_and_recovers(copy, remove_cardiff):
    env = {**copy["env"], "WELLBEING_QUALITY_KEEP_RUNS": "2"}
    published = Path(env["WELLBEING_PUBLISH_DIR"]) / "wellbeing.duckdb"
    before = sha256_of(published)
    restore = remove_cardiff(copy["mirror"])

    failed = _run(env)
    assert failed.returncode == 1
    assert "changed since the last run: wimd_2025_ranks." in failed.stdout
    assert "contract_wimd_2025_ranks" in failed.stdout + failed.stderr
    assert sha256_of(published) == before, "the published file is left as it was"
    with duckdb.connect(env["WELLBEING_WAREHOUSE"], read_only=True) as con:
        assert con.execute("select count(*) from raw.wimd_2025_ranks").fetchone()[0] == 1699
        assert con.execute("select count(*) from staging.stg_wimd__wimd_2025").fetchone()[0] == 1917

    # Nothing changed since: the source is not reloaded, the models are refused again, saying why.
    again = _run(env)
    assert again.returncode == 1
    assert "changed since the last run: none." in again.stdout
    assert "refused" in again.stdout
    assert "raw/wimd_2025_ranks " not in again.stdout.split("asset ", 1)[1]
    assert "was not rebuilt" in again.stdout + again.stderr
    assert sha256_of(published) == before

    restore()
    fixed = _run(env)
    assert fixed.returncode == 0, fixed.stdout[-3000:]
    runs = _runs(env)
    assert len(runs) == 3
    assert _downstream_of("raw/wimd_2025_ranks") <= _built(env, runs[-1].run_id)
    assert sha256_of(published) != before
    with duckdb.connect(str(published), read_only=True) as con:
        assert con.execute("select count(*) from marts.local_authority_profile").fetchone()[0] == 22
    # Three runs of the WIMD check (the build, the failure, the fix): two reports are kept.
    quality = Path(env["WELLBEING_QUALITY_DIR"])
    for sub in ("gx/uncommitted/validations", "data_docs/validations"):
        runs = [
            p
            for p in (quality / sub / "contract" / "raw" / "wimd_2025_ranks").iterdir()
            if p.is_dir()
        ]
        assert len(runs) == 2, (sub, runs)


def test_make_run_refuses_a_second_writer_and_a_reader_in_seconds(
    copy, hold_writer_lock, reader_on
):
    """Issue 10 through ``make run`` itself: a second writer is refused at once with who holds
    the warehouse; a reader on the working file fails the run within seconds naming the reader
    and the published file. Neither leaves a traceback, starts steps or touches the published
    file."""
    env = {**copy["env"], "WELLBEING_WRITER_WAIT_SECONDS": "0"}
    working = env["WELLBEING_WAREHOUSE"]
    published = Path(env["WELLBEING_PUBLISH_DIR"]) / "wellbeing.duckdb"
    before = sha256_of(published)
    path = copy["mirror"] / LONELINESS  # a changed source, so the run has to write
    path.write_text(
        path.read_text(encoding="utf-8").replace("W01000003,0.922460140552559,", "W01000003,0.9,")
    )

    holder, release = hold_writer_lock(working, env)
    refused = _run(env)
    release()
    out = refused.stdout + refused.stderr
    assert refused.returncode == 1, out[-3000:]
    assert f"being written by pid {holder.pid} (run 1a2b3c4d, make run) since" in out, out
    assert "One writer at a time: this run did not start" in out
    assert "Traceback" not in out
    assert _runs(env) == [], "no Dagster run was started"

    reader = reader_on(working, {**env, "PYTHONPATH": str(PROJECT_ROOT)})
    started = time.monotonic()
    blocked = _run({**env, "WELLBEING_WAREHOUSE_BUSY_SECONDS": "2"})
    elapsed = time.monotonic() - started
    out = blocked.stdout + blocked.stderr
    assert blocked.returncode == 1, out[-3000:]
    assert "The run could not start: the working warehouse" in out, out[-3000:]
    assert f"is open in process {reader.pid}" in out
    assert f"must open the published file {published} read-only instead" in out
    assert "0 assets built" in out
    assert elapsed < 120, f"took {elapsed:.0f} s (start-up, checksums and a 2 s wait)"
    assert sha256_of(published) == before


def test_a_failed_run_says_each_failure_in_a_line_and_keeps_the_traces_in_its_log(tmp_path):
    """The new-user trial: every source fails (an empty mirror, as offline). Dagster's console
    said each failure with its whole trace (1,193 lines here, 3,777 when every download fails); now each failed step is one line with its reason, and the traces are in the run's log
    file, whose path the summary prints, and in the event log the Dagster UI shows. A private
    output folder and warehouse: no copy of the session's build is needed."""
    from pipelines.operations.refresh import first_sentence, user_error
    from pipelines.settings import outputs_under

    empty = tmp_path / "empty_mirror"
    empty.mkdir()
    outputs = outputs_under(tmp_path / "run")
    home = Path(outputs["DAGSTER_HOME"])
    home.mkdir(parents=True)
    (home / "dagster.yaml").write_text((PROJECT_ROOT / "deploy/dagster.local.yaml").read_text())
    env = {
        **os.environ,
        **outputs,
        "WELLBEING_SOURCE_MIRROR": str(empty),
        "PYTHONPATH": str(PROJECT_ROOT),
    }
    env.pop("WELLBEING_ENTRY_POINT", None)
    result = _run(env)
    out = result.stdout + result.stderr
    assert result.returncode == 1, out[-3000:]
    assert "Traceback" not in out and 'File "' not in out, out[-3000:]
    [run] = _runs(env)
    instance = dg.DagsterInstance.from_config(env["DAGSTER_HOME"])
    try:
        failures = {
            e.dagster_event.step_key: e.dagster_event.step_failure_data.error
            for e in instance.all_logs(run.run_id, of_type=dg.DagsterEventType.STEP_FAILURE)
        }
    finally:
        instance.dispose()
    assert len(failures) > 25  # every source step
    # Each failed step: one console line naming it, its error's class and the first sentence.
    console = result.stderr.splitlines()
    for step, error in failures.items():
        cls, message = user_error(error)
        assert cls == "SourceUnavailableError" and " is not in the mirror folder " in message
        assert 'File "' in error.to_string()  # the event log (the UI) keeps the whole error
        [line] = [line for line in console if f" - {step} - STEP_FAILURE - " in line]
        assert line.endswith(f"failed. SourceUnavailableError: {first_sentence(message)}"), line
        assert f"{empty}: looked for {empty}/" in line
    # The summary still says why, once for the steps that failed alike, naming every one.
    why = result.stdout.split("\nWhy steps failed:\n", 1)[1].split("\n\nRun ", 1)[0]
    assert len(why.splitlines()) < 10, why
    for step in failures:
        assert step.replace("__", "/", 1) in why
    assert f"WELLBEING_SOURCE_MIRROR is {empty}: those files are not in that folder." in why
    assert "make mirror MIRROR_DIR=" in why
    # and the steps held back are counted, not only the failed ones
    assert re.search(r"\d+ failed, \d+ not built because a step failed", out), out[-2000:]
    # 1,193 lines before, 187 now: a line for each failed step and for each step it held back
    # (Dagster's "Dependencies for step ... Not executing."), the plan and the summary.
    assert len(out.splitlines()) < 250, len(out.splitlines())
    # The complete log: its path is the summary's last line, and it holds every trace.
    path = Path(out.rsplit("Complete log (every error with its trace): ", 1)[1].split()[0])
    assert path == Path(outputs["WELLBEING_LOG_DIR"]) / f"{run.run_id}.log"
    log = path.read_text()
    assert log.count("Stack Trace:") >= len(failures) and 'File "' in log
    assert " - DEBUG - " in log and "RUN_FAILURE" in log
    for step in failures:
        assert f" - {step} - STEP_FAILURE - " in log
