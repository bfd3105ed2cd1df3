"""The partner's feedback report for every file received, in English and Welsh.

``write_reports(con, sha256, folder, file)`` reads one submission's row in
``quality.submissions`` (by its sha256 and file name) and its problems in ``quality.quarantine``
and writes, under ``<folder>/<received date>_<file path>_<sha256[:12]>/``:

- ``feedback_en.html`` / ``feedback_en.md`` and ``feedback_cy.html`` / ``feedback_cy.md``: rows
  received, accepted and quarantined; for a file that could not be read, what was found and what
  to do; each rejected row with its row number (as the partner's spreadsheet shows it), its
  activity_id, column, value (a row that could not be split into columns: the row as sent) and
  reason (Welsh reasons in the Welsh report); for a duplicate (the same content as a
  file received before under another name), which file it repeats and when that came, that
  nothing was loaded again and how to send a correction. An analyst can send either file back
  to the partner as it is;
- ``rejected_rows.csv``: every problem in both languages (the reports list the first
  ``REPORT_ROWS``), written like the published CSV exports (``pipelines.csvfiles``: a UTF-8
  byte-order mark for Excel, and a value that would run as a formula, e.g. ``=HYPERLINK(...)``,
  after a single quote).

Paths are recorded in ``quality.submissions.feedback_report_en`` / ``_cy``. Rendered with Jinja2
(templates in ``templates/``); values are escaped in HTML and Markdown.
"""

import json
import re
import unicodedata
from pathlib import Path

import duckdb
import polars as pl
from jinja2 import Environment, FileSystemLoader

from dashboards.i18n import yn_predicative
from pipelines.csvfiles import write_csv

