"""Redaction of contact details in partner free text (the file-by-file ingest against the real
lookups: tests/integration/test_partnership_ingest.py)."""

import pytest

from pipelines.partnership_activity import normalise


def test_redaction_rule_in_python_is_the_sql_macro():
    assert normalise.redact_text("ring 029 2087 1234 or jo@x.org at CF10 1EP") == (
        "ring [removed] or [removed] at [removed]"
    )


@pytest.mark.parametrize(
    ("text", "redacted"),
    [
        ("call 07700 900123", "call [removed]"),
        ("call 07700-900-123", "call [removed]"),
        ("+447700900123", "[removed]"),
        ("0044 29 2087 1234", "[removed]"),
        ("+44 (0)29 2087 1234", "[removed]"),
        ("(029) 2087 1234", "[removed]"),
        ("tel: 01970 62 38 11", "tel: [removed]"),
        ("0800 123 4567", "[removed]"),
        ("at cf10 1ep", "at [removed]"),
        ("at SA11AA", "at [removed]"),
        # ordinary text keeps its roads, rooms, times, years and counts
        ("at w1a 1aa or Sa1 1aa", "at w1a 1aa or [removed]"),
        ("room A1 2nd floor, S4C, 9am-5pm", "room A1 2nd floor, S4C, 9am-5pm"),
        ("The A470 to Brecon, M4 junction 32", "The A470 to Brecon, M4 junction 32"),
        ("room B12 at 3pm, 10am and 2pm", "room B12 at 3pm, 10am and 2pm"),
        ("Year 10 and 11, 2023 24, 12 500 people", "Year 10 and 11, 2023 24, 12 500 people"),
        ("invoice 2024-1234, ref AB12 3CD", "invoice 2024-1234, ref AB12 3CD"),
        # a segment of a reference after '-' or '/' is not a number to ring; after a space it is
        ("ids PSB-03-00000000, CVC/22/00000002", "ids PSB-03-00000000, CVC/22/00000002"),
        ("A001 07700 900123; -07700 900124", "A001 [removed]; -[removed]"),
    ],
)
def test_uk_phone_formats_and_postcodes_are_redacted_ordinary_text_is_not(text, redacted):
    assert normalise.redact_text(text) == redacted


def test_the_note_of_a_duplicate_names_the_earlier_file_and_when_it_came():
    from datetime import UTC, datetime, timedelta, timezone

    from pipelines.partnership_activity.ingest import duplicate_note

    # received 10:30 in summer time (UTC+1) is 09:30 UTC
    at = datetime(2025, 6, 2, 10, 30, tzinfo=timezone(timedelta(hours=1)))
    assert duplicate_note("cardiff/q1.xlsx", at, "loaded") == (
        "identical to cardiff/q1.xlsx, received 2025-06-02 09:30 UTC: nothing loaded again "
        "(its rows are those loaded or set aside from that file)"
    )
    assert duplicate_note("scan.csv", at.astimezone(UTC), "rejected").endswith(
        "nothing loaded again (it could not be read then either)"
    )


