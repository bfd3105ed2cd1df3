"""Community activity sources on the real files in ../shared/data: parsers, placement, assets."""

import datetime as dt

import dagster as dg
import duckdb
import polars as pl
import pytest

from pipelines.boundaries import assets as boundary_assets
from pipelines.boundaries.geo import geometry_to_wkb
from pipelines.catalogue import fetch
from pipelines.community_activity import assets, parsers, staging
from pipelines.geography import LSOA_LA, lsoa_la_sql
from pipelines.geography.assets import lsoa21_ward_la_lookup
from pipelines.sources import load_source
from pipelines.warehouse import LINEAGE_COLUMNS, Warehouse, connect_duckdb, write_table


@pytest.fixture(scope="module")
def con(lsoa21, la, shared_data):
    """A DuckDB holding raw.lsoa21_boundaries, raw.la_boundaries and raw.lsoa21_ward_la_lookup
    as the warehouse does."""
    con = connect_duckdb()
    con.execute("create schema raw")
    write_table(con, "raw.lsoa21_boundaries", geometry_to_wkb(lsoa21, ["lsoa_code"]))
    write_table(con, "raw.la_boundaries", geometry_to_wkb(la, ["la_code"]))
    write_table(con, LSOA_LA, load_source("lsoa21_ward_la_lookup", mirror=shared_data)[0])
    yield con
    con.close()


@pytest.fixture(scope="module")
def raw_groups(shared_data):
    return parsers.parse_support_groups(fetch("community_support_groups", mirror=shared_data))


@pytest.fixture(scope="module")
def groups(con, raw_groups):
    return staging.build_support_groups(con, raw_groups)


@pytest.fixture(scope="module")
def raw_volunteers(shared_data):
    fetched = fetch("volunteer_registrations", mirror=shared_data)
    return parsers.parse_volunteer_registrations(fetched).with_columns(
        pl.lit(fetched.file_name).alias("source_file_name")
    )


def la_names(la) -> pl.DataFrame:
    return pl.DataFrame(
        {"la_code": la["la_code"].tolist(), "la_name_en": la["la_name_en"].tolist()}
    )


def test_raw_support_groups_keeps_all_202_rows_and_columns(raw_groups):
    assert raw_groups.height == 202
    assert raw_groups.columns[:4] == ["source_row_number", "location", "lat", "lng"]
    assert "neighbourhood_email" in raw_groups.columns and "iso_8601_date" in raw_groups.columns
    assert raw_groups["source_row_number"].to_list() == list(range(2, 204))
    first = raw_groups.row(0, named=True)
    assert first["title"] == "Abercegir Covid Support Group"
    assert first["id"] == "17378c29-e754-44d3-a7f6-cc0c3eb1fc8a"


def test_every_group_lands_in_a_welsh_lsoa_and_la(groups):
    assert groups.height == 202
    assert groups["group_id"].n_unique() == 202
    assert groups["lsoa_code"].null_count() == 0
    assert groups["la_code"].null_count() == 0
    assert groups["lsoa_code"].str.starts_with("W01").all()
    assert groups["la_code"].str.starts_with("W06").all()
    assert set(groups["placement_method"]) <= {staging.WITHIN, staging.NEAREST}
    assert (groups["placement_distance_m"] <= staging.NEAREST_LIMIT_M).all()
    # Neyland (Pembrokeshire) sits just off the super-generalised coastline
    neyland = groups.filter(pl.col("location_text").str.starts_with("Neyland")).row(0, named=True)
    assert neyland["placement_method"] == staging.NEAREST
    assert neyland["la_code"] == "W06000009"


def test_groups_carry_no_email_and_typed_columns(groups):
    assert not any("email" in c for c in groups.columns)
    assert groups.schema["created_date"] == pl.Date
    assert groups.schema["latitude"] == pl.Float64
    assert groups["created_date"].min() == dt.date(2020, 3, 14)
    cardiff = groups.filter(pl.col("la_code") == "W06000015")
    assert cardiff.height > 0


def test_group_la_is_the_la_of_its_lsoa(groups, lsoa21):
    """LSOA 2021 names start with their local authority's name (e.g. 'Cardiff 036A')."""
    names = dict(zip(lsoa21["lsoa_code"], lsoa21["lsoa_name_en"], strict=True))
    la_codes = {"W06000015": "Cardiff", "W06000009": "Pembrokeshire", "W06000023": "Powys"}
    for row in groups.filter(pl.col("la_code").is_in(list(la_codes))).iter_rows(named=True):
        assert names[row["lsoa_code"]].startswith(la_codes[row["la_code"]] + " ")


