"""Partner submissions, file by file: every class of problem in a real CSV, XLSX or ODS file, each
asserting rows accepted + rows quarantined == rows submitted and the reasons; plus idempotency,
corrections, partner identity and redaction."""

import csv
import io
import json
from datetime import UTC, date
from pathlib import Path

import openpyxl
import polars as pl
import pytest
import xlwt
from markupsafe import escape
from msoffcrypto.format.ooxml import OOXMLFile

from pipelines.catalogue import fetch
from pipelines.partnership_activity import generator, ingest, reading
from pipelines.partnership_activity.lookups import create_lookups, register_frames
from pipelines.readers import read_csv_strings
from pipelines.warehouse import connect_duckdb
from tests.integration.fixtures.partner_files.make_fixtures import HEADER
from tests.integration.fixtures.partner_files.make_fixtures import rows as table

FILES = Path(__file__).parent / "fixtures" / "partner_files"


def write_csv(path: Path, rows: list[list[str]], delimiter=",", encoding="utf-8") -> Path:
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n").writerows(rows)
    path.write_bytes(buffer.getvalue().encode(encoding))
    return path


def write_xlsx(path: Path, sheets: dict[str, list[list]]) -> Path:
    book = openpyxl.Workbook()
    book.remove(book.active)
    for name, rows in sheets.items():
        sheet = book.create_sheet(name)
        for row in rows:
            sheet.append(row)
    book.save(path)
    return path


@pytest.fixture(scope="session")
def polygons(shared_data):
    """The 2021 LSOA polygons as raw.lsoa21_boundaries holds them (lsoa_code, geometry_wkb)."""
    from pipelines.boundaries.geo import geometry_to_wkb
    from pipelines.boundaries.parsers import parse_lsoa21_boundaries

    fetched = fetch("lsoa21_boundaries", mirror=shared_data)
    return geometry_to_wkb(parse_lsoa21_boundaries(fetched), ["lsoa_code"])


@pytest.fixture()
def con(tmp_path):
    connection = connect_duckdb(str(tmp_path / "warehouse.duckdb"))
    ingest.ensure_tables(connection)
    yield connection
    connection.close()


@pytest.fixture()
def ref(con, frames):
    """Lookups without boundaries: rows placed only by coordinates cannot be placed."""
    return create_lookups(con, register_frames(con, frames))


@pytest.fixture()
def ref_with_boundaries(con, frames, polygons):
    return create_lookups(con, register_frames(con, {**frames, "raw.lsoa21_boundaries": polygons}))


def load(con, path, ref, tmp_path, **kwargs) -> ingest.LoadOutcome:
    outcome = ingest.load_submission(
        con, Path(path), ref, tmp_path / "archive", feedback_dir=tmp_path / "feedback", **kwargs
    )
    key = [outcome.sha256, outcome.file]
    logged = con.execute(
        "select rows_submitted, rows_accepted, rows_quarantined from quality.submissions "
        "where submission_sha256 = ? and submission_file = ?",
        key,
    ).fetchone()
    assert logged[1] + logged[2] == logged[0], f"{path}: accepted + quarantined != submitted"
    accepted = con.execute(
        "select count(*) from raw.partnership_activity "
        "where submission_sha256 = ? and submission_file = ?",
        key,
    ).fetchone()[0]
    quarantined = con.execute(
        "select count(distinct source_row_number) from quality.quarantine "
        "where submission_sha256 = ? and submission_file = ?",
        key,
    ).fetchone()[0]
    assert (accepted, quarantined) == (logged[1], logged[2])
    archived = con.execute(
        "select archived_path from quality.submissions "
        "where submission_sha256 = ? and submission_file = ?",
        key,
    ).fetchone()[0]
    assert Path(archived).parent == tmp_path / "archive" / outcome.sha256
    assert Path(archived).read_bytes() == Path(path).read_bytes()
    return outcome


def reasons(con, outcome, language="reason") -> dict[int, str]:
    rows = con.execute(
        f"select source_row_number, string_agg({language}, ' | ' order by rule_name) "
        "from quality.quarantine where submission_sha256 = ? group by 1",
        [outcome.sha256],
    ).fetchall()
    return dict(rows)


def accepted(con, outcome, columns="*") -> pl.DataFrame:
    return con.execute(
        f"select {columns} from raw.partnership_activity where submission_sha256 = ? "
        "order by source_row_number",
        [outcome.sha256],
    ).pl()


def quarantined(con, outcome, columns: str) -> list[tuple]:
    """``columns`` of the file's quarantined rows, in row order."""
    return con.execute(
        f"select {columns} from quality.quarantine where submission_sha256 = ? "
        "order by source_row_number, rule_name",
        [outcome.sha256],
    ).fetchall()


def counts(outcome) -> tuple[int, int, int]:
    return outcome.rows_submitted, outcome.rows_accepted, outcome.rows_quarantined


# --- whole-file problems -----------------------------------------------------------------------


def test_missing_columns_is_rejected_and_its_rows_quarantined(con, ref, tmp_path):
    out = load(con, FILES / "missing_columns.csv", ref, tmp_path)
    assert out.status == "rejected"
    assert "activity_type" in out.error and "sectors" in out.error and "Expected:" in out.error
    assert "ar goll" in out.error_cy
    assert counts(out) == (2, 0, 2)
    assert set(reasons(con, out).values()) == {out.error}  # every row kept, with the reason
    # personal columns are not offered as optional ones: the partner is told not to send them
    optional = out.error.split("optional: ")[1]
    assert "contact_email" not in optional.split(";")[0]
    assert "do not send contact_email, contact_phone" in out.error
    # the report says the file was read but its header lacks columns, and says the reason once
    for lang, error, status in (
        ("en", out.error, "not loaded: the header row lacks required columns"),
        ("cy", out.error_cy, "heb ei llwytho: mae colofnau gofynnol ar goll o'r rhes benawdau"),
    ):
        md = out.feedback[lang].with_suffix(".md").read_text()
        html = out.feedback[lang].read_text()
        assert f"| {status} |" in md and escape(status) in html  # HTML-escaped: o&#39;r
        assert "could not be read" not in md and "nid oedd modd darllen" not in md
        assert md.count(error[:60]) == 1 and html.count(escape(error[:60])) == 1
        assert md.endswith("\n") and not md.endswith("\n\n")
    md = out.feedback["en"].with_suffix(".md").read_text()
    assert "All 2 rows of the file were kept, none loaded, for this one reason" in md
    assert "Rows set aside\n" not in md  # no table of rows repeating the reason


def test_wrong_columns_names_what_was_found(con, ref, tmp_path):
    out = load(con, FILES / "wrong_columns.csv", ref, tmp_path)
    assert out.status == "rejected" and "no header row" in out.error
    assert "comma separates" in out.error and "row 1: 'Name', 'Town', 'Amount'" in out.error


@pytest.mark.parametrize("name", ["empty.csv", "header_only.csv"])
def test_empty_file_or_header_only(con, ref, tmp_path, name):
    out = load(con, FILES / name, ref, tmp_path)
    assert counts(out) == (0, 0, 0) and out.status == "rejected"
    if name == "empty.csv":
        assert "empty (0 bytes)" in out.error
    else:  # not a return of 0 rows: the partner must not think it is in
        assert out.error.startswith("the file has a header row on row 1 but no data rows")
        assert out.error_cy.startswith("mae gan y ffeil res benawdau ar res 1 ond dim rhesi data")
        md = out.feedback["en"].with_suffix(".md").read_text()
        assert "not loaded: the file has a header row but no data rows" in md
        assert "all rows loaded" not in md
        md_cy = out.feedback["cy"].with_suffix(".md").read_text()
        assert "ni lwythwyd dim; anfonwch y ffeil gyda'i rhesi" in md_cy


@pytest.mark.parametrize(
    ("suffix", "content", "found"),
    [
        (".xlsx", b"%PDF-1.7\n1 0 obj\n", "a PDF document"),
        (".csv", b"<!DOCTYPE html><html><body>Sign in</body></html>", "a web page (HTML)"),
        (".ods", b"\x89PNG\r\n\x1a\n" + b"\x00" * 40, "a PNG image"),
    ],
)
def test_the_real_file_type_behind_the_suffix_is_named(con, ref, tmp_path, suffix, content, found):
    path = tmp_path / f"return{suffix}"
    path.write_bytes(content)
    out = load(con, path, ref, tmp_path)
    assert out.status == "rejected" and found in out.error and f"ends in {suffix}" in out.error
    assert "CSV (UTF-8) or Excel (.xlsx)" in out.error


