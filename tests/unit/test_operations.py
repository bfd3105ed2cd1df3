"""Schedules, the partner-inbox sensor, jobs and the run-queue configuration."""

import json
import os
import time
from pathlib import Path

import dagster as dg
import pytest
import yaml

from pipelines.operations.inbox import InboxCursor, is_submission, scan_inbox
from pipelines.operations.jobs import (
    PARTNER_INGESTION_JOB,
    PUBLIC_REFRESH_JOB,
    PUBLISH_JOB,
)
from pipelines.operations.keys import PARTNER_KEY, PUBLISHED_KEY, WRITES_WAREHOUSE
from pipelines.operations.sensors import PARTNER_OP, partner_inbox
from pipelines.settings import PROJECT_ROOT


@pytest.fixture()
def inbox(tmp_path, monkeypatch) -> Path:
    folder = tmp_path / "inbox"
    folder.mkdir()
    monkeypatch.setenv("WELLBEING_PARTNER_INBOX", str(folder))
    monkeypatch.setenv("WELLBEING_INBOX_SETTLE_SECONDS", "0")
    return folder


def _evaluate(cursor: str | None):
    context = dg.build_sensor_context(instance=dg.DagsterInstance.ephemeral(), cursor=cursor)
    result = partner_inbox(context)
    if isinstance(result, dg.SkipReason):
        return [], cursor
    return list(result.run_requests or []), result.cursor


def test_sensor_requests_one_run_per_new_or_changed_file(inbox):
    file = inbox / "cardiff_2025-26.csv"
    file.write_text("activity_id,lsoa_code\nA1,W01000001\n")
    requests, cursor = _evaluate(None)
    assert len(requests) == 1
    import hashlib

    digest = hashlib.sha256(file.read_bytes()).hexdigest()
    assert requests[0].run_key == digest
    assert requests[0].tags["wellbeing/partner_file"] == "cardiff_2025-26.csv"
    assert requests[0].tags["wellbeing/writes"] == "warehouse"
    assert digest in json.loads(cursor)["seen"]

    # The same file again: nothing.
    requests, cursor = _evaluate(cursor)
    assert requests == []

    # The same content under another name: one run, which records it as a duplicate and
    # writes the partner's report; then nothing.
    (inbox / "copy_of_cardiff.csv").write_bytes(file.read_bytes())
    requests, cursor = _evaluate(cursor)
    assert [r.run_key for r in requests] == [f"{digest}:copy_of_cardiff.csv"]
    assert requests[0].run_config["ops"][PARTNER_OP]["config"] == {"files": ["copy_of_cardiff.csv"]}
    requests, cursor = _evaluate(cursor)
    assert requests == []

    # The file changed: exactly one run, keyed by the new hash.
    file.write_text("activity_id,lsoa_code\nA1,W01000001\nA2,W01000002\n")
    os.utime(file, (time.time() - 5, time.time() - 5))
    requests, cursor = _evaluate(cursor)
    assert [r.run_key for r in requests] == [hashlib.sha256(file.read_bytes()).hexdigest()]
    requests, cursor = _evaluate(cursor)
    assert requests == []


INBOX_TODO = (
    "Point it at the folder partners' files arrive in (check the spelling, and that the share "
    "is mounted), or unset it to load the example submissions; nothing was loaded and no "
    "example rows were retired."
)


def test_sensor_skips_without_inbox(monkeypatch, tmp_path):
    monkeypatch.delenv("WELLBEING_PARTNER_INBOX", raising=False)
    context = dg.build_sensor_context(instance=dg.DagsterInstance.ephemeral())
    assert partner_inbox(context).skip_message == "WELLBEING_PARTNER_INBOX is not set"
    monkeypatch.setenv("WELLBEING_PARTNER_INBOX", str(tmp_path / "inbx"))  # a typo
    assert partner_inbox(context).skip_message == (
        f"the folder {tmp_path / 'inbx'} does not exist (WELLBEING_PARTNER_INBOX). {INBOX_TODO}"
    )
    (tmp_path / "inbox.csv").write_text("activity_id\nA1\n")  # a file, not a folder
    monkeypatch.setenv("WELLBEING_PARTNER_INBOX", str(tmp_path / "inbox.csv"))
    assert partner_inbox(context).skip_message == (
        f"the folder {tmp_path / 'inbox.csv'} is a file, not a folder (WELLBEING_PARTNER_INBOX). "
        f"{INBOX_TODO}"
    )


