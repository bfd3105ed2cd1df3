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
    # the contract's names, English then Welsh, not the codes
    assert listed["list: activity_type"] == [
        *pc.value_labels("activity_type", "en").values(),
        *pc.value_labels("activity_type", "cy").values(),
    ]
    # one entry per council, in English and Welsh (it had 25 for 22 councils, English only)
    councils = listed["list: la_code"]
    assert "Cardiff Council / Cyngor Caerdydd" in councils
    assert "Isle of Anglesey County Council / Cyngor Sir Ynys Môn" in councils
    assert len(councils) == len(set(councils)) == 22
    assert validated[letters["action_category"]].errorStyle == "warning"
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


def _book(tmp_path):
    book = openpyxl.load_workbook(template.write_template(tmp_path / "template.xlsx"))
    sheet = book[template.SHEET]
    header = [c.value for c in sheet[1] if c.value]
    by_column = {}
    for validation in sheet.data_validations.dataValidation:
        letter = str(validation.sqref).split(":")[0].rstrip("0123456789")
        by_column[header[openpyxl.utils.column_index_from_string(letter) - 1]] = validation
    lists = book[template.LISTS]
    listed = {
        lists.cell(row=1, column=k).value.removeprefix("list: "): [
            lists.cell(row=r, column=k).value
            for r in range(2, lists.max_row + 1)
            if lists.cell(row=r, column=k).value
        ]
        for k in range(1, lists.max_column + 1)
    }
    return book, header, by_column, listed


def test_no_drop_down_stops_a_name_or_code_and_each_says_what_its_column_takes(tmp_path):
    """The drop-downs offered the codes and stopped anything else, so a partner typing 'Shared
    purpose' or 'Pwrpas cyffredin' (which the loader reads) was blocked; and la_code, a single
    value, said 'several values: separate them with ;'. Now each coded column offers the
    contract's names in English and Welsh, a one-value column warns (the value can be kept), a
    column of several values or of codes informs, and each message fits Excel's limits."""
    _, _, validations, listed = _book(tmp_path)
    for column in ("action_category", "activity_type", "partnership_maturity", "sectors"):
        names = [*pc.value_labels(column, "en").values(), *pc.value_labels(column, "cy").values()]
        assert listed[column] == names, column
    assert listed["action_category"] == [
        "Shared purpose",
        "Governance",
        "Financial mechanisms",
        "Pwrpas cyffredin",
        "Llywodraethu",
        "Mecanweithiau ariannol",
    ]
    assert listed["wellbeing_goals"] == pc.allowed_values("wellbeing_goals")  # no names given
    styles = {column: v.errorStyle for column, v in validations.items()}
    assert styles == {
        "action_category": "warning",
        "activity_type": "warning",
        "partnership_maturity": "warning",
        "sectors": "information",
        "wellbeing_goals": "information",
        "la_code": "information",
    }
    for column, validation in validations.items():
        assert validation.showErrorMessage and validation.errorTitle == column
        assert len(validation.error) <= 255 and len(validation.errorTitle) <= 32, column
        several = "separate them with ;" in validation.error
        assert several == (column in ("sectors", "wellbeing_goals")), column
    assert validations["la_code"].error == (
        "Choose a council from the list, or type its code (W06000015) or its name in English or "
        "Welsh. / Dewiswch gyngor o'r rhestr, neu teipiwch ei god (W06000015) neu ei enw yn "
        "Gymraeg neu Saesneg."
    )
    assert validations["action_category"].error == (
        "This is not in the list: choose a value from the list (its code, e.g. shared_purpose, "
        "is read too). / Nid yw hyn yn y rhestr: dewiswch werth o'r rhestr (darllenir ei god, "
        "e.e. shared_purpose, hefyd)."
    )
    assert "(for example Public sector; Third sector)" in validations["sectors"].error
    assert "(er enghraifft Sector cyhoeddus; Trydydd sector)" in validations["sectors"].error


def test_notes_and_instructions_name_each_code_from_the_contract_in_plain_words(tmp_path):
    """The Welsh gloss of the categories was the template's own ('pwrpas a rennir'), and the
    note on activity_id was developer text (partner_key, the rule's name): each code is now
    given with the contract's English and Welsh names, and activity_id is explained plainly."""
    book, header, _, _ = _book(tmp_path)
    sheet = book[template.SHEET]
    notes = {c: sheet.cell(row=1, column=i + 1).comment.text for i, c in enumerate(header)}
    assert (
        "Allowed / Caniateir: shared_purpose (Shared purpose / Pwrpas cyffredin), governance "
        "(Governance / Llywodraethu), financial_mechanism (Financial mechanisms / Mecanweithiau "
        "ariannol)"
    ) in notes["action_category"]
    assert "emerging (Emerging / Yn dod i'r amlwg)" in notes["partnership_maturity"]
    assert notes["activity_id"].startswith(
        "Required. Your own reference for this activity, unique within your organisation"
    )
    assert "Gofynnol. Eich cyfeirnod eich hun ar gyfer y gweithgaredd hwn" in notes["activity_id"]
    guide = book[template.INSTRUCTIONS]
    rows = {r[0].value: r for r in guide.iter_rows() if r[0].value in header}
    assert rows["action_category"][3].value.endswith(
        "Caniateir: shared_purpose (Pwrpas cyffredin), governance (Llywodraethu), "
        "financial_mechanism (Mecanweithiau ariannol)."
    )
    assert " Allowed: listening_exercise (Listening exercise), " in rows["activity_type"][2].value
    assert "liaison_role (Rôl gyswllt)" in rows["activity_type"][3].value
    text = " ".join(
        str(c.value) for ws in book.worksheets for row in ws.iter_rows() for c in row if c.value
    ) + " ".join(notes.values())
    for developer_text in ("pwrpas a rennir", "partner_key", "current_activity_unique", "marts"):
        assert developer_text not in text, developer_text
