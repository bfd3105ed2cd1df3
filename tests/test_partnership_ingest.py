"""Partner submissions: every bad-input case of issue 3, each on a small file, each asserting
rows accepted + rows quarantined == rows submitted; plus idempotency, corrections and redaction."""

import json
from datetime import date
from pathlib import Path

import duckdb
import polars as pl
import pytest

from pipelines.catalogue import fetch
from pipelines.partnership_activity import generator, ingest
from pipelines.partnership_activity import validate as v
from pipelines.readers import read_csv_strings
from pipelines.wimd.parsers import parse_wimd_2019_postcodes

FILES = Path(__file__).parent / "fixtures" / "partner_files"


@pytest.fixture(scope="session")
def frames(shared_data) -> dict[str, pl.DataFrame]:
    def csv(key):
        frame = read_csv_strings(fetch(key, mirror=shared_data).path)
        return frame.rename({c: c.strip().lstrip("\ufeff").lower() for c in frame.columns})

    return {
        "lsoa21_population": csv("lsoa21_population"),
        "lsoa11_lsoa21_lookup": csv("lsoa11_lsoa21_lookup"),
        "lsoa11_la_names": csv("lsoa11_la_names"),
        "wimd_2019_postcodes": parse_wimd_2019_postcodes(
            fetch("wimd_2019_postcodes", mirror=shared_data)
        ),
    }


@pytest.fixture(scope="session")
def ref(frames) -> v.Reference:
    """Lookups without boundaries: coordinates are checked against the Wales bounding box."""
    return v.reference_from_frames(
        frames["lsoa21_population"],
        frames["lsoa11_lsoa21_lookup"],
        frames["wimd_2019_postcodes"],
        frames["lsoa11_la_names"],
    )


@pytest.fixture(scope="session")
def ref_with_boundaries(frames, shared_data) -> v.Reference:
    import geopandas as gpd

    la = gpd.read_file(fetch("la_boundaries", mirror=shared_data).path).to_crs("EPSG:4326")
    lsoa = gpd.read_file(fetch("lsoa21_boundaries", mirror=shared_data).path).to_crs("EPSG:4326")
    lsoa = lsoa[lsoa["LSOA21CD"].str.startswith("W01")].rename(columns={"LSOA21CD": "lsoa21_code"})
    return v.reference_from_frames(
        frames["lsoa21_population"],
        frames["lsoa11_lsoa21_lookup"],
        frames["wimd_2019_postcodes"],
        frames["lsoa11_la_names"],
        wales_outline=la.geometry.union_all(),
        lsoa21_polygons=lsoa[["lsoa21_code", "geometry"]],
    )


@pytest.fixture()
def con(tmp_path):
    connection = duckdb.connect(str(tmp_path / "warehouse.duckdb"))
    yield connection
    connection.close()


def load(con, path, ref, tmp_path) -> ingest.LoadOutcome:
    outcome = ingest.load_submission(con, Path(path), ref, tmp_path / "archive")
    logged = con.execute(
        "select rows_submitted, rows_accepted, rows_quarantined from quality.submissions where submission_sha256 = ?",
        [outcome.sha256],
    ).fetchone()
    assert logged[1] + logged[2] == logged[0], (
        f"{path}: accepted + quarantined != submitted: {logged}"
    )
    accepted = con.execute(
        "select count(*) from raw.partnership_activity where submission_sha256 = ?",
        [outcome.sha256],
    ).fetchone()[0]
    quarantined = con.execute(
        "select count(distinct source_row_number) from quality.quarantine where submission_sha256 = ?",
        [outcome.sha256],
    ).fetchone()[0]
    assert (accepted, quarantined) == (logged[1], logged[2])
    assert (tmp_path / "archive" / outcome.sha256 / Path(path).name).exists()
    return outcome


def reasons(con, outcome) -> dict[int, str]:
    rows = con.execute(
        "select source_row_number, string_agg(reason, ' | ') from quality.quarantine where submission_sha256 = ? group by 1",
        [outcome.sha256],
    ).fetchall()
    return dict(rows)


def accepted(con, outcome, columns="*") -> pl.DataFrame:
    return con.execute(
        f"select {columns} from raw.partnership_activity where submission_sha256 = ? order by source_row_number",
        [outcome.sha256],
    ).pl()


# --- whole-file problems -----------------------------------------------------------------------


def test_missing_columns_is_rejected_naming_file_columns_and_expected(con, ref, tmp_path):
    out = load(con, FILES / "missing_columns.csv", ref, tmp_path)
    assert out.status == "rejected"
    assert (
        "missing_columns.csv" in out.error
        and "activity_type" in out.error
        and "sectors" in out.error
    )
    assert "Expected:" in out.error
    assert (out.rows_submitted, out.rows_accepted, out.rows_quarantined) == (2, 0, 2)


