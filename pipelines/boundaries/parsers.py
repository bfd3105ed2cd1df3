"""Parsers for the boundary GeoJSON files (ONS Open Geography Portal products, Welsh subsets).

Each parser returns a GeoDataFrame in the file's own CRS (WGS84 longitude/latitude) with
standard column names; geometries are kept exactly as published (the 2011 LSOA file holds a few
self-intersecting rings: they are not repaired here).
"""

import geopandas as gpd
import pandas as pd

from pipelines.boundaries.geo import read_geojson
from pipelines.catalogue import FetchedFile


class BoundaryFileError(ValueError):
    """A boundary file lacks an expected property, or holds no features of the expected kind."""


def _standardise(
    frame: gpd.GeoDataFrame, rename: dict[str, str], file_name: str, code_prefix: str
) -> gpd.GeoDataFrame:
    missing = [c for c in rename if c not in frame.columns]
    if missing:
        raise BoundaryFileError(
            f"{file_name}: properties {missing} not found (properties present: "
            f"{[c for c in frame.columns if c != 'geometry']})"
        )
    out = frame[[*rename, "geometry"]].rename(columns=rename)
    code = next(iter(rename.values()))
    out = out[out[code].astype(str).str.startswith(code_prefix)].reset_index(drop=True)
    if out.empty:
        raise BoundaryFileError(f"{file_name}: no feature has a {code_prefix}… code")
    return out


def parse_la_boundaries(fetched: FetchedFile) -> gpd.GeoDataFrame:
    """Local authorities (December 2018), Wales: 22 rows.

    Columns: la_code (W06…), la_name_en, la_name_cy, geometry (Polygon/MultiPolygon, EPSG:4326).

    Raises:
        BoundaryFileError: ``lad18cd``/``lad18nm``/``lad18nmw`` missing, or no W06 feature.
    """
    frame = read_geojson(fetched.path)
    rename = {"lad18cd": "la_code", "lad18nm": "la_name_en", "lad18nmw": "la_name_cy"}
    return _standardise(frame, rename, fetched.file_name, "W06")


def parse_lsoa11_boundaries(fetched: FetchedFile) -> gpd.GeoDataFrame:
    """2011 LSOAs (December 2011, super generalised, clipped), Wales: 1,909 rows.

    Columns: lsoa_code (W01…), lsoa_name_en, lsoa_name_cy (ONS Welsh name, e.g. "Caerdydd 036A"),
    geometry (EPSG:4326).
    """
    frame = read_geojson(fetched.path)
    rename = {"LSOA11CD": "lsoa_code", "LSOA11NM": "lsoa_name_en", "LSOA11NMW": "lsoa_name_cy"}
    return _standardise(frame, rename, fetched.file_name, "W01")


def parse_lsoa21_boundaries(fetched: FetchedFile) -> gpd.GeoDataFrame:
    """2021 LSOAs (December 2021, super generalised), Welsh ``W01`` features only: 1,917 rows.

    The file also holds 779 English border LSOAs (``E01``); they are dropped. Columns: lsoa_code,
    lsoa_name_en, lsoa_name_cy (always null: ONS publishes no Welsh names for 2021 LSOAs in this
    product), geometry (EPSG:4326).
    """
    frame = read_geojson(fetched.path)
    rename = {"LSOA21CD": "lsoa_code", "LSOA21NM": "lsoa_name_en"}
    out = _standardise(frame, rename, fetched.file_name, "W01")
    out.insert(2, "lsoa_name_cy", pd.Series(pd.NA, index=out.index, dtype="string"))
    return out
