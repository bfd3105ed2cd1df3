"""The partner's feedback report and rejected_rows.csv, written from rows of quality.submissions
and quality.quarantine (the rows a load would write; loading real files:
tests/integration/test_partnership_ingest.py)."""

import csv
import json
import re
from datetime import UTC, datetime

import duckdb
import pytest

from pipelines.partnership_activity import feedback, ingest

SCRIPT = "<script>alert('x')</script>"
IMG = "<img src=x onerror=alert(1)>"
FORMULA = '=HYPERLINK("http://example.com","x")'
AT = datetime(2026, 12, 2, 9, 30, tzinfo=UTC)


def _problem(row, column, value, reason, reason_cy, rule, activity_id="A1"):
    return {
        "source_row_number": row,
        "activity_id": activity_id,
        "column_name": column,
        "value": value,
        "reason": reason,
        "reason_cy": reason_cy,
        "rule_name": rule,
    }


def _write(tmp_path, problems, file_name="cwmpas.csv", note=None):
    """One submission and its quarantined problems, inserted as a load would; its reports."""
    con = duckdb.connect(str(tmp_path / "warehouse.duckdb"))
    ingest.ensure_tables(con)
    sha = "ab" * 32
    submission = {
        "submission_file": file_name,
        "submission_sha256": sha,
        "archived_path": "archive/x",
        "received_at": AT,
        "file_format": "csv",
        "rows_submitted": 3,
        "rows_accepted": 1,
        "rows_quarantined": 2,
        "rows_superseding": 0,
        "status": "loaded_with_quarantine",
        "note": note,
        "is_example_data": False,
    }
    names = ", ".join(f"? as {k}" for k in submission)
    con.execute(
        f"insert into quality.submissions by name select {names}", list(submission.values())
    )
    for p in problems:
        values = {
            "submission_file": file_name,
            "submission_sha256": sha,
            "partner_organisation": "Cwmpas",
            "row_json": "{}",
            "quarantined_at": AT,
            "is_resolved": False,
            **p,
        }
        names = ", ".join(f"? as {k}" for k in values)
        con.execute(f"insert into quality.quarantine by name select {names}", list(values.values()))
    out = feedback.write_reports(con, sha, tmp_path / "feedback", file_name)
    return con, out


def _hostile(tmp_path):
    return _write(
        tmp_path,
        [
            _problem(
                2,
                "funding_gbp",
                SCRIPT,
                f"funding_gbp '{SCRIPT}' is not an amount",
                f"nid yw funding_gbp '{SCRIPT}' yn swm",
                "funding_gbp.normalise",
            ),
            _problem(
                3,
                "title",
                IMG,
                f"title '{IMG}' is too long",
                f"mae title '{IMG}' yn rhy hir",
                "title.length",
                activity_id=IMG,
            ),
        ],
        file_name="<b>cwmpas</b>.csv",
        note=f"columns not in the contract, not loaded: {SCRIPT}",
    )


@pytest.mark.parametrize("lang", ["en", "cy"])
def test_every_value_a_partner_sent_is_escaped_in_the_html_reports(tmp_path, lang):
    """A partner's value, file name and ignored header are text in the report a council sends
    on, never live HTML."""
    _, out = _hostile(tmp_path)
    html = out[lang].read_text()
    assert "<script" not in html and "<img" not in html and "<b>" not in html
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html
    assert "&lt;b&gt;cwmpas&lt;/b&gt;.csv" in html
    assert html.count("<table") == 2  # the template's own markup is kept


@pytest.mark.parametrize("lang", ["en", "cy"])
def test_every_value_a_partner_sent_is_text_in_the_markdown_reports(tmp_path, lang):
    """A Markdown viewer renders raw HTML: a partner's '<' is backslash-escaped, '|' too."""
    _, out = _hostile(tmp_path)
    md = out[lang].with_suffix(".md").read_text()
    assert re.search(r"(?<!\\)<", md) is None  # every '<' is escaped
    assert "\\<script>alert('x')\\</script>" in md
    assert "| \\<b>cwmpas\\</b>.csv |" in md


def test_a_partner_value_in_a_failed_check_is_text_in_the_quality_report(tmp_path):
    """The quality report shows samples of failing values, which can be a partner's titles."""
    import json

    from pipelines.quality.report import render_report
    from pipelines.quality.validate import RESULTS_DDL

    con = duckdb.connect()
    con.execute("create schema quality")
    con.execute(RESULTS_DDL)
    con.execute(
        "insert into quality.check_results values ('r1', ?, 'c', 'partnership_activity.yaml', "
        "'raw.partnership_activity', 'contract', 'title.length', 'sql', 'title', 'error', false, "
        "?, 1, ?, ?)",
        [AT, json.dumps(SCRIPT), json.dumps([IMG]), SCRIPT],
    )
    html = render_report(con, tmp_path).read_text()
    assert "<script" not in html and "<img" not in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html


