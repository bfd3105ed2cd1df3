"""Point in polygon at scale: the 2021 LSOA of records that give only coordinates.

``lsoa_for_points`` runs in DuckDB with the spatial extension (from the ``duckdb-ext-spatial``
package, never downloaded): the 1,917 LSOA polygons are the build side of DuckDB's spatial join
(an R-tree), the points stream past it, so memory stays bounded by the polygons and DuckDB's
memory limit, not by the number of points. ``lsoa_for_points_geopandas`` is the same answer with
geopandas (``sjoin``, predicate ``within``), in chunks. ``make bench`` measures both
(``benchmarks/README.md``); at 10 million points DuckDB is the faster and the smaller.

Both answer: for each point (WGS84 longitude/latitude, EPSG:4326), the ``lsoa_code`` of the
2021 LSOA polygon it lies within, or null when it lies in none (at sea, in England, or exactly on
a boundary line). Where generalised polygons overlap, the smallest code wins, so the answer is
deterministic.
"""

import duckdb
import numpy as np
import polars as pl

from pipelines.sqltext import quote_ident
from pipelines.warehouse import load_extension

LSOA_POLYGONS = "raw.lsoa21_boundaries"  # lsoa_code, geometry_wkb (EPSG:4326)


def lsoa_for_points(
    con: duckdb.DuckDBPyConnection,
    points: str,
    *,
    id_column: str = "row_id",
    latitude: str = "latitude",
    longitude: str = "longitude",
    polygons: str = LSOA_POLYGONS,
) -> duckdb.DuckDBPyRelation:
    """The 2021 LSOA of every point, computed in DuckDB spatial.

    Args:
        con: a warehouse connection (``Warehouse.connect``); the spatial extension is loaded.
        points: a table, view or parenthesised ``select`` with ``id_column``, ``latitude`` and
            ``longitude`` (decimal degrees, WGS84). Rows with a null coordinate get a null code.
        id_column: a column unique per point, returned as is.
        polygons: a table with ``lsoa_code`` and ``geometry_wkb`` (WKB, EPSG:4326), by default
            ``raw.lsoa21_boundaries`` (1,917 Welsh LSOAs).

    Returns:
        A lazy relation ``(id_column, lsoa_code)``, one row per input point; write it with
        ``create table … as select * from rel`` or join it to the points. Nothing is computed
        until it is read.
    """
    load_extension(con, "spatial")
    ident, lat, lon = quote_ident(id_column), quote_ident(latitude), quote_ident(longitude)
    return con.sql(
        f"""
        with polygons as (
            select lsoa_code, st_geomfromwkb(geometry_wkb) as geom
            from {polygons}
        ),
        points as (
            select {ident} as point_id, {lat} as lat, {lon} as lon
            from {points}
        ),
        located as (
            select points.point_id, min(polygons.lsoa_code) as lsoa_code
            from points
            join polygons on st_within(st_point(points.lon, points.lat), polygons.geom)
            where points.lat is not null and points.lon is not null
            group by points.point_id
        )
        select points.point_id as {ident}, located.lsoa_code
        from points
        left join located using (point_id)
        """
    )


def lsoa_for_points_geopandas(
    latitude: np.ndarray,
    longitude: np.ndarray,
    polygons,
    chunk_size: int = 1_000_000,
) -> pl.Series:
    """The same answer with geopandas: ``sjoin(points, polygons, predicate="within")`` per chunk.

    Args:
        latitude, longitude: equal-length float arrays (WGS84 degrees; NaN for missing).
        polygons: a GeoDataFrame with ``lsoa_code`` and geometry in EPSG:4326.
        chunk_size: points per chunk (memory grows with it: about 1 GB per million points).

    Returns:
        ``lsoa_code`` per point, in input order (null where in no polygon).
    """
    import geopandas as gpd

    polys = polygons[["lsoa_code", "geometry"]]
    out: list[pl.Series] = []
    for start in range(0, len(latitude), chunk_size):
        lat = latitude[start : start + chunk_size]
        lon = longitude[start : start + chunk_size]
        points = gpd.GeoDataFrame(geometry=gpd.points_from_xy(lon, lat), crs="EPSG:4326")
        joined = gpd.sjoin(points, polys, how="left", predicate="within")
        first = joined.groupby(level=0)["lsoa_code"].min()
        codes = first.reindex(range(len(lat)))
        out.append(
            pl.Series(
                "lsoa_code", [c if isinstance(c, str) else None for c in codes], dtype=pl.String
            )
        )
    return pl.concat(out) if out else pl.Series("lsoa_code", [], dtype=pl.String)
