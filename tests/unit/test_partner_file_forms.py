"""Partner files in the forms partners send them (no shared data: reading and normalisation
only; the loads against the real lookups are in tests/integration/test_partnership_ingest.py)."""

import csv
import io

import openpyxl

from pipelines.partnership_activity import contract as pc
from pipelines.partnership_activity import reading, template


def write_csv(path, rows, encoding="utf-8"):
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerows(rows)
    path.write_bytes(buffer.getvalue().encode(encoding))
    return path


def test_a_header_in_welsh_from_the_template_is_read_as_the_columns_it_names(tmp_path):
    """The template's Welsh side names each column in Welsh (the contract's name_cy); a file
    whose header uses those names (p11_welsh_headers.csv was rejected with a Python list of its
    cells) reads every column."""
    path = template.write_template(tmp_path / "template.xlsx")
    # the table of columns names each column twice (English, Welsh): it is not a header row
    blank = reading.read(path)
    assert blank.sheet_name == template.SHEET and blank.header_row == 1
    assert blank.error.startswith("the file has a header row on row 1 of sheet 'Activities'")
    book = openpyxl.load_workbook(path)
    guide = [[c.value for c in row] for row in book[template.INSTRUCTIONS].iter_rows()]
    at = next(i for i, row in enumerate(guide) if row[0] == "Column / Colofn")
    assert guide[at][4] == template.WELSH_HEADING
    welsh = {row[0]: row[4] for row in guide[at + 1 :] if row[0]}
    assert welsh["activity_id"] == "cyfeirnod_gweithgaredd"
    assert welsh["lsoa_code"] == "cod_acehi" and welsh["la_code"] == "cod_awdurdod_lleol"
    assert set(welsh) == set(template.template_columns()) and all(welsh.values())
    header = [welsh[c] for c in template.template_columns()]
    header[header.index("cod_acehi")] = "cod_ACEHI"  # as the partner wrote it
    header[header.index("nifer_cyfranogwyr")] = "Nifer y cyfranogwyr"
    row = ["MEN-001", "Menter Iaith Môn", "shared_purpose", "engagement_event", "Digwyddiad"]
    path = write_csv(tmp_path / "p11_welsh_headers.csv", [header, row])
    read = reading.read(path)
    assert read.error is None
    assert read.columns == template.template_columns()
    assert read.sent_names["lsoa_code"] == "cod_ACEHI"
    assert read.sent_names["participant_count"] == "Nifer y cyfranogwyr"
    assert read.rows_hint == 1
    # contact columns, never in the template, have Welsh names too (and are never loaded)
    assert pc.canonical_column("Ffôn cyswllt") == "contact_phone"
    assert pc.canonical_column("E-bost") == "contact_email"


def test_a_file_without_a_header_is_described_in_words_not_as_a_python_list(tmp_path):
    path = write_csv(
        tmp_path / "notes.csv",
        [["Partnership return"], [], ["foo", "bar\u200b", "baz", "qux", "quux"], ["1", "2"]],
    )
    read = reading.read(path)
    assert "[[" not in read.error and "['" not in read.error
    assert (
        "it starts with row 1: 'Partnership return'; row 3: 'foo', 'bar[zero-width space]', "
        "'baz', 'qux', ...; row 4: '1', '2'."
    ) in read.error
    book = openpyxl.Workbook()
    book.active.title = "Summary"
    book.active.append(["Totals for the year", 12])
    book.create_sheet("Blank")
    book.save(tmp_path / "summary.xlsx")
    read = reading.read(tmp_path / "summary.xlsx")
    assert "with 2 sheet(s): 'Summary' starts with row 1: 'Totals for the year', '12'; " in (
        read.error
    )
    assert "'Blank' is empty." in read.error and "[" not in read.error.split("Expected")[0]


def _empty_workbook(path, sheets=1):
    book = openpyxl.Workbook()
    for i in range(1, sheets):
        book.create_sheet(f"Sheet{i + 1}")
    book.save(path)


