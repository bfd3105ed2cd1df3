"""What ``make run`` and ``--plan`` tell a user when source files cannot be read, without a build:
the plan gives the whole reason, the end-of-run summary says why each step failed (the runs on
the real warehouse: tests/integration/test_refresh.py)."""

from datetime import UTC, datetime, timedelta

import dagster as dg
import duckdb
import pytest

from pipelines.catalogue import SourceUnavailableError, fetch
from pipelines.definitions import defs
from pipelines.operations.refresh import (
    MIRROR_HINT,
    format_summary,
    plan_refresh,
    record_fingerprints,
    run_summary,
)


def test_the_plan_gives_the_whole_reason_a_source_cannot_be_read(tmp_path, monkeypatch):
    monkeypatch.setenv("WELLBEING_SOURCE_MIRROR", str(tmp_path))  # an empty mirror
    with pytest.raises(SourceUnavailableError) as error:
        fetch("wimd_2025_ranks")
    key = dg.AssetKey(["raw", "wimd_2025_ranks"])
    plan = plan_refresh(defs.resolve_asset_graph(), {key}, None)
    assert plan.stale == {
        "raw/wimd_2025_ranks": "table raw.wimd_2025_ranks is missing, and its source file "
        f"cannot be read: {error.value}"
    }
    assert str(tmp_path) in str(error.value)  # which folder it looked in, not 12 characters
    assert plan.changed_sources == [] and plan.source_checksums == {}
    assert plan.unreadable == ["raw/wimd_2025_ranks"] and plan.blocked == []
    assert plan.header(1, 0.5) == (
        "Checked 1 source file in 0.5 s; first run on this warehouse (no earlier make run "
        "recorded): building everything; 1 cannot be read (raw/wimd_2025_ranks). 1 of 1 asset "
        "out of date, because a source file it is built from cannot be read."
    )
    assert plan.would_fail().startswith(
        "This step would fail because its source file cannot be read: raw/wimd_2025_ranks; "
        "no other step depends on it, and the published file"
    )
    assert "WELLBEING_SOURCE_MIRROR is not set" not in plan.would_fail()  # it is set


def test_the_plan_says_downstream_assets_wait_on_an_unreadable_source(monkeypatch):
    monkeypatch.delenv("WELLBEING_SOURCE_MIRROR", raising=False)
    graph = defs.resolve_asset_graph()
    partner = dg.AssetKey(["raw", "partnership_activity"])
    wimd = dg.AssetKey(["raw", "wimd_2025_ranks"])
    assert wimd in graph.get(partner).parent_keys
    selectable = {wimd, *graph.get(partner).assets_def.keys}
    checksum = "refresh.source_checksum"
    monkeypatch.setattr(f"pipelines.operations.{checksum}", lambda key: "sha of " + key)
    con = duckdb.connect()
    for key in selectable:  # an earlier run built them all
        con.execute(f"create schema if not exists {key.path[0]}")
        con.execute(f"create table {key.path[0]}.{key.path[1]} (x int)")
    record_fingerprints(con, plan_refresh(graph, selectable, con), _names(selectable), "run 1")
    assert plan_refresh(graph, selectable, con).stale == {}
    offline = {wimd.path[1]: "unavailable: offline"}
    monkeypatch.setattr(f"pipelines.operations.{checksum}", lambda k: offline.get(k, "sha of " + k))
    plan = plan_refresh(graph, selectable, con)
    assert plan.stale == {
        "raw/wimd_2025_ranks": "its source file cannot be read: offline",
        "raw/partnership_activity": "an upstream source file cannot be read: raw/wimd_2025_ranks",
    }
    assert plan.unreadable == ["raw/wimd_2025_ranks"] and plan.changed_sources == []
    assert plan.blocked == ["raw/partnership_activity"]
    # the partner loader's other outputs are built in its step: the header says why 4, not 2
    assert _names(plan.selection) == _names(selectable)
    assert plan.header(len(selectable), 1.0) == (
        "Checked 7 source files in 1.0 s; changed since the last run: none; 1 cannot be read "
        "(raw/wimd_2025_ranks). 2 of 4 assets out of date, because a source file they are built "
        "from cannot be read; 2 more made in the same step: quality/quarantine, quality/submissions."
    )
    assert plan.would_fail() == (
        "This step would fail because its source file cannot be read: raw/wimd_2025_ranks; "
        "the 1 step that depends on it would not run, and the published file would be left as it "
        f"was.\n{MIRROR_HINT}"
    )