TEMPLATES = Path(__file__).parent / "templates"
REPORT_ROWS = 2000
FOLDER_NAME_CHARS, FOLDER_NAME_BYTES = 80, 160  # of the file name in a report folder's name
TEXT = {
    "en": {
        "title": "Feedback on your partnership activity return",
        "intro": (
            "Thank you for your return. This report says how many of your rows were loaded and, "
            "for each row we could not load, which value needs correcting and why."
        ),
        "file": "File",
        "received": "Received (UTC)",
        "status": "Result",
        "statuses": {
            "loaded": "all rows loaded",
            "loaded_with_quarantine": "loaded, with some rows set aside for correction",
            "rejected": "not loaded: the file could not be read",
            "rejected_header": "not loaded: the header row lacks required columns",
            "rejected_no_rows": "not loaded: the file has a header row but no data rows",
            "duplicate": "not loaded again: the same content was received before",
        },
        "rows_received": "Rows received",
        "rows_accepted": "Rows loaded",
        "rows_quarantined": "Rows set aside (see below)",
        "rows_superseding": "Rows that replaced one you sent before",
        "not_read": "Why the file was not loaded",
        "file_rows": (
            "All {n} rows of the file were kept, none loaded, for this one reason (listed in "
            "{csv}): correct the file and send it again."
        ),
        "notes": "Notes",
        "in_english": "",
        "rejected_rows": "Rows set aside",
        "rejected_intro": (
            "Each line is one problem; a row with several problems is listed once for each. Row "
            "numbers are as your spreadsheet shows them (the header row counts)."
        ),
        "row": "Row",
        "activity": "Activity (activity_id)",
        "column": "Column",
        "value": "Value sent",
        "reason": "What to correct",
        "whole_file": "(file)",
        "columns": {},
        "more": "... and {n} more problems, listed in {csv}.",
        "next_steps": "What to do next",
        "what_to_do": (
            "Correct the rows set aside and send them again, in a new file or in the whole "
            "return: use the same partner_organisation and activity_id, and the corrected row "
            "replaces the one set aside. Rows already loaded can be sent again safely: a row "
            "with the same partner and activity_id replaces the earlier one, and the same file "
            "sent twice changes nothing."
        ),
        "what_to_do_rejected": (
            "Nothing from this file was loaded. Correct the file as described above and send the "
            "whole return again: every row is checked when it arrives, and the same partner and "
            "activity_id never counts twice."
        ),
        "duplicate_title": "Already received",
        "duplicate": (
            "The content of this file is identical to {earlier}, received {when} (UTC). Nothing "
            "was loaded again: its rows are already in, loaded or set aside for correction as "
            "the report on {earlier} lists them."
        ),
        "duplicate_of_rejected": (
            "The content of this file is identical to {earlier}, received {when} (UTC), which "
            "could not be read. Nothing was loaded: the report on {earlier} says why and what "
            "to correct."
        ),
        "what_to_do_duplicate": (
            "Nothing to do if you sent this copy by mistake. To correct or add rows, send a "
            "changed file (the same content under a new name changes nothing): a row with the "
            "same partner_organisation and activity_id replaces the earlier one."
        ),
    },
    "cy": {
        "title": "Adborth ar eich ffurflen gweithgarwch partneriaeth",
        "intro": (
            "Diolch am eich ffurflen. Mae'r adroddiad hwn yn dweud faint o'ch rhesi a lwythwyd "
            "ac, ar gyfer pob rhes na allem ei llwytho, pa werth sydd angen ei gywiro a pham."
        ),
        "file": "Ffeil",
        "received": "Derbyniwyd (UTC)",
        "status": "Canlyniad",
        "statuses": {
            "loaded": "llwythwyd pob rhes",
            "loaded_with_quarantine": "llwythwyd, gyda rhai rhesi wedi'u neilltuo i'w cywiro",
            "rejected": "heb ei llwytho: nid oedd modd darllen y ffeil",
            "rejected_header": "heb ei llwytho: mae colofnau gofynnol ar goll o'r rhes benawdau",
            "rejected_no_rows": "heb ei llwytho: mae gan y ffeil res benawdau ond dim rhesi data",
            "duplicate": "heb ei llwytho eilwaith: derbyniwyd yr un cynnwys o'r blaen",
        },
        "rows_received": "Rhesi a dderbyniwyd",
        "rows_accepted": "Rhesi a lwythwyd",
        "rows_quarantined": "Rhesi a neilltuwyd (gweler isod)",
        "rows_superseding": "Rhesi a ddisodlodd res a anfonwyd o'r blaen",
        "not_read": "Pam na lwythwyd y ffeil",
        "file_rows": (
            "Cadwyd pob un o {n} rhes y ffeil, heb lwytho yr un, am yr un rheswm hwn (wedi'u "
            "rhestru yn {csv}): cywirwch y ffeil a'i hanfon eto."
        ),
        "notes": "Nodiadau",
        "in_english": "(yn Saesneg)",
        "rejected_rows": "Rhesi a neilltuwyd",
        "rejected_intro": (
            "Mae pob llinell yn un broblem; rhestrir rhes sydd â sawl problem unwaith ar gyfer pob "
            "un. Mae rhifau'r rhesi fel y mae eich taenlen yn eu dangos (mae'r rhes benawdau'n "
            "cyfrif)."
        ),
        "row": "Rhes",
        "activity": "Gweithgaredd (activity_id)",
        "column": "Colofn",
        "value": "Gwerth a anfonwyd",
        "reason": "Beth i'w gywiro",
        "whole_file": "(ffeil)",
        "columns": {"(row)": "(rhes)", "(file)": "(ffeil)"},
        "more": "... a {n} problem arall, wedi'u rhestru yn {csv}.",
        "next_steps": "Beth i'w wneud nesaf",
        "what_to_do": (
            "Cywirwch y rhesi a neilltuwyd a'u hanfon eto, mewn ffeil newydd neu yn y ffurflen "
            "gyfan: defnyddiwch yr un partner_organisation ac activity_id, a bydd y rhes wedi'i "
            "chywiro yn cymryd lle'r un a neilltuwyd. Mae'n ddiogel anfon rhesi a lwythwyd eto: "
            "mae rhes gyda'r un partner ac activity_id yn cymryd lle'r un gynharach, ac nid yw "
            "anfon yr un ffeil ddwywaith yn newid dim."
        ),
        "what_to_do_rejected": (
            "Ni lwythwyd dim o'r ffeil hon. Cywirwch y ffeil fel y disgrifir uchod ac anfonwch y "
            "ffurflen gyfan eto: caiff pob rhes ei gwirio pan fydd yn cyrraedd, ac nid yw'r un "
            "partner ac activity_id byth yn cyfrif ddwywaith."
        ),
        "duplicate_title": "Wedi'i derbyn eisoes",
        "duplicate": (
            "Mae cynnwys y ffeil hon yn union yr un fath â {earlier}, a dderbyniwyd {when} (UTC). "
            "Ni lwythwyd dim eilwaith: mae ei rhesi i mewn yn barod, wedi'u llwytho neu wedi'u "
            "neilltuo i'w cywiro fel y mae'r adroddiad ar {earlier} yn eu rhestru."
        ),
        "duplicate_of_rejected": (
            "Mae cynnwys y ffeil hon yn union yr un fath â {earlier}, a dderbyniwyd {when} (UTC), "
            "nad oedd modd ei darllen. Ni lwythwyd dim: mae'r adroddiad ar {earlier} yn dweud "
            "pam a beth i'w gywiro."
        ),
        "what_to_do_duplicate": (
            "Does dim angen gwneud dim os anfonoch y copi hwn trwy gamgymeriad. I gywiro neu "
            "ychwanegu rhesi, anfonwch ffeil wedi'i newid (nid yw'r un cynnwys dan enw newydd yn "
            "newid dim): mae rhes gyda'r un partner_organisation ac activity_id yn cymryd lle'r "
            "un gynharach."
        ),
    },
}


