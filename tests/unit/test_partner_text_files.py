"""How a partner's text file is decoded and split into rows (``reading.read``): encodings
mixed line by line, quote marks that are never closed, old Mac line endings, and messages in a
partner's words. The files are written by the tests; the rows are read back with DuckDB."""

import duckdb
import pytest

from pipelines.partnership_activity import reading
from pipelines.partnership_activity.assets import outcome_line
from pipelines.partnership_activity.ingest import LoadOutcome

HEADER = (
    "activity_id,partner_organisation,action_category,activity_type,title,description,"
    "lsoa_code,la_code,postcode,start_date,end_date,sectors,wellbeing_goals,participant_count,"
    "funding_gbp,partnership_maturity"
)


def row(i: int, title: str = "", lsoa: str = "W01000047", funding: str = "1500") -> str:
    title = title or f"Event {i}"
    return (
        f"A-{i:03d},Cyngor Sir Powys,shared_purpose,engagement_event,{title},,{lsoa},,,"
        f"2025-04-01,2025-06-30,public; third_sector,healthier,25,{funding},developing"
    )


def rows_of(path, **kwargs) -> tuple[reading.FileRead, list[dict]]:
    read = reading.read(path, **kwargs)
    assert read.error is None, read.error
    con = duckdb.connect()
    cursor = con.execute(f"select * from {read.relation}")
    names = [d[0] for d in cursor.description]
    return read, [dict(zip(names, r)) for r in cursor.fetchall()]


def loaded(rows: list[dict]) -> dict[int, dict]:
    return {r["source_row_number"]: r for r in rows if r["_read_problem"] is None}


def set_aside(rows: list[dict]) -> dict[int, tuple[str, str]]:
    return {
        r["source_row_number"]: (r["_read_problem"], r["_read_problem_cy"])
        for r in rows
        if r["_read_problem"] is not None
    }


# --- encodings --------------------------------------------------------------------------------


def test_a_utf8_file_with_a_stray_windows_1252_byte_keeps_every_welsh_letter(tmp_path):
    lines = [
        HEADER.encode(),
        row(1, "Gŵyl Caernarfon – Tŷ Môn").encode(),
        row(2, "Sesiwn Llŷn", funding="\xa3100").encode("utf-8").replace(b"\xc2\xa3", b"\xa3"),
        row(3, "Ffair haf").encode(),
        row(4, "Caf\xe9 trwsio").encode("cp1252"),  # a whole line from a Windows program
    ]
    path = tmp_path / "mixed.csv"
    path.write_bytes(b"\r\n".join(lines) + b"\r\n")
    read, rows = rows_of(path)
    got = loaded(rows)
    assert [got[n]["title"] for n in (2, 3, 4, 5)] == [
        "Gŵyl Caernarfon – Tŷ Môn",
        "Sesiwn Llŷn",
        "Ffair haf",
        "Café trwsio",
    ]
    assert got[3]["funding_gbp"] == "£100"
    assert read.encoding == "utf-8+cp1252"
    (note,) = read.notes
    assert "UTF-8 except for characters on 2 rows (3, 5) saved as Windows-1252" in note
    assert "ac eithrio nodau ar 2 rhes (3, 5) a gadwyd fel Windows-1252" in read.notes_cy[note]
    assert ";" not in note + read.notes_cy[note]  # the report splits the notes at ';'


def test_a_windows_1252_file_with_a_question_mark_inside_a_word_is_told_to_save_as_utf8(
    tmp_path,
):
    text = "\r\n".join([HEADER, row(1, "Gw?yl y Gân"), row(2, "Is it on?"), ""])
    path = tmp_path / "ansi.csv"
    path.write_bytes(text.encode("cp1252"))
    read, rows = rows_of(path)
    assert read.encoding == "cp1252"
    assert loaded(rows)[2]["title"] == "Gw?yl y Gân"  # loaded as written: a note, no rejection
    (note,) = read.notes
    assert note.startswith("the file was saved in Windows-1252, which cannot hold ŵ or ŷ")
    assert "1 row (2) have a '?' inside a word ('Gw?yl')" in note
    assert "save the file as 'CSV UTF-8 (Comma delimited)'" in note
    assert "gan 1 rhes (2) '?' y tu mewn i air ('Gw?yl')" in read.notes_cy[note]
    assert "cadwch y ffeil fel 'CSV UTF-8 (Comma delimited)'" in read.notes_cy[note]
    assert ";" not in note + read.notes_cy[note]


def test_a_plain_ascii_file_with_a_question_mark_inside_a_word_gets_the_note(tmp_path):
    path = tmp_path / "ascii.csv"
    path.write_text("\n".join([HEADER, row(1, "Ty?r Cwmwd"), ""]), encoding="ascii")
    read, _ = rows_of(path)
    assert read.encoding == "utf-8"
    (note,) = read.notes
    assert note.startswith("the file has no letter beyond plain ASCII (no â, ŵ or ŷ)")
    assert "1 row (2) have a '?' inside a word ('Ty?r')" in note
    assert read.notes_cy[note].startswith("nid oes gan y ffeil unrhyw lythyren y tu hwnt i")