EMPTY_FORMS = [
    ("empty.csv", b"", "0 bytes"),
    # what Excel's 'CSV UTF-8' saves for an empty sheet (p10_bom_only.csv)
    ("bom_only.csv", b"\xef\xbb\xbf", "it holds only a byte-order mark, as Excel saves"),
    ("utf16_bom_only.txt", b"\xff\xfe", "it holds only a byte-order mark"),
    (
        "separators.csv",
        b"\xef\xbb\xbf;;;\r\n;;;\r\n\r\n",
        "it holds only empty lines or separators",
    ),
    ("blank.xlsx", None, "its sheet holds no value"),
    ("two_blank.xlsx", None, "no sheet holds a value"),
]


def test_every_empty_form_is_said_to_be_empty_in_the_same_words(tmp_path):
    errors = {}
    for name, content, detail in EMPTY_FORMS:
        path = tmp_path / name
        if content is None:
            _empty_workbook(path, 2 if name.startswith("two") else 1)
        else:
            path.write_bytes(content)
        read = reading.read(path)
        assert read.relation is None and read.error.startswith(f"the file is empty ({detail}"), name
        assert read.error_cy.startswith("mae'r ffeil yn wag ("), name
        errors[name] = (read.error.split("):", 1)[1], read.error_cy.split("):", 1)[1])
    assert len(set(errors.values())) == 1  # one wording, whatever the form
    assert next(iter(errors.values()))[0].startswith(
        " no header row and no data. Expected a header"
    )


def _relation_rows(read, columns="source_row_number, _read_rule, _read_problem, funding_gbp"):
    import duckdb

    return duckdb.sql(f"select {columns} from {read.relation} order by 1").fetchall()


def test_formulas_without_a_saved_value_are_set_aside_and_hidden_rows_noted(tmp_path):
    """A workbook written by a program (openpyxl here, as p06) holds formulas with no saved
    value: calamine reads such a cell as empty, so the row is set aside naming the cell; a
    hidden row is loaded, and the note says so. A formula whose value was saved reads as it."""
    import re
    import zipfile

    header = template.template_columns()
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Activities"
    sheet.append(["Partnership return 2025-26"])
    sheet.append(header)
    funding = header.index("funding_gbp") + 1
    letter = openpyxl.utils.get_column_letter(funding)
    for i in range(1, 5):
        sheet.append([f"A{i}", "Cyngor Gwynedd", "shared_purpose", "engagement_event", "Talk"])
        sheet.cell(row=i + 2, column=funding, value=f"=500*{i}")
    sheet.cell(row=5, column=funding, value=750)
    sheet.cell(row=4, column=len(header) + 2, value="=1+1")  # right of the header: not loaded
    sheet.row_dimensions[4].hidden = True
    sheet.row_dimensions[6].hidden = True
    book.save(tmp_path / "written.xlsx")
    read = reading.read(tmp_path / "written.xlsx")
    assert read.error is None
    rows = _relation_rows(read)
    assert [r[:2] for r in rows] == [
        (3, "file.formula_without_value"),
        (4, "file.formula_without_value"),
        (5, None),
        (6, "file.formula_without_value"),
    ]
    assert rows[0][2] == (
        f"cell {letter}3 (funding_gbp: =500*1) holds a formula with no saved value, so its value "
        "cannot be read (the file was written by a program, not saved by Excel): open the file "
        "in Excel, save it and send it again, or type the values in"
    )
    assert rows[2][3] == "750"
    assert (
        "rows 4, 6 were hidden in your sheet 'Activities': loaded like the other rows"
        in (read.notes)[0]
    )
    assert read.notes_cy[read.notes[0]] == (
        "roedd rhesi 4, 6 wedi'u cuddio ar eich dalen 'Activities': fe'u llwythwyd fel y rhesi "
        "eraill (gwiriwch fod angen eu hanfon)"
    )
    # as Excel saves it: each formula with its value (p25): read as values, nothing set aside
    with zipfile.ZipFile(tmp_path / "written.xlsx") as source:
        parts = {n: source.read(n) for n in source.namelist()}
    xml = parts["xl/worksheets/sheet1.xml"].decode()
    xml = re.sub(
        r"<f>500\*(\d)</f><v\s*/>", lambda m: f"<f>500*{m[1]}</f><v>{500 * int(m[1])}</v>", xml
    )
    parts["xl/worksheets/sheet1.xml"] = xml.encode()
    with zipfile.ZipFile(tmp_path / "saved.xlsx", "w") as target:
        for name, data in parts.items():
            target.writestr(name, data)
    rows = _relation_rows(reading.read(tmp_path / "saved.xlsx"))
    assert [(r[0], r[1], r[3]) for r in rows] == [
        (3, None, "500"),
        (4, None, "1000"),
        (5, None, "750"),
        (6, None, "2000"),
    ]


