"""Boundary sources on the real files in ../shared/data: parsers, web files and the assets."""

import json

import dagster as dg
import duckdb
import geopandas as gpd
import pytest
import shapely

from pipelines.boundaries import assets as boundary_assets
from pipelines.boundaries import parsers
from pipelines.boundaries.geo import geometry_to_wkb
from pipelines.catalogue import fetch
from pipelines.warehouse import LINEAGE_COLUMNS, Warehouse

TWO_MB = 2 * 1024 * 1024


def test_la_boundaries_has_22_welsh_authorities_with_welsh_names(la):
    assert len(la) == 22
    assert la["la_code"].str.startswith("W06").all()
    assert la["la_code"].is_unique
    by_code = la.set_index("la_code")
    assert by_code.loc["W06000001", "la_name_en"] == "Isle of Anglesey"
    assert by_code.loc["W06000001", "la_name_cy"] == "Ynys Môn"
    assert by_code.loc["W06000015", "la_name_cy"] == "Caerdydd"
    assert la["la_name_cy"].notna().all()


def test_lsoa11_boundaries_has_1909_lsoas(shared_data):
    frame = parsers.parse_lsoa11_boundaries(fetch("lsoa11_boundaries", mirror=shared_data))
    assert len(frame) == 1909
    assert frame["lsoa_code"].str.startswith("W01").all()
    assert frame["lsoa_name_cy"].str.startswith("Caerdydd").sum() > 0


def test_lsoa21_boundaries_keeps_only_the_1917_welsh_lsoas(lsoa21):
    assert len(lsoa21) == 1917
    assert lsoa21["lsoa_code"].is_unique
    assert lsoa21["lsoa_code"].str.startswith("W01").all()
    assert lsoa21["lsoa_name_cy"].isna().all()


def test_wkb_round_trip_keeps_geometry_exactly(la):
    frame = geometry_to_wkb(la, ["la_code", "la_name_en", "la_name_cy"])
    assert frame.columns == ["la_code", "la_name_en", "la_name_cy", "geometry_wkb"]
    back = shapely.from_wkb(frame["geometry_wkb"].to_list())
    assert shapely.equals_exact(back, la.geometry.values, tolerance=0).all()


def test_missing_property_is_a_clear_error(tmp_path, shared_data):
    bad = tmp_path / "bad.geojson"
    bad.write_text(
        json.dumps(
            {
                "type": "FeatureCollection",
                "features": [
                    {
                        "type": "Feature",
                        "properties": {"code": "W06000001"},
                        "geometry": {"type": "Point", "coordinates": [-3, 52]},
                    }
                ],
            }
        )
    )
    fetched = fetch("la_boundaries", mirror=shared_data)
    fetched = type(fetched)(**{**fetched.__dict__, "path": bad})
    with pytest.raises(parsers.BoundaryFileError, match="lad18cd"):
        parsers.parse_la_boundaries(fetched)


@pytest.mark.parametrize(
    ("key", "web", "count"),
    [
        ("la_boundaries", boundary_assets.LA_WEB, 22),
        ("lsoa21_boundaries", boundary_assets.LSOA21_WEB, 1917),
    ],
)
def test_web_geojson_is_small_valid_and_in_wgs84(tmp_path, shared_data, key, web, count):
    frame = getattr(parsers, f"parse_{key}")(fetch(key, mirror=shared_data))
    files = boundary_assets.write_boundary_files(key, frame, tmp_path, web)
    geojson = files["geojson"]
    assert geojson.name == web.file_name
    assert geojson.stat().st_size < TWO_MB
    written = gpd.read_file(geojson)
    assert len(written) == count
    assert written.crs.to_epsg() == 4326
    assert list(written.columns) == ["code", "name_en", "name_cy", "geometry"]
    assert written.is_valid.all() and not written.is_empty.any()
    # simplified, but still close to the original: areas within 2 % (EPSG:27700)
    original = frame.to_crs(27700).area.sum()
    assert abs(written.to_crs(27700).area.sum() - original) / original < 0.02
    # coordinates rounded to 5 decimals
    text = geojson.read_text()
    coords = json.loads(text)["features"][0]["geometry"]["coordinates"]
    while isinstance(coords[0], list):
        coords = coords[0]
    assert all(round(c, 5) == c for c in coords)
    parquet = gpd.read_parquet(files["geoparquet"])
    assert len(parquet) == count


def test_boundary_assets_land_raw_tables_and_files(tmp_path, shared_data, monkeypatch):
    monkeypatch.setenv("WELLBEING_SOURCE_MIRROR", str(shared_data))
    monkeypatch.setenv("WELLBEING_BOUNDARIES_DIR", str(tmp_path / "boundaries"))
    warehouse = Warehouse(path=str(tmp_path / "warehouse.duckdb"))
    result = dg.materialize(
        [
            boundary_assets.la_boundaries,
            boundary_assets.lsoa11_boundaries,
            boundary_assets.lsoa21_boundaries,
        ],
        resources={"warehouse": warehouse},
    )
    assert result.success
    with duckdb.connect(str(tmp_path / "warehouse.duckdb"), read_only=True) as con:
        expected = {
            "la_boundaries": (22, ["la_code", "la_name_en", "la_name_cy"]),
            "lsoa11_boundaries": (1909, ["lsoa_code", "lsoa_name_en", "lsoa_name_cy"]),
            "lsoa21_boundaries": (1917, ["lsoa_code", "lsoa_name_en", "lsoa_name_cy"]),
        }
        for table, (rows, columns) in expected.items():
            described = con.execute(f"describe raw.{table}").fetchall()
            names = [r[0] for r in described]
            assert names == [*columns, "geometry_wkb", *LINEAGE_COLUMNS]
            assert {r[0]: r[1] for r in described}["geometry_wkb"] == "BLOB"
            assert con.execute(f"select count(*) from raw.{table}").fetchone()[0] == rows
        assert con.execute(
            "select la_name_cy from raw.la_boundaries where la_code = 'W06000001'"
        ).fetchone() == ("Ynys Môn",)
        assert con.execute(
            "select count(*) from raw.lsoa21_boundaries where lsoa_name_cy is not null"
        ).fetchone() == (0,)
    folder = tmp_path / "boundaries"
    for name in ("local_authorities.geojson", "lsoa21.geojson"):
        assert (folder / name).stat().st_size < TWO_MB
    for key in ("la_boundaries", "lsoa11_boundaries", "lsoa21_boundaries"):
        assert (folder / f"{key}.parquet").exists()
    mats = result.asset_materializations_for_node("raw__la_boundaries")
    metadata = mats[0].metadata
    assert metadata["dagster/row_count"].value == 22
    assert metadata["geojson_bytes"].value == (folder / "local_authorities.geojson").stat().st_size