def test_wrong_columns_is_rejected(con, ref, tmp_path):
    out = load(con, FILES / "wrong_columns.csv", ref, tmp_path)
    assert out.status == "rejected" and "wrong_columns.csv" in out.error and "header" in out.error
    assert out.rows_accepted == 0


@pytest.mark.parametrize("name", ["empty.csv", "header_only.csv"])
def test_empty_file_gives_clear_error_or_no_rows(con, ref, tmp_path, name):
    out = load(con, FILES / name, ref, tmp_path)
    assert out.rows_submitted == 0 and out.rows_accepted == 0
    if name == "empty.csv":
        assert out.status == "rejected" and "empty" in out.error and "empty.csv" in out.error


def test_read_submission_raises_submission_error(tmp_path):
    with pytest.raises(ingest.SubmissionError, match="missing required column"):
        ingest.read_submission(FILES / "missing_columns.csv")


# --- encodings and layouts ---------------------------------------------------------------------


def test_windows_1252_file_decodes_welsh_circumflexes(con, ref, tmp_path):
    raw = (FILES / "cp1252_welsh.csv").read_bytes()
    with pytest.raises(UnicodeDecodeError):
        raw.decode("utf-8")
    out = load(con, FILES / "cp1252_welsh.csv", ref, tmp_path)
    assert out.rows_accepted == 2 and "cp1252" in out.note
    rows = accepted(con, out)
    assert rows["title"][0] == "Sgwrs â'r gymuned: caffi trwsio"
    assert rows["title"][1] == "Gweithdy ôl-troed carbon"
    assert rows["la_code"][0] == "W06000001"  # 'Ynys Môn'


def test_utf8_file_keeps_w_and_y_circumflex(con, ref, tmp_path):
    out = load(con, FILES / "utf8_welsh.csv", ref, tmp_path)
    assert out.rows_accepted == 2
    assert accepted(con, out)["title"][0] == "Gŵyl y Gymuned yn Nhŷ'r Cwmwd"


def test_utf8_with_bom(con, ref, tmp_path):
    assert (FILES / "utf8_bom.csv").read_bytes().startswith(b"\xef\xbb\xbf")
    out = load(con, FILES / "utf8_bom.csv", ref, tmp_path)
    assert out.rows_accepted == 2 and accepted(con, out)["activity_id"].to_list() == [
        "A001",
        "A002",
    ]


def test_excel_sheet_with_title_rows_above_header(con, ref, tmp_path):
    frame = read_csv_strings(FILES / "utf8_bom.csv")
    frame = frame.rename({c: c.lstrip("\ufeff") for c in frame.columns})
    path = generator.write_submission(
        frame, tmp_path / "titled.xlsx", title_rows=["Partner return", "Quarter 1"]
    )
    out = load(con, path, ref, tmp_path)
    assert out.rows_accepted == 2
    assert con.execute("select header_row from quality.submissions").fetchone()[0] == 4
    assert accepted(con, out)["source_row_number"].to_list() == [5, 6]


def test_ods_submission(con, ref, tmp_path):
    frame = read_csv_strings(FILES / "utf8_welsh.csv")
    path = generator.write_submission(frame, tmp_path / "return.ods")
    out = load(con, path, ref, tmp_path)
    assert out.rows_accepted == 2 and accepted(con, out)["title"][0].startswith("Gŵyl")


# --- row problems ------------------------------------------------------------------------------


def test_duplicate_activity_ids_second_quarantined(con, ref, tmp_path):
    out = load(con, FILES / "duplicate_ids.csv", ref, tmp_path)
    assert (out.rows_accepted, out.rows_quarantined) == (2, 1)
    why = reasons(con, out)
    assert list(why) == [3] and "appears more than once" in why[3] and "first on row 2" in why[3]


def test_lsoa_codes_lower_case_and_spaces_are_normalised(con, ref, tmp_path):
    out = load(con, FILES / "lsoa_formats.csv", ref, tmp_path)
    assert out.rows_accepted == 3
    rows = accepted(con, out)
    assert set(rows["lsoa_code"]) == {"W01001767"} and set(rows["la_code"]) == {"W06000015"}


def test_2011_lsoa_mapped_when_unambiguous_else_quarantined(con, ref, tmp_path):
    out = load(con, FILES / "lsoa_2011.csv", ref, tmp_path)
    assert (out.rows_accepted, out.rows_quarantined) == (1, 3)
    row = accepted(con, out).row(0, named=True)
    assert row["lsoa_code"] == "W01002008" and row["lsoa_resolved_from"] == "lsoa_code_2011"
    why = reasons(con, out)
    assert "split into several 2021 LSOAs (W01001971, W01001972)" in why[3]
    assert "neither a 2021 nor a 2011" in why[4]
    assert "W01 followed by six digits" in why[5]


