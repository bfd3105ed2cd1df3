"""Point in polygon on the real 2021 LSOA boundaries and centroids (../shared/data/boundaries):
DuckDB spatial and geopandas give the same LSOA for every point."""

import geopandas as gpd
import numpy as np
import polars as pl
import pytest

from pipelines.boundaries.geo import geometry_to_wkb
from pipelines.boundaries.point_in_polygon import lsoa_for_points, lsoa_for_points_geopandas
from pipelines.warehouse import connect_duckdb


@pytest.fixture(scope="module")
def boundaries(shared_data):
    frame = gpd.read_file(shared_data / "boundaries" / "lsoa21_boundaries.geojson")
    frame = frame[frame["LSOA21CD"].str.startswith("W01")].rename(columns={"LSOA21CD": "lsoa_code"})
    return frame[["lsoa_code", "geometry"]].to_crs("EPSG:4326").reset_index(drop=True)


@pytest.fixture(scope="module")
def points(shared_data):
    """Every Welsh 2021 LSOA centroid, plus a point at sea, one in England and a missing one."""
    centroids = gpd.read_file(shared_data / "boundaries" / "lsoa21_centroids.geojson")
    centroids = centroids[centroids["LSOA21CD"].str.startswith("W01")]
    frame = pl.DataFrame(
        {
            "row_id": list(range(len(centroids))),
            "expected": centroids["LSOA21CD"].tolist(),
            "latitude": centroids.geometry.y.tolist(),
            "longitude": centroids.geometry.x.tolist(),
        }
    )
    extra = pl.DataFrame(
        {
            "row_id": [len(frame), len(frame) + 1, len(frame) + 2],
            "expected": [None, None, None],
            "latitude": [52.5, 51.4545, None],  # Cardigan Bay; Bristol; no coordinates
            "longitude": [-4.9, -2.5879, None],
        },
        schema=frame.schema,
    )
    return pl.concat([frame, extra])


def test_duckdb_spatial_and_geopandas_agree_on_real_lsoas(boundaries, points):
    con = connect_duckdb()
    con.execute("create schema raw")
    wkb = geometry_to_wkb(boundaries, ["lsoa_code"])
    con.register("wkb", wkb.to_arrow())
    con.execute("create table raw.lsoa21_boundaries as select * from wkb")
    con.register("pts", points.to_arrow())
    by_duckdb = lsoa_for_points(con, "pts").pl().sort("row_id")
    assert by_duckdb.height == points.height  # one row per point, none lost or repeated
    by_geopandas = lsoa_for_points_geopandas(
        points["latitude"].fill_null(np.nan).to_numpy(),
        points["longitude"].fill_null(np.nan).to_numpy(),
        boundaries,
        chunk_size=700,  # several chunks
    )
    assert by_duckdb["lsoa_code"].to_list() == by_geopandas.to_list()
    found = points.with_columns(by_duckdb["lsoa_code"])
    n_wales = points.height - 3
    own = found.filter(pl.col("lsoa_code") == pl.col("expected")).height
    assert own / n_wales > 0.97, "population-weighted centroids lie in their own LSOA"
    assert found.tail(3)["lsoa_code"].to_list() == [None, None, None]
    con.close()
