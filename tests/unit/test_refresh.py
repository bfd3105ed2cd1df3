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
        == "  cardiff_q1.csv: 120 rows received, 117 loaded, 3 set aside (by column: funding_gbp 2, "
        "la_code 1)"
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


def test_the_summary_says_where_the_rows_set_aside_had_their_problems(tmp_path):
    """One row: its column; rows all in one column: 'all in'; else the rows per column, most
    first, three named and the rest counted ('most in column (row)' said nothing of three rows
    with three different problems)."""
    import duckdb

    from pipelines.operations.refresh import partner_files_summary
    from pipelines.partnership_activity import ingest

    con = duckdb.connect(str(tmp_path / "warehouse.duckdb"))
    ingest.ensure_tables(con)
    started = datetime.now(UTC)
    received = _received(con)
    received("a_one.csv", started, 10, {"lsoa_code": 1})
    received("b_two.csv", started, 10, {"la_code": 2})
    received("c_three.csv", started, 10, {"start_date": 1, "lsoa_code": 1, "(row)": 1})
    received("d_five.csv", started, 20, {"a": 1, "b": 4, "c": 2, "d": 1, "e": 1})
    received("e_ragged.csv", started, 10, {"(row)": 1})
    lines = partner_files_summary(con, started).splitlines()
    assert lines[1:6] == [
        "  a_one.csv: 10 rows received, 9 loaded, 1 set aside (in column lsoa_code)",
        "  b_two.csv: 10 rows received, 8 loaded, 2 set aside (all in column la_code)",
        (
            "  c_three.csv: 10 rows received, 7 loaded, 3 set aside (by column: whole row 1, "
            "lsoa_code 1, start_date 1)"
        ),
        (
            "  d_five.csv: 20 rows received, 11 loaded, 9 set aside (by column: b 4, c 2, a 1, "
            "2 other columns)"
        ),
        "  e_ragged.csv: 10 rows received, 9 loaded, 1 set aside (in the whole row)",
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


def _built_run(monkeypatch, keys):
    """A warehouse where an earlier make run built ``keys`` from files 'sha of <key>'."""
    graph = defs.resolve_asset_graph()
    monkeypatch.setattr("pipelines.operations.refresh.source_checksum", lambda key: "sha of " + key)
    con = duckdb.connect()
    for key in keys:
        con.execute(f"create schema if not exists {key.path[0]}")
        con.execute(
            f"create table {key.path[0]}.{key.path[1]} as "
            f"select 'W01000001' as lsoa21cd, 'sha of {key.path[1]}' as source_sha256"
        )
    record_fingerprints(con, plan_refresh(graph, set(keys), con), _names(keys), "run 1")
    assert plan_refresh(graph, set(keys), con).stale == {}
    return graph, con


def test_a_source_another_run_loaded_is_out_of_date_whatever_the_recorded_fingerprint(
    monkeypatch,
):
    """The UI or the Dagster CLI loaded a bad file into raw.<key> (make run's fingerprints did
    not see it); the mirror holds the right file again: the plan compares it with what the
    warehouse holds, so a plain make run reloads it."""
    ruc = dg.AssetKey(["raw", "lsoa21_rural_urban"])
    graph, con = _built_run(monkeypatch, [ruc])
    con.execute(f"update raw.lsoa21_rural_urban set source_sha256 = '{'a' * 64}'")  # the CLI run
    plan = plan_refresh(graph, {ruc}, con)
    assert plan.stale == {
        "raw/lsoa21_rural_urban": "raw.lsoa21_rural_urban holds another file (sha256 "
        "aaaaaaaaaaaa…) than the source file now (sha256 sha of lsoa2…), loaded by a run outside "
        "make run (the Dagster UI or CLI)"
    }
    assert plan.changed_sources == ["lsoa21_rural_urban"]
    assert _names(plan.selection) == {"raw/lsoa21_rural_urban"}


def test_a_table_whose_latest_check_failed_is_out_of_date_and_the_header_says_downstream(
    monkeypatch,
):
    """A failed contract check (from any run) makes its table out of date: the next make run
    checks it afresh instead of refusing what depends on it; the header says the rest are
    downstream, not 'made in the same step'."""
    from pipelines.quality.validate import RESULTS_DDL

    ruc = dg.AssetKey(["raw", "lsoa21_rural_urban"])
    graph = defs.resolve_asset_graph()
    below = {k for k in graph.get(ruc).child_keys if len(k.path) == 2}
    assert below, "raw.lsoa21_rural_urban feeds a model"
    graph, con = _built_run(monkeypatch, [ruc, *below])
    con.execute(RESULTS_DDL)
    con.execute(
        "insert into quality.check_results (run_id, checked_at, table_name, check_name, "
        "rule_name, severity, success, description) values "
        "('cli run', now(), 'raw.lsoa21_rural_urban', 'contract_lsoa21_rural_urban', "
        "'lsoa21cd.complete', 'error', false, 'every LSOA is present')"
    )
    plan = plan_refresh(graph, {ruc, *below}, con)
    assert plan.stale == {
        "raw/lsoa21_rural_urban": "its latest check contract_lsoa21_rural_urban failed "
        "(lsoa21cd.complete) in run cli run, not the make run that built it"
    }
    # a failure the make run that built it saw itself: refused, not retried, while nothing changed
    con.execute("update quality.check_results set run_id = 'run 1'")
    assert plan_refresh(graph, {ruc, *below}, con).stale == {}
    con.execute("update quality.check_results set run_id = 'cli run'")
    plan = plan_refresh(graph, {ruc, *below}, con)
    names = sorted(_names(below))
    assert plan.header(1 + len(below), 1.0).endswith(
        f"1 of {1 + len(below)} assets out of date; {len(below)} more "
        f"{'depends' if len(below) == 1 else 'depend'} on it and "
        f"{'is' if len(below) == 1 else 'are'} rebuilt too: {', '.join(names)}."
    )


def test_the_summary_gives_a_failed_checks_rules_in_its_why_line(tmp_path):
    @dg.asset(key=["raw", "loneliness_index"])
    def loneliness() -> None:
        return None

    @dg.asset_check(asset=loneliness, name="contract_loneliness_index", blocking=True)
    def contract() -> dg.AssetCheckResult:
        return dg.AssetCheckResult(
            passed=False,
            severity=dg.AssetCheckSeverity.ERROR,
            description=(
                "raw.loneliness_index: 11/12 rules met, 1 error(s), 0 warning(s).\n"
                "ERROR: lsoa21cd.complete: every Welsh LSOA is present: missing 2 of 1917 "
                "LSOAs (e.g. W01002039, W01002040)"
            ),
        )

    with dg.instance_for_test(temp_dir=str(tmp_path)) as instance:
        result = dg.materialize([loneliness, contract], instance=instance, raise_on_error=False)
        lines = run_summary(instance, result.run_id)
    why = format_summary(lines).split("\nWhy steps failed:\n", 1)[1].splitlines()
    assert why == [
        (
            "  raw/loneliness_index: contract_loneliness_index failed: lsoa21cd.complete: every "
            "Welsh LSOA is present: missing 2 of 1917 LSOAs (e.g. W01002039, W01002040)"
        )
    ]


def test_an_interrupted_step_says_ctrl_c_and_what_to_type(tmp_path):
    from dagster._core.errors import DagsterExecutionInterruptedError

    @dg.asset(key=["raw", "wimd_2025_ranks"])
    def wimd() -> None:
        raise DagsterExecutionInterruptedError()  # what Dagster raises in a step on Ctrl-C

    with dg.instance_for_test(temp_dir=str(tmp_path)) as instance:
        result = dg.materialize([wimd], instance=instance, raise_on_error=False)
        lines = run_summary(instance, result.run_id)
    assert format_summary(lines).split("\nWhy steps failed:\n", 1)[1].splitlines() == [
        "  raw/wimd_2025_ranks: interrupted (Ctrl-C): nothing was published; type make run "
        + "again to finish"
    ]


def test_partner_files_the_run_could_not_read_are_said_to_wait(tmp_path, monkeypatch):
    """New inbox files whose reading step did not run (a source before it failed) or failed are
    named, with why, and said to be read by the next run that succeeds; none when read."""
    from pipelines.operations.keys import PARTNER_KEY
    from pipelines.operations.refresh import StepLine, partner_files_waiting

    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (inbox / "pavo_late.csv").write_bytes(b"activity_id\nA1\n")
    monkeypatch.setenv("WELLBEING_PARTNER_INBOX", str(inbox))
    plan = plan_refresh(defs.resolve_asset_graph(), {PARTNER_KEY}, None)
    assert plan.arrived == ["pavo_late.csv"]
    wimd = StepLine("raw/wimd_2025_ranks", "failed", 1.0, None, "", "a web page, not a CSV")
    skipped = StepLine("raw/partnership_activity", "skipped", 0.0, None, "")
    assert partner_files_waiting(plan, [wimd, skipped], {"raw/population"}) == (
        "Partner files not read this run: 1 new file in the inbox (pavo_late.csv) waits, because "
        "raw/partnership_activity did not run: a step before it failed (raw/wimd_2025_ranks). "
        "Nothing is lost: the next run that succeeds reads it."
    )
    failed = StepLine("raw/partnership_activity", "failed", 1.0, None, "", "disk full")
    assert "because raw/partnership_activity failed: disk full." in partner_files_waiting(
        plan, [failed], set()
    )
    assert partner_files_waiting(plan, [], {"raw/partnership_activity"}) == ""


def test_the_plan_says_a_source_changed_since_make_run_and_what_it_rebuilds_downstream(
    monkeypatch,
):
    """The mirror's file changed since the last make run (the table still holds make run's
    file): the plan says that, not 'loaded by a run outside make run', and each asset downstream
    names the change it is rebuilt for."""
    wimd = dg.AssetKey(["raw", "wimd_2025_ranks"])
    staging = dg.AssetKey(["staging", "stg_wimd__wimd_2025"])
    graph, con = _built_run(monkeypatch, [wimd, staging])
    assert wimd in graph.get(staging).parent_keys
    monkeypatch.setattr("pipelines.operations.refresh.source_checksum", lambda key: "new " + key)
    plan = plan_refresh(graph, {wimd, staging}, con)
    assert plan.stale == {
        "raw/wimd_2025_ranks": "its source file changed since the last make run (sha256 "
        "sha of wimd_… then, new wimd_202… now)",
        "staging/stg_wimd__wimd_2025": "rebuilt because raw/wimd_2025_ranks changes",
    }
    assert plan.changed_sources == ["wimd_2025_ranks"]


def test_the_plan_header_says_the_wait_for_another_run_apart_from_the_checksums(
    tmp_path, monkeypatch, capsys
):
    """make run waited for another run's writer lock: 'Checked N source files in X s' is the
    checksums alone, and the wait is said apart."""
    import time
    from types import SimpleNamespace

    from pipelines import run
    from pipelines.warehouse_lock import WriterLock

    warehouse = tmp_path / "warehouse.duckdb"
    duckdb.connect(str(warehouse)).close()
    monkeypatch.setenv("WELLBEING_WAREHOUSE", str(warehouse))
    monkeypatch.setenv("WELLBEING_SOURCE_MIRROR", str(tmp_path))  # empty: quick to check
    # an instance of its own (make test exports a DAGSTER_HOME a clean clone has not made)
    (tmp_path / "dagster_home").mkdir()
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path / "dagster_home"))
    waited = [0.0]  # make run's clock, moved on by the wait
    monkeypatch.setattr(
        run, "time", SimpleNamespace(perf_counter=lambda: time.perf_counter() + waited[0])
    )
    acquire = WriterLock.acquire

    def another_run_holds_it(self, **kwargs):
        waited[0] = 95.0  # as if another run held the warehouse for 95 s
        return acquire(self, **kwargs)

    monkeypatch.setattr(WriterLock, "acquire", another_run_holds_it)
    assert run.main(["--plan"]) == 0
    header = capsys.readouterr().out.splitlines()[0]
    assert header.startswith("Checked 29 source files in "), header
    seconds, after = header.removeprefix("Checked 29 source files in ").split(" s", 1)
    assert float(seconds) < 60  # the checksums alone
    assert after.startswith(" (after waiting 95 s for another run to finish); first run on this ")


