"""Materialise the partner-submission asset and its staging model on the real data (example
submissions, no inbox) into a temporary warehouse; a second run changes nothing."""

import os

import dagster as dg
import duckdb
import pytest

from pipelines.operations.keys import PARTNER_KEY
from pipelines.partnership_activity import assets
from pipelines.transform.assets import sql_model_assets
from pipelines.warehouse import Warehouse

STAGING_KEY = dg.AssetKey(["staging", "stg_partnership_activity__activities"])
STAGING = next(a for a in sql_model_assets if STAGING_KEY in a.keys)
TABLES = ("raw.partnership_activity", "quality.quarantine", "quality.submissions")


@pytest.fixture()
def env(tmp_path, shared_data, monkeypatch):
    monkeypatch.setenv("WELLBEING_SOURCE_MIRROR", str(shared_data))
    monkeypatch.setenv("WELLBEING_WAREHOUSE", str(tmp_path / "warehouse.duckdb"))
    monkeypatch.setenv("WELLBEING_ARCHIVE_DIR", str(tmp_path / "archive"))
    monkeypatch.delenv("WELLBEING_PARTNER_INBOX", raising=False)
    return tmp_path


def _run():
    result = dg.materialize(
        [assets.partnership_activity_submissions, STAGING],
        resources={"warehouse": Warehouse()},
    )
    assert result.success
    return result


def test_example_submissions_end_to_end_and_idempotent(env):
    result = _run()
    checks = result.get_asset_check_evaluations()
    assert [c.passed for c in checks] == [True]
    mats = {
        e.event_specific_data.materialization.asset_key: e.event_specific_data.materialization.metadata
        for e in result.get_asset_materialization_events()
    }
    raw_meta = mats[PARTNER_KEY]
    assert raw_meta["files_loaded_this_run"].value == 24
    assert raw_meta["rows_quarantined_this_run"].value > 0
    assert "dagster/column_schema" in raw_meta

    con = duckdb.connect(os.environ["WELLBEING_WAREHOUSE"], read_only=True)
    try:
        sub = con.execute(
            "select count(*), sum(rows_submitted), sum(rows_accepted), sum(rows_quarantined) from quality.submissions"
        ).fetchone()
        assert sub[0] == 24 and sub[1] == sub[2] + sub[3] and 4900 <= sub[1] <= 5300
        stg = con.execute("select * from staging.stg_partnership_activity__activities").pl()
        current = con.execute(
            "select count(*) from raw.partnership_activity where is_current"
        ).fetchone()[0]
        assert stg.height == current
        assert not {"description", "contact_email", "contact_phone", "postcode"} & set(stg.columns)
        assert str(stg.schema["sectors"]).startswith("List") and str(
            stg.schema["wellbeing_goals"]
        ).startswith("List")
        assert stg["is_example_data"].all() and stg["la_code"].n_unique() == 22
        assert stg.select(["partner_organisation", "activity_id"]).is_duplicated().sum() == 0
        assert set(stg["action_category"]) == {
            "shared_purpose",
            "governance",
            "financial_mechanism",
        }
        assert (
            con.execute(
                "select count(*) from raw.partnership_activity where supersedes_note is not null"
            ).fetchone()[0]
            == 40
        )
        comment = con.execute(
            "select comment from duckdb_columns() where table_name = 'partnership_activity' and column_name = 'funding_gbp'"
        ).fetchone()[0]
        assert "GBP" in comment
        before = [
            con.execute(f"select count(*) from {t}").fetchone()[0]
            for t in ("raw.partnership_activity", "quality.quarantine", "quality.submissions")
        ]
    finally:
        con.close()

    second = _run()
    meta = [
        e.event_specific_data.materialization for e in second.get_asset_materialization_events()
    ]
    raw_meta = next(m.metadata for m in meta if m.asset_key == PARTNER_KEY)
    assert (
        raw_meta["files_loaded_this_run"].value == 0
        and raw_meta["files_already_loaded"].value == 24
    )
    con = duckdb.connect(os.environ["WELLBEING_WAREHOUSE"], read_only=True)
    try:
        after = [
            con.execute(f"select count(*) from {t}").fetchone()[0]
            for t in ("raw.partnership_activity", "quality.quarantine", "quality.submissions")
        ]
    finally:
        con.close()
    assert after == before


