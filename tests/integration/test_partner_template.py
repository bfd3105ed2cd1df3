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


def test_every_council_of_the_la_code_drop_down_loads_as_that_council(tmp_path, frames):
    """The drop-down had 25 entries for 22 councils, in English only; now one bilingual entry
    per council, and each entry, picked from the list, loads as the council it names (the
    codes checked against the English and Welsh names of the ONS lookup)."""
    path = template.write_template(tmp_path / "template.xlsx")
    book = openpyxl.load_workbook(path)
    lists = book[template.LISTS]
    column = next(
        c for c in range(1, lists.max_column + 1) if lists.cell(1, c).value == "list: la_code"
    )
    labels = [lists.cell(r, column).value for r in range(2, lists.max_row + 1)]
    labels = [v for v in labels if v]
    assert len(labels) == len(set(labels)) == 22
    sheet = book[template.SHEET]
    header = [c.value for c in sheet[1]]
    for i, label in enumerate(labels, start=2):
        row = {
            "activity_id": f"T{i}",
            "partner_organisation": "Cyngor Gwynedd",
            "action_category": "governance",
            "activity_type": "liaison_role",
            "title": "Swyddog cyswllt",
            "la_code": label,
            "start_date": date(2024, 4, 1),
            "sectors": "public",
            "wellbeing_goals": "cohesive_communities",
        }
        for name, value in row.items():
            sheet.cell(row=i, column=header.index(name) + 1, value=value)
    book.save(path)
    con = duckdb.connect()
    ingest.ensure_tables(con)
    lookups = create_lookups(con, register_frames(con, frames))
    out = ingest.load_submission(con, path, lookups, tmp_path / "archive")
    assert (out.rows_submitted, out.rows_accepted) == (22, 22)
    names = frames["raw.lsoa11_la_names"]
    english = dict(zip(names["ladcd"].str.strip_chars(), names["ladnm"].str.strip_chars()))
    welsh = dict(zip(names["ladcd"].str.strip_chars(), names["ladnmw"].str.strip_chars()))
    loaded = con.execute(
        "select la_code, t.label from raw.partnership_activity r "
        "join (select unnest(?) as label, unnest(?) as activity_id) t using (activity_id)",
        [labels, [f"T{i}" for i in range(2, 24)]],
    ).fetchall()
    assert len({code for code, _ in loaded}) == 22
    for code, label in loaded:
        en, cy = label.split(" / ")
        assert english[code].split(" ")[0] in en, (code, label)
        assert welsh[code].split(" ")[0] in cy or welsh[code] == english[code], (code, label)


def test_every_name_of_the_coded_drop_downs_loads_as_its_code(tmp_path, frames):
    """The drop-downs offer the contract's names (valueLabels) in English and Welsh, where they
    offered the codes: each name picked from the list loads as its code (action category,
    activity type, maturity, sectors), in both languages."""
    from pipelines.partnership_activity import contract as pc

    pairs = pc.prop_custom("activity_type", "allowedPairs")["pairs"]
    category_of = {t: c for c, types in pairs.items() for t in types}
    path = template.write_template(tmp_path / "template.xlsx")
    book = openpyxl.load_workbook(path)
    sheet = book[template.SHEET]
    header = [c.value for c in sheet[1]]
    expected = {}
    row = 2
    for language in ("en", "cy"):
        categories = pc.value_labels("action_category", language)
        maturity = list(pc.value_labels("partnership_maturity", language).items())
        sectors = list(pc.value_labels("sectors", language).items())
        for i, (code, name) in enumerate(pc.value_labels("activity_type", language).items()):
            sector = sectors[i % len(sectors)]
            stage = maturity[i % len(maturity)]
            values = {
                "activity_id": f"N{row}",
                "partner_organisation": "Cyngor Gwynedd",
                "action_category": categories[category_of[code]],
                "activity_type": name,
                "title": "Enw o'r rhestr",
                "la_code": "W06000002",
                "start_date": date(2024, 4, 1),
                "sectors": sector[1],
                "wellbeing_goals": "cohesive_communities",
                "partnership_maturity": stage[1],
            }
            for column, value in values.items():
                sheet.cell(row=row, column=header.index(column) + 1, value=value)
            expected[f"N{row}"] = (category_of[code], code, sector[0], stage[0])
            row += 1
    book.save(path)
    con = duckdb.connect()
    ingest.ensure_tables(con)
    lookups = create_lookups(con, register_frames(con, frames))
    out = ingest.load_submission(con, path, lookups, tmp_path / "archive")
    assert (out.rows_submitted, out.rows_accepted) == (len(expected), len(expected))
    loaded = con.execute(
        "select activity_id, action_category, activity_type, sectors, partnership_maturity "
        "from raw.partnership_activity"
    ).fetchall()
    assert {r[0]: r[1:] for r in loaded} == expected