def _names(keys) -> set[str]:
    return {k.to_user_string() for k in keys}


def _unavailable(key: str, why: str):
    @dg.asset(key=["raw", key])
    def source() -> None:
        raise SourceUnavailableError(
            f"Source '{key}' ({key.title()} (2021 LSOAs)){why} (ConnectionError: Max retries "
            f"exceeded (Caused by NameResolutionError(x))). What to do: set WELLBEING_SOURCE_MIRROR."
        )

    return source


def _summary(tmp_path) -> str:
    assets = [
        _unavailable(
            "wimd", ": downloading https://example.org/wimd_(2025).ods failed: no connection"
        ),
        _unavailable("msoa", ": downloading https://example.org/msoa.csv failed: no connection"),
        _unavailable("boards", " has no download and no mirror folder is set"),
    ]
    with dg.instance_for_test(temp_dir=str(tmp_path)) as instance:
        result = dg.materialize(assets, instance=instance, raise_on_error=False)
        assert not result.success
        return format_summary(run_summary(instance, result.run_id))


def test_the_summary_says_why_each_step_failed_once_for_steps_that_failed_alike(
    tmp_path, monkeypatch
):
    monkeypatch.delenv("WELLBEING_SOURCE_MIRROR", raising=False)
    text = _summary(tmp_path)
    why = text.split("\nWhy steps failed:\n", 1)[1].splitlines()
    assert why[:4] == [
        "  raw/boards: Source 'boards' has no download and no mirror folder is set.",
        "  raw/msoa: Source 'msoa': downloading https://example.org/msoa.csv failed: no connection.",
        "    and so 1 more: raw/wimd",
        (
            "WELLBEING_SOURCE_MIRROR is not set, so every source file is downloaded from its "
            "official URL. Without a connection, point it at a folder of the files laid out like "
            "../shared/data, e.g. WELLBEING_SOURCE_MIRROR=../shared/data make run (and set the "
            "same on every later run and --plan; README: Getting the data)."
        ),
    ]
    assert ["raw/wimd", "failed"] in [line.split()[:2] for line in text.splitlines()]
    monkeypatch.setenv("WELLBEING_SOURCE_MIRROR", str(tmp_path))
    assert "WELLBEING_SOURCE_MIRROR is not set" not in _summary(tmp_path)


def test_the_summary_says_once_that_sources_are_not_in_the_mirror_whatever_their_paths(
    tmp_path, monkeypatch
):
    """An empty mirror: each source looked for other files (one or two), one reason is said,
    then what to do about the mirror folder that is set."""
    monkeypatch.setenv("WELLBEING_SOURCE_MIRROR", str(tmp_path))
    assets = [
        _unavailable(
            "wimd", f" is not in the mirror folder {tmp_path}: looked for {tmp_path}/w.ods"
        ),
        _unavailable(
            "msoa",
            f" is not in the mirror folder {tmp_path}: looked for {tmp_path}/m.csv, {tmp_path}/m.js",
        ),
        _unavailable("boards", " has no download and no mirror folder is set"),
    ]
    with dg.instance_for_test(temp_dir=str(tmp_path)) as instance:
        result = dg.materialize(assets, instance=instance, raise_on_error=False)
        lines = run_summary(instance, result.run_id)
    assert {line.error for line in lines} == {"SourceUnavailableError"}
    why = format_summary(lines).split("\nWhy steps failed:\n", 1)[1].splitlines()
    assert why[:4] == [
        "  raw/boards: Source 'boards' has no download and no mirror folder is set.",
        (
            f"  raw/msoa: Source 'msoa' is not in the mirror folder {tmp_path}: looked for "
            f"{tmp_path}/m.csv, {tmp_path}/m.js."
        ),
        "    and so 1 more: raw/wimd",
        (
            f"WELLBEING_SOURCE_MIRROR is {tmp_path}: those files are not in that folder. Point it "
            "at a folder laid out like ../shared/data, run `make mirror MIRROR_DIR=<folder>` to "
            "download every source into one, or unset it to download from the official URLs "
            "(each file's path and URL: the complete log, below)."
        ),
    ]