# The notes the loader writes (pipelines.partnership_activity.ingest._note, reading), in Welsh:
# (English pattern, Welsh form). A note none of them matches is shown as written, marked as
# English.
DELIMITERS_CY = {"comma": "coma", "semicolon": "hanner colon", "tab": "tab", "pipe": "pibell (|)"}
NOTES_CY = [
    (
        r"columns not in the contract, not loaded: (.*)",
        r"colofnau nad ydynt yn y contract, heb eu llwytho: \1",
    ),
    (r"decoded as (\S+)", r"amgodiad y testun: \1"),
    (
        r"values separated by (comma|semicolon|tab|pipe)",
        lambda m: f"gwahanydd y gwerthoedd: {DELIMITERS_CY[m[1]]}",
    ),
    (
        r"the file is (.+) although its name ends in (\.\S*): read as (\S+)",
        lambda m: (
            f"mae'r ffeil {yn_predicative(_type_cy(m[1]))} er bod ei henw yn gorffen â {m[2]}: "
            f"darllenwyd fel {m[3]}"
        ),
    ),
    (
        (
            r"DuckDB's CSV reader set aside (\d+) row\(s\) \(ragged or badly quoted\): the file was "
            r"read again row by row"
        ),
        (
            r"neilltuodd darllenydd CSV DuckDB \1 rhes (anwastad neu â dyfynodau anghywir): "
            r"darllenwyd y ffeil eto fesul rhes"
        ),
    ),
    (
        r"not read by DuckDB's CSV reader \((.*)\): read row by row",
        r"ni allai darllenydd CSV DuckDB ei darllen (\1): darllenwyd hi fesul rhes",
    ),
]


def _type_cy(english: str) -> str:
    from pipelines.filetypes import TYPE_NAMES, TYPE_NAMES_CY

    kind = next((k for k, name in TYPE_NAMES.items() if name == english), None)
    return TYPE_NAMES_CY.get(kind, english)


def note_in(lang: str, note: str) -> str:
    """One note of ``quality.submissions.note`` as the ``lang`` report says it: in Welsh, the
    loader's notes in Welsh (``NOTES_CY``), any other marked '(yn Saesneg)'."""
    if lang == "en":
        return note
    for pattern, welsh in NOTES_CY:
        match = re.fullmatch(pattern, note)
        if match:
            return match.expand(welsh) if isinstance(welsh, str) else welsh(match)
    return f"{note} {TEXT[lang]['in_english']}"


def column_shown(lang: str, column: str | None, sent_names: dict[str, str]) -> str:
    """A problem's column as the partner named it and as the contract does ('Local authority
    (la_code)', as the header messages say it); several columns ('a/b') each so; '(row)' and
    '(file)' in the report's language."""
    if not column:
        return ""
    if column in TEXT[lang]["columns"]:
        return TEXT[lang]["columns"][column]
    return "/".join(f"{sent_names[c]} ({c})" if c in sent_names else c for c in column.split("/"))


def reason_shown(reason: str | None, sent_names: dict[str, str]) -> str | None:
    """A reason naming each contract column the partner headed otherwise as they named it too:
    'la_code ... ' -> 'Local authority (la_code) ...'."""
    if not reason:
        return reason
    for column, sent in sent_names.items():
        shown = f"{sent} ({column})"
        reason = re.sub(rf"(?<![\w(]){re.escape(column)}(?![\w)])", lambda _, s=shown: s, reason)
    return reason