@pytest.mark.parametrize("suffix", [".xlsx", ".xls"])
def test_a_workbook_with_a_password_to_open_says_so(con, ref, tmp_path, suffix):
    """Encrypted with a password, an .xlsx is an OLE container like an old .xls: the partner is
    told of the password (in English and Welsh), not that their .xlsx is an Excel 97-2003
    workbook to be saved as .xlsx; under either name."""
    plain = write_xlsx(tmp_path / "plain.xlsx", {"Activities": table({}, {})})
    path = tmp_path / f"protected{suffix}"
    with plain.open("rb") as source, path.open("wb") as target:
        OOXMLFile(source).encrypt("cyfrinair", target)
    out = load(con, path, ref, tmp_path)
    assert out.status == "rejected"
    assert out.error.startswith("the file is a workbook protected by a password to open it")
    assert "97-2003" not in out.error and "save a copy" not in out.error
    assert "File > Info > Protect Workbook" in out.error
    assert out.error_cy.startswith("mae'r ffeil yn llyfr gwaith wedi'i ddiogelu gan gyfrinair")
    assert "read as" not in (out.note or "")


def test_a_workbook_named_csv_is_read_as_a_workbook(con, ref, tmp_path):
    xlsx = write_xlsx(tmp_path / "real.xlsx", {"Activities": table({}, {})})
    path = tmp_path / "return.csv"
    path.write_bytes(xlsx.read_bytes())
    out = load(con, path, ref, tmp_path)
    assert counts(out) == (2, 2, 0)
    assert "Excel workbook" in out.note and "read as xlsx" in out.note
    assert con.execute("select file_format from quality.submissions").fetchone()[0] == "xlsx"


# --- encodings, delimiters and sheets ----------------------------------------------------------


@pytest.mark.parametrize(
    ("encoding", "recorded"),
    [
        ("utf-8-sig", "utf-8-sig"),
        ("cp1252", "cp1252"),
        ("utf-16", "utf-16"),
        ("utf-16-le", "utf-16-le"),
        ("utf-16-be", "utf-16-be"),
    ],
)
def test_encodings(con, ref, tmp_path, encoding, recorded):
    rows = table(
        {"title": "Sgwrs â'r gymuned", "la_code": "Ynys Môn", "lsoa_code": ""},
        {"title": "Gweithdy ôl-troed"},
    )
    path = write_csv(tmp_path / "welsh.csv", rows, encoding=encoding)
    out = load(con, path, ref, tmp_path)
    assert counts(out) == (2, 2, 0)
    rows = accepted(con, out)
    assert rows["title"].to_list() == ["Sgwrs â'r gymuned", "Gweithdy ôl-troed"]
    assert rows["la_code"][0] == "W06000001"
    assert con.execute("select encoding from quality.submissions").fetchone()[0] == recorded


def test_utf8_keeps_w_and_y_circumflex(con, ref, tmp_path):
    out = load(con, FILES / "utf8_welsh.csv", ref, tmp_path)
    assert out.rows_accepted == 2
    assert accepted(con, out)["title"][0] == "Gŵyl y Gymuned yn Nhŷ'r Cwmwd"


@pytest.mark.parametrize(("delimiter", "name"), [(";", "semicolon"), ("|", "pipe"), ("\t", "tab")])
def test_other_delimiters_are_found_and_recorded(con, ref, tmp_path, delimiter, name):
    rows = table({"sectors": "public;community", "funding_gbp": "£12,500"}, {})
    path = write_csv(tmp_path / "return.csv", rows, delimiter=delimiter)
    out = load(con, path, ref, tmp_path)
    assert counts(out) == (2, 2, 0)
    assert accepted(con, out)["sectors"][0] == "community;public"
    assert accepted(con, out)["funding_gbp"][0] == 12500.0
    assert con.execute("select delimiter from quality.submissions").fetchone()[0] == name
    assert f"separated by {name}" in out.note


def test_data_on_a_second_sheet_is_found(con, ref, tmp_path):
    path = write_xlsx(
        tmp_path / "return.xlsx",
        {
            "Instructions": [["How to fill this in"], ["One row per activity"]],
            "Data": [["Partner return 2024-25"], [], *table({}, {}, {})],
        },
    )
    out = load(con, path, ref, tmp_path)
    assert counts(out) == (3, 3, 0)
    assert "read sheet 'Data'" in out.note
    assert "darllenwyd y ddalen 'Data'" in out.note_cy
    assert accepted(con, out)["source_row_number"].to_list() == [4, 5, 6]
    row = con.execute("select sheet_name, header_row from quality.submissions").fetchone()
    assert row == ("Data", 3)


def test_no_header_on_any_sheet_names_the_sheets(con, ref, tmp_path):
    path = write_xlsx(tmp_path / "return.xlsx", {"Summary": [["Total", 12]], "Notes": [["x"]]})
    out = load(con, path, ref, tmp_path)
    assert out.status == "rejected"
    assert "2 sheet(s)" in out.error and "'Summary'" in out.error and "'Notes'" in out.error


def test_two_sheets_of_activities_are_not_guessed_between(con, ref, tmp_path):
    path = write_xlsx(tmp_path / "return.xlsx", {"2023-24": table({}), "2024-25": table({})})
    out = load(con, path, ref, tmp_path)
    assert out.status == "rejected" and "'2023-24', '2024-25'" in out.error


def test_ods_submission_and_title_rows_in_xlsx(con, ref, tmp_path):
    frame = pl.DataFrame(table({}, {})[1:], schema=HEADER, orient="row")
    ods = generator.write_submission(frame, tmp_path / "return.ods")
    out = load(con, ods, ref, tmp_path)
    assert counts(out) == (2, 2, 0)
    xlsx = generator.write_submission(frame, tmp_path / "titled.xlsx", title_rows=["Return", "Q1"])
    out = load(con, xlsx, ref, tmp_path)
    assert accepted(con, out)["source_row_number"].to_list() == [5, 6]


def test_spreadsheet_dates_and_numbers(con, ref, tmp_path):
    rows = table({}, {})
    rows[1][HEADER.index("start_date")] = date(2024, 3, 31)
    rows[2][HEADER.index("start_date")] = date(2024, 4, 1)
    rows[1][HEADER.index("end_date")] = 45400  # an Excel serial day number typed as a number
    rows[2][HEADER.index("end_date")] = None
    rows[1][HEADER.index("funding_gbp")] = 0.1 + 0.2  # a computed cell: 0.3 as shown
    path = write_xlsx(tmp_path / "dates.xlsx", {"Sheet1": rows})
    out = load(con, path, ref, tmp_path)
    got = accepted(con, out)
    assert got["start_date"].to_list() == [date(2024, 3, 31), date(2024, 4, 1)]
    assert got["end_date"][0] == date(2024, 4, 18)
    assert got["financial_year"].to_list() == ["2023-24", "2024-25"]
    assert got["funding_gbp"][0] == 0.3


# --- rows the file cannot split correctly ------------------------------------------------------


def test_ragged_rows_are_quarantined_with_their_field_count(con, ref, tmp_path):
    rows = table({}, {}, {}, {})
    rows[2] = rows[2][:7] + ["Cardiff, Wales"] + rows[2][7:]  # an unquoted comma: 19 fields
    rows[3] = rows[3][:-2]  # two fields missing
    path = write_csv(tmp_path / "ragged.csv", rows)
    out = load(con, path, ref, tmp_path)
    assert counts(out) == (4, 2, 2)
    why = reasons(con, out)
    assert why[3].startswith("row 3 has 19 fields, the header has 18")
    assert why[4].startswith("row 4 has 16 fields, the header has 18")
    assert accepted(con, out)["source_row_number"].to_list() == [2, 5]
    row_json = json.loads(
        con.execute(
            "select row_json from quality.quarantine where source_row_number = 3"
        ).fetchone()[0]
    )
    assert "Cardiff, Wales" in row_json["row_as_sent"]
    # the quarantine's value is the line as sent (it was empty, and a policy team querying
    # quality.quarantine saw nothing of what was sent)
    line = path.read_text().splitlines()[2]
    assert con.execute(
        "select column_name, value from quality.quarantine where source_row_number = 3"
    ).fetchall() == [("(row)", line)]


def test_a_stray_quote_never_blocks_the_file(con, ref, tmp_path):
    lines = [",".join(HEADER)] + [",".join(r) for r in table({}, {}, {})[1:]]
    lines[2] = lines[2].replace("Community conversation", '"Big Lunch" at the hall')
    lines.insert(
        3, 'A099,Test Partnership,shared_purpose,listening_exercise,"Tea, ""cake"" and talk,,'
    )
    path = tmp_path / "quotes.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    out = load(con, path, ref, tmp_path)
    assert out.status == "loaded_with_quarantine"
    # the row after the unclosed quote is read as its own row, not swallowed into it
    assert counts(out) == (4, 2, 2)
    assert accepted(con, out)["source_row_number"].to_list() == [2, 5]
    why, why_cy = reasons(con, out), reasons(con, out, "reason_cy")
    assert why[3].startswith("this row has a quoted value followed by more text")
    assert why[4].startswith('a quote mark (") in column 5 (title) opens here and is not closed')
    assert "the next line, which it would have joined to this row, was read as a row" in why[4]
    assert "darllenwyd y llinell nesaf" in why_cy[4] and "ngholofn 5 (title)" in why_cy[4]


