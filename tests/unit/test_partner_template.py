"""The partner submission template generated from the contract (a filled-in copy loaded against
the real lookups: tests/integration/test_partner_template.py)."""

import openpyxl

from pipelines.partnership_activity import contract as pc
from pipelines.partnership_activity import template


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
    # one entry per council, in English and Welsh (it had 25 for 22 councils, English only)
    councils = listed["list: la_code"]
    assert "Cardiff Council / Cyngor Caerdydd" in councils
    assert "Isle of Anglesey County Council / Cyngor Sir Ynys Môn" in councils
    assert len(councils) == len(set(councils)) == 22
    assert validated[letters["action_category"]].errorStyle == "stop"
    assert validated[letters["sectors"]].errorStyle == "information"  # several values allowed
    guide = book[template.INSTRUCTIONS]
    text = " ".join(str(c.value) for row in guide.iter_rows() for c in row if c.value)
    assert "How to fill in this return" in text and "Sut i lenwi'r ffurflen hon" in text
    assert pc.description("title", "cy") in text


def test_the_same_contract_gives_the_same_bytes(tmp_path):
    """No 'now' in the file (openpyxl's document dates, zipfile's entry times): an unchanged
    template is byte-identical, so it never looks changed after a run."""
    import time

    first = template.write_template(tmp_path / "a.xlsx").read_bytes()
    time.sleep(2.1)  # zip entry times have 2-second steps
    second = template.write_template(tmp_path / "b.xlsx").read_bytes()
    assert first == second
    book = openpyxl.load_workbook(tmp_path / "b.xlsx")
    assert book.properties.created == book.properties.modified == template.FIXED_TIME
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.xlsx", "b.xlsx"]  # no temp file
