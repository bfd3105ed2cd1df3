"""A failed blocking check holds on the schedule, the partner-inbox sensor and ``make publish``.

On a copy of the full real-data build, with a WIMD 2025 copy missing Cardiff:

- the monthly schedule's run (job ``public_refresh``) loads the source, its check fails, and no
  staging model, mart or published file is rebuilt;
- a partner file arriving in the inbox starts a ``partner_ingestion`` run: the partner rows load,
  but the models on them (upstream of which WIMD failed) refuse to build, no mart runs and
  nothing is published;
- ``make publish`` (the publish asset alone, run as the analyst types it) refuses too.

The published file is byte-identical throughout. (``make run``: tests/test_refresh.py; the UI and
automation with a real daemon: tests/test_automation_daemon.py.)
"""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from pipelines.catalogue import sha256_of
from pipelines.settings import PROJECT_ROOT

FIXTURE = Path(__file__).parent / "fixtures" / "partner_files" / "postcodes.csv"


@pytest.fixture()
def broken(private_build, editable_mirror, remove_cardiff, tmp_path, monkeypatch):
    build = private_build()
    mirror = editable_mirror("wimd_2025")
    remove_cardiff(mirror)
    for key, value in build.items():
        monkeypatch.setenv(key, value)
    monkeypatch.setenv("WELLBEING_SOURCE_MIRROR", str(mirror))
    monkeypatch.delenv("WELLBEING_PARTNER_INBOX", raising=False)
    return tmp_path / "run"


def _published_sha() -> str:
    return sha256_of(Path(os.environ["WELLBEING_PUBLISH_DIR"]) / "wellbeing.duckdb")


def _materialized(result) -> set[str]:
    return {e.asset_key.to_user_string() for e in result.get_asset_materialization_events()}


def test_schedule_sensor_and_publish_never_publish_on_a_failed_check(broken, tmp_path):
    from pipelines.definitions import build_definitions
    from pipelines.operations.schedules import monthly_public_refresh
    from pipelines.operations.sensors import partner_inbox

    defs = build_definitions()
    instance = dg.DagsterInstance.ephemeral()
    before = _published_sha()

    # The monthly schedule: its run request, executed as the daemon would launch it.
    request = monthly_public_refresh.evaluate_tick(
        dg.build_schedule_context(instance=instance)
    ).run_requests[0]
    job = defs.resolve_job_def(monthly_public_refresh.job_name)
    result = job.execute_in_process(instance=instance, tags=request.tags, raise_on_error=False)
    assert not result.success
    check = next(
        e
        for e in result.get_asset_check_evaluations()
        if e.check_name == "contract_wimd_2025_ranks"
    )
    assert not check.passed and check.severity == dg.AssetCheckSeverity.ERROR
    built = _materialized(result)
    assert "raw/wimd_2025_ranks" in built
    assert (
        not {
            "staging/stg_wimd__wimd_2025",
            "marts/lsoa_profile",
            "published/wellbeing_duckdb",
            "dashboard/site",
        }
        & built
    )
    assert _published_sha() == before

    # A partner file arrives: the inbox sensor's run loads it, and no mart is rebuilt on WIMD.
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    shutil.copy(FIXTURE, inbox / "cardiff_return.csv")
    os.environ["WELLBEING_PARTNER_INBOX"] = str(inbox)
    os.environ["WELLBEING_INBOX_SETTLE_SECONDS"] = "0"
    try:
        sensor_result = partner_inbox(dg.build_sensor_context(instance=instance))
        [request] = sensor_result.run_requests
        job = defs.resolve_job_def(partner_inbox.job_name)
        result = job.execute_in_process(instance=instance, tags=request.tags, raise_on_error=False)
    finally:
        del os.environ["WELLBEING_PARTNER_INBOX"]
        del os.environ["WELLBEING_INBOX_SETTLE_SECONDS"]
    assert not result.success
    built = _materialized(result)
    assert "raw/partnership_activity" in built
    assert not {k for k in built if k.startswith("marts/")} | (
        {"published/wellbeing_duckdb"} & built
    )
    refusals = [
        e.step_failure_data.user_failure_data.description
        for e in result.all_events
        if e.is_step_failure and e.step_failure_data.user_failure_data
    ]
    # The partner staging model (the partner loader reads WIMD) refuses, so no mart runs.
    assert any(
        "was not rebuilt" in r and "raw.wimd_2025_ranks: check contract_wimd_2025_ranks" in r
        for r in refusals
    ), refusals
    assert _published_sha() == before

    # make publish, as the analyst types it (the publish asset alone, in its own process).
    venv = Path(sys.executable).parent.parent
    publish = subprocess.run(
        # -o: never reinstall the virtualenv from inside a test
        ["make", "-o", f"{venv}/.installed", "publish", f"VENV={venv}"],
        cwd=PROJECT_ROOT,
        env={**os.environ},
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    out = publish.stdout + publish.stderr
    assert publish.returncode != 0
    assert "published/wellbeing_duckdb was not rebuilt" in out, out[-3000:]
    assert "raw.wimd_2025_ranks: check contract_wimd_2025_ranks failed" in out
    assert _published_sha() == before
    with duckdb.connect(
        os.environ["WELLBEING_PUBLISH_DIR"] + "/wellbeing.duckdb", read_only=True
    ) as con:
        assert con.execute("select count(*) from marts.local_authority_profile").fetchone()[0] == 22