def test_a_clean_resend_replaces_a_row_sent_with_a_stray_windows_1252_byte(con, ref, tmp_path):
    # a UTF-8 file with a '£' typed as Windows-1252: the partner name keeps its letter, so the
    # partner's corrected file replaces the row (it was a second partner, counted twice)
    rows = table({"partner_organisation": "Cyngor Sir Gâr", "funding_gbp": "£100"})
    first = write_csv(tmp_path / "sirgar.csv", rows)
    first.write_bytes(first.read_bytes().replace("£".encode(), b"\xa3"))
    out = load(con, first, ref, tmp_path)
    assert counts(out) == (1, 1, 0)
    got = accepted(con, out)
    assert (got["partner_organisation"][0], got["funding_gbp"][0]) == ("Cyngor Sir Gâr", 100)
    assert "characters on 1 row (2) saved as Windows-1252" in out.note
    assert "nodau ar 1 rhes (2) a gadwyd fel Windows-1252" in out.note_cy
    cy = out.feedback["cy"].with_suffix(".md").read_text()
    assert "nodau ar 1 rhes (2) a gadwyd fel Windows-1252" in cy
    rows = table({"partner_organisation": "Cyngor Sir Gâr", "funding_gbp": "150"})
    second = load(con, write_csv(tmp_path / "sirgar_resend.csv", rows), ref, tmp_path)
    assert second.rows_superseding == 1
    current = con.execute(
        "select count(*), sum(funding_gbp) from raw.partnership_activity "
        "where partner_key = pa_partner_key('Cyngor Sir Gâr') and superseded_at is null"
    ).fetchone()
    assert current == (1, 150)


def test_mid_value_quotes_are_kept_as_written(con, ref, tmp_path):
    lines = [",".join(HEADER)] + [",".join(r) for r in table({})[1:]]
    lines[1] = lines[1].replace("Community conversation", 'The "Big Lunch" 5" screen')
    path = tmp_path / "quotes.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    out = load(con, path, ref, tmp_path)
    assert accepted(con, out)["title"][0] == 'The "Big Lunch" 5" screen'


def test_blank_lines_keep_spreadsheet_row_numbers(con, ref, tmp_path):
    lines = [",".join(r) for r in table({}, {"funding_gbp": "-1"})]
    path = tmp_path / "blank.csv"
    path.write_text(lines[0] + "\n" + lines[1] + "\n\n,,,,\n" + lines[2] + "\n", encoding="utf-8")
    out = load(con, path, ref, tmp_path)
    assert counts(out) == (2, 1, 1)
    assert list(reasons(con, out)) == [5]


# --- values ------------------------------------------------------------------------------------


def test_duplicate_activity_ids_second_quarantined(con, ref, tmp_path):
    out = load(con, FILES / "duplicate_ids.csv", ref, tmp_path)
    assert counts(out) == (3, 2, 1)
    why = reasons(con, out)
    assert list(why) == [3] and "appears more than once" in why[3] and "first on row 2" in why[3]


@pytest.mark.parametrize("fast", [False, True], ids=["python_reader", "duckdb_reader"])
def test_a_key_repeated_in_one_file_stays_to_correct_until_a_later_file(
    con, ref, tmp_path, monkeypatch, fast
):
    """The row set aside for an activity_id repeated within its file is not resolved by that
    file's own first row (it was, and dropped out of the count still to correct); a later file
    with the activity resolves it. Either CSV reader (large files use DuckDB's)."""
    from pipelines.partnership_activity.assets import open_quarantine_sql

    monkeypatch.setattr(reading, "FAST_CSV_BYTES", 0 if fast else 10**12)
    rows = table({"activity_id": "DUP-1"}, {"activity_id": "DUP-1", "title": "Second copy"}, {})
    out = load(con, write_csv(tmp_path / "dups.csv", rows), ref, tmp_path)
    assert counts(out) == (3, 2, 1)
    state = "select source_row_number, is_resolved, resolved_by_sha256 from quality.quarantine"
    assert con.execute(state).fetchall() == [(3, False, None)]
    assert con.execute(open_quarantine_sql()).fetchone() == (1, 0)
    # a later file sending DUP-1 again resolves it
    later = load(
        con, write_csv(tmp_path / "dups_v2.csv", table({"activity_id": "DUP-1"})), ref, tmp_path
    )
    assert (later.rows_accepted, later.rows_superseding) == (1, 1)
    assert con.execute(state).fetchall() == [(3, True, later.sha256)]
    assert con.execute(open_quarantine_sql()).fetchone() == (0, 0)
    # a warehouse where the old loader resolved the row by its own file: re-opened
    con.execute("update quality.quarantine set resolved_by_sha256 = submission_sha256")
    ingest.ensure_tables(con)
    assert con.execute(state).fetchall() == [(3, False, None)]


def test_partner_identity_ignores_letter_case_and_spacing(con, ref, tmp_path):
    first = load(con, write_csv(tmp_path / "a.csv", table({}, {})), ref, tmp_path)
    again = table({"partner_organisation": "TEST  PARTNERSHIP", "title": "Corrected"}, {})
    second = load(con, write_csv(tmp_path / "b.csv", again), ref, tmp_path)
    assert second.rows_superseding == 2
    current = con.execute(
        "select partner_organisation, partner_key, title from raw.partnership_activity "
        "where is_current order by activity_id"
    ).fetchall()
    assert current == [
        ("TEST  PARTNERSHIP", "test partnership", "Corrected"),
        ("Test Partnership", "test partnership", "Community conversation"),
    ]
    assert first.sha256 != second.sha256
    # within one file, two spellings of the same partner are the same key
    dup = table({}, {"activity_id": "A001", "partner_organisation": "test partnership"})
    rows = dup
    rows[2][0] = "A001"
    third = load(con, write_csv(tmp_path / "c.csv", rows), ref, tmp_path)
    assert counts(third) == (2, 1, 1)


def test_lsoa_codes_lower_case_and_spaces_are_normalised(con, ref, tmp_path):
    out = load(con, FILES / "lsoa_formats.csv", ref, tmp_path)
    assert out.rows_accepted == 3
    rows = accepted(con, out)
    assert set(rows["lsoa_code"]) == {"W01001767"} and set(rows["la_code"]) == {"W06000015"}


def test_invisible_characters_around_values_are_removed_and_named_inside_them(con, ref, tmp_path):
    """What pasting from a web page leaves (p23_agecymru_pasted_values.csv: a zero-width space
    after a code was quarantined as "'W01001694\u200b' is not a Welsh LSOA code"): format
    characters and spaces other than the ordinary one are removed at the ends of a value, and a
    non-breaking space inside an amount is a thousands space; one left inside a code is named."""
    rows = table(
        {"lsoa_code": "W01001767\u200b"},
        {"partner_organisation": "\u00a0Test Partnership\u2060", "funding_gbp": "£12\u00a0500"},
        {"activity_id": "\ufeffA003", "participant_count": "1\u202f200", "title": "Talk\u200b "},
        {"lsoa_code": "W0100\u200b1767"},
    )
    rows[3][rows[0].index("participant_count")] = "25\u00a0"
    out = load(con, write_csv(tmp_path / "pasted.csv", rows), ref, tmp_path)
    assert counts(out) == (4, 3, 1)
    got = accepted(con, out, "activity_id, partner_organisation, lsoa_code, funding_gbp, title")
    assert got.rows() == [
        ("A001", "Test Partnership", "W01001767", 1500.0, "Community conversation"),
        ("A002", "Test Partnership", "W01001767", 12500.0, "Community conversation"),
        ("A003", "Test Partnership", "W01001767", 1500.0, "Talk"),
    ]
    assert reasons(con, out)[5] == (
        "'W0100[zero-width space]1767' is not a Welsh LSOA code: expected W01 followed by six "
        "digits (a 2021 LSOA)"
    )
    assert "'W0100[bwlch lled sero]1767'" in reasons(con, out, "reason_cy")[5]
    value = con.execute(
        "select value from quality.quarantine where submission_sha256 = ?", [out.sha256]
    ).fetchone()[0]
    assert value == "W0100\u200b1767"  # the value as sent is kept


