"""Partner activity is partitioned by financial year: one year can be re-run alone.

The re-run tests work on a copy of the session's fully built warehouse (real data, example
partner submissions) and materialise the partitioned asset for one financial year.
"""

import os
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from pipelines.operations import keys
from pipelines.partnership_activity import assets
from pipelines.transform.assets import sql_model_assets
from pipelines.warehouse import Warehouse

YEAR_KEY = "2023-04-01"  # financial year 2023-24
YEAR = "2023-24"
STAGING = next(a for a in sql_model_assets if keys.PARTNER_STAGING_KEY in a.keys)


@pytest.fixture()
def warehouse_copy(private_build, monkeypatch) -> Path:
    """A private copy of the whole build (the re-run republishes), set in the environment;
    returns its warehouse file."""
    for name, value in private_build().items():
        monkeypatch.setenv(name, value)
    return Path(os.environ["WELLBEING_WAREHOUSE"])


def _rows(con, where: str) -> list[tuple]:
    return con.execute(
        f"select * from raw.partnership_activity where {where} order by all"
    ).fetchall()


def _snapshot(file: Path) -> dict:
    con = duckdb.connect(str(file), read_only=True)
    try:
        return {
            "this_year": _rows(con, f"financial_year = '{YEAR}'"),
            "other_years": _rows(con, f"financial_year <> '{YEAR}'"),
            "per_year": con.execute(
                "select financial_year, count(*), count(*) filter (where is_current) "
                "from raw.partnership_activity group by all order by all"
            ).fetchall(),
            "quarantine": con.execute("select count(*) from quality.quarantine").fetchone()[0],
            "submissions": con.execute(
                "select * from quality.submissions order by submission_sha256"
            ).fetchall(),
            "accepted": con.execute(
                "select sum(rows_accepted) from quality.submissions"
            ).fetchone()[0],
            "staging": con.execute(
                "select financial_year, count(*) from staging.stg_partnership_activity__activities "
                "group by all order by all"
            ).fetchall(),
        }
    finally:
        con.close()


def test_rerun_one_year_alone_keeps_rows_and_other_years(warehouse_copy):
    before = _snapshot(warehouse_copy)
    assert len(before["this_year"]) > 500 and len(before["other_years"]) > 1000
    result = dg.materialize(
        [assets.partnership_activity_year_reruns, STAGING],
        partition_key=YEAR_KEY,
        resources={"warehouse": Warehouse()},
    )
    assert result.success
    mats = {
        e.event_specific_data.materialization.asset_key: e.event_specific_data.materialization
        for e in result.get_asset_materialization_events()
    }
    rerun = mats[keys.PARTNER_YEAR_RERUNS_KEY]
    assert rerun.partition == YEAR_KEY
    assert rerun.metadata["financial_year"].value == YEAR
    current = sum(1 for r in before["this_year"] if r[25])  # is_current
    assert rerun.metadata["rows_before"].value == current
    assert rerun.metadata["rows_kept"].value == current
    assert rerun.metadata["rows_quarantined"].value == 0

    after = _snapshot(warehouse_copy)
    # Same reference data: that year is rewritten identically, every other year untouched.
    assert after == before
    con = duckdb.connect(str(warehouse_copy), read_only=True)
    try:
        log = con.execute(
            "select financial_year, rows_before, rows_kept, rows_changed, rows_quarantined "
            "from quality.partnership_activity_year_reruns"
        ).fetchall()
    finally:
        con.close()
    assert log == [(YEAR, current, current, 0, 0)]


def test_rerun_quarantines_rows_the_current_geography_rejects(warehouse_copy):
    con = duckdb.connect(str(warehouse_copy))
    try:
        # An LSOA used by activities of 2023-24 "disappears" from the geography.
        lsoa, n = con.execute(
            "select lsoa_code, count(*) from raw.partnership_activity "
            f"where is_current and financial_year = '{YEAR}' and lsoa_code is not null "
            "group by all order by 2 desc, 1 limit 1"
        ).fetchone()
        # (gone from the 2021 list and from the 2011 -> 2021 lookup, so it is no code at all)
        con.execute("delete from raw.lsoa21_ward_la_lookup where lsoa21cd = ?", [lsoa])
        con.execute(
            "delete from raw.lsoa11_lsoa21_lookup where lsoa11cd = ? or lsoa21cd = ?", [lsoa, lsoa]
        )
        # a partner had re-sent one of those rows' files under another name: its duplicate row
        # (same sha256, no rows) must not take the moved rows' counts
        sha256 = con.execute(
            "select min(submission_sha256) from raw.partnership_activity "
            f"where is_current and financial_year = '{YEAR}' and lsoa_code = ?",
            [lsoa],
        ).fetchone()[0]
        con.execute(
            "insert into quality.submissions select * replace ("
            "'resent/' || submission_file as submission_file, 'duplicate' as status, "
            "0 as rows_submitted, 0 as rows_accepted, 0 as rows_quarantined, "
            "0 as rows_superseding) from quality.submissions where submission_sha256 = ?",
            [sha256],
        )
    finally:
        con.close()
    before = _snapshot(warehouse_copy)
    result = dg.materialize(
        [assets.partnership_activity_year_reruns],
        partition_key=YEAR_KEY,
        resources={"warehouse": Warehouse()},
    )
    assert result.success
    after = _snapshot(warehouse_copy)
    # Other years are untouched, including their rows in the same LSOA (lsoa_code is column 6).
    assert after["other_years"] == before["other_years"]
    assert len(after["this_year"]) == len(before["this_year"]) - n
    assert not any(r[6] == lsoa for r in after["this_year"])
    con = duckdb.connect(str(warehouse_copy), read_only=True)
    try:
        moved = con.execute(
            "select count(distinct (submission_sha256, source_row_number)) from quality.quarantine "
            "where reason like 're-validated for financial year 2023-24%'"
        ).fetchone()[0]
        unbalanced = con.execute(
            "select count(*) from quality.submissions "
            "where rows_accepted + rows_quarantined <> rows_submitted"
        ).fetchone()[0]
        accepted = con.execute("select sum(rows_accepted) from quality.submissions").fetchone()[0]
        duplicate = con.execute(
            "select status, rows_submitted, rows_accepted, rows_quarantined "
            "from quality.submissions where submission_sha256 = ? and submission_file like 'resent/%'",
            [sha256],
        ).fetchall()
    finally:
        con.close()
    assert moved == n and unbalanced == 0
    assert accepted == before["accepted"] - n
    assert duplicate == [("duplicate", 0, 0, 0)]