# The value a problem is about: the value the rule saw, else what the partner sent in its column
# (a la_code no place was found for: the normalised value is empty, the sent one is not), or for
# a row that could not be split into its columns (file.row_shape) the row as sent; row_json keeps
# both, redacted
VALUE_SENT = (
    "coalesce(value, case when regexp_full_match(column_name, '[a-z_]+') "
    "then json_extract_string(row_json, '$.' || column_name) end, "
    "rtrim(json_extract_string(row_json, '$.row_as_sent'), chr(13) || chr(10)))"
)
REJECTED_SCHEMA = {
    "row": pl.Int64,
    "activity_id": pl.String,
    "column": pl.String,
    "value": pl.String,
    "reason": pl.String,
    "reason_cy": pl.String,
    "rule_name": pl.String,
}
SHOWN_CHARS = 300  # longer values (a row that swallowed the lines after it) are cut in the report


def _shortened(value: str | None) -> str | None:
    """A value as the report shows it: at most ``SHOWN_CHARS`` characters (rejected_rows.csv has
    it whole)."""
    if value is None or len(value) <= SHOWN_CHARS:
        return value
    return value[:SHOWN_CHARS] + " …"


def _md(text: object) -> str:
    """One value as Markdown text: ``|`` and ``<`` backslash-escaped (a table cell stays one
    cell, and a partner's ``<script>`` is shown as text, never as the HTML a Markdown viewer
    would render), new lines as spaces. Applied to every ``{{ }}`` of a ``.md.j2`` template."""
    if text is None:
        return ""
    return (
        str(text).replace("\\", "\\\\").replace("|", "\\|").replace("<", "\\<").replace("\n", " ")
    )


def _environment(suffix: str) -> Environment:
    """The Jinja environment of the ``feedback.<suffix>.j2`` templates. Every value a partner
    sent (file name, values, reasons quoting them, notes) is escaped in every output: HTML
    through Jinja's autoescape (the templates are named ``*.html.j2``, which
    ``select_autoescape(["html"])`` does not match, so it is switched on here by form), Markdown
    by ``_md`` on every expression."""
    if suffix == "html":
        return Environment(loader=FileSystemLoader(TEMPLATES), autoescape=True)
    return Environment(loader=FileSystemLoader(TEMPLATES), autoescape=False, finalize=_md)


def report_folder(root: Path, submission: dict) -> Path:
    """``<root>/<received date>_<file>_<sha256[:12]>``; the file's path below the inbox is kept
    (``sub/a.csv`` -> ``sub_a.csv``), so copies in two sub-folders have a folder each. Letters
    of any language are kept (``Adroddiad_Cyngor_Gŵynedd.csv``); what a file system refuses or a
    script trips on (separators, ``<>:"|?*``, control characters, spaces) becomes ``_``, and the
    name is cut to its last ``FOLDER_NAME_CHARS`` characters (at most ``FOLDER_NAME_BYTES``
    bytes of UTF-8)."""
    name = unicodedata.normalize("NFC", submission["submission_file"])
    stem = re.sub(r"[^\w.-]+", "_", name)[-FOLDER_NAME_CHARS:]
    while len(stem.encode("utf-8")) > FOLDER_NAME_BYTES:  # a file system allows 255 bytes
        stem = stem[1:]
    day = str(submission["received_at"])[:10]
    return Path(root) / f"{day}_{stem}_{submission['submission_sha256'][:12]}"


def status_key(submission: dict) -> str:
    """The key of ``TEXT[lang]["statuses"]`` for a submission: a rejected file that was read
    (its header row found) says what is wrong with it, not that it could not be read."""
    if submission["status"] != "rejected" or submission.get("header_row") is None:
        return submission["status"]
    if not submission["rows_submitted"] and "missing required column" not in (
        submission["error"] or ""
    ):
        return "rejected_no_rows"  # a header (or a Parquet schema) and nothing under it
    return "rejected_header"  # rows read under a header without the required columns


def duplicate_text(lang: str, earlier: dict) -> str:
    """What the report of a duplicate says in ``lang``: the file it repeats (``earlier``, its row
    of ``quality.submissions``), when that was received, and that nothing was loaded again."""
    from pipelines.partnership_activity.ingest import received_when

    key = "duplicate_of_rejected" if earlier["status"] == "rejected" else "duplicate"
    when = received_when(earlier["received_at"])
    return TEXT[lang][key].format(earlier=earlier["submission_file"], when=when)