def test_a_totals_row_and_a_repeated_header_are_each_one_problem(con, ref, tmp_path):
    """A totals row (p02: 'TOTAL' and a sum, reported as 8 'required but empty' problems) and a
    repeated header row (p24: 12 'unknown value' problems) are each quarantined once with one
    reason in both languages, and hold no activity id; an activity titled 'Total ...' loads."""
    rows = table({}, {"title": "Total Wellbeing Festival"}, {}, {})
    header = rows[0]
    rows[3] = ["TOTAL"] + [""] * (len(header) - 1)
    rows[3][header.index("funding_gbp")] = "£3,000.00"
    rows[3][header.index("participant_count")] = "50"
    rows[4] = list(header)  # the header again, as when two files are pasted together
    rows.append(["", "", "", "", "Cyfanswm / Total"] + [""] * (len(header) - 5))
    rows.append(table({}, {}, {})[3])  # A003 again after the header
    rows[-1][0] = "A005"
    out = load(con, write_csv(tmp_path / "totals.csv", rows, delimiter=";"), ref, tmp_path)
    assert counts(out) == (6, 3, 3)
    # set aside, but no activity: nothing for the partner to correct, so not counted as to correct
    from pipelines.partnership_activity.assets import open_quarantine_sql

    assert con.execute(open_quarantine_sql()).fetchone() == (0, 0)
    assert accepted(con, out, "activity_id, title").rows() == [
        ("A001", "Community conversation"),
        ("A002", "Total Wellbeing Festival"),
        ("A005", "Community conversation"),
    ]
    got = con.execute(
        "select source_row_number, rule_name, column_name, value, reason, reason_cy "
        "from quality.quarantine where submission_sha256 = ? order by 1",
        [out.sha256],
    ).fetchall()
    assert [g[:4] for g in got] == [
        (4, "file.totals_row", "(row)", "TOTAL"),
        (5, "file.header_repeated", "(row)", "activity_id"),
        (6, "file.totals_row", "(row)", "Cyfanswm / Total"),
    ]
    assert got[0][4] == (
        "this row looks like a totals row (it holds 'TOTAL' and numbers only), not an activity: "
        "remove it from the file (totals are worked out from the activity rows)"
    )
    assert got[0][5].startswith("mae'r rhes hon yn edrych fel rhes gyfansymiau (mae'n cynnwys")
    assert got[1][4].startswith("this row repeats the header row (its cells are column names")
    assert got[1][5].startswith("mae'r rhes hon yn ailadrodd y rhes benawdau")
    # in a workbook, with the header repeated in Welsh
    from pipelines.partnership_activity import contract as pc

    sheet = table({}, {})
    sheet.insert(2, [pc.welsh_name(c) or c for c in sheet[0]])
    path = write_xlsx(tmp_path / "totals.xlsx", {"Activities": sheet + [["Cyfanswm", None, 2]]})
    out = load(con, path, ref, tmp_path)
    assert counts(out) == (4, 2, 2)
    assert set(reasons(con, out)) == {3, 5}
    assert reasons(con, out)[3].startswith("this row repeats the header row")
    assert reasons(con, out)[5].startswith("this row looks like a totals row (it holds 'Cyfanswm'")


def _only(header: list[str], column: str, value: str) -> list[str]:
    """A row with one cell filled, as a note line under the data is."""
    row = [""] * len(header)
    row[header.index(column)] = value
    return row


def _submission(path: Path, rows: list[list[str]]) -> Path:
    """``rows`` (header first, "" for an empty cell) as the file ``path`` names: CSV, .xlsx,
    .ods or .parquet (``generator.write_submission``)."""
    frame = pl.DataFrame(
        [[v or None for v in r] for r in rows[1:]], schema=rows[0], orient="row"
    ).cast(pl.String)
    return generator.write_submission(frame, path)


@pytest.mark.parametrize("suffix", [".csv", ".xlsx", ".ods", ".parquet"])
def test_a_note_line_is_set_aside_once_and_an_incomplete_activity_is_still_to_correct(
    con, ref, tmp_path, suffix
):
    """The red-team trial's file A: two notes lines under the data ('Notes: figures for Q1 are
    provisional.', 'Contact: Jane Jones, ...') were each reported as 8 'required but empty'
    problems and counted as rows to correct. A row of one cell holding a space or long text
    (under the data or between rows) is set aside once as a note and not counted as to
    correct; a real row with only its activity_id is still an activity with its reasons."""
    rows = table({}, {}, {})
    header = rows[0]
    rows.insert(2, _only(header, "title", "Quarter 2 activities"))  # row 3, between rows
    rows.append(_only(header, "activity_id", "A-010"))  # row 6: an activity, incomplete
    rows.append(_only(header, "activity_id", "Notes: figures for Q1 are provisional."))
    rows.append(_only(header, "activity_id", "Contact: Jane Jones, jane@example.org"))
    out = load(con, _submission(tmp_path / f"notes{suffix}", rows), ref, tmp_path)
    assert counts(out) == (7, 3, 4)
    up = 1 if suffix == ".parquet" else 0  # a Parquet file has no header row to count
    got = quarantined(con, out, "source_row_number, activity_id, rule_name, column_name, value")
    notes = [g for g in got if g[2] == "file.note_row"]
    assert notes == [
        (3 - up, None, "file.note_row", "(row)", "Quarter 2 activities"),
        (7 - up, None, "file.note_row", "(row)", "Notes: figures for Q1 are provisional."),
        (8 - up, None, "file.note_row", "(row)", "Contact: Jane Jones, [removed]"),
    ]
    assert reasons(con, out)[7 - up] == (
        "this row looks like a note, not an activity (only column activity_id is filled: "
        "'Notes: figures for Q1 are provisional.'): notes belong in a separate sheet or file, "
        "not among the activity rows"
    )
    assert reasons(con, out, "reason_cy")[3 - up] == (
        "mae'r rhes hon yn edrych fel nodyn, nid gweithgaredd (dim ond colofn title sydd wedi'i "
        "llenwi: 'Quarter 2 activities'): dylai nodiadau fod mewn dalen neu ffeil ar wahân, nid "
        "ymhlith rhesi'r gweithgareddau"
    )
    incomplete = {g[2] for g in got if g[0] == 6 - up}
    assert {g[1] for g in got if g[0] == 6 - up} == {"A-010"}
    assert {"partner_organisation.required", "title.required", "start_date.required"} <= (
        incomplete
    )
    from pipelines.partnership_activity.assets import open_quarantine_sql

    assert con.execute(open_quarantine_sql()).fetchone() == (1, 0)  # A-010 alone
    report = next((tmp_path / "feedback").rglob("feedback_en.md")).read_text()
    assert "this row looks like a note" in report and "required but empty" in report


def test_a_formula_without_a_saved_value_is_set_aside_and_a_hidden_row_noted(con, ref, tmp_path):
    """p06: a workbook written by a program; its formula cells have no saved value (they loaded
    as empty, without a word) and one row was hidden (loaded, without a word); an empty hidden
    row below the data stopped the whole file."""
    rows = table({}, {}, {})
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Activities"
    for row in rows:
        sheet.append(row)
    column = rows[0].index("participant_count") + 1
    sheet.cell(row=3, column=column, value="=10+5")
    sheet.row_dimensions[4].hidden = True
    sheet.row_dimensions[9].hidden = True  # empty, below the data: nothing to note
    book.save(tmp_path / "written.xlsx")
    out = load(con, tmp_path / "written.xlsx", ref, tmp_path)
    assert counts(out) == (3, 2, 1)
    got = quarantined(con, out, "source_row_number, rule_name, reason_cy")
    assert [g[:2] for g in got] == [(3, "file.formula_without_value")]
    assert reasons(con, out)[3].startswith(
        f"cell {openpyxl.utils.get_column_letter(column)}3 (participant_count: =10+5) holds a "
        "formula with no saved value"
    )
    assert got[0][2].startswith("mae cell ")
    assert "row 4 was hidden in your sheet 'Activities': loaded like the other rows" in out.note
    assert "row 4 was hidden in your sheet" in out.feedback["en"].with_suffix(".md").read_text()
    assert accepted(con, out, "activity_id").to_series().to_list() == ["A001", "A003"]


