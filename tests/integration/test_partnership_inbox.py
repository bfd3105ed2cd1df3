"""The partner inbox as analysts run it: bad files never block the others, a sensor run loads the
file it was started for, and a sparse first return (a few authorities) loads, passes every
blocking check and publishes. Runs on a copy of the session's warehouse (real public data)."""

import shutil
from datetime import UTC, datetime
from pathlib import Path

import dagster as dg
import duckdb
import openpyxl
import polars as pl
import pytest

from pipelines.operations.jobs import PARTNER_INGESTION_JOB
from pipelines.operations.refresh import partner_files_summary
from pipelines.partnership_activity import assets, ingest

LAS = ["Cardiff", "Caerdydd", "Cyngor Gwynedd", "Powys County Council", "Newport", "Abertawe"]


def _rows(n: int, partner="Cardiff Third Sector Council") -> list[dict]:
    return [
        {
            "activity_id": f"R{i:03d}",
            "partner_organisation": partner,
            "action_category": "shared_purpose",
            "activity_type": "engagement_event",
            "title": f"Community event {i}",
            "la_code": LAS[i % len(LAS)],
            "lsoa_code": "W01001767" if LAS[i % len(LAS)] == "Cardiff" else "",
            "start_date": "01/05/2024",
            "sectors": "third_sector; community",
            "wellbeing_goals": "healthier",
            "funding_gbp": f"£{1000 + i:,}",
        }
        for i in range(n)
    ]


@pytest.fixture()
def env(built_warehouse, pipeline_env, tmp_path, monkeypatch):
    """A copy of the session's warehouse, an empty inbox and every other output (archive,
    feedback, published, site, quality reports, Dagster instance) new under tmp_path; the
    session's boundaries are only read."""
    from pipelines.settings import outputs_under

    shutil.copy(built_warehouse, tmp_path / "warehouse.duckdb")
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    values = {
        **pipeline_env,
        **outputs_under(tmp_path),
        "WELLBEING_BOUNDARIES_DIR": pipeline_env["WELLBEING_BOUNDARIES_DIR"],
        "WELLBEING_PARTNER_INBOX": str(inbox),
    }
    (tmp_path / "dagster_home").mkdir()
    for key, value in values.items():
        monkeypatch.setenv(key, value)
    return tmp_path


def _load(files: list[str] | None = None):
    from pipelines.warehouse import Warehouse

    config = {"ops": {"partnership_activity_submissions": {"config": {"files": files or []}}}}
    result = dg.materialize(
        [assets.partnership_activity_submissions],
        resources={"warehouse": Warehouse()},
        run_config=config,
    )
    assert result.success
    return result


def _submissions(env) -> dict[str, tuple]:
    with duckdb.connect(str(env / "warehouse.duckdb"), read_only=True) as con:
        rows = con.execute(
            "select submission_file, status, rows_submitted, rows_accepted, rows_quarantined, "
            "error from quality.submissions where not submission_file like '%example%'"
        ).fetchall()
    return {r[0]: r[1:] for r in rows}