def test_the_same_content_under_another_name_is_recorded_once_as_a_duplicate(tmp_path):
    """A re-sent copy (another name, another sub-folder) gets a ``duplicate`` row with no rows
    and its own feedback report in English and Welsh; seen again, nothing changes. A file that is
    not a spreadsheet needs no geography lookups (the copies of a loaded file:
    tests/integration/test_partnership_ingest.py)."""
    import shutil

    import duckdb

    from pipelines.partnership_activity import ingest
    from pipelines.quality.validate import validate_in_duckdb

    con = duckdb.connect(str(tmp_path / "warehouse.duckdb"))
    inbox = tmp_path / "inbox"
    (inbox / "resent").mkdir(parents=True)
    (inbox / "scan.csv").write_bytes(b"%PDF-1.4 a scanned form")
    shutil.copy(inbox / "scan.csv", inbox / "resent" / "scan.csv")
    shutil.copy(inbox / "scan.csv", inbox / "scan_again.csv")

    def load(path):
        name = path.relative_to(inbox).as_posix()
        return ingest.load_submission(
            con, path, None, tmp_path / "archive", name=name, feedback_dir=tmp_path / "feedback"
        )

    first = load(inbox / "scan.csv")
    copy = load(inbox / "resent" / "scan.csv")
    third = load(inbox / "scan_again.csv")
    assert (first.status, copy.status, third.status) == ("rejected", "duplicate", "duplicate")
    assert copy.duplicate_of == third.duplicate_of == "scan.csv"  # the original, not a copy
    rows = con.execute(
        "select submission_file, status, rows_submitted, rows_accepted, rows_quarantined, "
        "archived_path, note from quality.submissions order by received_at"
    ).fetchall()
    assert [r[:5] for r in rows] == [
        ("scan.csv", "rejected", 0, 0, 0),
        ("resent/scan.csv", "duplicate", 0, 0, 0),
        ("scan_again.csv", "duplicate", 0, 0, 0),
    ]
    assert rows[1][5] == rows[0][5]  # the one archived copy of these bytes
    assert rows[1][6].startswith("identical to scan.csv, received ")
    quarantined = con.execute(
        "select submission_file, count(*) from quality.quarantine group by all"
    ).fetchall()
    assert quarantined == []  # a PDF has no rows: none quarantined, none copied for the copies
    en = copy.feedback["en"].with_suffix(".md").read_text()
    cy = copy.feedback["cy"].with_suffix(".md").read_text()
    assert copy.feedback["en"].parent != first.feedback["en"].parent
    assert "| File | resent/scan.csv |" in en
    assert "The content of this file is identical to scan.csv, received " in en
    assert "which could not be read. Nothing was loaded" in en
    assert "send a changed file" in en and "Rows received" not in en
    assert "Mae cynnwys y ffeil hon yn union yr un fath â scan.csv, a dderbyniwyd " in cy
    assert "anfonwch ffeil wedi'i newid" in cy
    # every run sees the same files again: nothing is recorded twice
    before = con.execute("select count(*) from quality.submissions").fetchone()[0]
    assert all(load(p).skipped for p in (inbox / "scan.csv", inbox / "resent" / "scan.csv"))
    assert con.execute("select count(*) from quality.submissions").fetchone()[0] == before == 3
    # the contract's rules of quality.submissions hold with the duplicates in it
    validation = validate_in_duckdb(con, "quality.submissions")
    assert [o.rule.name for o in validation.failed_errors] == []
    assert {"one_row_per_file_received", "content_loaded_once", "duplicates_have_no_rows"} <= {
        o.rule.name for o in validation.outcomes
    }


def test_the_run_log_counts_only_partner_rows_as_still_to_correct():
    from pipelines.partnership_activity.assets import quarantine_message

    # an inbox is configured: the retired example rows are said apart, not counted
    assert quarantine_message(1, 212, is_example=False) == (
        "1 quarantined row from partner files still to correct; 212 example rows set aside "
        "(retired example data: not counted, nothing to correct)"
    )
    assert quarantine_message(0, 0, is_example=False) == (
        "0 quarantined rows from partner files still to correct"
    )
    # no inbox: the example rows are all there is, and nobody has to correct them
    assert quarantine_message(0, 1, is_example=True) == (
        "1 example row set aside (generated example data, nothing to correct)"
    )


def test_a_header_row_without_data_rows_is_rejected_in_both_languages(tmp_path):
    """A header and nothing under it (blank lines do not count) is not a return of 0 rows: it is
    rejected, so the partner is not told their return is in. Nothing is read, so no lookups are
    needed (a file with rows: tests/integration/test_partnership_ingest.py)."""
    import duckdb

    from pipelines.partnership_activity import ingest
    from pipelines.partnership_activity.contract import REQUIRED_HEADER

    con = duckdb.connect(str(tmp_path / "warehouse.duckdb"))
    (tmp_path / "q1.csv").write_text("\n\n" + ",".join([*REQUIRED_HEADER, "la_code"]) + "\n\n")
    out = ingest.load_submission(
        con, tmp_path / "q1.csv", None, tmp_path / "archive", feedback_dir=tmp_path / "feedback"
    )
    assert (out.status, out.rows_submitted, out.rows_quarantined) == ("rejected", 0, 0)
    assert out.error == (
        "the file has a header row on row 3 but no data rows: nothing was loaded; send the file "
        "with its rows (one row per activity under the header row)."
    )
    assert out.error_cy.startswith("mae gan y ffeil res benawdau ar res 3 ond dim rhesi data")
    assert con.execute(
        "select status, header_row, rows_submitted, error_cy from quality.submissions"
    ).fetchone() == ("rejected", 3, 0, out.error_cy)
    en = out.feedback["en"].with_suffix(".md").read_text()
    cy = out.feedback["cy"].with_suffix(".md").read_text()
    assert "| Result | not loaded: the file has a header row but no data rows |" in en
    assert out.error in en and "all rows loaded" not in en and en.endswith(" never counts twice.\n")
    assert "dim rhesi data" in cy and "llwythwyd pob rhes" not in cy