def test_a_utf8_file_with_real_welsh_letters_gets_no_question_mark_note(tmp_path):
    path = tmp_path / "utf8.csv"
    path.write_text("\n".join([HEADER, row(1, "Gŵyl"), row(2, "Pwy?Ble"), ""]), encoding="utf-8")
    read, _ = rows_of(path)
    assert read.encoding == "utf-8" and read.notes == []


# --- quote marks that are never closed --------------------------------------------------------


def test_an_unclosed_quote_sets_aside_its_own_row_and_the_rows_after_it_load(tmp_path):
    path = tmp_path / "unclosed.csv"
    lines = [HEADER, row(1), row(2, '"Unclosed quote title'), row(3), row(4)]
    path.write_text("\r\n".join(lines) + "\r\n", encoding="utf-8")
    _, rows = rows_of(path)
    assert len(rows) == 4
    assert {n: r["activity_id"] for n, r in loaded(rows).items()} == {
        2: "A-001",
        4: "A-003",
        5: "A-004",
    }
    en, cy = set_aside(rows)[3]
    # the row set aside still says which activity it is (the values before the quote mark),
    # and nothing after the quote is taken as a value
    aside = next(r for r in rows if r["source_row_number"] == 3)
    assert (aside["activity_id"], aside["partner_organisation"]) == ("A-002", "Cyngor Sir Powys")
    assert aside["title"] is None and aside["lsoa_code"] is None
    assert en.startswith('a quote mark (") in column 5 (title) opens here and is not closed')
    assert "the next 2 lines, which it would have joined to this row, were read as rows" in en
    # the Welsh carries the same detail: the column and how many lines were read apart
    assert cy.startswith("mae dyfynnod (\") yng ngholofn 5 (title) yn agor yma ac nid yw'n")
    assert "darllenwyd y 2 llinell nesaf" in cy


