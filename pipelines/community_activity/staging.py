"""Typing, conforming and placing community activity records (plain functions the assets call).

Spatial work is done in the British National Grid (EPSG:27700, metres): a group's point is placed
in the Welsh 2021 LSOA whose polygon contains it; a point that falls in no polygon (the
super-generalised coastline cuts off some shore) takes the nearest Welsh LSOA within 2 km. The
local authority of a group is the local authority of its LSOA, so LSOA and local authority
figures always add up.
"""

import datetime as dt
import re

import geopandas as gpd
import numpy as np
import polars as pl

from pipelines.boundaries.geo import BNG, WGS84

NEAREST_LIMIT_M = 2000.0
WITHIN = "within"
NEAREST = "nearest_within_2km"
UNPLACED = "unplaced"

# Areas in the WCVA file that are not Welsh local authorities: dropped from staging.
NON_LA_AREAS = ("Outside Area", "Shropshire")
WCVA_DATE = re.compile(r"(\d{4}-\d{2}-\d{2})")
CREATED = re.compile(r"^\s*(\d{1,2})/(\d{1,2})/(\d{4})\b")


class UnmatchedAreaError(ValueError):
    """An area name in a source matches no Welsh local authority name."""


# ---------------------------------------------------------------------------------------------
# geography


def lsoa_to_la(lsoas: gpd.GeoDataFrame, las: gpd.GeoDataFrame) -> dict[str, str]:
    """Map each LSOA (``lsoa_code``) to the local authority (``la_code``) covering most of its area.

    Areas are measured in EPSG:27700. Every LSOA gets an LA (an LSOA touching no LA polygon takes
    the nearest one).
    """
    left = lsoas[["lsoa_code", "geometry"]].to_crs(BNG)
    right = las[["la_code", "geometry"]].to_crs(BNG)
    pieces = gpd.overlay(left, right, how="intersection", keep_geom_type=True)
    pieces["area_m2"] = pieces.geometry.area
    best = pieces.sort_values("area_m2", ascending=False).drop_duplicates("lsoa_code")
    lookup = dict(zip(best["lsoa_code"], best["la_code"], strict=True))
    orphans = left[~left["lsoa_code"].isin(lookup)]
    if not orphans.empty:
        near = gpd.sjoin_nearest(orphans, right, how="left").drop_duplicates("lsoa_code")
        lookup.update(zip(near["lsoa_code"], near["la_code"], strict=True))
    return lookup


def place_points(
    longitude: list[float],
    latitude: list[float],
    lsoas: gpd.GeoDataFrame,
    max_distance_m: float = NEAREST_LIMIT_M,
) -> pl.DataFrame:
    """Place WGS84 points in LSOA polygons.

    Args:
        longitude, latitude: degrees, EPSG:4326, same length.
        lsoas: polygons with an ``lsoa_code`` column (any CRS).
        max_distance_m: how far (metres, EPSG:27700) a point outside every polygon may be from
            the nearest one and still be placed in it.

    Returns:
        One row per point, in input order: lsoa_code (null if unplaced), placement_method
        (``within``, ``nearest_within_2km`` or ``unplaced``), placement_distance_m (0 when within).
    """
    points = gpd.GeoDataFrame(
        {"point_index": np.arange(len(longitude))},
        geometry=gpd.points_from_xy(longitude, latitude),
        crs=WGS84,
    ).to_crs(BNG)
    polygons = lsoas[["lsoa_code", "geometry"]].to_crs(BNG)
    within = gpd.sjoin(points, polygons, how="left", predicate="within")
    # A point on a shared edge may match two polygons: keep the first code in sort order.
    within = within.sort_values(["point_index", "lsoa_code"]).drop_duplicates("point_index")
    codes: list[str | None] = [None if isinstance(c, float) else c for c in within["lsoa_code"]]
    methods = [WITHIN if c is not None else UNPLACED for c in codes]
    distances = [0.0 if c is not None else None for c in codes]
    outside = points[[c is None for c in codes]]
    if not outside.empty:
        near = gpd.sjoin_nearest(
            outside, polygons, how="left", max_distance=max_distance_m, distance_col="distance_m"
        )
        near = near.sort_values(["point_index", "lsoa_code"]).drop_duplicates("point_index")
        for i, code, distance in zip(near["point_index"], near["lsoa_code"], near["distance_m"]):
            if isinstance(code, str):
                codes[i], methods[i], distances[i] = code, NEAREST, round(float(distance), 1)
    return pl.DataFrame(
        {"lsoa_code": codes, "placement_method": methods, "placement_distance_m": distances},
        schema={
            "lsoa_code": pl.String,
            "placement_method": pl.String,
            "placement_distance_m": pl.Float64,
        },
    )


