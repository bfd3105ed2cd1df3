"""The partner submission template (XLSX), generated from the partnership activity contract.

``write_template(path)`` writes a workbook with:

- **Activities**: the header row of every column a partner sends (contract order; contact
  columns left out: they are never loaded), a note on each header with the column's meaning in
  English and Welsh and its allowed values (each code with its English and Welsh name), a
  drop-down list on every column with a closed list (``allowedValues``) and on ``la_code`` (one
  entry per council, named in English and Welsh); dates formatted day first. A coded column with
  names (``valueLabels``: action category, activity type, sectors, partnership maturity) offers
  the names, English then Welsh, which the loader reads as their codes. No drop-down stops a
  value typed by hand: a code, a name or a council's code is read too, and what the loader
  cannot read is set aside with the reason in the partner's report. A value outside the list
  gets a warning on a one-value column (a typo is caught as it is typed) and a note on a
  column that takes several values or codes (``sectors``, ``wellbeing_goals``, ``la_code``),
  each saying what that column accepts (``validation_message``);
- **Instructions - Cyfarwyddiadau**: how to fill it in, in English and Welsh, and a table of
  every column (required or not, meaning in both languages, allowed values, its Welsh header
  name: a header in Welsh is read as the column it names);
- **Lists**: the drop-down values (hidden), under headings the loader never mistakes for data.

Everything comes from ``data_contracts/partnership_activity.yaml`` (and the council names in
``pipelines/reference/council_names.csv``), so the template changes when the contract does. The
loader reads the Activities sheet of a filled template like any other file. The same contract
gives the same bytes (fixed document dates and zip entry times), so an unchanged template never
looks changed; it is written through a temporary name and renamed.
"""

import io
import zipfile
from datetime import datetime
from pathlib import Path

from openpyxl import Workbook
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.xml.functions import tostring

from pipelines.files import replacing
from pipelines.partnership_activity import contract as pc
from pipelines.partnership_activity.normalise import council_labels

SHEET = "Activities"
INSTRUCTIONS = "Instructions - Cyfarwyddiadau"
LISTS = "Lists"
LEFT_OUT = ("is_example_data",)  # set by the pipeline for its own example files only
DATE_COLUMNS = ("start_date", "end_date")
WELSH_HEADING = "Welsh header / Pennawd Cymraeg"  # the contract's name_cy: read like the column
INSTRUCTIONS_EN = [
    "How to fill in this return",
    (
        "One row per activity on the Activities sheet, under the header row (do not rename the "
        "headers, except to their Welsh names in the table below, e.g. cyfeirnod_gweithgaredd for "
        "activity_id: either is read; you may leave optional columns empty or delete them)."
    ),
    (
        "Required: activity_id (your own id, unique within your organisation), partner_organisation, "
        "action_category, activity_type, title, start_date, sectors, wellbeing_goals, and at least "
        "one location: lsoa_code, la_code (a code, or the council's name in English or Welsh), "
        "postcode, or latitude and longitude."
    ),
    (
        "Drop-down lists show the allowed values, by name in English and in Welsh; the codes in "
        "the table below (e.g. shared_purpose) are read too. sectors and wellbeing_goals take "
        "several values separated by ; (for example Public sector; Community)."
    ),
    (
        "Dates: 01/04/2024 (day first) or 2024-04-01; a month alone (April 2024) is accepted. "
        "Amounts in pounds: 12500 or £12,500.50, with a decimal point (not a comma) and no brackets."
    ),
    (
        "Not known or does not apply: leave the cell empty (not n/a, TBC or -). An activity still "
        "running: leave end_date empty. participant_count: one whole number (a best estimate is "
        "fine, not 'approx 30' or 20-30). Amounts in full (12000, not £12k)."
    ),
    "Do not put names, e-mail addresses or phone numbers in any column: they are removed.",
    (
        "Save the file as .xlsx (or CSV UTF-8) and send it. To correct a row later, send it again "
        "with the same partner_organisation and activity_id: it replaces the earlier one. You will "
        "receive a report of the rows loaded and of any row to correct, with the reason."
    ),
]
INSTRUCTIONS_CY = [
    "Sut i lenwi'r ffurflen hon",
    (
        "Un rhes i bob gweithgaredd ar y ddalen Activities, o dan y rhes benawdau (peidiwch ag "
        "ailenwi'r penawdau, ac eithrio i'w henwau Cymraeg yn y tabl isod, e.e. "
        "cyfeirnod_gweithgaredd ar gyfer activity_id: caiff y naill neu'r llall ei ddarllen; "
        "gallwch adael colofnau dewisol yn wag neu eu dileu)."
    ),
    (
        "Gofynnol: activity_id (eich dynodwr eich hun, unigryw o fewn eich sefydliad), "
        "partner_organisation, action_category, activity_type, title, start_date, sectors, "
        "wellbeing_goals, ac o leiaf un lleoliad: lsoa_code, la_code (cod, neu enw'r cyngor yn "
        "Gymraeg neu Saesneg), postcode, neu latitude a longitude."
    ),
    (
        "Mae'r rhestrau cwymplen yn dangos y gwerthoedd a ganiateir, wrth eu henwau yn Saesneg ac "
        "yn Gymraeg; darllenir y codau yn y tabl isod (e.e. shared_purpose) hefyd. Mae sectors a "
        "wellbeing_goals yn derbyn sawl gwerth wedi'u gwahanu gan ; (er enghraifft Sector "
        "cyhoeddus; Cymuned)."
    ),
    (
        "Dyddiadau: 01/04/2024 (y diwrnod yn gyntaf) neu 2024-04-01; mae mis yn unig (Ebrill 2024) "
        "yn dderbyniol. Symiau mewn punnoedd: 12500 neu £12,500.50, gyda phwynt degol (nid coma) a "
        "heb gromfachau."
    ),
    (
        "Os nad yw'n hysbys neu os nad yw'n berthnasol: gadewch y gell yn wag (nid n/a, TBC neu -). "
        "Gweithgaredd sy'n dal i redeg: gadewch end_date yn wag. participant_count: un rhif cyfan "
        "(mae amcangyfrif gorau yn iawn, nid 'tua 30' neu 20-30). Symiau yn llawn (12000, nid £12k)."
    ),
    ("Peidiwch â rhoi enwau, cyfeiriadau e-bost na rhifau ffôn mewn unrhyw golofn: cânt eu dileu."),
    (
        "Cadwch y ffeil fel .xlsx (neu CSV UTF-8) a'i hanfon. I gywiro rhes yn nes ymlaen, anfonwch "
        "hi eto gyda'r un partner_organisation ac activity_id: bydd yn cymryd lle'r un gynharach. "
        "Byddwch yn cael adroddiad o'r rhesi a lwythwyd ac o unrhyw res i'w chywiro, gyda'r rheswm."
    ),
]