def test_the_summary_names_each_partner_file_the_run_received(tmp_path, monkeypatch):
    """A file that is not a spreadsheet, a copy of it re-sent under another name and a file with
    rows set aside each get a line (an earlier run's file does not), and the rejected file's
    feedback report does not ask the partner to correct rows set aside. Loading valid rows needs
    the geography lookups (the real loads: tests/integration/test_partnership_inbox.py), so the
    second file's counts are written to the tables the contract defines."""
    import duckdb

    from pipelines.operations.refresh import partner_files_summary
    from pipelines.partnership_activity import ingest

    monkeypatch.setenv("WELLBEING_PARTNER_INBOX", str(tmp_path / "inbox"))
    monkeypatch.setenv("WELLBEING_FEEDBACK_DIR", str(tmp_path / "feedback"))
    con = duckdb.connect(str(tmp_path / "warehouse.duckdb"))
    ingest.ensure_tables(con)
    started = datetime.now(UTC)

    received = _received(con)
    received("last_week.csv", started - timedelta(days=7), 5, {"funding_gbp": 1})
    received("cardiff_q1.csv", started, 120, {"funding_gbp": 2, "la_code": 1})
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (inbox / "scan.csv").write_bytes(b"%PDF-1.4 a scanned form")
    outcome = ingest.load_submission(
        con, inbox / "scan.csv", None, tmp_path / "archive", feedback_dir=tmp_path / "feedback"
    )
    assert outcome.status == "rejected"
    (inbox / "resent").mkdir()
    (inbox / "resent" / "scan.csv").write_bytes((inbox / "scan.csv").read_bytes())
    copy = ingest.load_submission(
        con, inbox / "resent" / "scan.csv", None, tmp_path / "archive", name="resent/scan.csv"
    )
    assert copy.status == "duplicate"
    lines = partner_files_summary(con, started).splitlines()
    assert lines[0] == "Partner files received:"
    assert (
        lines[1]
        == "  cardiff_q1.csv: 120 rows received, 117 loaded, 3 set aside (most in column funding_gbp)"
    )
    assert (
        lines[2].startswith("  scan.csv: REJECTED, nothing loaded: ")
        and "a PDF document" in lines[2]
    )
    when = (
        con.execute(
            "select received_at from quality.submissions where submission_file = 'scan.csv'"
        )
        .fetchone()[0]
        .astimezone(UTC)
    )
    assert lines[3] == (
        f"  resent/scan.csv: DUPLICATE of scan.csv (received {when:%Y-%m-%d %H:%M} UTC): "
        "identical content, nothing loaded again"
    )
    assert lines[4:] == [
        f"Feedback reports for the partners (English and Welsh): {tmp_path / 'feedback'}"
    ]
    assert partner_files_summary(con, datetime.now(UTC)) == ""  # a run that received nothing
    report = outcome.feedback["en"].with_suffix(".md").read_text()
    assert (
        "Nothing from this file was loaded" in report and "Correct the rows set aside" not in report
    )
    welsh = outcome.feedback["cy"].with_suffix(".md").read_text()
    assert "Ni lwythwyd dim o'r ffeil hon" in welsh and "Cywirwch y rhesi a neilltuwyd" not in welsh


def test_the_summary_says_in_column_for_one_row_set_aside_most_in_column_for_more(tmp_path):
    import duckdb

    from pipelines.operations.refresh import partner_files_summary
    from pipelines.partnership_activity import ingest

    con = duckdb.connect(str(tmp_path / "warehouse.duckdb"))
    ingest.ensure_tables(con)
    started = datetime.now(UTC)
    received = _received(con)
    received("a_one.csv", started, 10, {"lsoa_code": 1})
    received("b_two.csv", started, 10, {"la_code": 2})
    lines = partner_files_summary(con, started).splitlines()
    assert lines[1:3] == [
        "  a_one.csv: 10 rows received, 9 loaded, 1 set aside (in column lsoa_code)",
        "  b_two.csv: 10 rows received, 8 loaded, 2 set aside (most in column la_code)",
    ]