# ---------------------------------------------------------------------------------------------
# support groups


def parse_created_date(created: str | None, iso_date: str | None) -> dt.date | None:
    """The date a group was listed.

    The ``ISO 8601 Date`` column wins when filled. Otherwise ``Created`` is read; it mixes two
    layouts: zero-padded ``dd/mm/yyyy hh:mm:ss`` (day first) and unpadded ``m/d/yyyy h:mm:ss``
    (month first, US style: e.g. ``4/8/2020`` is 8 April 2020, as the ISO column confirms).

    Raises:
        ValueError: neither column holds a readable date.
    """
    if iso_date:
        return dt.date.fromisoformat(iso_date.strip())
    match = CREATED.match(created or "")
    if not match:
        raise ValueError(f"unreadable group date: Created={created!r}, ISO 8601 Date={iso_date!r}")
    first, second, year = match.groups()
    if len(first) == 2 and len(second) == 2:
        day, month = int(first), int(second)
    else:
        month, day = int(first), int(second)
    return dt.date(int(year), month, day)


def build_support_groups(
    raw: pl.DataFrame, lsoas: gpd.GeoDataFrame, las: gpd.GeoDataFrame
) -> pl.DataFrame:
    """``staging.stg_community_activity__support_groups``: one row per group (202).

    Args:
        raw: ``raw.community_support_groups`` (text columns as parsed).
        lsoas: Welsh 2021 LSOA polygons with ``lsoa_code``.
        las: Welsh local authority polygons with ``la_code``.

    Returns:
        Columns: group_id (the source UUID), title, location_text, source_type (facebook group,
        website, council, nextdoor community; null if blank), display_status (the list's own
        status: VISIBLE, UPDATED, URL BROKEN, NOT GROUP, ...), police_force,
        police_neighbourhood, group_url (public page), created_date (DATE), latitude, longitude
        (degrees, EPSG:4326), lsoa_code (2021 LSOA), la_code (LA of that LSOA),
        placement_method, placement_distance_m (metres), source_row_number. Contact e-mail
        addresses are deliberately not carried.

    Raises:
        ValueError: a latitude/longitude is missing or not a number, or a group ID repeats.
    """
    coords = raw.select(
        "source_row_number",
        pl.col("lat").str.strip_chars().cast(pl.Float64, strict=False).alias("latitude"),
        pl.col("lng").str.strip_chars().cast(pl.Float64, strict=False).alias("longitude"),
    )
    bad = coords.filter(pl.col("latitude").is_null() | pl.col("longitude").is_null())
    if bad.height:
        raise ValueError(
            f"support groups: unreadable coordinates on source rows {bad['source_row_number'].to_list()}"
        )
    dupes = raw.filter(pl.col("id").is_duplicated())["id"].unique().to_list()
    if dupes:
        raise ValueError(f"support groups: repeated group IDs {dupes}")
    placed = place_points(coords["longitude"].to_list(), coords["latitude"].to_list(), lsoas)
    la_of = lsoa_to_la(lsoas, las)
    created = [
        parse_created_date(c, i)
        for c, i in zip(raw["created"].to_list(), raw["iso_8601_date"].to_list(), strict=True)
    ]

    def text(column: str) -> pl.Expr:
        value = pl.col(column).str.strip_chars()
        return pl.when(value == "").then(None).otherwise(value)

    return pl.concat(
        [
            raw.select(
                text("id").alias("group_id"),
                text("title").alias("title"),
                text("location").alias("location_text"),
                text("source").alias("source_type"),
                text("display").alias("display_status"),
                text("force").alias("police_force"),
                text("neighbourhood").alias("police_neighbourhood"),
                text("url").alias("group_url"),
                pl.Series("created_date", created, dtype=pl.Date),
            ),
            coords.select("latitude", "longitude"),
            placed.select(
                "lsoa_code",
                pl.col("lsoa_code").replace_strict(la_of, default=None).alias("la_code"),
                "placement_method",
                "placement_distance_m",
            ),
            raw.select("source_row_number"),
        ],
        how="horizontal",
    )


