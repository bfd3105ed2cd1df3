"""Boundary source assets (group ``boundaries``): ``raw.la_boundaries``, ``raw.lsoa11_boundaries``,
``raw.lsoa21_boundaries``, plus GeoParquet and simplified web GeoJSON files.

Each asset lands one boundary layer in DuckDB with its geometry as WKB (``BLOB``, EPSG:4326) and
the lineage columns, writes the full-resolution layer as GeoParquet under
``WELLBEING_BOUNDARIES_DIR`` and, for the layers drawn on web maps, a simplified GeoJSON.
"""

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import dagster as dg
import geopandas as gpd
import shapely

from pipelines.boundaries import parsers
from pipelines.boundaries.geo import (
    geometry_to_wkb,
    simplify_coverage,
    write_geoparquet,
    write_web_geojson,
)
from pipelines.contracts import write_contract_table
from pipelines.settings import setting_path
from pipelines.sources import fetch_logged, register_parser, source_asset
from pipelines.warehouse import Warehouse

GROUP = "boundaries"


@dataclass(frozen=True)
class WebMap:
    """A simplified GeoJSON for web maps: file name, tolerance (metres, EPSG:27700), columns."""

    file_name: str
    tolerance_m: float
    properties: dict[str, str]  # raw column -> GeoJSON property


LA_WEB = WebMap(
    "local_authorities.geojson",
    100.0,
    {"la_code": "code", "la_name_en": "name_en", "la_name_cy": "name_cy"},
)
LSOA21_WEB = WebMap(
    "lsoa21.geojson",
    50.0,
    {"lsoa_code": "code", "lsoa_name_en": "name_en", "lsoa_name_cy": "name_cy"},
)


def boundaries_dir() -> Path:
    """Where boundary files are written (``WELLBEING_BOUNDARIES_DIR``, default ``data/boundaries``)."""
    return setting_path("WELLBEING_BOUNDARIES_DIR")


def web_geojson(frame: gpd.GeoDataFrame, web: WebMap) -> gpd.GeoDataFrame:
    """The simplified EPSG:4326 layer written for web maps (properties renamed per ``web``)."""
    out = frame[[*web.properties, "geometry"]].rename(columns=web.properties)
    return simplify_coverage(out, web.tolerance_m)


def write_boundary_files(
    key: str, frame: gpd.GeoDataFrame, folder: Path, web: WebMap | None
) -> dict[str, Path]:
    """Write ``<key>.parquet`` (full resolution) and, if ``web``, the simplified GeoJSON.

    Returns the written paths keyed ``geoparquet`` / ``geojson``.
    """
    written = {"geoparquet": write_geoparquet(frame, folder / f"{key}.parquet")}
    if web is not None:
        written["geojson"] = write_web_geojson(web_geojson(frame, web), folder / web.file_name)
    return written


def _boundary_asset(key: str, parse: Callable, web: WebMap | None = None) -> dg.AssetsDefinition:
    register_parser(key, parse)
    files = (
        f"Files: {key}.parquet (GeoParquet, full resolution)"
        + (
            f" and {web.file_name} (simplified for web maps: topology-preserving, "
            f"{web.tolerance_m:g} m tolerance in EPSG:27700, EPSG:4326, 5 decimals; properties "
            f"{', '.join(web.properties.values())})"
            if web
            else ""
        )
        + " under WELLBEING_BOUNDARIES_DIR."
    )

    @source_asset(key, GROUP, ("geopandas", "duckdb"), notes=(files,))
    def _asset(context: dg.AssetExecutionContext, warehouse: Warehouse) -> dg.MaterializeResult:
        fetched = fetch_logged(key, context.log)
        frame = parse(fetched)
        invalid = int((~shapely.is_valid(frame.geometry.values)).sum())
        if invalid:
            context.log.info(f"{key}: {invalid} geometries are not valid as published (kept as is)")
        table = f"raw.{key}"
        columns = [c for c in frame.columns if c != "geometry"]
        with warehouse.connect() as con:
            metadata = write_contract_table(
                con, table, geometry_to_wkb(frame, columns), fetched.lineage()
            )
        files = write_boundary_files(key, frame, boundaries_dir(), web)
        context.log.info(
            f"{key}: {metadata['dagster/row_count']} rows written to {table}; "
            f"files {list(files.values())}"
        )
        file_metadata: dict[str, object] = {}
        for kind, path in files.items():
            file_metadata[f"{kind}_path"] = dg.MetadataValue.path(str(path))
            file_metadata[f"{kind}_bytes"] = path.stat().st_size
        return dg.MaterializeResult(
            metadata={
                **metadata,
                **file_metadata,
                "invalid_geometries_as_published": invalid,
                "crs": "EPSG:4326",
                **fetched.metadata(),
            }
        )

    return _asset


la_boundaries = _boundary_asset("la_boundaries", parsers.parse_la_boundaries, web=LA_WEB)
lsoa11_boundaries = _boundary_asset("lsoa11_boundaries", parsers.parse_lsoa11_boundaries)
lsoa21_boundaries = _boundary_asset(
    "lsoa21_boundaries", parsers.parse_lsoa21_boundaries, web=LSOA21_WEB
)
