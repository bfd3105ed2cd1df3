"""Plain geometry helpers: reading boundary GeoJSON, WKB round trips, GeoParquet and web GeoJSON.

Geometries travel between assets as WKB in DuckDB ``BLOB`` columns (which DuckDB spatial reads
in ``point_in_polygon``) and as GeoParquet / GeoJSON files on disk. Distances and
simplification tolerances are in metres in the British National Grid (EPSG:27700); files for
web maps are in WGS84 longitude/latitude (EPSG:4326).
"""

from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import polars as pl
import shapely

from pipelines.files import replacing

BNG = "EPSG:27700"
WGS84 = "EPSG:4326"


def read_geojson(path: Path) -> gpd.GeoDataFrame:
    """Read a GeoJSON file with the pyogrio engine; a file without a ``crs`` member is WGS84."""
    frame = gpd.read_file(path, engine="pyogrio")
    if frame.crs is None:
        frame = frame.set_crs(WGS84)
    return frame


def geometry_to_wkb(frame: gpd.GeoDataFrame, columns: list[str]) -> pl.DataFrame:
    """``columns`` of ``frame`` as a polars frame plus ``geometry_wkb`` (binary WKB, source CRS).

    Geometries are kept exactly as read (no repair, no reprojection).
    """
    data = {c: [None if pd.isna(v) else str(v) for v in frame[c]] for c in columns}
    out = pl.DataFrame(data, schema={c: pl.String for c in columns})
    wkb = shapely.to_wkb(np.asarray(frame.geometry.values), output_dimension=2)
    return out.with_columns(pl.Series("geometry_wkb", list(wkb), dtype=pl.Binary))


def write_geoparquet(frame: gpd.GeoDataFrame, path: Path) -> Path:
    """Write ``frame`` as GeoParquet, replacing ``path`` atomically (readers never see half a file)."""
    with replacing(path) as tmp:
        frame.to_parquet(tmp, index=False)
    return path


def simplify_coverage(frame: gpd.GeoDataFrame, tolerance_m: float) -> gpd.GeoDataFrame:
    """Simplify polygons in metres (EPSG:27700) keeping the topology; return the result in EPSG:4326.

    When the polygons form a valid coverage (no overlaps, shared edges match) they are simplified
    together with ``shapely.coverage_simplify``, so neighbours keep a common edge (no slivers or
    gaps on a choropleth map). Otherwise each polygon is simplified on its own with
    ``simplify(preserve_topology=True)``. Both keep every polygon valid and non-empty.
    """
    projected = frame.to_crs(BNG)
    geoms = np.asarray(projected.geometry.values)
    if shapely.coverage_is_valid(geoms):
        simplified = shapely.coverage_simplify(geoms, tolerance_m)
    else:
        simplified = shapely.simplify(geoms, tolerance_m, preserve_topology=True)
    projected = projected.set_geometry(gpd.GeoSeries(simplified, index=projected.index, crs=BNG))
    return projected.to_crs(WGS84)


def write_web_geojson(frame: gpd.GeoDataFrame, path: Path, decimals: int = 5) -> Path:
    """Write ``frame`` (EPSG:4326) as GeoJSON with coordinates rounded to ``decimals``, atomically."""
    if frame.crs is None or frame.crs.to_epsg() != 4326:
        frame = frame.to_crs(WGS84)
    with replacing(path) as tmp:
        frame.to_file(
            tmp,
            driver="GeoJSON",
            engine="pyogrio",
            layer=path.stem,
            COORDINATE_PRECISION=decimals,
            RFC7946="YES",
        )
    return path