def test_local_authority_by_english_or_welsh_name(con, ref, tmp_path):
    out = load(con, FILES / "la_names.csv", ref, tmp_path)
    assert (out.rows_accepted, out.rows_quarantined) == (7, 1)
    assert accepted(con, out)["la_code"].to_list() == [
        "W06000015",
        "W06000015",
        "W06000001",
        "W06000016",
        "W06000014",
        "W06000014",
        "W06000015",
    ]
    assert "unknown local authority 'Gotham'" in reasons(con, out)[9]


def test_local_authority_must_match_lsoa(con, ref, tmp_path):
    out = load(con, FILES / "la_lsoa_mismatch.csv", ref, tmp_path)
    assert out.rows_quarantined == 1 and "which is in Cardiff (W06000015)" in reasons(con, out)[2]


def test_dates_dd_mm_yyyy_and_excel_serials(con, ref, tmp_path):
    out = load(con, FILES / "dates.csv", ref, tmp_path)
    assert (out.rows_accepted, out.rows_quarantined) == (5, 2)
    rows = accepted(con, out)
    assert set(rows["start_date"]) == {date(2023, 4, 1)} and set(rows["financial_year"]) == {
        "2023-24"
    }
    why = reasons(con, out)
    assert "'31/02/2023' is not a date" in why[7] and "'April 2023' is not a date" in why[8]


def test_dates_in_a_real_spreadsheet(con, ref, tmp_path):
    frame = read_csv_strings(FILES / "utf8_bom.csv")
    frame = frame.rename({c: c.lstrip("\ufeff") for c in frame.columns}).with_columns(
        pl.Series("start_date", [date(2024, 3, 31), date(2024, 4, 1)]),
        pl.Series("end_date", [45400, None]),
    )
    path = generator.write_submission(frame, tmp_path / "dates.xlsx")
    out = load(con, path, ref, tmp_path)
    rows = accepted(con, out)
    assert rows["start_date"].to_list() == [date(2024, 3, 31), date(2024, 4, 1)]
    assert rows["end_date"][0] == date(2024, 4, 18)  # Excel serial 45400 (45017 = 2023-04-01)
    assert rows["financial_year"].to_list() == ["2023-24", "2024-25"]


def test_amounts_with_pound_sign_and_separators_negative_and_absurd(con, ref, tmp_path):
    out = load(con, FILES / "amounts.csv", ref, tmp_path)
    assert (out.rows_accepted, out.rows_quarantined) == (4, 4)
    assert accepted(con, out)["funding_gbp"].to_list() == [12500.0, 12500.5, 1_000_000.0, 2000.0]
    why = reasons(con, out)
    assert "negative" in why[6] and "implausibly large" in why[7] and "negative" in why[8]
    assert "'twelve' is not an amount" in why[9]


def test_end_date_before_start_date(con, ref, tmp_path):
    out = load(con, FILES / "end_before_start.csv", ref, tmp_path)
    assert (out.rows_accepted, out.rows_quarantined) == (1, 1)
    assert "end_date 2023-05-01 is before start_date 2023-06-01" in reasons(con, out)[2]


def test_unknown_action_category_and_type_mismatch(con, ref, tmp_path):
    out = load(con, FILES / "unknown_category.csv", ref, tmp_path)
    assert (out.rows_accepted, out.rows_quarantined) == (2, 2)
    why = reasons(con, out)
    assert (
        "unknown action category 'community development'" in why[2] and "shared_purpose" in why[2]
    )
    assert "belongs to action category shared_purpose, not governance" in why[4]
    assert accepted(con, out)["activity_type"].to_list() == [
        "engagement_event",
        "community_wealth_building",
    ]


def test_coordinates_outside_wales_bounding_box(con, ref, tmp_path):
    out = load(con, FILES / "coordinates.csv", ref, tmp_path)
    why = reasons(con, out)
    assert "outside Wales (bounding-box test)" in why[3]  # Paris
    assert "outside Wales" in why[4]  # swapped latitude and longitude
    assert "both latitude and longitude" in why[6]
    # Without boundaries a point cannot be placed in an LSOA.
    assert "could not be placed" in why[2]


def test_coordinates_with_boundaries_place_point_and_reject_bristol(
    con, ref_with_boundaries, tmp_path
):
    out = load(con, FILES / "coordinates.csv", ref_with_boundaries, tmp_path)
    assert (out.rows_accepted, out.rows_quarantined) == (1, 4)
    row = accepted(con, out).row(0, named=True)
    assert row["la_code"] == "W06000015" and row["lsoa_resolved_from"] == "coordinates"
    assert row["lsoa_code"].startswith("W01")
    assert "(51.4545, -2.5879) are outside Wales" in reasons(con, out)[5]  # Bristol