def test_partner_inbox_is_used_when_configured(env, monkeypatch):
    from pathlib import Path

    inbox = env / "inbox"
    inbox.mkdir()
    fixtures = Path(__file__).parent / "fixtures" / "partner_files"
    for name in ("amounts.csv", "missing_columns.csv"):
        (inbox / name).write_bytes((fixtures / name).read_bytes())
    # the partner sends amounts.csv again, unchanged, in a sub-folder
    (inbox / "resent").mkdir()
    (inbox / "resent" / "amounts.csv").write_bytes((fixtures / "amounts.csv").read_bytes())
    monkeypatch.setenv("WELLBEING_PARTNER_INBOX", str(inbox))
    monkeypatch.setenv("WELLBEING_FEEDBACK_DIR", str(env / "feedback"))
    first = _run()
    raw_meta = next(
        m.metadata
        for m in (
            e.event_specific_data.materialization for e in first.get_asset_materialization_events()
        )
        if m.asset_key == PARTNER_KEY
    )
    assert (
        raw_meta["files_loaded_this_run"].value,
        raw_meta["files_duplicate_this_run"].value,
    ) == (
        2,
        1,
    )
    assert "| resent/amounts.csv | duplicate of amounts.csv | 0 | 0 | 0 | 0 |" in (
        raw_meta["files_this_run"].value
    )
    con = duckdb.connect(os.environ["WELLBEING_WAREHOUSE"], read_only=True)
    try:
        rows = con.execute(
            "select submission_file, status, rows_submitted from quality.submissions order by 1"
        ).fetchall()
        assert rows == [
            ("amounts.csv", "loaded_with_quarantine", 8),
            ("missing_columns.csv", "rejected", 2),
            ("resent/amounts.csv", "duplicate", 0),
        ]
        loaded = con.execute(
            "select submission_file, count(*) from raw.partnership_activity group by all"
        ).fetchall()
        assert loaded == [("amounts.csv", 4)]  # nothing from the copy
        before = [con.execute(f"select count(*) from {t}").fetchone()[0] for t in TABLES]
        assert (
            con.execute("select bool_or(is_example_data) from raw.partnership_activity").fetchone()[
                0
            ]
            is False
        )
    finally:
        con.close()
    reports = sorted(p.parent.name for p in (env / "feedback").rglob("feedback_cy.html"))
    assert len(reports) == 3 and any("_resent_amounts.csv_" in r for r in reports)
    _run()  # the same three files again: nothing is recorded twice
    con = duckdb.connect(os.environ["WELLBEING_WAREHOUSE"], read_only=True)
    try:
        assert [con.execute(f"select count(*) from {t}").fetchone()[0] for t in TABLES] == before
    finally:
        con.close()


def test_configuring_an_inbox_retires_the_example_rows(env, monkeypatch):
    """Example data must never be mixed with real submissions in the marts."""
    from pathlib import Path

    _run()  # no inbox: the example submissions are loaded
    inbox = env / "inbox"
    inbox.mkdir()
    fixtures = Path(__file__).parent / "fixtures" / "partner_files"
    (inbox / "amounts.csv").write_bytes((fixtures / "amounts.csv").read_bytes())
    monkeypatch.setenv("WELLBEING_PARTNER_INBOX", str(inbox))
    result = _run()
    quarantine_meta = next(
        m.metadata
        for m in (
            e.event_specific_data.materialization for e in result.get_asset_materialization_events()
        )
        if m.asset_key == assets.QUARANTINE_KEY
    )
    con = duckdb.connect(os.environ["WELLBEING_WAREHOUSE"], read_only=True)
    try:
        # what someone has to correct: amounts.csv's rows set aside, not the retired examples'
        to_correct = con.execute(
            "select rows_quarantined from quality.submissions where submission_file = 'amounts.csv'"
        ).fetchone()[0]
        examples_open = con.execute(
            "select count(distinct (q.submission_sha256, q.source_row_number)) "
            "from quality.quarantine q join quality.submissions s using (submission_sha256) "
            "where s.is_example_data and not q.is_resolved"
        ).fetchone()[0]
        current_examples, kept_examples = con.execute(
            "select count(*) filter (where is_current), count(*) "
            "from raw.partnership_activity where is_example_data"
        ).fetchone()
        staged = con.execute(
            "select count(*), count(*) filter (where is_example_data) "
            "from staging.stg_partnership_activity__activities"
        ).fetchone()
        accepted = con.execute(
            "select rows_accepted from quality.submissions where submission_file = 'amounts.csv'"
        ).fetchone()[0]
    finally:
        con.close()
    assert current_examples == 0 and kept_examples > 4000
    assert staged == (accepted, 0)
    assert to_correct == 4 and examples_open > 0
    assert quarantine_meta["unresolved_rows"].value == to_correct
    assert quarantine_meta["unresolved_example_rows"].value == examples_open