def test_a_bad_file_never_blocks_the_inbox(env, monkeypatch):
    inbox = env / "inbox"
    good = pl.DataFrame(_rows(6))
    good.write_csv(inbox / "01_good.csv")
    text = (inbox / "01_good.csv").read_text().splitlines()
    text[3] = text[3].replace("Community event 2", '"Community event 2')  # a stray quote
    (inbox / "02_stray_quote.csv").write_text("\n".join(text) + "\n")
    (inbox / "03_utf16.csv").write_bytes(good.head(2).write_csv().encode("utf-16"))
    (inbox / "04_not_a_spreadsheet.xlsx").write_bytes(b"%PDF-1.4 a scanned form")
    (inbox / "sub").mkdir()
    pl.DataFrame(_rows(3, "Powys Voluntary Council")).write_csv(
        inbox / "sub" / "05_in_a_folder.csv"
    )
    (inbox / "06_crashes_the_loader.csv").write_text("anything")
    (inbox / "~$01_good.csv").write_text("an Office lock file")
    # every other class of awkward file, beside the good ones
    welsh = pl.DataFrame(_rows(2, "Cyngor Gwynedd")).with_columns(title=pl.lit("Sgwrs â'r gymuned"))
    (inbox / "07_semicolons.csv").write_text(welsh.write_csv(separator=";"))
    (inbox / "08_tabs.tsv").write_text(welsh.write_csv(separator="\t"))
    (inbox / "09_pipes.txt").write_text(welsh.write_csv(separator="|"))
    (inbox / "10_cp1252.csv").write_bytes(welsh.write_csv().encode("cp1252"))
    (inbox / "11_bom.csv").write_bytes(welsh.write_csv().encode("utf-8-sig"))
    ragged = good.head(3).write_csv().splitlines()
    ragged[2] = ragged[2].replace(",Community event 1,", ",Community event 1, Cardiff,")
    ragged[3] = ragged[3].replace(",Community event 2,", ",")  # the title left out
    (inbox / "12_ragged.csv").write_text("\n".join(ragged) + "\n")
    (inbox / "13_semicolons_no_header.csv").write_text("Name;Town;Amount\nJo;Bala;12\n")
    (inbox / "14_utf16_no_header.csv").write_bytes("Name\tTown\nJo\tBala\n".encode("utf-16"))
    book = openpyxl.Workbook()
    book.active.title = "Notes"
    book.active.append(["Filled in by hand"])
    data = book.create_sheet("Return 2024-25")
    for row in [list(good.columns), *good.head(2).rows()]:
        data.append(list(row))
    book.save(inbox / "15_second_sheet.xlsx")
    book = openpyxl.Workbook()
    book.active.title = "Summary"
    book.active.append(["Total", 12])
    book.save(inbox / "16_no_header_on_any_sheet.xlsx")
    (inbox / "17_broken_zip.xlsx").write_bytes(b"PK\x03\x04" + b"\x00" * 60)

    real = ingest.load_submission

    def flaky(con, path, *args, **kwargs):
        if Path(path).name.startswith("06_"):
            raise RuntimeError("simulated loader failure")
        return real(con, path, *args, **kwargs)

    monkeypatch.setattr(ingest, "load_submission", flaky)
    started = datetime.now(UTC)
    _load()
    logged = _submissions(env)
    assert set(logged) == {
        "01_good.csv",
        "02_stray_quote.csv",
        "03_utf16.csv",
        "04_not_a_spreadsheet.xlsx",
        "sub/05_in_a_folder.csv",
        "06_crashes_the_loader.csv",
        *(p.name for p in inbox.glob("1*")),
        "07_semicolons.csv",
        "08_tabs.tsv",
        "09_pipes.txt",
    }
    for name in ("07_semicolons.csv", "08_tabs.tsv", "09_pipes.txt", "10_cp1252.csv", "11_bom.csv"):
        assert logged[name][:4] == ("loaded", 2, 2, 0), name
    assert logged["12_ragged.csv"][:4] == ("loaded_with_quarantine", 3, 1, 2)
    assert logged["15_second_sheet.xlsx"][:4] == ("loaded", 2, 2, 0)
    no_header = logged["13_semicolons_no_header.csv"]
    assert no_header[0] == "rejected" and "semicolon separates its values" in no_header[4]
    assert "in utf-16" in logged["14_utf16_no_header.csv"][4]
    sheets = logged["16_no_header_on_any_sheet.xlsx"][4]
    assert "1 sheet(s): 'Summary' starts with" in sheets
    broken = logged["17_broken_zip.xlsx"]
    assert broken[0] == "rejected" and "zip archive" in broken[4] and "ends in .xlsx" in broken[4]
    assert logged["01_good.csv"][:4] == ("loaded", 6, 6, 0)
    assert logged["02_stray_quote.csv"][0] == "loaded_with_quarantine"
    assert (
        logged["02_stray_quote.csv"][1]
        == logged["02_stray_quote.csv"][2] + logged["02_stray_quote.csv"][3]
    )
    assert logged["03_utf16.csv"][:4] == ("loaded", 2, 2, 0)
    assert logged["04_not_a_spreadsheet.xlsx"][0] == "rejected"
    assert "a PDF document" in logged["04_not_a_spreadsheet.xlsx"][4]
    assert logged["sub/05_in_a_folder.csv"][:4] == ("loaded", 3, 3, 0)
    assert logged["06_crashes_the_loader.csv"][0] == "rejected"
    assert "simulated loader failure" in logged["06_crashes_the_loader.csv"][4]
    # every file received has its feedback report, in both languages
    reports = sorted(p.name for p in (env / "feedback").rglob("feedback_*.html"))
    assert len(reports) == 2 * (len(logged) - 1)  # the loader's own failure has none
    with duckdb.connect(str(env / "warehouse.duckdb"), read_only=True) as con:
        why = dict(
            con.execute(
                "select source_row_number, reason from quality.quarantine "
                "where submission_file = '12_ragged.csv'"
            ).fetchall()
        )
        details = dict(
            con.execute(
                "select submission_file, delimiter || ' ' || encoding from quality.submissions "
                "where submission_file in ('07_semicolons.csv', '08_tabs.tsv', '10_cp1252.csv')"
            ).fetchall()
        )
    assert why[3].startswith("row 3 has 12 fields, the header has 11")
    assert why[4].startswith("row 4 has 10 fields, the header has 11")
    assert details == {
        "07_semicolons.csv": "semicolon utf-8",
        "08_tabs.tsv": "tab utf-8",
        "10_cp1252.csv": "comma cp1252",
    }
    # make run's end-of-run summary: this run's files (not the example ones loaded before)
    with duckdb.connect(str(env / "warehouse.duckdb"), read_only=True) as con:
        summary = partner_files_summary(con, started).splitlines()
    assert summary[0] == "Partner files received:" and len(summary) == len(logged) + 2
    assert (
        "  12_ragged.csv: 3 rows received, 1 loaded (1 replaced earlier row), 2 set aside "
        "(all in the whole row)" in summary
    )
    pdf = next(line for line in summary if line.startswith("  04_not_a_spreadsheet.xlsx: "))
    assert "REJECTED, nothing loaded: " in pdf and "a PDF document" in pdf
    assert summary[-1].endswith(str(env / "feedback"))
    rejected = next((env / "feedback").glob("*04_not_a_spreadsheet*")) / "feedback_en.md"
    assert "Nothing from this file was loaded" in rejected.read_text()