def _received(con):
    """``received(name, at, rows, {column: rows set aside})``: a file's row of
    ``quality.submissions`` and its quarantined rows, as the loader writes them."""

    def received(
        name: str, at: datetime, rows: int, quarantined: dict[str, int], example: bool = False
    ) -> None:
        con.execute(
            "insert into quality.submissions by name select ? as submission_file, "
            "md5(?) as submission_sha256, 'archive' as archived_path, ? as received_at, "
            "'csv' as file_format, ? as rows_submitted, ? as rows_accepted, "
            "? as rows_quarantined, 0 as rows_superseding, 'loaded_with_quarantine' as status, "
            "? as is_example_data",
            [
                name,
                name,
                at,
                rows,
                rows - sum(quarantined.values()),
                sum(quarantined.values()),
                example,
            ],
        )
        for column, n in quarantined.items():
            con.execute(
                "insert into quality.quarantine by name select ? as submission_file, "
                "md5(?) as submission_sha256, range + 2 as source_row_number, "
                "? || '.range' as rule_name, ? as column_name, 'why' as reason, "
                "'pam' as reason_cy, '{}' as row_json, ? as quarantined_at, "
                "false as is_resolved from range(?)",
                [name, name, column, column, at, n],
            )

    return received


def test_the_generated_example_files_are_one_line_of_the_summary(tmp_path, monkeypatch):
    """A first run with no inbox loads 24 generated files: one line says how many, their rows
    and where the reports are; no line per file."""
    from pipelines.operations.refresh import partner_files_summary
    from pipelines.partnership_activity import ingest

    monkeypatch.delenv("WELLBEING_PARTNER_INBOX", raising=False)
    monkeypatch.setenv("WELLBEING_FEEDBACK_DIR", str(tmp_path / "feedback"))
    con = duckdb.connect(str(tmp_path / "warehouse.duckdb"))
    ingest.ensure_tables(con)
    started = datetime.now(UTC)
    received = _received(con)
    for i in range(24):
        received(f"{i + 1:02d}_example.csv", started, 200 + i, {"la_code": i % 3}, example=True)
    received("01_good.csv", started - timedelta(days=1), 1, {})  # an earlier run's file
    assert partner_files_summary(con, started).splitlines() == [
        "Partner files received (example submissions: no inbox set):",
        "  24 generated example files: 5,076 rows received, 5,052 loaded, 24 set aside",
        f"Feedback reports for the partners (English and Welsh): {tmp_path / 'feedback'}",
    ]
    received("02_one_row.csv", started, 1, {})  # a partner's file beside them: a line of its own
    assert partner_files_summary(con, started).splitlines()[2] == (
        "  02_one_row.csv: 1 row received, 1 loaded, 0 set aside"
    )


def test_the_plan_names_the_partner_files_the_next_run_will_load(tmp_path, monkeypatch):
    """A file already received (same name, same content) is not new; an edited file and a copy
    under another name are (the loader records the copy as a duplicate)."""
    import duckdb

    from pipelines.operations.refresh import inbox_files, new_partner_files
    from pipelines.partnership_activity import ingest

    inbox = tmp_path / "inbox"
    (inbox / "resent").mkdir(parents=True)
    monkeypatch.setenv("WELLBEING_PARTNER_INBOX", str(inbox))
    con = duckdb.connect(str(tmp_path / "warehouse.duckdb"))
    assert new_partner_files(con, inbox_files()) == []  # empty inbox, no tables yet
    for name in ("scan.csv", "q1.csv"):
        (inbox / name).write_bytes(b"%PDF-1.4 a scanned form " + name.encode())
        ingest.load_submission(con, inbox / name, None, tmp_path / "archive")
    assert new_partner_files(con, inbox_files()) == []
    (inbox / "q1.csv").write_bytes(b"%PDF-1.4 edited")
    (inbox / "resent" / "scan.csv").write_bytes((inbox / "scan.csv").read_bytes())
    (inbox / "return.zip").write_bytes(b"PK\x05\x06" + bytes(18))  # any file: rejected on load
    assert sorted(new_partner_files(con, inbox_files())) == [
        "q1.csv",
        "resent/scan.csv",
        "return.zip",
    ]
    monkeypatch.delenv("WELLBEING_PARTNER_INBOX")
    assert inbox_files() == "example data" and new_partner_files(con, "example data") == []
