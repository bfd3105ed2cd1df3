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
deterministic. ``lsoa_for_points(..., nearest_within_m=...)`` also gives a point in no polygon
the nearest one within that distance (community support groups: 2 km, for the coast that the
super-generalised polygons cut off); it is the one placement function of the project.
"""

import duckdb
import numpy as np
import polars as pl

from pipelines.sqltext import quote_ident
from pipelines.warehouse import load_extension

LSOA_POLYGONS = "raw.lsoa21_boundaries"  # lsoa_code, geometry_wkb (EPSG:4326)
TO_BNG = "st_transform({}, 'EPSG:4326', 'EPSG:27700', always_xy := true)"  # metres


def lsoa_for_points(
    con: duckdb.DuckDBPyConnection,
    points: str,
    *,
    id_column: str = "row_id",
    latitude: str = "latitude",
    longitude: str = "longitude",
    polygons: str = LSOA_POLYGONS,
    nearest_within_m: float = 0.0,
) -> duckdb.DuckDBPyRelation:
    """The 2021 LSOA of every point, computed in DuckDB spatial.

    Args:
        con: a warehouse connection (``Warehouse.connect``); the spatial extension is loaded.
        points: a table, view or parenthesised ``select`` with ``id_column``, ``latitude`` and
            ``longitude`` (decimal degrees, WGS84). Rows with a null coordinate get a null code.
        id_column: a column unique per point, returned as is.
        polygons: a table with ``lsoa_code`` and ``geometry_wkb`` (WKB, EPSG:4326), by default
            ``raw.lsoa21_boundaries`` (1,917 Welsh LSOAs).
        nearest_within_m: if above 0, a point within no polygon takes the nearest one up to this
            many metres away (distances in the British National Grid, EPSG:27700; ties go to the
            smallest code), e.g. for a coastal point the generalised coastline cuts off.

    Returns:
        A lazy relation ``(id_column, lsoa_code, nearest_distance_m)``, one row per input
        point; ``nearest_distance_m`` is the distance in metres when the point took the nearest
        polygon, else null. Write it with ``create table … as select * from rel`` or join it to
        the points. Nothing is computed until it is read.
    """
    load_extension(con, "spatial")
    ident, lat, lon = quote_ident(id_column), quote_ident(latitude), quote_ident(longitude)
    limit = float(nearest_within_m)
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
        ),
        outside as (  -- points in no polygon, if nearest_within_m is above 0 (else planned away)
            select point_id, {TO_BNG.format("st_point(lon, lat)")} as geom
            from points
            where {limit} > 0 and point_id not in (select point_id from located)
        ),
        nearest as (
            select outside.point_id, polygons.lsoa_code,
                st_distance(outside.geom, polygons.geom) as distance_m
            from outside
            join (select lsoa_code, {TO_BNG.format("geom")} as geom from polygons) as polygons
                on st_dwithin(outside.geom, polygons.geom, {limit})
            qualify row_number() over (partition by outside.point_id
                                       order by distance_m, polygons.lsoa_code) = 1
        )
        select points.point_id as {ident},
            coalesce(located.lsoa_code, nearest.lsoa_code) as lsoa_code,
            nearest.distance_m as nearest_distance_m
        from points
        left join located using (point_id)
        left join nearest using (point_id)
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