@pytest.mark.parametrize("setting", ["WELLBEING_PARTNER_INBOX", "WELLBEING_FEEDBACK_DIR"])
def test_the_partner_loader_fails_on_an_inbox_that_is_not_there_and_retires_nothing(
    tmp_path, monkeypatch, setting
):
    """A typo in WELLBEING_PARTNER_INBOX (or a feedback folder that is a file) fails the asset
    from the UI, a sensor run or make run with one line, before the example rows are retired."""
    import duckdb

    from pipelines.partnership_activity import ingest
    from pipelines.partnership_activity.assets import partnership_activity_submissions
    from pipelines.warehouse import Warehouse

    warehouse = tmp_path / "warehouse.duckdb"
    with duckdb.connect(str(warehouse)) as con:
        ingest.ensure_tables(con)
        con.execute(
            "insert into raw.partnership_activity by name select 'A1' as activity_id, "
            "'p' as partner_organisation, 'p' as partner_key, 'c' as action_category, "
            "'t' as activity_type, 'x' as title, 'W06000015' as la_code, "
            "date '2024-05-01' as start_date, 'day' as start_date_precision, ['a'] as sectors, "
            "['g'] as wellbeing_goals, true as is_example_data, '2024-25' as financial_year, "
            "'f.csv' as submission_file, 's' as submission_sha256, 2 as source_row_number, "
            "now() as loaded_at, true as is_current"
        )
    (tmp_path / "inbox").mkdir()
    monkeypatch.setenv("WELLBEING_PARTNER_INBOX", str(tmp_path / "inbox"))
    monkeypatch.setenv("WELLBEING_FEEDBACK_DIR", str(tmp_path / "feedback"))
    monkeypatch.setenv("WELLBEING_ARCHIVE_DIR", str(tmp_path / "archive"))
    wrong = tmp_path / ("inbx" if setting == "WELLBEING_PARTNER_INBOX" else "feedback.txt")
    if setting == "WELLBEING_FEEDBACK_DIR":
        wrong.write_text("not a folder")
    monkeypatch.setenv(setting, str(wrong))
    result = dg.materialize(
        [partnership_activity_submissions],
        resources={"warehouse": Warehouse(path=str(warehouse))},
        raise_on_error=False,
    )
    assert not result.success
    [failure] = [e for e in result.all_events if e.is_step_failure]
    assert failure.step_failure_data.user_failure_data.description == (
        f"the folder {wrong} does not exist (WELLBEING_PARTNER_INBOX). {INBOX_TODO}"
        if setting == "WELLBEING_PARTNER_INBOX"
        else f"the folder {wrong} is a file, not a folder (WELLBEING_FEEDBACK_DIR). Move that "
        "file away or point the variable at a folder (it is made when missing)."
    )
    with duckdb.connect(str(warehouse), read_only=True) as con:
        assert con.execute("select is_current from raw.partnership_activity").fetchall() == [
            (True,)
        ]
    assert not (tmp_path / "archive").exists()


def test_make_run_and_the_plan_refuse_a_folder_setting_that_is_not_a_folder(
    tmp_path, monkeypatch, capsys
):
    """One line per setting, exit status 1, before the writer lock (no lock file is made)."""
    from pipelines.run import main

    monkeypatch.setenv("WELLBEING_WAREHOUSE", str(tmp_path / "data" / "warehouse.duckdb"))
    monkeypatch.setenv("WELLBEING_PARTNER_INBOX", str(tmp_path / "inbx"))
    monkeypatch.setenv("WELLBEING_SOURCE_MIRROR", str(tmp_path / "dta"))
    (tmp_path / "archive").write_text("")
    monkeypatch.setenv("WELLBEING_ARCHIVE_DIR", str(tmp_path / "archive"))
    monkeypatch.delenv("WELLBEING_FEEDBACK_DIR", raising=False)
    for argv in (["--plan"], []):
        assert main(argv) == 1
        assert capsys.readouterr().err.splitlines() == [
            (
                f"The run could not start: the folder {tmp_path / 'dta'} does not exist "
                "(WELLBEING_SOURCE_MIRROR). Point it at a folder laid out like ../shared/data (check "
                "the spelling), or unset it to download every source from its official URL."
            ),
            (
                f"The run could not start: the folder {tmp_path / 'inbx'} does not exist "
                f"(WELLBEING_PARTNER_INBOX). {INBOX_TODO}"
            ),
            (
                f"The run could not start: the folder {tmp_path / 'archive'} is a file, not a folder "
                "(WELLBEING_ARCHIVE_DIR). Move that file away or point the variable at a folder (it "
                "is made when missing)."
            ),
        ]
        assert sorted(p.name for p in tmp_path.iterdir()) == ["archive"]