def test_the_summary_says_how_many_rows_a_corrected_file_replaced(tmp_path, monkeypatch):
    from pipelines.operations.refresh import partner_files_summary
    from pipelines.partnership_activity import ingest

    monkeypatch.setenv("WELLBEING_PARTNER_INBOX", str(tmp_path))
    con = duckdb.connect()
    ingest.ensure_tables(con)
    started = datetime.now(UTC)
    _received(con)("cardiff_q1_corrected.csv", started, 10, {"la_code": 1})
    con.execute("update quality.submissions set rows_superseding = 4")
    assert partner_files_summary(con, started).splitlines()[1] == (
        "  cardiff_q1_corrected.csv: 10 rows received, 9 loaded (4 replaced earlier rows), "
        "1 set aside (in column la_code)"
    )


def test_the_plan_names_every_change_upstream_a_code_change_included(monkeypatch):
    """One source file changed and the pipeline code too: the staging model downstream names
    both of its inputs (the other is out of date for the code alone), not only the source."""
    lookup, names = dg.AssetKey(["raw", "la_lhb_lookup"]), dg.AssetKey(["raw", "lsoa11_la_names"])
    staging = dg.AssetKey(["staging", "stg_geography__local_authorities"])
    graph, con = _built_run(monkeypatch, [lookup, names, staging])
    assert graph.get(staging).parent_keys == {lookup, names}
    checksums = {"la_lhb_lookup": "new la_lhb_lookup"}
    monkeypatch.setattr(
        "pipelines.operations.refresh.source_checksum", lambda k: checksums.get(k, "sha of " + k)
    )
    monkeypatch.setattr("pipelines.operations.refresh.code_fingerprint", lambda folder: "new code")
    stale = plan_refresh(graph, {lookup, names, staging}, con).stale
    assert stale["raw/la_lhb_lookup"].startswith("its source file changed since the last make run")
    assert stale["raw/lsoa11_la_names"] == (
        "an input, its SQL, its contract or the pipeline code changed"
    )
    assert stale["staging/stg_geography__local_authorities"] == (
        "rebuilt because raw/la_lhb_lookup, raw/lsoa11_la_names change"
    )