def test_an_old_xls_workbook_loads_its_typed_cells_and_notes_a_hidden_row(con, ref, tmp_path):
    """An Excel 97-2003 (.xls) file, as older council templates still are: a real date cell, a
    number cell for a count and an amount (read as 25 and 1500.5, not 25.0 or text), and one row
    hidden (loaded, and the notes say so, as for .xlsx and .ods)."""
    rows = table({}, {"title": "Caffi trwsio, Môn"}, {})
    book = xlwt.Workbook(encoding="utf-8")
    sheet = book.add_sheet("Activities", cell_overwrite_ok=True)
    day = xlwt.easyxf(num_format_str="DD/MM/YYYY")
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            sheet.write(r, c, value)
    column = rows[0].index
    sheet.write(1, column("start_date"), date(2024, 4, 1), day)
    sheet.write(1, column("end_date"), date(2024, 6, 30), day)
    sheet.write(1, column("participant_count"), 25)
    sheet.write(1, column("funding_gbp"), 1500.5)
    sheet.row(3).hidden = True  # sheet row 4: the third activity
    book.save(tmp_path / "old.xls")
    out = load(con, tmp_path / "old.xls", ref, tmp_path)
    assert counts(out) == (3, 3, 0)
    got = accepted(
        con, out, "activity_id, title, start_date, end_date, participant_count, funding_gbp"
    ).rows()
    assert got[0] == (
        "A001",
        "Community conversation",
        date(2024, 4, 1),
        date(2024, 6, 30),
        25,
        1500.5,
    )
    assert got[1][1] == "Caffi trwsio, Môn"
    assert "row 4 was hidden in your sheet 'Activities': loaded like the other rows" in out.note
    assert "row 4 was hidden in your sheet" in out.feedback["en"].with_suffix(".md").read_text()


def test_2011_lsoa_mapped_when_unambiguous_else_quarantined(con, ref, tmp_path):
    out = load(con, FILES / "lsoa_2011.csv", ref, tmp_path)
    assert counts(out) == (4, 1, 3)
    row = accepted(con, out).row(0, named=True)
    assert row["lsoa_code"] == "W01002008" and row["lsoa_resolved_from"] == "lsoa_code_2011"
    why = reasons(con, out)
    assert "split into several 2021 LSOAs (W01001971, W01001972)" in why[3]
    assert why[4] == (
        "LSOA W01999999 is neither a 2021 nor a 2011 Welsh LSOA code: expected a 2021 code (W01......)"
    )
    assert (
        why[5]
        == "'E01000001' is not a Welsh LSOA code: expected W01 followed by six digits (a 2021 LSOA)"
    )


@pytest.mark.parametrize(
    ("name", "code"),
    [
        ("Cardiff", "W06000015"),
        ("Caerdydd", "W06000015"),
        ("Cardiff Council", "W06000015"),
        ("Cyngor Caerdydd", "W06000015"),
        ("The City of Cardiff Council", "W06000015"),
        ("Ynys Môn", "W06000001"),
        ("Ynys Mon", "W06000001"),
        ("Cyngor Sir Ynys Môn", "W06000001"),
        ("Isle of Anglesey County Council", "W06000001"),
        ("City and County of Swansea", "W06000011"),
        ("Cyngor Dinas a Sir Abertawe", "W06000011"),
        ("Cyngor Sir Penfro", "W06000009"),
        ("Sir Benfro", "W06000009"),
        ("Cyngor Sir Gâr", "W06000010"),
        ("RHONDDA CYNON TAF", "W06000016"),
        ("Rhondda Cynon Taf County Borough Council", "W06000016"),
        ("Cyngor Bwrdeistref Sirol Pen-y-bont ar Ogwr", "W06000013"),
        ("Vale of Glamorgan Council", "W06000014"),
        ("Bro Morgannwg", "W06000014"),
        ("Newport City Council", "W06000022"),
        ("Cyngor Dinas Casnewydd", "W06000022"),
        ("Merthyr Tudful", "W06000024"),
        ("w06 000015", "W06000015"),
    ],
)
def test_local_authority_names_in_english_and_welsh(con, ref, tmp_path, name, code):
    out = load(
        con,
        write_csv(tmp_path / "la.csv", table({"lsoa_code": "", "la_code": name})),
        ref,
        tmp_path,
    )
    assert accepted(con, out)["la_code"].to_list() == [code]


def test_unknown_local_authority_and_mismatch(con, ref, tmp_path):
    out = load(con, FILES / "la_names.csv", ref, tmp_path)
    assert counts(out) == (8, 7, 1)
    assert "unknown local authority 'Gotham'" in reasons(con, out)[9]
    out = load(con, FILES / "la_lsoa_mismatch.csv", ref, tmp_path)
    assert reasons(con, out)[2] == (
        "la_code W06000002 does not match the LSOA W01001767, which is in Cardiff (W06000015): "
        "correct one of them"
    )
    # the Welsh reason names the authority in Welsh
    assert con.execute(
        "select reason_cy from quality.quarantine where submission_sha256 = ? "
        "and rule_name = 'lsoa_code.allowed_pair'",
        [out.sha256],
    ).fetchone() == (
        (
            "nid yw la_code W06000002 yn cyfateb i'r LSOA W01001767, sydd yn ardal Caerdydd "
            "(W06000015): cywirwch un ohonynt"
        ),
    )


def test_dates_and_partial_dates(con, ref, tmp_path):
    values = [
        "01/04/2023",
        "1/4/2023",
        "2023-04-01",
        "45017",
        "01-04-2023",
        "1 April 2023",
        "1af Ebrill 2023",
        "April 2023",
        "Ebrill 2023",
        "2023-04",
        "31/02/2023",
        "2023",
        "01/04/23",
        "next spring",
    ]
    rows = table(*[{"start_date": v, "end_date": ""} for v in values])
    out = load(con, write_csv(tmp_path / "dates.csv", rows), ref, tmp_path)
    assert counts(out) == (14, 10, 4)
    got = accepted(con, out)
    assert set(got["start_date"]) == {date(2023, 4, 1)} and set(got["financial_year"]) == {
        "2023-24"
    }
    assert got["start_date_precision"].to_list() == ["day"] * 7 + ["month"] * 3
    why = reasons(con, out)
    assert "'31/02/2023' is not a date" in why[12]
    assert "a year alone" in why[13] and "two-digit year" in why[14]
    assert "'next spring' is not a date" in why[15]
    assert "nid yw start_date 'next spring' yn ddyddiad" in reasons(con, out, "reason_cy")[15]


def test_a_month_alone_as_end_date_is_its_last_day(con, ref, tmp_path):
    rows = table({"start_date": "April 2023", "end_date": "March 2024"})
    got = accepted(con, load(con, write_csv(tmp_path / "m.csv", rows), ref, tmp_path))
    assert got.row(0, named=True)["end_date"] == date(2024, 3, 31)
    assert got.row(0, named=True)["end_date_precision"] == "month"


def test_amounts_accepted_and_ambiguous_ones_quarantined(con, ref, tmp_path):
    values = [
        "£12,500",
        "12500.50",
        "£1,000,000",
        "12 500",
        "GBP 300",
        "£12,500.00",
        "1200,50",
        "1.200,50",
        "1.200",
        "(300)",
        "-500",
        "£25,000,000",
        "twelve",
        "€500",
    ]
    rows = table(*[{"funding_gbp": v} for v in values])
    out = load(con, write_csv(tmp_path / "amounts.csv", rows), ref, tmp_path)
    assert counts(out) == (14, 6, 8)
    assert accepted(con, out)["funding_gbp"].to_list() == [
        12500.0,
        12500.5,
        1e6,
        12500.0,
        300.0,
        12500.0,
    ]
    why = reasons(con, out)
    assert "'1200,50' has a decimal comma" in why[8]
    assert "'1.200,50' is written the continental way" in why[9]
    assert "'1.200' has more than two decimal places" in why[10]
    assert "'(300)' is in brackets" in why[11]
    assert "funding_gbp -500.0 is out of range" in why[12] and "not negative" in why[12]
    assert "25000000.0 is out of range" in why[13]
    assert "'twelve' is not an amount" in why[14]
    assert "not in pounds sterling" in why[15]
    # never reinterpreted: nothing of row 8 reached raw
    assert (
        con.execute(
            "select count(*) from raw.partnership_activity where funding_gbp in (120050, 1200.5, 1.2005)"
        ).fetchone()[0]
        == 0
    )


