"""The partner submission template: generated from the contract, bilingual, with drop-down lists,
and a filled-in copy loads like any partner file."""

from datetime import date

import duckdb
import openpyxl

from pipelines.partnership_activity import ingest, template
from pipelines.partnership_activity.lookups import create_lookups, register_frames


def test_a_filled_in_template_loads(tmp_path, frames):
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
    con = duckdb.connect()
    ingest.ensure_tables(con)
    lookups = create_lookups(con, register_frames(con, frames))
    out = ingest.load_submission(con, path, lookups, tmp_path / "archive")
    assert (out.rows_submitted, out.rows_accepted, out.rows_quarantined) == (1, 1, 0)
    loaded = con.execute(
        "select la_code, start_date, funding_gbp, sectors from raw.partnership_activity"
    ).fetchone()
    assert loaded == ("W06000002", date(2024, 4, 1), 12500.5, "community;public")
    assert con.execute("select sheet_name from quality.submissions").fetchone()[0] == template.SHEET
