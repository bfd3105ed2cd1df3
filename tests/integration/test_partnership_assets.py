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
    monkeypatch.setenv("WELLBEING_PARTNER_INBOX", str(inbox))
    _run()
    con = duckdb.connect(os.environ["WELLBEING_WAREHOUSE"], read_only=True)
    try:
        rows = con.execute(
            "select submission_file, status from quality.submissions order by 1"
        ).fetchall()
        assert rows == [
            ("amounts.csv", "loaded_with_quarantine"),
            ("missing_columns.csv", "rejected"),
        ]
        assert (
            con.execute("select bool_or(is_example_data) from raw.partnership_activity").fetchone()[
                0
            ]
            is False
        )
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
    _run()
    con = duckdb.connect(os.environ["WELLBEING_WAREHOUSE"], read_only=True)
    try:
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