def test_a_parquet_file_without_rows_is_rejected_like_a_header_only_csv(tmp_path):
    """Every file form: a Parquet file names its columns in its schema; with no rows it is
    rejected too, and its report says why (not that its header lacks columns)."""
    import duckdb
    import pyarrow as pa
    import pyarrow.parquet as pq

    from pipelines.partnership_activity import ingest
    from pipelines.partnership_activity.contract import REQUIRED_HEADER

    columns = [*REQUIRED_HEADER, "la_code"]
    pq.write_table(
        pa.table({c: pa.array([], pa.string()) for c in columns}), tmp_path / "q1.parquet"
    )
    con = duckdb.connect(str(tmp_path / "warehouse.duckdb"))
    out = ingest.load_submission(
        con, tmp_path / "q1.parquet", None, tmp_path / "archive", feedback_dir=tmp_path / "fb"
    )
    assert (out.status, out.rows_submitted, out.rows_quarantined) == ("rejected", 0, 0)
    assert out.error.startswith("the file names its columns but has no data rows: nothing was")
    assert out.error_cy.startswith("mae'r ffeil yn enwi ei cholofnau ond nid oes ganddi resi data")
    en = out.feedback["en"].with_suffix(".md").read_text()
    assert "| Result | not loaded: the file has a header row but no data rows |" in en


def test_a_file_shorter_than_the_header_search_says_how_many_rows_it_has(tmp_path):
    from pipelines.partnership_activity import reading

    (tmp_path / "blank.csv").write_text("\n\n")  # only blank lines: an empty file
    assert reading.read(tmp_path / "blank.csv").error.startswith(
        "the file is empty (it holds only empty lines or separators): no header row and no data."
    )
    (tmp_path / "short.csv").write_text("a note\n\n")
    read = reading.read(tmp_path / "short.csv")
    assert read.error.startswith("no header row found in its 2 rows. The file is a CSV")
    assert read.error_cy.startswith("ni chanfuwyd rhes benawdau yn 2 rhes y ffeil.")
    (tmp_path / "long.csv").write_text("a note\n" * 40)
    assert reading.read(tmp_path / "long.csv").error.startswith(
        "no header row found in the first 30 rows."
    )


def test_a_header_without_the_required_columns_names_them_as_the_partner_wrote_them(tmp_path):
    from pipelines.partnership_activity import reading

    (tmp_path / "q1.csv").write_text(
        "partner_organisation,activity_id,Activity name,Date started,Local authority\n"
        "Cyngor,A1,Walk,2024-05-01,Cardiff\n"
    )
    read = reading.read(tmp_path / "q1.csv")
    assert read.relation is not None  # its row is still read, to be kept with the reason
    assert read.error.startswith(
        "missing required column(s) action_category, activity_type, title, start_date, sectors, "
        "wellbeing_goals in the header on row 1. Found: partner_organisation, activity_id, "
        "Local authority (la_code) (not recognised: Activity name, Date started)."
    )
    assert "Wedi'u canfod: partner_organisation, activity_id, Local authority (la_code)." in (
        read.error_cy
    )
    # the contact columns are named as ones not to send, in both languages, never as optional
    optional = read.error.split("optional: ")[1].split(";")[0]
    assert "contact" not in optional and "do not send contact_email, contact_phone" in read.error
    assert "peidiwch ag anfon contact_email, contact_phone" in read.error_cy