def test_rejected_rows_csv_is_written_like_the_exports_for_excel(tmp_path):
    """rejected_rows.csv opens in Excel as the partner sent it: a byte-order mark (so 'ar ôl'
    and '£' are not 'ar Ã´l' and 'Â£'), and a formula shown, not run (the reason quoting it
    starts with a letter and is left alone); a negative number stays a number."""
    con, out = _write(
        tmp_path,
        [
            _problem(
                9,
                "funding_gbp",
                FORMULA,
                f"funding_gbp '{FORMULA}' is not an amount: expected pounds, e.g. £12,500.50",
                f"nid yw funding_gbp '{FORMULA}' yn swm ar ôl",
                "funding_gbp.normalise",
            ),
            _problem(11, "participant_count", "-3", "out of range", "y tu allan", "x.range"),
        ],
    )
    raw = (out["en"].parent / "rejected_rows.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(raw.decode("utf-8-sig").splitlines()))
    assert [r["value"] for r in rows] == ["'" + FORMULA, "-3"]
    assert rows[0]["reason"].endswith("e.g. £12,500.50") and "ar ôl" in rows[0]["reason_cy"]
    # the warehouse keeps the value as sent
    assert con.execute("select value from quality.quarantine order by 1").fetchall() == [
        ("-3",),
        (FORMULA,),
    ]


def test_each_problem_names_the_activity_id_and_a_row_shape_problem_shows_the_row_sent(tmp_path):
    """A partner finds the row by its row number or its activity_id; a row that could not be
    split into columns shows the row as sent (from row_json), whole in rejected_rows.csv."""
    shape = _problem(
        3,
        "(row)",
        None,
        "row 3 has 17 fields, the header has 16",
        "mae gan res 3 17 maes, mae gan y rhes benawdau 16",
        "file.row_shape",
        activity_id="FLI-002",
    )
    sent = "FLI-002,Flintshire LVC,Tea, cake and chat," + "x" * 400
    shape["row_json"] = json.dumps({"row_as_sent": sent + "\r\n"})
    # a rule about the normalised value (none: no place found) shows what the partner sent
    unplaced = _problem(
        5, "la_code", None, "could not be determined", "dim modd", "la_code.required"
    )
    unplaced["row_json"] = json.dumps({"la_code": "Gotham", "title": "Walk"})
    _, out = _write(
        tmp_path,
        [
            shape,
            _problem(4, "funding_gbp", "lots", "not an amount", "dim swm", "f.normalise"),
            unplaced,
        ],
    )
    rows = list(csv.DictReader((out["en"].parent / "rejected_rows.csv").open(encoding="utf-8-sig")))
    assert [(r["row"], r["activity_id"], r["value"]) for r in rows] == [
        ("3", "FLI-002", sent),
        ("4", "A1", "lots"),
        ("5", "A1", "Gotham"),
    ]
    md = out["en"].with_suffix(".md").read_text()
    assert "| Row | Activity (activity_id) | Column | Value sent | What to correct |" in md
    assert f"| 3 | FLI-002 | (row) | {sent[:300]} … | row 3 has 17 fields" in md
    assert "| 4 | A1 | funding_gbp | lots | not an amount |" in md
    html = out["cy"].read_text()
    assert '<th scope="col">Gweithgaredd (activity_id)</th>' in html
    assert "<td>3</td><td>FLI-002</td>" in html


# English words that never belong in a Welsh sentence ('a', 'i', 'yn' are Welsh too)
ENGLISH = {"people", "in", "is", "not", "the", "and", "of", "expected", "between", "row"}
ENGLISH |= {"rows", "column", "columns", "file", "or", "which", "must", "value", "values"}
ENGLISH |= {"least", "most", "from", "with", "sheet", "read", "as", "to", "an", "outside"}


def _english_in(welsh: str) -> set[str]:
    """English words in Welsh text, leaving out column names (snake_case) and codes."""
    return set(re.findall(r"(?<![\w.'])[A-Za-z]+(?![\w'])", welsh)) & ENGLISH


def test_welsh_reasons_and_report_text_have_no_english_words():
    """Every Welsh reason a rule of the partner contract gives (its literal text), and the Welsh
    report's own text, is Welsh: 'rhwng 0 a 1000000 o bobl', not '... people'."""
    from pipelines.partnership_activity.ingest import row_rules

    found = {}
    for rule in row_rules():
        for text in re.findall(r"'((?:[^']|'')*)'", rule.reason_cy or ""):
            if _english_in(text.replace("''", "'")):
                found[rule.name] = text
        # a Welsh reason names a place by its Welsh name, never the English-name column
        assert not re.search(r't\."\w*_name(_en)?"', rule.reason_cy or ""), rule.name
    for key, text in feedback.TEXT["cy"].items():
        for one in text.values() if isinstance(text, dict) else [text]:
            if _english_in(one):
                found[key] = one
    assert found == {}


@pytest.mark.parametrize(
    ("note", "welsh"),
    [
        (
            "columns not in the contract, not loaded: Officer notes, RAG",
            "colofnau nad ydynt yn y contract, heb eu llwytho: Officer notes, RAG",
        ),
        ("decoded as cp1252", "amgodiad y testun: cp1252"),
        ("values separated by semicolon", "gwahanydd y gwerthoedd: hanner colon"),
        (
            "the file is an Excel workbook (.xlsx) although its name ends in .csv: read as xlsx",
            (
                "mae'r ffeil yn llyfr gwaith Excel (.xlsx) er bod ei henw yn gorffen â .csv: "
                "darllenwyd fel xlsx"
            ),
        ),
        (
            (
                "DuckDB's CSV reader set aside 4 row(s) (ragged or badly quoted): the file was read "
                "again row by row"
            ),
            (
                "neilltuodd darllenydd CSV DuckDB 4 rhes (anwastad neu â dyfynodau anghywir): "
                "darllenwyd y ffeil eto fesul rhes"
            ),
        ),
        ("a note nobody translated", "a note nobody translated (yn Saesneg)"),
    ],
)
def test_the_loaders_notes_are_said_in_welsh_in_the_welsh_report(note, welsh):
    assert feedback.note_in("cy", note) == welsh
    assert feedback.note_in("en", note) == note
    if not welsh.endswith("(yn Saesneg)"):
        assert _english_in(welsh.split(": ")[0]) == set()


def test_the_loaders_own_notes_are_the_forms_the_welsh_report_knows(tmp_path):
    """The notes ingest._note writes (ignored columns, encoding, separator) match NOTES_CY, so
    a change of wording there cannot silently leave the Welsh report in English."""
    from pipelines.partnership_activity import reading

    (tmp_path / "q1.csv").write_bytes(
        "partner_organisation;activity_id;RAG;title\nCyngor;A1;green;Taith ar ôl\n".encode("cp1252")
    )
    notes = ingest._note(reading.read(tmp_path / "q1.csv")).split("; ")
    assert len(notes) == 3
    assert all(not feedback.note_in("cy", n).endswith("(yn Saesneg)") for n in notes), notes


def test_columns_are_named_as_the_partner_headed_them_and_row_problems_in_welsh(tmp_path):
    """A problem in a column the partner headed 'Local authority' names it 'Local authority
    (la_code)' in the Column and in the reason (report and rejected_rows.csv), as the header
    messages do; '(row)' is '(rhes)' in Welsh; the notes are in Welsh."""
    con, out = _write(
        tmp_path,
        [
            _problem(
                2,
                "la_code",
                "Gotham",
                "unknown local authority 'Gotham': give la_code or lsoa_code",
                "awdurdod lleol anhysbys 'Gotham': rhowch la_code neu lsoa_code",
                "la_code.normalise",
            ),
            _problem(3, "(row)", None, "row 3 has 17 fields", "mae gan res 3 17 maes", "s"),
        ],
        note="decoded as cp1252; values separated by semicolon",
    )
    # as a load records it (a header 'Local authority' read as la_code)
    con.execute(
        "update quality.submissions set column_names_sent = ?",
        ['{"la_code": "Local authority"}'],
    )
    out = feedback.write_reports(con, "ab" * 32, tmp_path / "feedback", "cwmpas.csv")
    en = out["en"].with_suffix(".md").read_text()
    assert (
        "| 2 | A1 | Local authority (la_code) | Gotham | unknown local authority 'Gotham': give "
        "Local authority (la_code) or lsoa_code |"
    ) in en
    assert "| 3 | A1 | (row) |" in en
    cy = out["cy"].read_text()
    assert "<td>Local authority (la_code)</td><td>Gotham</td><td>awdurdod lleol anhysbys" in cy
    assert "rhowch Local authority (la_code) neu lsoa_code" in cy
    assert "<td>(rhes)</td>" in cy and "(row)" not in cy
    assert "<h2>Nodiadau</h2>" in cy and "<li>amgodiad y testun: cp1252</li>" in cy
    rows = list(csv.DictReader((out["en"].parent / "rejected_rows.csv").open(encoding="utf-8-sig")))
    assert rows[0]["column"] == "Local authority (la_code)"
    assert rows[0]["reason_cy"].endswith("rhowch Local authority (la_code) neu lsoa_code")


def test_the_report_folder_keeps_welsh_letters_and_drops_what_file_systems_refuse(tmp_path):
    def folder(name):
        return feedback.report_folder(
            tmp_path, {"submission_file": name, "received_at": AT, "submission_sha256": "ab" * 32}
        ).name

    assert folder("Adroddiad Cyngor Gŵynedd ŷ 2025.csv") == (
        "2026-12-02_Adroddiad_Cyngor_Gŵynedd_ŷ_2025.csv_abababababab"
    )
    # a decomposed ŵ (as macOS writes names) is the same folder as the composed one
    assert folder("Gw\u0302ynedd.csv") == folder("Gŵynedd.csv")
    assert folder('is/a:b*c?"d"<e>|f\\g\x01.csv') == "2026-12-02_is_a_b_c_d_e_f_g_.csv_abababababab"
    long = folder("ŵ" * 200 + ".csv")
    assert len(long.encode()) < 255 and long.endswith("ŵŵ.csv_abababababab")