def test_postcode_instead_of_lsoa(con, ref, tmp_path):
    out = load(con, FILES / "postcodes.csv", ref, tmp_path)
    assert (out.rows_accepted, out.rows_quarantined) == (2, 2)
    rows = accepted(con, out)
    assert rows["lsoa_code"].to_list() == ["W01001173", "W01000122"]
    assert rows["la_code"].to_list() == ["W06000016", "W06000003"]
    assert rows["postcode"].to_list() == ["CF39 9EA", "LL22 8SS"]
    assert set(rows["lsoa_resolved_from"]) == {"postcode"}
    why = reasons(con, out)
    assert "not in the WIMD postcode lookup" in why[4] and "is not a UK postcode" in why[5]


def test_personal_data_never_reaches_any_table(con, ref, tmp_path):
    out = load(con, FILES / "personal_data.csv", ref, tmp_path)
    assert (out.rows_accepted, out.rows_quarantined) == (1, 1)
    assert "contact_email" not in con.execute("select * from raw.partnership_activity").pl().columns
    row = accepted(con, out).row(0, named=True)
    assert row["description"] == "Contact [removed] or [removed]; meet at [removed]."
    secrets = ["jane.jones", "bob@example", "07700", "2087 1234", "CF10 1EP"]
    for table in ingest.TABLES:
        text = con.execute(f"select * from {table}").pl().write_csv()
        for secret in secrets:
            assert secret not in text, f"{secret!r} found in {table}"
    row_json = json.loads(con.execute("select row_json from quality.quarantine").fetchone()[0])
    assert (
        row_json["contact_email"] == "[removed]"
        and row_json["title"] == "Call [removed] for places"
    )


# --- idempotency and corrections ---------------------------------------------------------------


def test_same_file_twice_changes_nothing(con, ref, tmp_path):
    first = load(con, FILES / "amounts.csv", ref, tmp_path)
    counts = [con.execute(f"select count(*) from {t}").fetchone()[0] for t in ingest.TABLES]
    again = ingest.load_submission(con, FILES / "amounts.csv", ref, tmp_path / "archive")
    assert again.skipped and again.sha256 == first.sha256
    assert [con.execute(f"select count(*) from {t}").fetchone()[0] for t in ingest.TABLES] == counts


def test_corrected_file_replaces_rows_and_resolves_quarantine(con, ref, tmp_path):
    first = load(con, FILES / "amounts.csv", ref, tmp_path)
    corrected = read_csv_strings(FILES / "amounts.csv").with_columns(
        pl.when(pl.col("activity_id") == "A005")
        .then(pl.lit("500"))
        .otherwise(pl.col("funding_gbp"))
        .alias("funding_gbp")
    )
    path = tmp_path / "amounts_v2.csv"
    corrected.write_csv(path)
    second = load(con, path, ref, tmp_path)
    assert second.sha256 != first.sha256
    assert (second.rows_accepted, second.rows_quarantined, second.rows_superseding) == (5, 3, 4)
    current = con.execute(
        "select activity_id, funding_gbp, supersedes_note from raw.partnership_activity where is_current order by activity_id"
    ).fetchall()
    assert [r[0] for r in current] == ["A001", "A002", "A003", "A004", "A005"]
    assert current[0][2].startswith("replaces the row from amounts.csv") and current[4][2] is None
    assert (
        con.execute(
            "select count(*) from raw.partnership_activity where not is_current"
        ).fetchone()[0]
        == 4
    )
    resolved = con.execute(
        "select activity_id, is_resolved, resolved_by_sha256 from quality.quarantine where submission_sha256 = ? order by 1",
        [first.sha256],
    ).fetchall()
    assert resolved[0] == ("A005", True, second.sha256)
    assert all(not r[1] for r in resolved[1:])


@pytest.mark.parametrize("chunk_rows", [1, 2])
def test_validation_in_chunks_still_finds_duplicates_across_chunks(con, ref, tmp_path, chunk_rows):
    out = ingest.load_submission(
        con, FILES / "duplicate_ids.csv", ref, tmp_path / "archive", chunk_rows=chunk_rows
    )
    assert (out.rows_submitted, out.rows_accepted, out.rows_quarantined) == (3, 2, 1)
    assert "first on row 2" in reasons(con, out)[3]


def test_rejection_message_carries_no_contact_details(con, ref, tmp_path):
    path = tmp_path / "contacts_no_header.csv"
    path.write_text("Name,Email,What\nJo,jo@example.org,meeting\nAl,07700 900123,event\n", encoding="utf-8")
    out = load(con, path, ref, tmp_path)
    assert out.status == "rejected" and "header" in out.error
    assert "jo@example.org" not in out.error and "07700 900123" not in out.error
    stored = con.execute(
        "select error from quality.submissions where submission_file = 'contacts_no_header.csv'"
    ).fetchone()[0]
    assert "jo@example.org" not in stored