def write_reports(
    con: duckdb.DuckDBPyConnection, sha256: str, root: Path, submission_file: str
) -> dict[str, Path]:
    """Write the English and Welsh reports of one submission (its sha256 and file name, as
    ``quality.submissions`` records them); returns language -> HTML path.

    Raises:
        LookupError: the submission is not in ``quality.submissions``.
    """
    from pipelines.partnership_activity.ingest import FILE_RULE, original_submission, submission_row

    key = [sha256, submission_file]
    submission = submission_row(con, "submission_sha256 = ? and submission_file = ?", key)
    if submission is None:
        raise LookupError(f"submission {submission_file} ({sha256}) is not in quality.submissions")
    earlier = original_submission(con, sha256) if submission["status"] == "duplicate" else None
    # every problem: the report lists the row problems, rejected_rows.csv all; each as
    # quality.quarantine keeps it (personal details were removed where the value entered,
    # normalise.sent_value, so the reports show what the tables hold)
    problems = con.execute(
        f"select source_row_number as row, activity_id, column_name as column, {VALUE_SENT} as "
        f"value, reason, reason_cy, rule_name "
        "from quality.quarantine where submission_sha256 = ? and submission_file = ? "
        "order by source_row_number nulls first, rule_name",
        key,
    ).fetchall()
    sent_names = json.loads(submission.get("column_names_sent") or "{}")
    rejected = [
        {
            "row": p[0],
            "activity_id": p[1],
            "column": column_shown("en", p[2], sent_names),
            "value": p[3],
            "reason": reason_shown(p[4], sent_names),
            "reason_cy": reason_shown(p[5], sent_names),
            "rule_name": p[6],
        }
        for p in problems
    ]
    # every row of a file that cannot be loaded is kept with the same file-level reason: the
    # report says the reason once (under the error) and counts the rows
    file_rows = len({p[0] for p in problems if p[6] == FILE_RULE and p[0] is not None})
    problems = [p for p in problems if p[6] != FILE_RULE]
    folder = report_folder(root, submission)
    folder.mkdir(parents=True, exist_ok=True)
    csv_path = folder / "rejected_rows.csv"
    frame = pl.DataFrame(rejected, schema=REJECTED_SCHEMA)
    con.register("_feedback_rejected", frame)
    try:
        write_csv(con, "select * from _feedback_rejected", csv_path)
    finally:
        con.unregister("_feedback_rejected")

    # a duplicate's note (which file it repeats) is said in the report's own language instead
    def notes_in(lang: str) -> list[str]:
        if earlier:
            return []
        if lang == "cy" and submission.get("note_cy"):  # said in Welsh when the file was loaded
            return [n.strip() for n in submission["note_cy"].split(";") if n.strip()]
        notes = [n.strip() for n in (submission.get("note") or "").split(";") if n.strip()]
        return [note_in(lang, n) for n in notes]

    out = {}
    for lang in ("en", "cy"):
        shown = [
            {
                "row": p[0],
                "activity_id": p[1],
                "column": column_shown(lang, p[2], sent_names),
                "value": _shortened(p[3]),
                "reason": reason_shown(p[5] if lang == "cy" and p[5] else p[4], sent_names),
            }
            for p in problems[:REPORT_ROWS]
        ]
        context = {
            "lang": lang,
            "t": TEXT[lang],
            "s": submission,
            "status": TEXT[lang]["statuses"][status_key(submission)],
            "file_rows": file_rows,
            "error": (submission.get("error_cy") if lang == "cy" else None)
            or submission.get("error"),
            "notes": notes_in(lang),
            "problems": shown,
            "more": max(0, len(problems) - REPORT_ROWS),
            "csv_name": csv_path.name,
            "duplicate": duplicate_text(lang, earlier) if earlier else None,
        }
        for suffix in ("html", "md"):
            text = _environment(suffix).get_template(f"feedback.{suffix}.j2").render(**context)
            text = text.rstrip("\n") + "\n"  # one final newline, as a text file ends
            (folder / f"feedback_{lang}.{suffix}").write_text(text, encoding="utf-8")
        out[lang] = folder / f"feedback_{lang}.html"
    con.execute(
        "update quality.submissions set feedback_report_en = ?, feedback_report_cy = ? "
        "where submission_sha256 = ? and submission_file = ?",
        [str(out["en"]), str(out["cy"]), *key],
    )
    return out