def test_a_sensor_run_loads_only_its_file(env):
    inbox = env / "inbox"
    pl.DataFrame(_rows(3)).write_csv(inbox / "a.csv")
    pl.DataFrame(_rows(4, "Newport Council")).write_csv(inbox / "b.csv")
    _load(["b.csv"])
    assert set(_submissions(env)) == {"b.csv"}
    _load()
    assert set(_submissions(env)) == {"a.csv", "b.csv"}


def test_sparse_first_return_publishes(env):
    """A first real return covering six authorities: every blocking check passes, the published
    file tells 'no activity reported' from zero."""
    pl.DataFrame(_rows(30)).write_csv(env / "inbox" / "first_return.csv")
    from pipelines.definitions import build_definitions

    defs = build_definitions()
    result = defs.resolve_job_def(PARTNER_INGESTION_JOB).execute_in_process(
        instance=dg.DagsterInstance.get(), raise_on_error=False
    )
    failed = [
        (e.check_name, e.description) for e in result.get_asset_check_evaluations() if not e.passed
    ]
    assert failed == []
    assert result.success
    with duckdb.connect(str(env / "published" / "wellbeing.duckdb"), read_only=True) as con:
        profile = con.execute(
            "select la_name_en, activity_reported, activity_count, "
            "share_activity_in_most_deprived_20pct, activity_per_10k, funding_per_head_gbp, "
            "participant_count, participant_count_activities, is_participant_count_suppressed "
            "from marts.local_authority_profile"
        ).pl()
        n = con.execute("select distinct n from marts.collaboration_and_goals").fetchall()
        examples = con.execute(
            "select bool_or(is_example_data) from marts.local_authority_profile"
        ).fetchone()[0]
    reported = profile.filter(pl.col("activity_reported"))
    assert sorted(reported["la_name_en"]) == ["Cardiff", "Gwynedd", "Newport", "Powys", "Swansea"]
    assert profile.height == 22
    silent = profile.filter(~pl.col("activity_reported"))
    assert (silent["activity_count"] == 0).all()
    assert silent["share_activity_in_most_deprived_20pct"].is_null().all()
    # not reported is not a measured zero: no rate, funding per head or participants
    for column in ("activity_per_10k", "funding_per_head_gbp", "participant_count"):
        assert silent[column].is_null().all(), column
    for column in ("activity_per_10k", "funding_per_head_gbp"):
        assert reported[column].is_not_null().all(), column
    # the return has no participant column: participants are unknown everywhere, not 0
    assert reported["participant_count"].is_null().all()
    assert (reported["participant_count_activities"] == 0).all()
    assert not profile["is_participant_count_suppressed"].any()  # unknown, not withheld
    cardiff = reported.filter(pl.col("la_name_en") == "Cardiff").row(0, named=True)
    assert cardiff["share_activity_in_most_deprived_20pct"] is not None
    assert n == [(5,)]  # correlations only across the five authorities with reported activity
    assert examples is False