def test_an_unclosed_quote_on_the_first_row_of_twenty_loses_no_row(tmp_path):
    path = tmp_path / "first.csv"
    lines = [HEADER, row(1, '"Tea and chat')] + [row(i) for i in range(2, 21)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    _, rows = rows_of(path)
    assert len(rows) == 20
    assert list(set_aside(rows)) == [2]
    assert sorted(loaded(rows)) == list(range(3, 22))
    assert loaded(rows)[21]["activity_id"] == "A-020"


def test_two_stray_quotes_in_neighbouring_rows_do_not_merge_them(tmp_path):
    path = tmp_path / "stray.csv"
    lines = [
        HEADER,
        row(1, '"Big Lunch', lsoa="W01000736", funding="100"),
        row(2, 'Summer fair"', lsoa="W01001600", funding="9000"),
        row(3),
        row(4),
        row(5),
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    _, rows = rows_of(path)
    assert len(rows) == 5
    aside = set_aside(rows)
    assert list(aside) == [2, 3]
    assert "opens here and is not closed" in aside[2][0]
    assert aside[3][0].startswith('a quote mark (") in column 5 (title) has no partner')
    assert [r["activity_id"] for r in rows if r["_read_problem"]] == ["A-001", "A-002"]
    assert aside[3][1].startswith("nid oes pâr i'r dyfynnod (\") yng ngholofn 5 (title)")
    assert {n: r["lsoa_code"] for n, r in loaded(rows).items()} == {
        4: "W01000047",
        5: "W01000047",
        6: "W01000047",
    }


def test_a_quoted_value_with_a_line_break_is_still_one_value(tmp_path):
    path = tmp_path / "multiline.csv"
    lines = [HEADER, row(1).replace(",,W01", ',"Line one,\nline two, and three",W01'), row(2)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    _, rows = rows_of(path)
    assert set_aside(rows) == {}
    assert loaded(rows)[2]["description"] == "Line one,\nline two, and three"
    assert loaded(rows)[3]["activity_id"] == "A-002"  # the spreadsheet's row 3


def test_a_value_never_closed_at_the_end_of_the_file_says_how_many_lines_it_took(tmp_path):
    path = tmp_path / "end.csv"
    lines = [HEADER, row(1), row(2).replace(",,W01", ',"Line one', 1), "line two"]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    _, rows = rows_of(path)
    en, cy = set_aside(rows)[3]
    assert en.startswith('a quote mark (") in column 6 (description) opens a value that is never')
    assert "(2 lines, to the end of the file, were read as this one row)" in en
    assert "(darllenwyd 2 llinell, hyd at ddiwedd y ffeil, fel yr un rhes hon)" in cy
    assert "end of data" not in en  # the CSV module's words are not a partner's


@pytest.mark.parametrize(
    ("middle", "fast"),
    [
        ('"Grant 40 unclosed', False),  # a stray quote: read row by row
        ("", False),  # an empty line (DuckDB would not count it)
        (None, True),  # nothing DuckDB reads differently: the fast path
    ],
)
def test_the_fast_path_gives_the_rows_a_spreadsheet_shows(tmp_path, monkeypatch, middle, fast):
    lines = [HEADER] + [row(i) for i in range(1, 80)]
    lines[2] = lines[2].replace(",,W01", ',"two\nlines",W01')  # a real multi-line value
    if middle is not None:
        lines[40] = row(40, middle) if middle else ""
    path = tmp_path / "big.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    monkeypatch.setattr(reading, "FAST_CSV_BYTES", 0)
    read, rows = rows_of(path)
    assert read.fast is fast
    if fast:  # the loader numbers DuckDB's rows in order after the header
        assert len(rows) == 79 and rows[78]["activity_id"] == "A-079"
        return
    got = loaded(rows)
    assert got[3]["description"] == "two\nlines"
    assert got[80]["activity_id"] == "A-079" and got[42]["activity_id"] == "A-041"
    assert list(set_aside(rows)) == ([41] if middle else [])


# --- line endings -----------------------------------------------------------------------------


@pytest.mark.parametrize("ending", ["\r", "mixed"])
def test_mac_line_endings_load(tmp_path, ending):
    body = [HEADER, row(1), row(2), row(3), row(4)]
    if ending == "mixed":
        text = body[0] + "\r" + body[1] + "\n" + body[2] + "\r\n" + body[3] + "\r" + body[4]
    else:
        text = "\r".join(body) + "\r"
    path = tmp_path / "mac.csv"
    path.write_bytes(b"\xef\xbb\xbf" + text.encode())
    read, rows = rows_of(path)
    assert read.header_row == 1 and read.encoding == "utf-8-sig"
    assert {n: r["activity_id"] for n, r in loaded(rows).items()} == {
        2: "A-001",
        3: "A-002",
        4: "A-003",
        5: "A-004",
    }


# --- messages in a partner's words ------------------------------------------------------------


def test_a_reader_failure_never_shows_python_words_to_the_partner(tmp_path, monkeypatch):
    path = tmp_path / "ok.csv"
    path.write_text("\n".join([HEADER, row(1)]) + "\n", encoding="utf-8")

    def broken(*args, **kwargs):
        raise ValueError("new-line character seen in unquoted field - do you need universal")

    monkeypatch.setattr(reading, "_csv_records", broken)
    read = reading.read(path)
    assert read.error.startswith(
        "the file is a CSV text file in utf-8 but could not be split into rows and values"
    )
    for text in (read.error, read.error_cy):
        assert "ValueError" not in text and "new-line character" not in text
    assert "nid oedd modd ei rhannu'n rhesi a gwerthoedd" in read.error_cy


def test_text_after_a_closing_quote_is_said_in_partner_words(tmp_path):
    path = tmp_path / "after.csv"
    path.write_text("\n".join([HEADER, row(1, '"Big" Lunch'), row(2)]) + "\n", encoding="utf-8")
    _, rows = rows_of(path)
    en, cy = set_aside(rows)[2]
    assert en.startswith("this row has a quoted value followed by more text before the next")
    assert "expected after" not in en
    assert cy.startswith("mae gan y rhes hon werth mewn dyfynodau a mwy o destun ar ei ôl")


def test_a_rejected_file_sent_again_is_not_called_loaded():
    skipped = LoadOutcome("p03.csv", "ab" * 32, "already_loaded", skipped=True)
    skipped.skipped_status = "rejected"
    assert outcome_line(skipped).startswith("already received and rejected (sha256 ababab")
    skipped.skipped_status = "loaded"
    assert outcome_line(skipped).startswith("already loaded (sha256 ababab")


def test_an_amount_split_at_its_unquoted_thousands_comma_is_named_in_the_ragged_reason(tmp_path):
    """'£1,200' typed into a CSV without quotes (a new-user trial) reads as '£1' and '200': the
    row is set aside as ragged (never joined back by guess) and the reason adds which value may
    have been split, and how to write it; a row ragged for another reason gets no such hint."""
    split = row(2, funding="£1,200")
    also = row(3, title="Talk, then tea")
    path = tmp_path / "return.csv"
    path.write_text("\n".join([HEADER, row(1), split, also]) + "\n")
    _, rows = rows_of(path)
    aside = set_aside(rows)
    assert sorted(aside) == [3, 4] and list(loaded(rows)) == [2]
    assert aside[3][0] == (
        "row 3 has 17 fields, the header has 16: a value holds an unquoted separator, or one is "
        "missing; put each value in its own column (quote values that contain the separator) and "
        "send the row again; perhaps £1,200 (column 15, funding_gbp) is a number split at the "
        'thousands comma: write it without the comma (£1200) or in quotes ("£1,200")'
    )
    assert aside[3][1].endswith(
        "; efallai fod £1,200 (colofn 15, funding_gbp) yn rhif wedi'i rannu wrth goma'r miloedd: "
        'ysgrifennwch heb y coma (£1200) neu mewn dyfynodau ("£1,200")'
    )
    assert "perhaps" not in aside[4][0] and "efallai" not in aside[4][1]