def template_columns() -> list[str]:
    """The columns of the Activities sheet: what a partner sends, contact columns left out."""
    return [c for c in pc.loaded_submitted_columns() if c not in LEFT_OUT]


def council_names() -> list[str]:
    """The la_code drop-down: one entry per council, in English and Welsh ('Cardiff Council /
    Cyngor Caerdydd', ``normalise.council_labels``, which the loader reads as the council),
    in English alphabetical order. Codes and any English or Welsh name are accepted too."""
    return sorted(council_labels().values())


def allowed_text(column: str, *languages: str) -> str:
    """A column's codes, each with its names in ``languages`` from the contract's
    ``valueLabels``: 'shared_purpose (Shared purpose / Pwrpas cyffredin), governance (...)';
    the codes alone for a column without names."""
    names = [pc.value_labels(column, language) for language in languages]
    return ", ".join(
        f"{code} ({' / '.join(n[code] for n in names)})" if all(names) else code
        for code in pc.allowed_values(column)
    )


def drop_down(column: str) -> list[str]:
    """The drop-down entries of a closed list: its names in English then Welsh where the
    contract gives them (``valueLabels``, read by the loader as their codes), else its codes."""
    names = [*pc.value_labels(column, "en").values(), *pc.value_labels(column, "cy").values()]
    return list(dict.fromkeys(names)) or pc.allowed_values(column)


def validation_message(column: str, values: list[str]) -> tuple[str, str]:
    """(Excel error style, message) of a drop-down: what the column accepts besides the list, in
    English and Welsh (at most 255 characters, Excel's limit). One-value columns warn (a typo is
    caught as it is typed, and the value may still be kept); a column of several values (its
    contract ``listSeparator``) or of codes and names (``la_code``) informs."""
    if column == "la_code":
        return "information", (
            "Choose a council from the list, or type its code (W06000015) or its name in English "
            "or Welsh. / Dewiswch gyngor o'r rhestr, neu teipiwch ei god (W06000015) neu ei enw "
            "yn Gymraeg neu Saesneg."
        )
    separator = pc.prop_custom(column, "listSeparator")
    if separator:
        cy = list(pc.value_labels(column, "cy").values()) or values
        return "information", (
            f"Choose from the list; several values: separate them with {separator} (for example "
            f"{values[0]}{separator} {values[1]}). / Dewiswch o'r rhestr; sawl gwerth: gwahanwch "
            f"nhw gyda {separator} (er enghraifft {cy[0]}{separator} {cy[1]})."
        )
    code = pc.allowed_values(column)[0]
    return "warning", (
        f"This is not in the list: choose a value from the list (its code, e.g. {code}, is read "
        f"too). / Nid yw hyn yn y rhestr: dewiswch werth o'r rhestr (darllenir ei god, e.e. "
        f"{code}, hefyd)."
    )


def _note(column: str) -> str:
    required = column in pc.REQUIRED_HEADER
    parts = [
        ("Required" if required else "Optional") + ". " + pc.description(column, "en"),
        ("Gofynnol" if required else "Dewisol") + ". " + pc.description(column, "cy"),
    ]
    if pc.welsh_name(column):
        parts.append(f"{WELSH_HEADING}: {pc.welsh_name(column)}")
    if pc.allowed_values(column):
        parts.append("Allowed / Caniateir: " + allowed_text(column, "en", "cy"))
    return "\n\n".join(p for p in parts if p.strip())