def test_make_run_refuses_a_number_setting_that_is_not_one(tmp_path, monkeypatch, capsys):
    """A number setting written wrong ('1h', '-3', '2.5' steps) is said before the run in one
    line naming the variable, its value and what it takes, never replaced by its default; unset
    (or empty) it is its default."""
    from pipelines.run import main
    from pipelines.settings import setting_number

    monkeypatch.setenv("WELLBEING_WAREHOUSE", str(tmp_path / "data" / "warehouse.duckdb"))
    for name in ("WELLBEING_SOURCE_MIRROR", "WELLBEING_PARTNER_INBOX"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("WELLBEING_WRITER_WAIT_SECONDS", "1h")
    monkeypatch.setenv("WELLBEING_QUALITY_KEEP_RUNS", "0")
    monkeypatch.setenv("WELLBEING_MAX_CONCURRENT_STEPS", "2.5")
    monkeypatch.setenv("WELLBEING_INBOX_SETTLE_SECONDS", "")
    assert main([]) == 1
    assert capsys.readouterr().err.splitlines() == [
        (
            "The run could not start: WELLBEING_MAX_CONCURRENT_STEPS='2.5': expected a whole number "
            "of at least 1 (unset it for the default, 2)"
        ),
        (
            "The run could not start: WELLBEING_WRITER_WAIT_SECONDS='1h': expected a number (unset "
            "it for the default, 3600)"
        ),
        (
            "The run could not start: WELLBEING_QUALITY_KEEP_RUNS='0': expected a whole number of at "
            "least 1 (unset it for the default, 10)"
        ),
    ]
    assert not (tmp_path / "data").exists()
    with pytest.raises(ValueError, match="WELLBEING_WRITER_WAIT_SECONDS='1h'"):
        setting_number("WELLBEING_WRITER_WAIT_SECONDS")
    assert setting_number("WELLBEING_INBOX_SETTLE_SECONDS") == 30  # empty: the default
    monkeypatch.setenv("WELLBEING_WRITER_WAIT_SECONDS", "-1")  # wait until it finishes
    assert setting_number("WELLBEING_WRITER_WAIT_SECONDS") == -1


def test_sensor_waits_for_files_still_being_copied(inbox, monkeypatch):
    monkeypatch.setenv("WELLBEING_INBOX_SETTLE_SECONDS", "600")
    (inbox / "new.xlsx").write_bytes(b"PK...")
    requests, cursor = _evaluate(None)
    assert requests == []
    monkeypatch.setenv("WELLBEING_INBOX_SETTLE_SECONDS", "0")
    requests, cursor = _evaluate(cursor)
    assert len(requests) == 1


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("a.csv", True),
        ("a.XLSX", True),
        ("a.ods", True),
        ("a.txt", True),
        ("a.xls", True),
        ("a.parquet", True),
        ("sub/folder/a.csv", True),
        (".hidden.csv", False),
        ("~$lock.xlsx", False),
        ("a.csv.part", False),
        ("a.csv.crdownload", False),
        (".git/a.csv", False),
        ("__MACOSX/a.csv", False),
        # every other file is a submission: one the loader cannot read is rejected, saying so
        ("a.pdf", True),
        ("return.zip", True),
        ("no_suffix", True),
        ("Thumbs.db", False),
        ("sub/desktop.ini", False),
    ],
)
def test_is_submission(tmp_path, name, expected):
    path = tmp_path / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("x")
    assert is_submission(path, tmp_path) is expected