def test_lsoa_to_la_agrees_with_lsoa_names(con, lsoa21, la):
    lookup = dict(con.execute(f"select lsoa_code, la_code from ({lsoa_la_sql()})").fetchall())
    la_name = dict(zip(la["la_code"], la["la_name_en"], strict=True))
    assert len(lookup) == 1917
    for code, name in zip(lsoa21["lsoa_code"], lsoa21["lsoa_name_en"], strict=True):
        assert name.startswith(la_name[lookup[code]] + " "), (code, name)


def test_created_column_agrees_with_iso_column_wherever_both_exist(raw_groups):
    both = raw_groups.filter(pl.col("iso_8601_date").is_not_null())
    assert both.height == 165
    for created, iso in both.select("created", "iso_8601_date").iter_rows():
        assert staging.parse_created_date(created, None) == dt.date.fromisoformat(iso)


def test_point_far_from_wales_is_unplaced(con):
    placed = staging.place_points(con, [-0.1276, -3.1791], [51.5072, 51.4816])
    assert placed["placement_method"].to_list() == [staging.UNPLACED, staging.WITHIN]
    assert placed["lsoa_code"][0] is None


def test_raw_volunteer_registrations_as_published(raw_volunteers):
    assert raw_volunteers.height == 24
    areas = raw_volunteers["area"].to_list()
    assert "Outside Area" in areas and "Shropshire" in areas
    assert all(a == a.strip() for a in areas)
    assert "Isle of Anglesey" in areas


def test_volunteer_registrations_match_22_las(raw_volunteers, la):
    frame, dropped = staging.build_volunteer_registrations(raw_volunteers, la_names(la))
    assert frame.height == 22
    assert sorted(dropped) == ["Outside Area", "Shropshire"]
    cardiff = frame.filter(pl.col("la_code") == "W06000015").row(0, named=True)
    assert cardiff["la_name_en"] == "Cardiff"
    assert (cardiff["total_volunteer_count"], cardiff["new_volunteer_count"]) == (5039, 3106)
    assert cardiff["as_at_date"] == dt.date(2020, 5, 18)
    assert frame["total_volunteer_count"].sum() == 29_674  # 22 LAs, checked with awk
    assert frame["new_volunteer_count"].sum() == 17_072


def test_unmatched_area_name_is_a_clear_error(raw_volunteers, la):
    bad = raw_volunteers.with_columns(
        pl.when(pl.col("area") == "Cardiff")
        .then(pl.lit("Caerdydd"))
        .otherwise("area")
        .alias("area")
    )
    with pytest.raises(staging.UnmatchedAreaError, match="Caerdydd"):
        staging.build_volunteer_registrations(bad, la_names(la))


def test_community_assets_materialise(tmp_path, shared_data, monkeypatch):
    monkeypatch.setenv("WELLBEING_SOURCE_MIRROR", str(shared_data))
    monkeypatch.setenv("WELLBEING_BOUNDARIES_DIR", str(tmp_path / "boundaries"))
    file = tmp_path / "warehouse.duckdb"
    result = dg.materialize(
        [
            boundary_assets.la_boundaries,
            boundary_assets.lsoa21_boundaries,
            lsoa21_ward_la_lookup,
            assets.community_support_groups,
            assets.volunteer_registrations,
            assets.stg_community_activity__support_groups,
            assets.stg_community_activity__volunteer_registrations,
        ],
        resources={"warehouse": Warehouse(path=str(file))},
    )
    assert result.success
    checks = result.get_asset_check_evaluations()
    assert len(checks) == 2 and all(c.passed for c in checks)
    with duckdb.connect(str(file), read_only=True) as con:
        raw_cols = [r[0] for r in con.execute("describe raw.community_support_groups").fetchall()]
        assert raw_cols[-len(LINEAGE_COLUMNS) :] == list(LINEAGE_COLUMNS)
        assert con.execute("select count(*) from raw.community_support_groups").fetchone() == (202,)
        assert con.execute("select count(*) from raw.volunteer_registrations").fetchone() == (24,)
        assert con.execute(
            "select count(*), count(lsoa_code), count(la_code) "
            "from staging.stg_community_activity__support_groups"
        ).fetchone() == (202, 202, 202)
        assert con.execute(
            "select total_volunteer_count, new_volunteer_count, as_at_date "
            "from staging.stg_community_activity__volunteer_registrations where la_code = 'W06000015'"
        ).fetchone() == (5039, 3106, dt.date(2020, 5, 18))
        described = con.execute("describe staging.stg_community_activity__support_groups")
        types = {row[0]: row[1] for row in described.fetchall()}
        assert "neighbourhood_email" not in types
        assert types["created_date"] == "DATE"
