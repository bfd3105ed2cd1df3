"""The partner submission template: generated from the contract, bilingual, with drop-down lists,
and a filled-in copy loads like any partner file."""

from datetime import date

import duckdb
import openpyxl

from pipelines.partnership_activity import contract as pc
from pipelines.partnership_activity import ingest, template
from pipelines.partnership_activity.lookups import create_lookups, register_frames


def test_template_has_every_column_notes_lists_and_instructions(tmp_path):
    path = template.write_template(tmp_path / "template.xlsx")
    book = openpyxl.load_workbook(path)
    assert book.sheetnames == [template.INSTRUCTIONS, template.SHEET, template.LISTS]
    sheet = book[template.SHEET]
    header = [c.value for c in sheet[1] if c.value]
    assert header == template.template_columns()
    assert "contact_email" not in header and "activity_id" in header
    note = sheet.cell(row=1, column=header.index("start_date") + 1).comment.text
    assert "Required." in note and "Gofynnol." in note and "day first" in note
    funding = sheet.cell(row=1, column=header.index("funding_gbp") + 1).comment.text
    assert "Optional." in funding and "Dewisol." in funding
    validated = {str(v.sqref).split(":")[0][0]: v for v in sheet.data_validations.dataValidation}
    letters = {c: openpyxl.utils.get_column_letter(header.index(c) + 1) for c in header}
    for column in (
        "action_category",
        "activity_type",
        "partnership_maturity",
        "sectors",
        "wellbeing_goals",
        "la_code",
    ):
        assert letters[column] in validated, column
    lists = book[template.LISTS]
    listed = {
        lists.cell(row=1, column=k).value: [
            lists.cell(row=r, column=k).value
            for r in range(2, lists.max_row + 1)
            if lists.cell(row=r, column=k).value
        ]
        for k in range(1, lists.max_column + 1)
    }
    assert listed["list: activity_type"] == pc.allowed_values("activity_type")
    assert "Cardiff Council" in listed["list: la_code"]
    assert validated[letters["action_category"]].errorStyle == "stop"
    assert validated[letters["sectors"]].errorStyle == "information"  # several values allowed
    guide = book[template.INSTRUCTIONS]
    text = " ".join(str(c.value) for row in guide.iter_rows() for c in row if c.value)
    assert "How to fill in this return" in text and "Sut i lenwi'r ffurflen hon" in text
    assert pc.description("title", "cy") in text


def test_a_filled_in_template_loads(tmp_path, shared_data, monkeypatch):

    path = template.write_template(tmp_path / "template.xlsx")
    book = openpyxl.load_workbook(path)
    sheet = book[template.SHEET]
    header = [c.value for c in sheet[1]]
    row = {
        "activity_id": "T1",
        "partner_organisation": "Cyngor Gwynedd",
        "action_category": "governance",
        "activity_type": "liaison_role",
        "title": "Swyddog cyswllt cymunedol",
        "la_code": "Gwynedd Council",
        "start_date": date(2024, 4, 1),
        "sectors": "public; community",
        "wellbeing_goals": "cohesive_communities",
        "funding_gbp": 12500.5,
    }
    for column, value in row.items():
        sheet.cell(row=2, column=header.index(column) + 1, value=value)
    book.save(path)
    from pipelines.catalogue import fetch
    from pipelines.readers import read_csv_strings
    from pipelines.wimd.parsers import parse_wimd_2019_postcodes

    def csv_frame(key):
        frame = read_csv_strings(fetch(key, mirror=shared_data).path)
        return frame.rename({c: c.strip().lstrip("\ufeff").lower() for c in frame.columns})

    con = duckdb.connect()
    ingest.ensure_tables(con)
    frames = {
        f"raw.{k}": csv_frame(k)
        for k in ("lsoa21_population", "lsoa11_lsoa21_lookup", "lsoa11_la_names")
    }
    frames["raw.wimd_2019_postcodes"] = parse_wimd_2019_postcodes(
        fetch("wimd_2019_postcodes", mirror=shared_data)
    )
    lookups = create_lookups(con, register_frames(con, frames))
    out = ingest.load_submission(con, path, lookups, tmp_path / "archive")
    assert (out.rows_submitted, out.rows_accepted, out.rows_quarantined) == (1, 1, 0)
    loaded = con.execute(
        "select la_code, start_date, funding_gbp, sectors from raw.partnership_activity"
    ).fetchone()
    assert loaded == ("W06000002", date(2024, 4, 1), 12500.5, "community;public")
    assert con.execute("select sheet_name from quality.submissions").fetchone()[0] == template.SHEET