def test_a_zip_in_the_inbox_is_rejected_naming_the_files_inside_with_a_report(tmp_path):
    """A zip is a submission like any file (it was passed over in silence): rejected, saying
    what it is, which files it holds and to unzip it; a feedback report in both languages."""
    import zipfile

    import duckdb

    from pipelines.partnership_activity import ingest, submission

    inbox = tmp_path / "inbox"
    inbox.mkdir()
    with zipfile.ZipFile(inbox / "p10_return.zip", "w") as archive:
        archive.writestr("q1 2025.csv", "activity_id,partner_organisation\n")
        archive.writestr("__MACOSX/._q1 2025.csv", "resource fork")
        archive.writestr("notes.xlsx", b"PK")
    (inbox / "~$p10_return.xlsx").write_bytes(b"lock")
    files = submission.inbox_files(inbox)
    assert [f.name for f in files] == ["p10_return.zip"]
    con = duckdb.connect(str(tmp_path / "warehouse.duckdb"))
    outcome = ingest.load_submission(
        con, files[0], None, tmp_path / "archive", feedback_dir=tmp_path / "feedback"
    )
    row = con.execute(
        "select status, file_format, rows_submitted, error, error_cy from quality.submissions"
    ).fetchone()
    assert row[:3] == ("rejected", "zip", 0)
    assert row[3] == (
        "the file is a zip archive (it holds 2 files: 'q1 2025.csv', 'notes.xlsx'), not a "
        "spreadsheet or CSV: archives are not opened. Unzip it and send the files inside it (CSV "
        "or Excel .xlsx, one row per activity under a header row): each is loaded as its own "
        "return."
    )
    assert row[4].startswith("mae'r ffeil yn archif zip (mae'n cynnwys 2 ffeil: 'q1 2025.csv'")
    assert "Dadsipiwch hi" in row[4]
    assert "Unzip it and send the files inside it" in outcome.feedback["en"].read_text()
    assert "Dadsipiwch hi" in outcome.feedback["cy"].read_text()


def test_a_json_file_sent_as_csv_is_named_as_json_and_a_bracketed_header_is_still_csv(tmp_path):
    """One home for what a file really is (``pipelines.filetypes``): a partner's JSON export
    saved as .csv is refused in the words the source loaders use, in English and Welsh; a CSV
    whose first header is in brackets is read as CSV."""
    from pipelines.filetypes import sniff_type
    from pipelines.partnership_activity import reading

    (tmp_path / "export.csv").write_text('[{"activity_id": "A1", "title": "Walk"}]\n')
    read = reading.read(tmp_path / "export.csv")
    assert read.error.startswith(
        "the file is a JSON document, not a spreadsheet or CSV, although its name ends in .csv."
    )
    assert read.error_cy.startswith("mae'r ffeil yn ddogfen JSON, nid taenlen na CSV")
    (tmp_path / "bracketed.csv").write_text("[Activity ID],Title\nA1,Walk\n")
    assert sniff_type(tmp_path / "bracketed.csv") == "csv"


@pytest.mark.parametrize(
    ("sent", "day", "precision"),
    [
        ("01-Apr-2025", "2025-04-01", "day"),
        ("1.Apr.2025", "2025-04-01", "day"),
        ("2nd-Apr-2025", "2025-04-02", "day"),
        ("April 1, 2025", "2025-04-01", "day"),
        ("1 April 2025", "2025-04-01", "day"),
        ("2025-04-01T00:00:00", "2025-04-01", "day"),
        ("2025/04/01", "2025-04-01", "day"),
        ("01/04/2025 00:00", "2025-04-01", "day"),
        ("1 Apr 2025 9:30 am", "2025-04-01", "day"),
        ("Tuesday 1 April 2025", "2025-04-01", "day"),
        ("dydd Mawrth 1 Ebrill 2025", "2025-04-01", "day"),
        ("11eg Ebrill 2025", "2025-04-11", "day"),
        ("21ain Ebrill 2025", "2025-04-21", "day"),
        ("1 o Fawrth 2025", "2025-03-01", "day"),  # softened after "o"
        ("y 1af o fis Mehefin 2025", "2025-06-01", "day"),
        ("dydd Mawrth 2 o Ragfyr 2025", "2025-12-02", "day"),
        ("the 1st of April 2025", "2025-04-01", "day"),
        ("Tuesday, 1st of April 2025", "2025-04-01", "day"),
        ("mis Tachwedd 2025", "2025-11-01", "month"),
        ("5 o Dachwedd 2025", "2025-11-05", "day"),
        ("Mawrth 2025", "2025-03-01", "month"),  # March, not the weekday
        ("Apr-2025", "2025-04-01", "month"),
        ("04/01/2025", "2025-01-04", "day"),  # day first, as before
    ],
)
def test_every_unambiguous_date_form_is_read_as_its_day(sent, day, precision):
    """The date rules (``normalise.date_columns``) on one connection, as the loader runs them."""
    value, got_precision, reason = _normalised_start_date(sent)
    assert (str(value), got_precision, reason) == (day, precision, None)