def test_not_known_estimates_and_ongoing_are_set_aside_saying_what_to_write(con, ref, tmp_path):
    """'n/a', 'TBC' or 'amherthnasol' in an optional column, 'ongoing' as the end date, '£12k'
    and 'approx 30' are never guessed (to empty, 0, 12000 or 30): each row is set aside and its
    reason, in English and Welsh, says what to write instead. A required column's 'n/a' gets no
    advice to leave it empty."""
    changes = [
        {"funding_gbp": "n/a"},
        {"funding_gbp": "TBC"},
        {"partnership_maturity": "amherthnasol"},
        {"end_date": "Ongoing"},
        {"end_date": "parhaus"},
        {"funding_gbp": "£12k"},
        {"participant_count": "approx 30"},
        {"participant_count": "20-30"},
        {"wellbeing_goals": "n/a"},
        {"sectors": "N/A"},
        {"partnership_maturity": "n/a"},
    ]
    out = load(con, write_csv(tmp_path / "words.csv", table(*changes)), ref, tmp_path)
    assert counts(out) == (11, 0, 11)
    why, why_cy = reasons(con, out), reasons(con, out, "reason_cy")
    empty = "; if it is not known or does not apply, leave the cell empty"
    assert why[2] == (
        f"funding_gbp 'n/a' is not an amount: expected pounds, e.g. 12500 or £12,500.50{empty}"
    )
    assert why[3].endswith(empty) and why[4].endswith(empty)
    assert why_cy[4].endswith(
        "; os nad yw'n hysbys neu os nad yw'n berthnasol, gadewch y gell yn wag"
    )
    running = "; an activity that is still running has no end date yet: leave end_date empty"
    assert why[5].startswith("end_date 'Ongoing' is not a date") and why[5].endswith(running)
    assert why_cy[6].endswith("gadewch end_date yn wag")
    assert why[7] == (
        "funding_gbp '£12k' uses k or m for thousands or millions: write the amount in full, "
        "e.g. 12000"
    )
    assert why[8].endswith("; write one whole number (your best estimate is fine), e.g. 30")
    assert why[9].endswith("e.g. 30") and why_cy[9].endswith("e.e. 30")
    # a list column keeps 'n/a' whole (not split at its '/' as 'public / voluntary' is), and a
    # code column does not turn it into 'n_a': the reason names the value as sent; the required
    # wellbeing_goals and sectors get no advice to leave them empty
    assert why[10].startswith("wellbeing_goals holds 'n/a': expected a ';'-separated list")
    assert why[11].startswith("sectors holds 'N/A'") and why_cy[11].startswith("mae sectors yn ")
    assert "leave" not in why[10] + why[11]
    assert why[12].startswith("unknown partnership_maturity 'n/a'") and why[12].endswith(empty)


def test_end_date_before_start_date(con, ref, tmp_path):
    out = load(con, FILES / "end_before_start.csv", ref, tmp_path)
    assert counts(out) == (2, 1, 1)
    assert "end_date 2023-05-01 is before start_date 2023-06-01" in reasons(con, out)[2]


def test_codes_labels_and_the_category_of_a_type(con, ref, tmp_path):
    out = load(con, FILES / "unknown_category.csv", ref, tmp_path)
    assert counts(out) == (4, 2, 2)
    why = reasons(con, out)
    assert "unknown action_category 'community development'" in why[2]
    assert (
        "'listening_exercise' belongs to action_category shared_purpose, not governance" in why[4]
    )
    assert accepted(con, out)["activity_type"].to_list() == [
        "engagement_event",
        "community_wealth_building",
    ]


def test_codes_are_read_from_their_english_or_welsh_labels(con, ref, tmp_path):
    """The labels of the contract's valueLabels (the dashboard's 'Pwrpas cyffredin', the
    template's old gloss 'pwrpas a rennir', refused in the trial's file E) load as their codes;
    a label no code has is still refused with its reason."""
    rows = table(
        {
            "action_category": "Pwrpas cyffredin",
            "activity_type": "Ymarfer gwrando",
            "sectors": "Sector cyhoeddus; Trydydd sector",
            "partnership_maturity": "Yn dod i'r amlwg",
        },
        {
            "action_category": "LLYWODRAETHU",
            "activity_type": "Rol gyswllt",
            "sectors": "Cymuned",
            "partnership_maturity": "Wedi ymsefydlu",
        },
        {"action_category": "pwrpas a rennir", "activity_type": "Digwyddiad ymgysylltu"},
        {"action_category": "Mecanwaith ariannol", "activity_type": "Cyllid cymysg"},
        {"action_category": "Shared purpose", "activity_type": "Listening exercise"},
        {"action_category": "Pwrpas arbennig"},
    )
    out = load(con, write_csv(tmp_path / "labels.csv", rows), ref, tmp_path)
    assert counts(out) == (6, 5, 1)
    got = accepted(con, out, "action_category, activity_type, sectors, partnership_maturity")
    assert got.rows() == [
        ("shared_purpose", "listening_exercise", "public;third_sector", "emerging"),
        ("governance", "liaison_role", "community", "established"),
        ("shared_purpose", "engagement_event", "community;public", "developing"),
        ("financial_mechanism", "mixed_funding", "community;public", "developing"),
        ("shared_purpose", "listening_exercise", "community;public", "developing"),
    ]
    assert reasons(con, out)[7].startswith("unknown action_category 'Pwrpas arbennig': expected")


def test_lists_are_normalised_sorted_and_checked(con, ref, tmp_path):
    """Items coded, aliased, de-duplicated and sorted, in English or in Welsh (the goals' Welsh
    names as reference.wellbeing_goals gives them, with or without accents)."""
    rows = table(
        {"sectors": "Third sector, Public; public", "wellbeing_goals": "A healthier Wales"},
        {"sectors": "public; aliens"},
        {
            "sectors": "cyhoeddus; trydydd sector; Cymunedol",
            "wellbeing_goals": "Cymru iachach; Cymru o gymunedau cydlynus",
        },
        {
            "sectors": "Sector preifat",
            "wellbeing_goals": "Cymru â diwylliant bywiog lle mae'r Gymraeg yn ffynnu; Cymru a "
            "diwylliant bywiog lle mae'r Gymraeg yn ffynnu; Cymru sy'n fwy cyfartal",
        },
    )
    out = load(con, write_csv(tmp_path / "lists.csv", rows), ref, tmp_path)
    assert counts(out) == (4, 3, 1)
    got = accepted(con, out, "sectors, wellbeing_goals").rows()
    assert got == [
        ("public;third_sector", "healthier"),
        ("community;public;third_sector", "cohesive_communities;healthier"),
        ("private", "more_equal;vibrant_culture_welsh_language"),
    ]
    assert "sectors holds 'aliens'" in reasons(con, out)[3]


def test_coordinates_outside_the_wales_box(con, ref, tmp_path):
    out = load(con, FILES / "coordinates.csv", ref, tmp_path)
    why = reasons(con, out)
    assert "latitude 48.8566 is outside Wales" in why[3]  # Paris
    assert "check latitude and longitude are not swapped" in why[4]
    assert "longitude -2.5879 is outside Wales" in why[5]  # Bristol
    assert "both latitude and longitude" in why[6]
    assert "could not be determined" in why[2]  # no boundaries: a point alone cannot be placed


def test_coordinates_placed_in_an_lsoa_with_boundaries(con, ref_with_boundaries, tmp_path):
    out = load(con, FILES / "coordinates.csv", ref_with_boundaries, tmp_path)
    assert counts(out) == (5, 1, 4)
    row = accepted(con, out).row(0, named=True)
    assert row["la_code"] == "W06000015" and row["lsoa_resolved_from"] == "coordinates"
    assert row["lsoa_code"] == "W01002019"  # central Cardiff (geopandas gives the same LSOA)


def test_postcode_instead_of_lsoa(con, ref, tmp_path):
    out = load(con, FILES / "postcodes.csv", ref, tmp_path)
    assert counts(out) == (4, 2, 2)
    rows = accepted(con, out)
    assert rows["lsoa_code"].to_list() == ["W01001173", "W01000122"]
    assert rows["postcode"].to_list() == ["CF39 9EA", "LL22 8SS"]
    why = reasons(con, out)
    assert "not in the WIMD postcode lookup" in why[4] and "is not a UK postcode" in why[5]


def test_a_postcode_in_another_local_authority_than_the_lsoa_is_quarantined(con, ref, tmp_path):
    """A postcode given beside an LSOA code must be in the LSOA's local authority (the tester's
    p23 row 13: W01001694 in Cardiff with LL55 1AB in Gwynedd). Compared by local authority, as
    la_code is: a postcode in a neighbouring LSOA of the same authority loads, and so does a
    postcode of a 2011 LSOA split into several 2021 LSOAs given with either of them."""
    rows = table(
        {"lsoa_code": "W01001694", "postcode": "LL55 1AB"},
        {"lsoa_code": "W01001694", "la_code": "Cardiff", "postcode": "ll551ab"},
        {"lsoa_code": "W01001694", "la_code": "Cardiff", "postcode": "CF10 1EP"},  # Cathays
        {"lsoa_code": "W01001694", "postcode": "CF24 0AJ"},  # in the LSOA itself
        {"lsoa_code": "W01001971", "postcode": "LL11 3PU"},  # 2011 W01000383, split in two
        {"lsoa_code": "W01001972", "postcode": "LL11 3PU"},
        {"lsoa_code": "", "postcode": "LL55 1AB"},  # no LSOA given: placed by the postcode
    )
    out = load(con, write_csv(tmp_path / "postcode_lsoa.csv", rows), ref, tmp_path)
    assert counts(out) == (7, 5, 2)
    loaded = accepted(con, out, "source_row_number, lsoa_code, la_code, postcode").rows()
    assert loaded == [
        (4, "W01001694", "W06000015", "CF10 1EP"),
        (5, "W01001694", "W06000015", "CF24 0AJ"),
        (6, "W01001971", "W06000006", "LL11 3PU"),
        (7, "W01001972", "W06000006", "LL11 3PU"),
        (8, "W01000111", "W06000002", "LL55 1AB"),
    ]
    english = (
        "postcode LL55 1AB is in Gwynedd (W06000002), but the LSOA W01001694 is in Cardiff "
        "(W06000015): they cannot both be where the activity took place; correct the postcode "
        "or the lsoa_code"
    )
    welsh = (
        "mae'r cod post LL55 1AB yn awdurdod lleol Gwynedd (W06000002), ond mae'r LSOA W01001694 "
        "yn awdurdod lleol Caerdydd (W06000015): ni all y ddau fod yn lle y cynhaliwyd y "
        "gweithgaredd; cywirwch y cod post neu'r lsoa_code"
    )
    assert reasons(con, out) == {2: english, 3: english}
    assert reasons(con, out, "reason_cy") == {2: welsh, 3: welsh}
    rule = con.execute(
        "select distinct rule_name, column_name, value from quality.quarantine "
        "where source_row_number = 2"
    ).fetchall()
    assert rule == [
        ("postcode_in_the_lsoa_local_authority", "postcode/lsoa_code", "LL55 1AB, W01001694")
    ]


