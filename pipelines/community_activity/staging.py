"""Typing, conforming and placing community activity records (plain functions the assets call).

A group's point is placed with the project's one point-in-polygon function
(``pipelines.boundaries.point_in_polygon.lsoa_for_points``, DuckDB spatial) in the Welsh 2021
LSOA whose polygon contains it; a point that falls in no polygon (the super-generalised coastline
cuts off some shore) takes the nearest Welsh LSOA within 2 km (metres in the British National
Grid, EPSG:27700). The local authority of a group is the local authority of its LSOA in the one
LSOA -> authority lookup (``pipelines.geography.LSOA_LA``), so LSOA and local authority figures
always add up.
"""

import datetime as dt
import re

import duckdb
import polars as pl

from pipelines.boundaries.point_in_polygon import lsoa_for_points
from pipelines.geography import lsoa_la_sql

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


def place_points(con: duckdb.DuckDBPyConnection, longitude: list, latitude: list) -> pl.DataFrame:
    """Place WGS84 points in the LSOAs of ``raw.lsoa21_boundaries`` (``lsoa_for_points``, the
    nearest LSOA within 2 km for a point in none).

    Args:
        longitude, latitude: degrees, EPSG:4326, same length.

    Returns:
        One row per point, in input order: lsoa_code (null if unplaced), placement_method
        (``within``, ``nearest_within_2km`` or ``unplaced``), placement_distance_m (0 when within,
        metres to 0.1 m when nearest, null when unplaced).
    """
    points = pl.DataFrame({"latitude": latitude, "longitude": longitude}).with_row_index("row_id")
    con.register("_community_points", points)
    placed = lsoa_for_points(con, "_community_points", nearest_within_m=NEAREST_LIMIT_M)
    frame = placed.order("row_id").pl()
    con.unregister("_community_points")
    nearest, found = pl.col("nearest_distance_m"), pl.col("lsoa_code").is_not_null()
    return frame.select(
        "lsoa_code",
        pl.when(nearest.is_not_null())
        .then(pl.lit(NEAREST))
        .when(found)
        .then(pl.lit(WITHIN))
        .otherwise(pl.lit(UNPLACED))
        .alias("placement_method"),
        pl.when(found).then(nearest.round(1).fill_null(0.0)).alias("placement_distance_m"),
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


def build_support_groups(con: duckdb.DuckDBPyConnection, raw: pl.DataFrame) -> pl.DataFrame:
    """``staging.stg_community_activity__support_groups``: one row per group (202).

    Args:
        con: a connection with ``raw.lsoa21_boundaries`` and ``raw.lsoa21_ward_la_lookup``.
        raw: ``raw.community_support_groups`` (text columns as parsed).

    Returns:
        The columns of its contract (``data_contracts/community_activity.yaml``), in that order;
        contact e-mail addresses are deliberately not carried.

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
    placed = place_points(con, coords["longitude"].to_list(), coords["latitude"].to_list())
    la_of = dict(con.execute(f"select lsoa_code, la_code from ({lsoa_la_sql()})").fetchall())
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
        The frame (the columns of its contract, ``data_contracts/community_activity.yaml``) and
        the area names dropped as not Welsh local authorities ('Outside Area', 'Shropshire').

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