def write_template(path: Path) -> Path:
    """Write the submission template to ``path`` (see the module docstring); returns ``path``."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    book = Workbook()
    sheet = book.active
    sheet.title = SHEET
    lists = book.create_sheet(LISTS)
    columns = template_columns()
    bold = Font(bold=True)
    fill = PatternFill("solid", fgColor="DDEBF7")
    for i, column in enumerate(columns, start=1):
        cell = sheet.cell(row=1, column=i, value=column)
        cell.font = bold
        cell.fill = fill
        comment = Comment(_note(column), "data contract")
        comment.width, comment.height = 420, 260
        cell.comment = comment
        sheet.column_dimensions[get_column_letter(i)].width = max(14, len(column) + 4)
    sheet.freeze_panes = "A2"
    closed = {c: drop_down(c) for c in columns if pc.allowed_values(c)}
    closed["la_code"] = council_names()
    for k, (column, values) in enumerate(closed.items(), start=1):
        letter = get_column_letter(k)
        lists.cell(row=1, column=k, value=f"list: {column}").font = bold
        for r, value in enumerate(values, start=2):
            lists.cell(row=r, column=k, value=value)
        style, message = validation_message(column, values)
        validation = DataValidation(
            type="list",
            formula1=f"'{LISTS}'!${letter}$2:${letter}${len(values) + 1}",
            allow_blank=True,
            showErrorMessage=True,
            errorStyle=style,
            error=message,
            errorTitle=column,
        )
        target = get_column_letter(columns.index(column) + 1)
        validation.add(f"{target}2:{target}5000")
        sheet.add_data_validation(validation)
    for column in DATE_COLUMNS:
        target = get_column_letter(columns.index(column) + 1)
        for row in range(2, 5001):
            sheet[f"{target}{row}"].number_format = "DD/MM/YYYY"
    lists.sheet_state = "hidden"

    guide = book.create_sheet(INSTRUCTIONS, 0)
    guide.column_dimensions["A"].width = 24
    guide.column_dimensions["B"].width = 12
    guide.column_dimensions["C"].width = 70
    guide.column_dimensions["D"].width = 70
    guide.column_dimensions["E"].width = 28
    wrap = Alignment(wrap_text=True, vertical="top")
    row = 1
    for en, cy in zip(INSTRUCTIONS_EN, INSTRUCTIONS_CY):
        guide.cell(row=row, column=3, value=en).alignment = wrap
        guide.cell(row=row, column=4, value=cy).alignment = wrap
        if row == 1:
            guide.cell(row=row, column=3).font = Font(bold=True, size=14)
            guide.cell(row=row, column=4).font = Font(bold=True, size=14)
        row += 1
    row += 1
    headings = ("Column / Colofn", "Required / Gofynnol", "Meaning", "Ystyr", WELSH_HEADING)
    for i, heading in enumerate(headings, 1):
        guide.cell(row=row, column=i, value=heading).font = bold
    for column in columns:
        row += 1
        required = column in pc.REQUIRED_HEADER
        guide.cell(row=row, column=1, value=column)
        guide.cell(row=row, column=2, value="yes / ydy" if required else "no / nac ydy")
        allowed = pc.allowed_values(column)
        extra = f" Allowed: {allowed_text(column, 'en')}." if allowed else ""
        guide.cell(row=row, column=3, value=pc.description(column, "en") + extra).alignment = wrap
        extra_cy = f" Caniateir: {allowed_text(column, 'cy')}." if allowed else ""
        guide.cell(
            row=row, column=4, value=pc.description(column, "cy") + extra_cy
        ).alignment = wrap
        guide.cell(row=row, column=5, value=pc.welsh_name(column))
    book.active = book.index(sheet)
    data = _stable_bytes(book)
    with replacing(path) as temp:
        temp.write_bytes(data)
    return path


# The workbook's document dates, and every zip entry's time: fixed, so the bytes depend on the
# contract only (openpyxl stamps "now" into docProps/core.xml, zipfile the time into each entry).
FIXED_TIME = datetime(2024, 1, 1)
CORE_PROPERTIES = "docProps/core.xml"


def _stable_bytes(book: Workbook) -> bytes:
    buffer = io.BytesIO()
    book.save(buffer)
    book.properties.created = book.properties.modified = FIXED_TIME
    out = io.BytesIO()
    with zipfile.ZipFile(buffer) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename == CORE_PROPERTIES:
                data = tostring(book.properties.to_tree())
            entry = zipfile.ZipInfo(info.filename, date_time=FIXED_TIME.timetuple()[:6])
            dst.writestr(entry, data, compress_type=zipfile.ZIP_DEFLATED)
    return out.getvalue()


if __name__ == "__main__":  # python -m pipelines.partnership_activity.template [out.xlsx]
    import sys

    print(
        write_template(
            Path(sys.argv[1] if len(sys.argv) > 1 else "partner_submission_template.xlsx")
        )
    )