@pytest.mark.parametrize(
    ("sent", "reason"),
    [
        ("1-Apr-25", "start_date '1-Apr-25' has a two-digit year: write the year in full"),
        ("31 April 2025", "start_date '31 April 2025' is not a date: expected a day such as"),
        ("April 31, 2025", "start_date 'April 31, 2025' is not a date"),
        ("29 Feb 2025", "start_date '29 Feb 2025' is not a date"),
        ("2025/13/01", "start_date '2025/13/01' is not a date"),
    ],
)
def test_a_date_that_is_not_a_day_is_quarantined_with_its_reason(sent, reason):
    """``31 April 2025`` once stopped the whole load (make_date raised); now it is a reason."""
    value, _, got = _normalised_start_date(sent)
    assert value is None and got.startswith(reason)


def _normalised_start_date(sent: str):
    import duckdb

    from pipelines.partnership_activity import normalise

    con = duckdb.connect()
    for macro in normalise.macros():
        con.execute(macro)
    con.execute(
        f"create temp table k as select 'start' as _group, ?::varchar as "
        f"{normalise.raw('start_date')}",
        [sent],
    )
    row = con.execute(
        f"select start_date, start_date_precision, _start.en "
        f"from ({normalise.dictionary_sql('start', 'k', {})})"
    ).fetchone()
    return row


def _sql(expression: str, *params):
    import duckdb

    from pipelines.partnership_activity import normalise

    con = duckdb.connect()
    normalise.install(con)
    return con.execute(f"select {expression}", list(params)).fetchone()[0]


@pytest.mark.parametrize(
    ("column", "sent", "code"),
    [
        ("action_category", "Pwrpas cyffredin", "shared_purpose"),
        ("action_category", "SHARED PURPOSE", "shared_purpose"),
        ("action_category", "pwrpas a rennir", "shared_purpose"),  # the template's old gloss
        ("action_category", "Mecanweithiau ariannol", "financial_mechanism"),
        ("action_category", "Mecanwaith ariannol", "financial_mechanism"),  # singular
        ("action_category", "Financial mechanisms", "financial_mechanism"),
        ("activity_type", "Ymarfer gwrando", "listening_exercise"),
        ("activity_type", "Rôl gyswllt", "liaison_role"),
        ("activity_type", "rol gyswllt", "liaison_role"),  # without its accent
        ("activity_type", "Gwneud penderfyniadau ar y cyd", "shared_decision_making"),
        ("partnership_maturity", "Yn dod i'r amlwg", "emerging"),
        ("partnership_maturity", "wedi ymsefydlu", "established"),
        ("action_category", "Pwrpas arbennig", "pwrpas_arbennig"),  # unknown: refused by the rule
    ],
)
def test_a_code_is_read_from_its_english_or_welsh_label_in_the_contract(column, sent, code):
    """The labels of ``contract.value_labels`` (the one home of the names) are read as their
    codes, in any letter case, with or without accents; a label no code has stays unknown."""
    from pipelines.partnership_activity import contract as pc
    from pipelines.partnership_activity import normalise
    from pipelines.sqltext import sql_value

    assert _sql(normalise.code_sql(column, sql_value(sent), pc.allowed_values(column))) == code


def test_sector_labels_come_from_the_contract_and_aliases_keep_other_words():
    from pipelines.partnership_activity import contract as pc
    from pipelines.partnership_activity import normalise
    from pipelines.sqltext import sql_value

    sent = "Sector cyhoeddus; Trydydd sector, Cymuned | Corff cenedlaethol; Private sector; VCSE"
    got = _sql(normalise.list_sql("sectors", sql_value(sent), pc.allowed_values("sectors")))
    assert got == "community;national_body;private;public;third_sector"
    # a label's coded form is no longer written twice (ALIASES keeps the other words only)
    labels = set(normalise.code_aliases("sectors")) - set(normalise.ALIASES["sectors"])
    assert {"sector_cyhoeddus", "public_sector", "corff_cenedlaethol"} <= labels
    assert normalise.code_aliases("sectors")["vcse"] == "third_sector"


def _not_a_row(cells: dict[str, str | None]):
    from pipelines.partnership_activity import normalise
    from pipelines.sqltext import sql_value

    values = {c: f"{sql_value(v)}::varchar" if v else "null::varchar" for c, v in cells.items()}
    totals, header, note = normalise.not_a_row_sql(values)
    return _sql(f"coalesce({totals}, {header}, {note})")


EMPTY_ROW = dict.fromkeys(("activity_id", "partner_organisation", "title", "start_date", "sectors"))