def test_sensor_and_loader_share_one_definition_of_a_submission(inbox):
    from pipelines.partnership_activity import submission

    (inbox / "cardiff").mkdir()
    names = ("cardiff/2024-25.xlsx", "top.csv", "notes.txt", ".hidden.csv", "~$top.xlsx", "q1.zip")
    for name in names:
        (inbox / name).write_bytes(name.encode())
    requests, _ = _evaluate(None)
    sensed = sorted(r.tags["wellbeing/partner_file"] for r in requests)
    loaded = sorted(submission.submission_name(p, inbox) for p in submission.inbox_files(inbox))
    assert sensed == loaded == ["cardiff/2024-25.xlsx", "notes.txt", "q1.zip", "top.csv"]


def test_a_sensor_run_loads_the_file_it_was_started_for(inbox):
    (inbox / "a.csv").write_text("x")
    requests, _ = _evaluate(None)
    config = requests[0].run_config["ops"]["partnership_activity_submissions"]["config"]
    assert config == {"files": ["a.csv"]}


def test_cursor_round_trip_and_stat_cache(tmp_path):
    (tmp_path / "a.csv").write_text("x")
    cursor = InboxCursor.parse(None)
    files = scan_inbox(tmp_path, cursor)
    again = InboxCursor.parse(cursor.dumps())
    assert again.files == cursor.files
    assert [f.sha256 for f in scan_inbox(tmp_path, again)] == [f.sha256 for f in files]
    assert InboxCursor.parse(json.dumps(["abc"])).seen == {"abc"}
    # a cursor of hashes only: the files it saw count as requested, a copy seen now does not
    legacy = json.dumps({"seen": [files[0].sha256], "files": {"a.csv": cursor.files["a.csv"]}})
    (tmp_path / "b.csv").write_text("x")
    context = dg.build_sensor_context(instance=dg.DagsterInstance.ephemeral(), cursor=legacy)
    with pytest.MonkeyPatch.context() as env:
        env.setenv("WELLBEING_PARTNER_INBOX", str(tmp_path))
        env.setenv("WELLBEING_INBOX_SETTLE_SECONDS", "0")
        result = partner_inbox(context)
    assert [r.tags["wellbeing/partner_file"] for r in result.run_requests] == ["b.csv"]


def test_definitions_load_with_schedule_sensor_and_jobs():
    from pipelines.definitions import build_definitions

    defs = build_definitions()
    repo = defs.get_repository_def()
    assert repo.has_schedule_def("monthly_public_refresh")
    assert repo.has_sensor_def("partner_inbox")
    assert repo.has_sensor_def("wellbeing_automation")
    assert repo.get_sensor_def("partner_inbox").job_name == PARTNER_INGESTION_JOB

    refresh = defs.resolve_job_def(PUBLIC_REFRESH_JOB)
    refresh_keys = set(refresh.asset_layer.executable_asset_keys)
    assert PARTNER_KEY not in refresh_keys
    assert PUBLISHED_KEY in refresh_keys
    assert any(key.path[0] == "marts" for key in refresh_keys)
    for name in (PUBLIC_REFRESH_JOB, PARTNER_INGESTION_JOB, PUBLISH_JOB):
        job = defs.resolve_job_def(name)
        assert job.run_tags.get("wellbeing/writes") == "warehouse", name

    graph = defs.resolve_asset_graph()
    published = graph.get(PUBLISHED_KEY)
    assert published.automation_condition is not None
    assert published.group_name == "publish"
    if graph.has(PARTNER_KEY):
        ingestion = defs.resolve_job_def(PARTNER_INGESTION_JOB)
        assert PARTNER_KEY in set(ingestion.asset_layer.executable_asset_keys)


@pytest.mark.parametrize("name", ["dagster.yaml", "dagster.local.yaml"])
def test_deploy_dagster_yaml_limits_warehouse_writers_to_one(name):
    config = yaml.safe_load((PROJECT_ROOT / "deploy" / name).read_text())
    coordinator = config["run_coordinator"]
    assert coordinator["module"] == "dagster.core.run_coordinator"
    assert coordinator["class"] == "QueuedRunCoordinator"
    limits = coordinator["config"]["tag_concurrency_limits"]
    key, value = next(iter(WRITES_WAREHOUSE.items()))
    assert {"key": key, "value": value, "limit": 1} in limits
    if name == "dagster.yaml":
        assert config["storage"]["postgres"]["postgres_db"]["password"] == {
            "env": "DAGSTER_PG_PASSWORD"
        }