# ---------------------------------------------------------------------------------------------
# volunteer registrations


def as_at_date_from_file_name(file_name: str) -> dt.date:
    """The ``yyyy-mm-dd`` date in a WCVA file name (``la_wcva_2020-05-18.csv`` -> 2020-05-18).

    Raises:
        ValueError: the file name holds no such date.
    """
    match = WCVA_DATE.search(file_name)
    if not match:
        raise ValueError(f"no yyyy-mm-dd 'as at' date in the WCVA file name {file_name!r}")
    return dt.date.fromisoformat(match.group(1))


def build_volunteer_registrations(
    raw: pl.DataFrame, las: pl.DataFrame
) -> tuple[pl.DataFrame, list[str]]:
    """``staging.stg_community_activity__volunteer_registrations``: one row per Welsh LA (22).

    Args:
        raw: ``raw.volunteer_registrations`` (area, total_vol_count, new_vol_count as text, and
            the lineage column source_file_name that carries the 'as at' date).
        las: local authorities with la_code and la_name_en (``raw.la_boundaries``).

    Returns:
        The frame (la_code, la_name_en, total_volunteer_count, new_volunteer_count (people
        registered with Volunteering Wales; new = registered since the COVID-19 appeal),
        as_at_date DATE) and the area names dropped as not Welsh local authorities
        ('Outside Area', 'Shropshire').

    Raises:
        UnmatchedAreaError: an area is neither a Welsh LA name nor a known non-LA area.
        ValueError: a count is not a whole number, or an LA appears twice.
    """
    names = las.select(
        "la_code",
        pl.col("la_name_en").str.strip_chars(),
        pl.col("la_name_en").str.strip_chars().str.to_lowercase().alias("key"),
    )
    frame = raw.with_columns(
        pl.col("area").str.strip_chars().alias("area"),
        pl.col("area").str.strip_chars().str.to_lowercase().alias("key"),
    )
    non_la = frame.filter(pl.col("area").is_in(list(NON_LA_AREAS)))
    frame = frame.filter(~pl.col("area").is_in(list(NON_LA_AREAS)))
    joined = frame.join(names, on="key", how="left")
    unmatched = joined.filter(pl.col("la_code").is_null())["area"].to_list()
    if unmatched:
        raise UnmatchedAreaError(
            f"volunteer registrations: area names {unmatched} match no Welsh local authority "
            f"name in raw.la_boundaries ({sorted(names['la_name_en'].to_list())})"
        )
    repeated = joined.filter(pl.col("la_code").is_duplicated())["area"].to_list()
    if repeated:
        raise ValueError(f"volunteer registrations: local authorities listed twice: {repeated}")
    counts = joined.select(
        pl.col("total_vol_count").str.strip_chars().cast(pl.Int64, strict=False),
        pl.col("new_vol_count").str.strip_chars().cast(pl.Int64, strict=False),
    )
    bad = joined.filter(counts["total_vol_count"].is_null() | counts["new_vol_count"].is_null())
    if bad.height:
        raise ValueError(
            f"volunteer registrations: counts not whole numbers for {bad['area'].to_list()}"
        )
    file_names = (
        raw["source_file_name"].unique().to_list() if "source_file_name" in raw.columns else []
    )
    if len(file_names) != 1:
        raise ValueError(f"volunteer registrations: expected one source file, found {file_names}")
    as_at = as_at_date_from_file_name(file_names[0])
    out = pl.DataFrame(
        {
            "la_code": joined["la_code"],
            "la_name_en": joined["la_name_en"],
            "total_volunteer_count": counts["total_vol_count"],
            "new_volunteer_count": counts["new_vol_count"],
            "as_at_date": [as_at] * joined.height,
        },
        schema_overrides={"as_at_date": pl.Date},
    ).sort("la_code")
    return out, non_la["area"].to_list()