def _ods_sheet(path, rows):
    """An OpenDocument spreadsheet written cell by cell with odfpy, as a program writes one:
    each row is (cells, row attributes); a cell is text, a number, ``None`` (empty),
    ``("formula", value or None)`` or ``("repeat", n)`` for n empty cells in one element."""
    from odf.opendocument import OpenDocumentSpreadsheet
    from odf.table import Table, TableCell, TableRow
    from odf.text import P

    doc = OpenDocumentSpreadsheet()
    table = Table(name="Gweithgareddau")
    for cells, attributes in rows:
        row = TableRow(**attributes)
        for value in cells:
            if isinstance(value, tuple) and value[0] == "repeat":
                cell = TableCell(numbercolumnsrepeated=value[1])
            elif isinstance(value, tuple):
                formula, saved = value
                cell = TableCell(formula=f"of:={formula}")
                if saved is not None:
                    cell = TableCell(formula=f"of:={formula}", valuetype="float", value=saved)
                    cell.addElement(P(text=str(saved)))
            elif value is None:
                cell = TableCell()
            elif isinstance(value, int):
                cell = TableCell(valuetype="float", value=value)
                cell.addElement(P(text=str(value)))
            else:
                cell = TableCell(valuetype="string")
                cell.addElement(P(text=value))
            row.addElement(cell)
        table.addElement(row)
    doc.spreadsheet.addElement(table)
    doc.save(str(path))
    return path


def test_an_ods_sheet_has_its_hidden_and_filtered_rows_noted_and_unsaved_formulas_set_aside(
    tmp_path,
):
    """LibreOffice Calc files get the same care as Excel ones: a row hidden
    (``visibility="collapse"``) or filtered out (``"filter"``) is loaded and named in a note,
    and a formula with no saved value (calamine reads it as empty) sets its row aside naming
    the cell, counted through repeated rows and repeated empty cells."""
    header = template.template_columns()
    funding = header.index("funding_gbp")
    start = ["Cyngor Gwynedd", "shared_purpose", "engagement_event", "Talk"]

    def row(n, funding_cell, **attributes):
        gap = funding - 5
        return ([f"G{n}", *start, ("repeat", gap), funding_cell], attributes)

    path = _ods_sheet(
        tmp_path / "return.ods",
        [
            (["Partnership return 2025-26"], {}),
            ([], {"numberrowsrepeated": 2}),  # rows 2 and 3, empty, in one element
            (header, {}),  # row 4
            row(1, ("500*1", None)),  # row 5: no saved value
            row(2, ("500*2", 1000), visibility="collapse"),  # row 6: hidden, value saved
            row(3, 750, visibility="filter"),  # row 7: filtered out
            row(4, 300),  # row 8
        ],
    )
    read = reading.read(path)
    assert read.error is None and read.header_row == 4
    rows = _relation_rows(read)
    letter = openpyxl.utils.get_column_letter(funding + 1)
    assert [(r[0], r[1], r[3]) for r in rows] == [
        (5, "file.formula_without_value", None),
        (6, None, "1000"),
        (7, None, "750"),
        (8, None, "300"),
    ]
    assert rows[0][2] == (
        f"cell {letter}5 (funding_gbp: =500*1) holds a formula with no saved value, so its value "
        "cannot be read (the file was written by a program, not saved by LibreOffice Calc): open "
        "the file in LibreOffice Calc, save it and send it again, or type the values in"
    )
    note = next(n for n in read.notes if "hidden" in n)
    assert note.startswith("rows 6, 7 were hidden in your sheet 'Gweithgareddau': loaded")
    assert read.notes_cy[note].startswith("roedd rhesi 6, 7 wedi'u cuddio ar eich dalen")