def test_personal_data_never_reaches_any_table(con, ref, tmp_path):
    out = load(con, FILES / "personal_data.csv", ref, tmp_path)
    assert counts(out)[1:] == (1, 1)
    assert "contact_email" not in con.execute("select * from raw.partnership_activity").pl().columns
    row = accepted(con, out).row(0, named=True)
    assert row["description"] == "Contact [removed] or [removed]; meet at [removed]."
    secrets = ["jane.jones", "bob@example", "07700", "2087 1234", "CF10 1EP"]
    for name in ingest.TABLES:
        text = con.execute(f"select * from {name}").pl().write_csv()
        for secret in secrets:
            assert secret not in text, f"{secret!r} found in {name}"
    feedback = "".join(p.read_text() for p in (tmp_path / "feedback").rglob("*") if p.is_file())
    assert not any(secret in feedback for secret in secrets)
    row_json = json.loads(con.execute("select row_json from quality.quarantine").fetchone()[0])
    assert (
        row_json["contact_email"] == "[removed]"
        and row_json["title"] == "Call [removed] for places"
    )


def test_a_row_set_aside_for_its_quote_mark_keeps_its_activity_id_in_quarantine(con, ref, tmp_path):
    """A title opening a quote that is never closed: the row is quarantined with the partner
    and activity_id it was sent with, and a later row of the same id is not called a duplicate
    of a row whose values could not be read."""
    rows = table({"title": '"Tea and chat'}, {}, {"activity_id": "A001"})
    lines = [",".join(r) for r in rows]
    (tmp_path / "quote.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    out = load(con, tmp_path / "quote.csv", ref, tmp_path)
    assert counts(out) == (3, 2, 1)
    got = quarantined(con, out, "source_row_number, partner_organisation, activity_id, rule_name")
    assert got == [(2, "Test Partnership", "A001", "file.row_shape")]
    assert accepted(con, out, "source_row_number, activity_id").rows() == [(3, "A002"), (4, "A001")]


def test_quarantine_shows_a_value_as_the_contract_redaction_says(con, ref, tmp_path):
    """The contract's ``redaction`` decides what a rejected value looks like in quarantine: the
    venue postcode (as_sent) is shown as sent; a phone number sent in another column
    (participant_count) has it replaced, as in free text."""
    rows = table({"lsoa_code": "", "postcode": "CF10 9ZZ"}, {"participant_count": "07700 900123"})
    out = load(con, write_csv(tmp_path / "redaction.csv", rows), ref, tmp_path)
    assert counts(out) == (2, 0, 2)
    shown = dict(quarantined(con, out, "column_name, value"))
    assert shown == {"postcode": "CF10 9ZZ", "participant_count": "[removed]"}


SECRETS = ("jane@", "jane_example", "example.org", "2087 1234", "2087_1234", "900123")


@pytest.mark.parametrize("suffix", [".csv", ".xlsx", ".ods", ".parquet"])
def test_contact_details_anywhere_in_a_file_reach_no_table_and_no_report(
    con, ref, tmp_path, suffix
):
    """The red-team trial's file A: an e-mail and a phone number in a note under the data were
    stored in quality.quarantine.activity_id and echoed in both feedback reports. An e-mail
    address or a UK phone number sent in a note, the activity_id, partner_organisation, free
    text, a coded column or a number is replaced by '[removed]' in every table and report
    (pa_redact); a row whose activity_id or partner holds one is set aside saying so; the
    venue postcode is still shown as sent."""
    rows = table(
        {"activity_id": "A001 jane@example.org"},
        {"partner_organisation": "Test Partnership 029 2087 1234"},
        {"title": "Call 07700 900123", "description": "or jane@example.org"},
        {"sectors": "public; jane@example.org", "wellbeing_goals": "healthier; 029 2087 1234"},
        {"participant_count": "07700 900123", "action_category": "jane@example.org"},
        {"activity_id": "A001 jane@example.org", "la_code": "029 2087 1234"},
        {"lsoa_code": "", "postcode": "CF10 9ZZ", "start_date": "jane@example.org"},
    )
    rows.append(
        _only(rows[0], "activity_id", "Contact: Jane Jones, jane@example.org, 029 2087 1234")
    )
    rows[0].append("Ask jane@example.org")  # a column not in the contract: named in the notes
    rows[1:] = [[*r, "029 2087 1234"] for r in rows[1:]]
    out = load(con, _submission(tmp_path / f"contacts{suffix}", rows), ref, tmp_path)
    assert counts(out) == (8, 1, 7)
    up = 1 if suffix == ".parquet" else 0  # a Parquet file has no header row to count
    for name in ingest.TABLES:
        text = con.execute(f"select * from {name}").pl().write_csv()
        assert not [s for s in SECRETS if s in text], f"contact details in {name}"
    for path in (tmp_path / "feedback").rglob("*"):
        if path.is_file():
            text = path.read_text(encoding="utf-8-sig")
            assert not [s for s in SECRETS if s in text], f"contact details in {path.name}"
    assert accepted(con, out, "title, description").rows() == [("Call [removed]", "or [removed]")]
    got = quarantined(con, out, "source_row_number, partner_organisation, activity_id, rule_name")
    assert (2 - up, "Test Partnership", "A001 [removed]", "activity_id.normalise") in got
    assert (3 - up, "Test Partnership [removed]", "A002", "partner_organisation.normalise") in got
    assert (9 - up, None, None, "file.note_row") in got
    assert reasons(con, out)[2 - up].startswith(
        "activity_id 'A001 [removed]' holds an e-mail address, phone number or postcode"
    )
    assert reasons(con, out, "reason_cy")[3 - up].startswith(
        "mae partner_organisation 'Test Partnership [removed]' yn cynnwys cyfeiriad e-bost"
    )
    assert "sectors holds '[removed]'" in reasons(con, out)[5 - up]  # not 'jane_example_org'
    assert "unknown action_category '[removed]'" in reasons(con, out)[6 - up]
    assert "columns not in the contract, not loaded: Ask [removed]" in out.note
    shown = dict(quarantined(con, out, "column_name, value"))
    assert shown["postcode"] == "CF10 9ZZ" and shown["participant_count"] == "[removed]"


def test_rejection_message_carries_no_contact_details(con, ref, tmp_path):
    path = tmp_path / "contacts_no_header.csv"
    path.write_text("Name,Email,What\nJo,jo@example.org,meeting\nAl,07700 900123,event\n")
    out = load(con, path, ref, tmp_path)
    assert out.status == "rejected" and "header" in out.error
    assert "jo@example.org" not in out.error and "07700 900123" not in out.error


# --- idempotency, corrections, the feedback report ---------------------------------------------


def test_same_file_twice_changes_nothing(con, ref, tmp_path):
    first = load(con, FILES / "amounts.csv", ref, tmp_path)
    before = [con.execute(f"select count(*) from {t}").fetchone()[0] for t in ingest.TABLES]
    again = ingest.load_submission(con, FILES / "amounts.csv", ref, tmp_path / "archive")
    assert again.skipped and again.sha256 == first.sha256
    assert [con.execute(f"select count(*) from {t}").fetchone()[0] for t in ingest.TABLES] == before


def test_the_same_content_under_another_name_is_a_duplicate_that_loads_nothing(con, ref, tmp_path):
    """A partner re-sends amounts.csv as it was, under a new name: one duplicate row with no
    rows, no row loaded or quarantined twice, a report in English and Welsh naming the earlier
    file; every later run sees both files again and adds nothing."""
    first = load(con, FILES / "amounts.csv", ref, tmp_path)
    tables = ("raw.partnership_activity", "quality.quarantine")
    before = [con.execute(f"select count(*) from {t}").fetchone()[0] for t in tables]
    resent = tmp_path / "amounts (sent again).csv"
    resent.write_bytes((FILES / "amounts.csv").read_bytes())
    copy = load(con, resent, ref, tmp_path)
    assert (copy.status, copy.duplicate_of, copy.sha256) == (
        "duplicate",
        "amounts.csv",
        first.sha256,
    )
    assert [con.execute(f"select count(*) from {t}").fetchone()[0] for t in tables] == before
    logged = con.execute(
        "select submission_file, status, rows_submitted, rows_accepted, rows_quarantined, "
        "rows_superseding, file_format, note, received_at from quality.submissions "
        "order by received_at"
    ).fetchall()
    received = logged[0][8].astimezone(UTC).strftime("%Y-%m-%d %H:%M")
    assert [r[:7] for r in logged] == [
        ("amounts.csv", "loaded_with_quarantine", 8, 4, 4, 0, "csv"),
        ("amounts (sent again).csv", "duplicate", 0, 0, 0, 0, "csv"),
    ]
    assert logged[1][7] == (
        f"identical to amounts.csv, received {received} UTC: nothing loaded again "
        "(its rows are those loaded or set aside from that file)"
    )
    en = copy.feedback["en"].read_text()
    cy = copy.feedback["cy"].with_suffix(".md").read_text()
    assert (
        f"The content of this file is identical to amounts.csv, received {received} (UTC). "
        "Nothing was loaded again: its rows are already in" in en
    )
    assert "send a changed file" in en and "Rows received" not in en
    assert "twelve" not in en  # the rows set aside are listed in the earlier file's report
    assert (
        f"Mae cynnwys y ffeil hon yn union yr un fath â amounts.csv, a dderbyniwyd {received} "
        "(UTC). Ni lwythwyd dim eilwaith: mae ei rhesi i mewn yn barod" in cy
    )
    assert "anfonwch ffeil wedi'i newid" in cy
    assert (copy.feedback["en"].parent / "rejected_rows.csv").read_text().count("\n") == 1
    # the first file's report is its own still
    assert "Rows received</th><td>8" in first.feedback["en"].read_text()
    reports = con.execute(
        "select feedback_report_en from quality.submissions order by received_at"
    ).fetchall()
    assert [r[0] for r in reports] == [str(first.feedback["en"]), str(copy.feedback["en"])]
    # the next run: both files are still in the inbox, nothing is recorded again
    counts = [con.execute(f"select count(*) from {t}").fetchone()[0] for t in ingest.TABLES]
    for path in (FILES / "amounts.csv", resent):
        assert ingest.load_submission(con, path, ref, tmp_path / "archive").skipped
    assert [con.execute(f"select count(*) from {t}").fetchone()[0] for t in ingest.TABLES] == counts


def test_corrected_file_replaces_rows_and_resolves_quarantine(con, ref, tmp_path):
    first = load(con, FILES / "amounts.csv", ref, tmp_path)
    corrected = read_csv_strings(FILES / "amounts.csv").with_columns(
        pl.when(pl.col("activity_id") == "A005")
        .then(pl.lit("500"))
        .otherwise(pl.col("funding_gbp"))
        .alias("funding_gbp")
    )
    path = tmp_path / "amounts_v2.csv"
    corrected.write_csv(path)
    second = load(con, path, ref, tmp_path)
    assert (second.rows_accepted, second.rows_quarantined, second.rows_superseding) == (5, 3, 4)
    current = con.execute(
        "select activity_id, supersedes_note from raw.partnership_activity where is_current "
        "order by activity_id"
    ).fetchall()
    assert [r[0] for r in current] == ["A001", "A002", "A003", "A004", "A005"]
    assert current[0][1].startswith("replaces the row from amounts.csv") and current[4][1] is None
    resolved = con.execute(
        "select activity_id, is_resolved, resolved_by_sha256 from quality.quarantine "
        "where submission_sha256 = ? order by 1",
        [first.sha256],
    ).fetchall()
    assert resolved[0] == ("A005", True, second.sha256)
    assert all(not r[1] for r in resolved[1:])


def test_feedback_report_in_english_and_welsh(con, ref, tmp_path):
    out = load(con, FILES / "amounts.csv", ref, tmp_path)
    en, cy = out.feedback["en"], out.feedback["cy"]
    assert en.exists() and cy.exists() and en.with_suffix(".md").exists()
    html_en, md_cy = en.read_text(), cy.with_suffix(".md").read_text()
    assert "Rows received</th><td>8" in html_en and "Rows loaded</th><td>4" in html_en
    assert "<td>9</td><td>A008</td><td>funding_gbp</td><td>twelve</td>" in html_en
    assert "is not an amount" in html_en
    assert "| Rhesi a dderbyniwyd | 8 |" in md_cy and "nid yw funding_gbp 'twelve' yn swm" in md_cy
    assert con.execute(
        "select feedback_report_en, feedback_report_cy from quality.submissions"
    ).fetchone() == (str(en), str(cy))
    assert (en.parent / "rejected_rows.csv").read_text().count("\n") == 5


def test_feedback_for_a_rejected_file(con, ref, tmp_path):
    out = load(con, FILES / "wrong_columns.csv", ref, tmp_path)
    assert "no header row found" in out.feedback["en"].read_text()
    assert "ni chanfuwyd rhes benawdau" in out.feedback["cy"].read_text()


# --- the two CSV readers agree -----------------------------------------------------------------


def test_duckdb_and_python_csv_readers_give_the_same_rows(con, ref, tmp_path, monkeypatch):
    rows = table(*[{"funding_gbp": str(i), "title": f"Event {i}, with a comma"} for i in range(50)])
    rows[10][HEADER.index("description")] = "two\nlines"
    path = write_csv(tmp_path / "same.csv", rows)
    monkeypatch.setattr(reading, "FAST_CSV_BYTES", 0)
    fast = reading.read(path)
    slow = reading.read(path, prefer_fast=False)
    assert fast.fast and not slow.fast
    cols = ", ".join(f'"{c}"' for c in fast.columns)
    a = con.execute(f"select {cols} from {fast.relation}").fetchall()
    b = con.execute(f"select {cols} from {slow.relation}").fetchall()
    assert a == b and len(a) == 50


def test_duckdb_reader_falls_back_on_a_ragged_row(con, ref, tmp_path, monkeypatch):
    rows = table({}, {}, {})
    rows[2] = rows[2] + ["extra"]
    path = write_csv(tmp_path / "ragged.csv", rows)
    monkeypatch.setattr(reading, "FAST_CSV_BYTES", 0)
    out = load(con, path, ref, tmp_path)
    assert counts(out) == (3, 2, 1)
    assert reasons(con, out)[3].startswith("row 3 has 19 fields, the header has 18")
    assert "read again row by row" in out.note


def test_a_hostile_file_is_reported_safely_as_the_partner_headed_it(con, ref, tmp_path):
    """End to end, a file a partner might send (a renamed header, pasted HTML and a formula):
    every value is text in the HTML reports, the formula is shown not run in rejected_rows.csv
    (which has a byte-order mark and each row's activity_id), columns are named as the partner
    headed them, and the Welsh report says the unit in Welsh."""
    header = ["Local authority" if h == "la_code" else h for h in HEADER]
    path = write_csv(
        tmp_path / "cwmpas.csv",
        table(
            {"funding_gbp": "<script>alert('x')</script>"},
            {"funding_gbp": '=HYPERLINK("http://example.com","x")'},
            {"participant_count": "-3"},
            {"lsoa_code": "", "Local authority": "Gotham"},
            header=header,
        ),
    )
    out = load(con, path, ref, tmp_path)
    assert counts(out) == (4, 0, 4)
    sent = con.execute("select column_names_sent from quality.submissions").fetchone()[0]
    assert json.loads(sent) == {"la_code": "Local authority"}
    html_en, html_cy = out.feedback["en"].read_text(), out.feedback["cy"].read_text()
    for html in (html_en, html_cy):
        assert "<script" not in html and "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in html
    assert "<td>5</td><td>A004</td><td>Local authority (la_code)</td><td>Gotham</td>" in html_en
    assert "disgwylir rhwng 0 a 1000000 o bobl" in html_cy and " people" not in html_cy
    raw = (out.feedback["en"].parent / "rejected_rows.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"))))
    assert [(r["row"], r["activity_id"], r["value"]) for r in rows] == [
        ("2", "A001", "<script>alert('x')</script>"),
        ("3", "A002", '\'=HYPERLINK("http://example.com","x")'),
        ("4", "A003", "-3"),
        ("5", "A004", "Gotham"),
    ]
    assert rows[3]["column"] == "Local authority (la_code)"