@pytest.mark.parametrize(
    ("cells", "found"),
    [
        (
            {"activity_id": "Notes: figures for Q1 are provisional."},
            ("file.note_row", "Notes: figures for Q1 are provisional.", "activity_id"),
        ),
        ({"title": "Quarter 2"}, ("file.note_row", "Quarter 2", "title")),  # a heading between rows
        ({"partner_organisation": "x" * 101}, ("file.note_row", "x" * 101, "partner_organisation")),
        ({"activity_id": "Total", "sectors": "12"}, ("file.totals_row", "Total", "activity_id")),
        # an activity, however incomplete: its empty required columns are reported
        ({"activity_id": "A-010"}, None),
        ({"activity_id": "x" * 100}, None),
        ({"activity_id": "A-010", "title": "Youth forum"}, None),
        ({"title": "Youth forum", "start_date": "1 April 2024"}, None),
    ],
)
def test_a_note_row_is_one_filled_cell_that_cannot_be_an_id(cells, found):
    got = _not_a_row({**EMPTY_ROW, **cells})
    assert (None if got is None else (got["rule"], got["value"], got["col"])) == found


def test_personal_details_are_tested_and_replaced_by_the_one_rule():
    from pipelines.partnership_activity import normalise

    assert normalise.redact_text(None) is None
    assert _sql("pa_personal(?)", "A-001 jane@example.org") is True
    assert _sql("pa_personal(?)", "Call 029 2087 1234") is True
    assert _sql("pa_personal(?)", "A-001") is False and _sql("pa_personal(null)") is False
    sent = f"(select ?::varchar as {normalise.sent('activity_id')})"
    problems = f"[{', '.join(normalise.verbatim_problem('activity_id'))}] from {sent}"
    en, cy = _sql(problems, "A1 jo@x.org")
    assert en == (
        "activity_id 'A1 [removed]' holds an e-mail address, phone number or postcode (shown "
        "here as [removed]), which is never stored: send activity_id without personal details"
    )
    assert cy.startswith("mae activity_id 'A1 [removed]' yn cynnwys cyfeiriad e-bost")
    assert _sql(problems, "A1") == [None, None]
    assert normalise.VERBATIM_COLUMNS == ("activity_id", "partner_organisation")


def test_rows_an_earlier_loader_stored_with_contact_details_are_redacted_once(tmp_path):
    """A quarantine row and a submission an earlier loader wrote with an e-mail address or phone
    number as sent are redacted when the tables are next opened; the venue postcode a row set
    aside for shows stays as sent; opening them again changes nothing."""
    import duckdb

    from pipelines.partnership_activity import ingest

    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    ingest.ensure_tables(con)
    con.execute(
        "insert into quality.submissions by name select 'q1.csv' as submission_file, "
        "'abc' as submission_sha256, 'archive' as archived_path, now() as received_at, "
        "'csv' as file_format, 2 as rows_submitted, 0 as rows_accepted, 2 as rows_quarantined, "
        "0 as rows_superseding, 'loaded_with_quarantine' as status, false as is_example_data, "
        "'columns not in the contract, not loaded: Ask jo@example.org' as note"
    )
    for row, column, value in (
        (2, "activity_id", "A001 jo@example.org"),
        (3, "postcode", "CF10 9ZZ"),
    ):
        con.execute(
            "insert into quality.quarantine by name select 'q1.csv' as submission_file, "
            "'abc' as submission_sha256, ? as source_row_number, "
            "'Test Partnership 029 2087 1234' as partner_organisation, "
            "pa_partner_key('Test Partnership 029 2087 1234') as partner_key, "
            "? as activity_id, 'r' as rule_name, ? as column_name, ? as value, "
            "'''' || ? || ''' is wrong' as reason, 'anghywir' as reason_cy, '{}' as row_json, "
            "now() as quarantined_at, false as is_resolved",
            [row, value if column == "activity_id" else "A002", column, value, value],
        )
    ingest.ensure_tables(con)
    got = con.execute(
        "select partner_organisation, partner_key, activity_id, value, reason "
        "from quality.quarantine order by source_row_number"
    ).fetchall()
    assert got == [
        (
            "Test Partnership [removed]",
            "test partnership removed",
            "A001 [removed]",
            "A001 [removed]",
            "'A001 [removed]' is wrong",
        ),
        (
            "Test Partnership [removed]",
            "test partnership removed",
            "A002",
            "CF10 9ZZ",
            "'CF10 9ZZ' is wrong",
        ),
    ]
    assert con.execute("select note from quality.submissions").fetchone() == (
        "columns not in the contract, not loaded: Ask [removed]",
    )
    kept = con.execute("select * from quality.quarantine order by all").fetchall()
    ingest.ensure_tables(con)
    assert con.execute("select * from quality.quarantine order by all").fetchall() == kept
