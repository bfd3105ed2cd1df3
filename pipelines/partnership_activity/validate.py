"""Row-by-row validation of partner submissions against the partnership activity contract.

Plain functions (no Dagster), vectorised with polars so a million rows validate in seconds.
Every value is normalised first (trimmed, codes upper-cased, names mapped to codes, dates and
amounts parsed), then checked. A row passes when no rule fails; otherwise each failed rule
gives one problem (column, value, plain-English reason naming what was expected).

Inputs:
    * a frame of strings, one row per submitted row, with ``source_row_number`` (Int64) and any
      of the contract's submitted columns (missing optional columns are treated as empty);
    * a ``Reference`` holding the geography lookups as frames, so tests can build it by hand.

Output: ``ValidationResult`` with ``accepted`` (typed rows, contact details dropped, free text
redacted), ``problems`` (one row per failed rule) and ``rows_json`` (the whole redacted row, as
JSON, for rows with a problem).
"""

import json
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl
import yaml

from pipelines.settings import PROJECT_ROOT

CONTRACT_PATH = PROJECT_ROOT / "data_contracts" / "partnership_activity.yaml"
REMOVED = "[removed]"

# Columns every submission file must have (the header row); the rest are optional columns.
REQUIRED_HEADER = (
    "activity_id",
    "partner_organisation",
    "action_category",
    "activity_type",
    "title",
    "start_date",
    "sectors",
    "wellbeing_goals",
)
LOCATION_COLUMNS = ("lsoa_code", "la_code", "postcode", "latitude", "longitude")
PERSONAL_COLUMNS = ("contact_email", "contact_phone")
FREE_TEXT_COLUMNS = ("title", "description")

# Wales bounding box (WGS84): the fallback "inside Wales" test when no boundary is given.
WALES_BBOX = {"lon_min": -5.75, "lon_max": -2.60, "lat_min": 51.33, "lat_max": 53.45}

EMAIL_RE = r"[A-Za-z0-9._%+\-]+@[A-Za-z0-9.\-]+\.[A-Za-z]{2,}"
PHONE_RE = r"\+44\s?(?:\(0\)\s?)?\d(?:[\s\-]?\d){8,9}|\b0\d(?:[\s\-]?\d){8,9}\b"
POSTCODE_IN_TEXT_RE = r"(?i)\b[A-Z]{1,2}[0-9][A-Z0-9]?\s?[0-9][A-Z]{2}\b"
POSTCODE_RE = r"^[A-Z]{1,2}[0-9][A-Z0-9]?[0-9][A-Z]{2}$"

SECTOR_ALIASES = {
    "public_sector": "public",
    "third": "third_sector",
    "voluntary": "third_sector",
    "voluntary_sector": "third_sector",
    "vcse": "third_sector",
    "charity": "third_sector",
    "community_sector": "community",
    "communities": "community",
    "academia": "academic",
    "university": "academic",
    "private_sector": "private",
    "business": "private",
    "national": "national_body",
    "national_bodies": "national_body",
}
GOAL_ALIASES = {
    "vibrant_culture_and_thriving_welsh_language": "vibrant_culture_welsh_language",
    "vibrant_culture": "vibrant_culture_welsh_language",
    "cohesive": "cohesive_communities",
    "equal": "more_equal",
    "healthy": "healthier",
}
CATEGORY_ALIASES = {
    "financial_mechanisms": "financial_mechanism",
    "financial": "financial_mechanism",
    "shared_purposes": "shared_purpose",
}


@lru_cache(maxsize=1)
def contract() -> dict:
    """The partnership activity contract (``data_contracts/partnership_activity.yaml``) as a dict."""
    return yaml.safe_load(CONTRACT_PATH.read_text(encoding="utf-8"))


def _properties() -> dict[str, dict]:
    return {p["name"]: p for p in contract()["schema"][0]["properties"]}


def _custom(name: str, key: str) -> Any:
    for item in _properties()[name].get("customProperties", []) or []:
        if item.get("property") == key:
            return item.get("value")
    return None


def _custom_in(prop: dict, key: str) -> Any:
    """A customProperty value of a contract property dict (``None`` when absent)."""
    for item in prop.get("customProperties", []) or []:
        if item.get("property") == key:
            return item.get("value")
    return None


def allowed_values(name: str) -> list[str]:
    """The closed list of codes a column accepts, from the contract."""
    return list(_custom(name, "allowedValues") or [])


def category_of_type() -> dict[str, str]:
    """activity_type -> its action_category, from the contract."""
    return {
        t: cat for cat, types in _custom("activity_type", "categoryOfType").items() for t in types
    }


def submitted_columns() -> list[str]:
    """The columns a partner may send, in contract order."""
    return [n for n in _properties() if _custom(n, "submitted")]


def option(name: str, key: str) -> Any:
    return (_properties()[name].get("logicalTypeOptions") or {}).get(key)


# ---------------------------------------------------------------------------------------------
# Reference lookups


@dataclass
class Reference:
    """Geography lookups the rules need, as frames (build with ``reference_from_frames``).

    Attributes:
        lsoa21: one row per 2021 LSOA: ``lsoa21_code``, ``la_code``.
        lsoa11_to_21: one row per 2011 -> 2021 pair: ``lsoa11_code``, ``lsoa21_code``, ``la_code``.
        postcodes: one row per postcode: ``postcode_key`` (upper case, no spaces), ``lsoa11_code``.
        la_names: one row per local authority: ``la_code``, ``la_name_en``, ``la_name_cy``.
        wales_outline: optional shapely geometry of Wales (WGS84) for the "inside Wales" test;
            ``None`` uses a bounding box (coarser: it admits a little of England and the sea).
        lsoa21_polygons: optional GeoDataFrame (``lsoa21_code``, geometry, WGS84) to place rows
            that give only coordinates; without it such rows are quarantined.
    """

    lsoa21: pl.DataFrame
    lsoa11_to_21: pl.DataFrame
    postcodes: pl.DataFrame
    la_names: pl.DataFrame
    wales_outline: Any = None
    lsoa21_polygons: Any = None
    notes: list[str] = field(default_factory=list)


def _postcode_key(expr: pl.Expr) -> pl.Expr:
    return expr.str.to_uppercase().str.replace_all(r"[^A-Z0-9]", "")


def _name_key(expr: pl.Expr) -> pl.Expr:
    """'Rhondda Cynon Taf' / 'Ynys Môn' / 'City and County of Swansea' -> comparable keys."""
    return (
        expr.str.normalize("NFKD")
        .str.to_lowercase()
        .str.replace_all("&", "and")
        .str.replace_all(r"[^a-z0-9 ]", "")
        .str.replace_all(r"^(the |city and county of |county borough of |sir |dinas a sir )", "")
        .str.replace_all(r"( county borough council| county council| council| county borough)$", "")
        .str.replace_all(r"\s+", "")
    )


def reference_from_frames(
    lsoa21_population: pl.DataFrame,
    lsoa11_lsoa21_lookup: pl.DataFrame,
    wimd_2019_postcodes: pl.DataFrame,
    lsoa11_la_names: pl.DataFrame,
    wales_outline: Any = None,
    lsoa21_polygons: Any = None,
) -> Reference:
    """Build a ``Reference`` from the raw tables (column names as in the warehouse).

    Args:
        lsoa21_population: ``lsoa21_code``, ``lad24_code`` (raw.lsoa21_population).
        lsoa11_lsoa21_lookup: ``lsoa11cd``, ``lsoa21cd``, ``lad22cd`` (raw.lsoa11_lsoa21_lookup;
            upper-case headers are accepted too).
        wimd_2019_postcodes: ``postcode``, ``lsoa_code`` (2011) (raw.wimd_2019_postcodes).
        lsoa11_la_names: ``ladcd``, ``ladnm``, ``ladnmw`` (raw.lsoa11_la_names).
    """
    lower = lambda f: f.rename({c: c.lower().lstrip("\ufeff") for c in f.columns})
    lsoa21 = (
        lower(lsoa21_population)
        .select(
            pl.col("lsoa21_code").str.strip_chars(),
            pl.col("lad24_code").str.strip_chars().alias("la_code"),
        )
        .unique("lsoa21_code")
    )
    l1121 = (
        lower(lsoa11_lsoa21_lookup)
        .select(
            pl.col("lsoa11cd").str.strip_chars().alias("lsoa11_code"),
            pl.col("lsoa21cd").str.strip_chars().alias("lsoa21_code"),
            pl.col("lad22cd").str.strip_chars().alias("la_code"),
        )
        .unique()
    )
    postcodes = (
        lower(wimd_2019_postcodes)
        .select(
            _postcode_key(pl.col("postcode")).alias("postcode_key"),
            pl.col("lsoa_code").str.strip_chars().alias("lsoa11_code"),
        )
        .unique("postcode_key")
    )
    names = (
        lower(lsoa11_la_names)
        .select(
            pl.col("ladcd").str.strip_chars().alias("la_code"),
            pl.col("ladnm").str.strip_chars().alias("la_name_en"),
            pl.col("ladnmw").str.strip_chars().alias("la_name_cy"),
        )
        .unique("la_code")
        .sort("la_code")
    )
    return Reference(lsoa21, l1121, postcodes, names, wales_outline, lsoa21_polygons)


# ---------------------------------------------------------------------------------------------
# Expressions


def redact(expr: pl.Expr) -> pl.Expr:
    """Replace e-mail addresses, UK phone numbers and postcodes in free text by '[removed]'."""
    return (
        expr.str.replace_all(EMAIL_RE, REMOVED)
        .str.replace_all(PHONE_RE, REMOVED)
        .str.replace_all(POSTCODE_IN_TEXT_RE, REMOVED)
    )


def parse_date(expr: pl.Expr) -> pl.Expr:
    """Text -> Date: yyyy-mm-dd (optionally with a time), dd/mm/yyyy (also with - or .), or an
    Excel serial day number (days since 1899-12-30, 5 digits); anything else -> null."""
    iso = expr.str.slice(0, 10).str.strptime(pl.Date, "%Y-%m-%d", strict=False)
    dmy = expr.str.replace_all(r"[.\-]", "/").str.strptime(pl.Date, "%d/%m/%Y", strict=False)
    is_serial = expr.str.contains(r"^\d{5}(\.0+)?$")
    serial_days = pl.when(is_serial).then(
        expr.str.extract(r"^(\d{5})", 1).cast(pl.Int32, strict=False)
    )
    serial = (
        pl.lit(np.datetime64("1899-12-30")).cast(pl.Date) + pl.duration(days=serial_days)
    ).cast(pl.Date)
    return pl.coalesce(iso, dmy, serial)


def parse_amount(expr: pl.Expr) -> pl.Expr:
    """'£12,500.00', '12 500', 'GBP 300', '(500)' (negative) -> Float64; else null."""
    cleaned = expr.str.replace_all(r"(?i)gbp|£|,|\s", "").str.replace(r"^\((.*)\)$", "-$1")
    return cleaned.cast(pl.Float64, strict=False)


def code_key(expr: pl.Expr) -> pl.Expr:
    """'Shared purpose' / 'shared-purpose' / 'Clear roles and processes' -> snake_case code."""
    return (
        expr.str.to_lowercase()
        .str.replace_all(r"[^a-z0-9]+", "_")
        .str.strip_chars("_")
        .str.replace_all(r"_and_", "_")
    )


def code_list(expr: pl.Expr, aliases: dict[str, str], strip_goal_words: bool = False) -> pl.Expr:
    """'Public; Third sector, community' -> ['community', 'public', 'third_sector'] (sorted, unique)."""
    items = expr.str.to_lowercase().str.replace_all(r"[,|/]", ";").str.split(";")
    element = pl.element().str.replace_all(r"[^a-z0-9]+", "_").str.strip_chars("_")
    if strip_goal_words:
        element = (
            element.str.replace(r"^a_", "")
            .str.replace(r"^wales_of_", "")
            .str.replace(r"_wales$", "")
        )
    element = element.replace(aliases)
    return items.list.eval(element.filter(element != "")).list.unique().list.sort()


def _bad_items(lists: pl.Expr, allowed: list[str]) -> pl.Expr:
    return lists.list.eval(pl.element().filter(~pl.element().is_in(allowed))).list.join(", ")


def _bad_list_columns(name: str, lists: pl.Expr, allowed: list[str]) -> list[pl.Expr]:
    """``name``: the normalised list joined with ';'; ``name_bad``: its items not in ``allowed``."""
    return [lists.list.join(";").alias(name), _bad_items(lists, allowed).alias(f"{name}_bad")]


def _per_distinct(df: pl.DataFrame, column: str, exprs: list[pl.Expr]) -> pl.DataFrame:
    """Evaluate ``exprs`` once per distinct value of ``column`` and join the results back.

    Partner columns such as sectors have a few hundred distinct values over millions of rows, so
    this is what keeps list normalisation fast. Null stays null.
    """
    distinct = df.select(pl.col(column).unique()).drop_nulls().with_columns(exprs)
    return df.join(distinct, on=column, how="left")


# ---------------------------------------------------------------------------------------------
# Validation


class Chain:
    """A rule written like ``pl.when(cond).then(reason).when(...)...``, first match wins.

    ``failed()`` is a cheap boolean (any condition true) evaluated on every row; ``reason()`` is
    the when/then text, evaluated only on the rows that failed.
    """

    def __init__(self) -> None:
        self.pairs: list[tuple[pl.Expr, pl.Expr]] = []
        self._cond: pl.Expr | None = None

    def when(self, condition: pl.Expr) -> "Chain":
        self._cond = condition
        return self

    def then(self, reason: pl.Expr) -> "Chain":
        self.pairs.append((self._cond, reason))
        return self

    def failed(self) -> pl.Expr:
        return pl.any_horizontal([cond.fill_null(False) for cond, _ in self.pairs])

    def reason(self) -> pl.Expr:
        (cond, text), *rest = self.pairs
        expr = pl.when(cond).then(text)
        for cond, text in rest:
            expr = expr.when(cond).then(text)
        return expr


@dataclass
class ValidationResult:
    """Outcome of validating one submission.

    Attributes:
        accepted: one row per valid submitted row, typed as ``raw.partnership_activity`` (without
            the load columns submission_file ... supersedes_note); no contact columns.
        problems: one row per failed rule: source_row_number, partner_organisation, activity_id,
            column_name, value, reason.
        rows_json: one row per row with a problem: source_row_number, row_json (redacted).
        rows_submitted: rows validated.
    """

    accepted: pl.DataFrame
    problems: pl.DataFrame
    rows_json: pl.DataFrame
    rows_submitted: int

    @property
    def rows_quarantined(self) -> int:
        return self.problems["source_row_number"].n_unique() if self.problems.height else 0


PROBLEM_SCHEMA = {
    "source_row_number": pl.Int64,
    "partner_organisation": pl.String,
    "activity_id": pl.String,
    "column_name": pl.String,
    "value": pl.String,
    "reason": pl.String,
}


def _prepare(frame: pl.LazyFrame, is_example_data: bool) -> pl.LazyFrame:
    """Every submitted column present as trimmed text (empty -> null); free text redacted;
    contact details replaced by '[removed]'."""
    cols = submitted_columns()
    missing = [c for c in cols if c not in frame.collect_schema().names()]
    frame = frame.with_columns([pl.lit(None, dtype=pl.String).alias(c) for c in missing])
    text = [pl.col(c).cast(pl.String).str.strip_chars().replace("", None).alias(c) for c in cols]
    extra = [pl.col("_first_row")] if "_first_row" in frame.collect_schema().names() else []
    frame = frame.select(pl.col("source_row_number").cast(pl.Int64), *text, *extra)
    frame = frame.with_columns(
        [redact(pl.col(c)).alias(c) for c in FREE_TEXT_COLUMNS]
        + [
            pl.when(pl.col(c).is_not_null()).then(pl.lit(REMOVED)).alias(c)
            for c in PERSONAL_COLUMNS
        ]
        + [pl.col("partner_organisation").str.replace_all(r"\s+", " ")]
    )
    if is_example_data:
        frame = frame.with_columns(pl.lit("true").alias("is_example_data"))
    return frame


def duplicate_key_exprs() -> list[pl.Expr]:
    """The (partner_organisation, activity_id) key as ``_prepare`` normalises it, from raw text."""
    return [
        pl.col("partner_organisation")
        .str.strip_chars()
        .replace("", None)
        .str.replace_all(r"\s+", " "),
        pl.col("activity_id").str.strip_chars().replace("", None),
    ]


def _lsoa11_map(ref: Reference) -> pl.DataFrame:
    """2011 code -> number of 2021 codes, the 2021 code when unique, the 2021 codes, the LA."""
    return ref.lsoa11_to_21.group_by("lsoa11_code").agg(
        pl.col("lsoa21_code").n_unique().alias("_n21"),
        pl.col("lsoa21_code").first().alias("_l21_from11"),
        pl.col("lsoa21_code").sort().str.join(", ").alias("_l21_list"),
        pl.col("la_code").first().alias("_la_from11"),
    )


def _inside_wales(lat: np.ndarray, lon: np.ndarray, ref: Reference) -> np.ndarray:
    if ref.wales_outline is not None:
        import shapely

        return shapely.contains_xy(ref.wales_outline, lon, lat)
    b = WALES_BBOX
    return (
        (lon >= b["lon_min"])
        & (lon <= b["lon_max"])
        & (lat >= b["lat_min"])
        & (lat <= b["lat_max"])
    )


def _lsoa_of_points(lat: np.ndarray, lon: np.ndarray, ref: Reference) -> list[str | None]:
    import geopandas as gpd

    points = gpd.GeoDataFrame(geometry=gpd.points_from_xy(lon, lat), crs="EPSG:4326")
    polys = ref.lsoa21_polygons[["lsoa21_code", "geometry"]]
    joined = gpd.sjoin(points, polys, how="left", predicate="within")
    joined = joined[~joined.index.duplicated(keep="first")]
    return [v if isinstance(v, str) else None for v in joined["lsoa21_code"].tolist()]


def validate(
    frame: pl.DataFrame, ref: Reference, is_example_data: bool = False
) -> ValidationResult:
    """Validate submitted rows against the contract.

    Args:
        frame: submitted rows as text with ``source_row_number``; columns named as in the contract
            (see ``pipelines.partnership_activity.ingest.canonical_columns`` for header mapping).
        ref: geography lookups.
        is_example_data: force ``is_example_data`` true (files from the example inbox).

    Returns:
        ``ValidationResult``; ``accepted.height + rows_quarantined == frame.height``.
    """
    df = _prepare(frame.lazy(), is_example_data)
    la_codes = sorted(set(ref.la_names["la_code"].to_list()) | set(ref.lsoa21["la_code"].to_list()))
    names = pl.concat(
        [
            ref.la_names.select("la_code", _name_key(pl.col("la_name_en")).alias("_la_key")),
            ref.la_names.select("la_code", _name_key(pl.col("la_name_cy")).alias("_la_key")),
        ]
    ).unique("_la_key")
    la_label = ref.la_names.select("la_code", "la_name_en")
    categories = allowed_values("action_category")
    types = allowed_values("activity_type")
    type_category = category_of_type()
    sectors = allowed_values("sectors")
    goals = allowed_values("wellbeing_goals")
    maturities = allowed_values("partnership_maturity")
    funding_max = option("funding_gbp", "maximum")
    participants_max = option("participant_count", "maximum")

    c = pl.col
    # --- normalise -------------------------------------------------------------------------
    df = df.with_columns(
        c("lsoa_code").str.to_uppercase().str.replace_all(r"\s+", "").alias("_lsoa_given"),
        _postcode_key(c("postcode")).alias("postcode_key"),
        parse_amount(c("funding_gbp")).alias("_funding"),
        c("participant_count")
        .str.replace_all(r"[,\s]", "")
        .str.replace(r"\.0+$", "")
        .alias("_pc_text"),
        c("latitude").cast(pl.Float64, strict=False).alias("_lat"),
        c("longitude").cast(pl.Float64, strict=False).alias("_lon"),
        c("is_example_data").str.to_lowercase().alias("_example_text"),
    )
    # Lists are normalised once per distinct value (few distinct values, many rows), then joined.
    df = df.collect()
    df = _per_distinct(
        df,
        "action_category",
        [code_key(c("action_category")).replace(CATEGORY_ALIASES).alias("_category")],
    )
    df = _per_distinct(df, "activity_type", [code_key(c("activity_type")).alias("_type")])
    df = _per_distinct(
        df, "partnership_maturity", [code_key(c("partnership_maturity")).alias("_maturity")]
    )
    df = _per_distinct(
        df,
        "la_code",
        [
            c("la_code").str.to_uppercase().str.replace_all(r"\s+", "").alias("_la_upper"),
            _name_key(c("la_code")).alias("_la_key"),
        ],
    )
    df = _per_distinct(df, "start_date", [parse_date(c("start_date")).alias("_start")])
    df = _per_distinct(df, "end_date", [parse_date(c("end_date")).alias("_end")])
    df = _per_distinct(
        df,
        "sectors",
        _bad_list_columns("_sectors", code_list(c("sectors"), SECTOR_ALIASES), sectors),
    )
    df = _per_distinct(
        df,
        "wellbeing_goals",
        _bad_list_columns(
            "_goals", code_list(c("wellbeing_goals"), GOAL_ALIASES, strip_goal_words=True), goals
        ),
    )
    df = df.lazy().with_columns(
        c("_pc_text").cast(pl.Int64, strict=False).alias("_participants"),
        c("_type").replace_strict(type_category, default=None).alias("_type_category"),
        c("postcode_key").str.contains(POSTCODE_RE).alias("_postcode_ok"),
    )
    # --- location: LSOA (2021, or 2011 mapped), postcode, local authority ------------------
    map11 = _lsoa11_map(ref)
    lsoa21_set = ref.lsoa21.select(
        c("lsoa21_code").alias("_lsoa_given"), c("la_code").alias("_la_of_given")
    )
    df = df.join(lsoa21_set.lazy(), on="_lsoa_given", how="left")
    df = df.join(map11.rename({"lsoa11_code": "_lsoa_given"}).lazy(), on="_lsoa_given", how="left")
    pc = ref.postcodes.join(
        map11.rename(
            {
                "lsoa11_code": "lsoa11_code",
                "_n21": "_pc_n21",
                "_l21_from11": "_pc_l21",
                "_l21_list": "_pc_list",
                "_la_from11": "_pc_la",
            }
        ),
        on="lsoa11_code",
        how="left",
    ).rename({"lsoa11_code": "_pc_lsoa11"})
    df = df.join(pc.lazy(), on="postcode_key", how="left")
    df = df.join(names.rename({"la_code": "_la_by_name"}).lazy(), on="_la_key", how="left")
    df = df.with_columns(
        pl.when(c("_la_upper").is_in(la_codes))
        .then(c("_la_upper"))
        .otherwise(c("_la_by_name"))
        .alias("_la_given_code"),
        pl.when(c("_la_of_given").is_not_null())
        .then(c("_lsoa_given"))
        .when(c("_n21") == 1)
        .then(c("_l21_from11"))
        .when(c("_lsoa_given").is_null() & c("_postcode_ok") & (c("_pc_n21") == 1))
        .then(c("_pc_l21"))
        .alias("_lsoa"),
        pl.when(c("_la_of_given").is_not_null())
        .then(pl.lit("lsoa_code"))
        .when(c("_n21") == 1)
        .then(pl.lit("lsoa_code_2011"))
        .when(c("_lsoa_given").is_null() & c("_postcode_ok") & (c("_pc_n21") == 1))
        .then(pl.lit("postcode"))
        .alias("lsoa_resolved_from"),
    )
    df = df.collect()
    # Coordinates: inside Wales, and (when nothing else places the row) point in LSOA polygon.
    has_xy = (df["_lat"].is_not_null() & df["_lon"].is_not_null()).to_numpy()
    outside = np.zeros(df.height, dtype=bool)
    xy_lsoa = pl.lit(None, dtype=pl.String).alias("_xy_lsoa")
    if has_xy.any():
        idx = np.flatnonzero(has_xy)
        lat = df["_lat"].to_numpy()[idx]
        lon = df["_lon"].to_numpy()[idx]
        inside = _inside_wales(lat, lon, ref)
        outside[idx[~inside]] = True
        needs = idx[
            inside
            & df["_lsoa"].is_null().to_numpy()[idx]
            & df["_lsoa_given"].is_null().to_numpy()[idx]
        ]
        if len(needs) and ref.lsoa21_polygons is not None:
            found = _lsoa_of_points(df["_lat"].to_numpy()[needs], df["_lon"].to_numpy()[needs], ref)
            values = np.array([None] * df.height, dtype=object)
            values[needs] = found
            xy_lsoa = pl.Series("_xy_lsoa", values.tolist(), dtype=pl.String)
    df = df.with_columns(pl.Series("_outside", outside), xy_lsoa)
    df = df.with_columns(
        pl.when(c("_lsoa").is_null() & c("_xy_lsoa").is_not_null())
        .then(pl.lit("coordinates"))
        .otherwise(c("lsoa_resolved_from"))
        .alias("lsoa_resolved_from"),
        pl.coalesce("_lsoa", "_xy_lsoa").alias("_lsoa"),
    )
    df = df.lazy()
    la_of_lsoa = ref.lsoa21.select(
        c("lsoa21_code").alias("_lsoa"), c("la_code").alias("_la_of_lsoa")
    )
    df = df.join(la_of_lsoa.lazy(), on="_lsoa", how="left")
    df = df.with_columns(
        pl.coalesce(
            "_la_given_code",
            "_la_of_lsoa",
            pl.when(c("_lsoa_given").is_null() & c("_postcode_ok")).then(c("_pc_la")),
        ).alias("_la"),
    )
    df = df.join(
        la_label.rename({"la_code": "_la_of_lsoa", "la_name_en": "_lsoa_la_name"}).lazy(),
        on="_la_of_lsoa",
        how="left",
    )
    # Duplicate ids within the file: the first row wins.
    if "_first_row" not in df.collect_schema().names():  # else precomputed over the whole file
        df = df.with_columns(
            c("source_row_number")
            .min()
            .over(["partner_organisation", "activity_id"])
            .alias("_first_row")
        )

    # --- rules: (column, value shown, reason when failed) -----------------------------------
    def missing(col: str) -> tuple[str, pl.Expr, Chain]:
        return (
            col,
            c(col),
            Chain().when(c(col).is_null()).then(pl.lit(f"{col} is required but empty")),
        )

    today = pl.lit(np.datetime64("today", "D")).cast(pl.Date)
    loc_given = pl.any_horizontal([c(x).is_not_null() for x in LOCATION_COLUMNS])
    rules: list[tuple[str, pl.Expr, Chain]] = [
        missing("activity_id"),
        missing("partner_organisation"),
        missing("title"),
        missing("start_date"),
        (
            "activity_id",
            c("activity_id"),
            Chain()
            .when(c("activity_id").is_not_null() & (c("source_row_number") != c("_first_row")))
            .then(
                pl.format(
                    "activity_id '{}' appears more than once for {} in this file (first on row {}); only the first row is loaded: give each activity its own id",
                    c("activity_id"),
                    c("partner_organisation"),
                    c("_first_row"),
                )
            ),
        ),
        (
            "activity_id",
            c("activity_id"),
            Chain()
            .when(c("activity_id").str.len_chars() > option("activity_id", "maxLength"))
            .then(
                pl.lit(
                    f"activity_id is longer than {option('activity_id', 'maxLength')} characters"
                )
            ),
        ),
        (
            "title",
            c("title"),
            Chain()
            .when(c("title").str.len_chars() > option("title", "maxLength"))
            .then(
                pl.lit(
                    f"title is longer than {option('title', 'maxLength')} characters: put detail in description"
                )
            ),
        ),
        (
            "action_category",
            c("action_category"),
            Chain()
            .when(c("action_category").is_null())
            .then(
                pl.lit(
                    "action_category is required but empty: expected one of "
                    + ", ".join(categories)
                )
            )
            .when(~c("_category").is_in(categories))
            .then(
                pl.format(
                    "unknown action category '{}': expected one of " + ", ".join(categories),
                    c("action_category"),
                )
            ),
        ),
        (
            "activity_type",
            c("activity_type"),
            Chain()
            .when(c("activity_type").is_null())
            .then(
                pl.lit("activity_type is required but empty: expected one of " + ", ".join(types))
            )
            .when(c("_type_category").is_null())
            .then(
                pl.format(
                    "unknown activity type '{}': expected one of " + ", ".join(types),
                    c("activity_type"),
                )
            )
            .when(c("_category").is_in(categories) & (c("_type_category") != c("_category")))
            .then(
                pl.format(
                    "activity type '{}' belongs to action category {}, not {}: correct the category or the type",
                    c("_type"),
                    c("_type_category"),
                    c("_category"),
                )
            ),
        ),
        (
            "start_date",
            c("start_date"),
            Chain()
            .when(c("start_date").is_not_null() & c("_start").is_null())
            .then(
                pl.format(
                    "start_date '{}' is not a date: expected yyyy-mm-dd, dd/mm/yyyy or an Excel date",
                    c("start_date"),
                )
            )
            .when(
                (c("_start") < pl.lit(option("start_date", "minimum")).str.to_date())
                | (c("_start") > today.dt.offset_by("2y"))
            )
            .then(
                pl.format(
                    "start_date {} is out of range: expected between 2000-01-01 and two years from today",
                    c("_start"),
                )
            ),
        ),
        (
            "end_date",
            c("end_date"),
            Chain()
            .when(c("end_date").is_not_null() & c("_end").is_null())
            .then(
                pl.format(
                    "end_date '{}' is not a date: expected yyyy-mm-dd, dd/mm/yyyy or an Excel date",
                    c("end_date"),
                )
            )
            .when(c("_end") < c("_start"))
            .then(
                pl.format(
                    "end_date {} is before start_date {}: expected an end on or after the start",
                    c("_end"),
                    c("_start"),
                )
            )
            .when(c("_end") > pl.lit(option("end_date", "maximum")).str.to_date())
            .then(
                pl.format(
                    "end_date {} is out of range: expected no later than {}",
                    c("_end"),
                    pl.lit(option("end_date", "maximum")),
                )
            ),
        ),
        (
            "sectors",
            c("sectors"),
            Chain()
            .when(c("sectors").is_null() | (c("_sectors") == ""))
            .then(
                pl.lit(
                    "sectors is required: expected a semicolon-separated list of "
                    + ", ".join(sectors)
                )
            )
            .when(c("_sectors_bad") != "")
            .then(
                pl.format(
                    "unknown sector(s) {}: expected a semicolon-separated list of "
                    + ", ".join(sectors),
                    c("_sectors_bad"),
                )
            ),
        ),
        (
            "wellbeing_goals",
            c("wellbeing_goals"),
            Chain()
            .when(c("wellbeing_goals").is_null() | (c("_goals") == ""))
            .then(
                pl.lit(
                    "wellbeing_goals is required: expected a semicolon-separated list of "
                    + ", ".join(goals)
                )
            )
            .when(c("_goals_bad") != "")
            .then(
                pl.format(
                    "unknown well-being goal(s) {}: expected a semicolon-separated list of "
                    + ", ".join(goals),
                    c("_goals_bad"),
                )
            ),
        ),
        (
            "partnership_maturity",
            c("partnership_maturity"),
            Chain()
            .when(c("partnership_maturity").is_not_null() & ~c("_maturity").is_in(maturities))
            .then(
                pl.format(
                    "unknown partnership maturity '{}': expected one of " + ", ".join(maturities),
                    c("partnership_maturity"),
                )
            ),
        ),
        (
            "participant_count",
            c("participant_count"),
            Chain()
            .when(c("participant_count").is_not_null() & c("_participants").is_null())
            .then(
                pl.format(
                    "participant_count '{}' is not a whole number: expected a count of people, 0 or more",
                    c("participant_count"),
                )
            )
            .when(c("_participants") < 0)
            .then(
                pl.format(
                    "participant_count {} is negative: expected 0 or more", c("_participants")
                )
            )
            .when(c("_participants") > participants_max)
            .then(
                pl.format(
                    "participant_count {} is implausibly large: expected at most "
                    + f"{participants_max:,}",
                    c("_participants"),
                )
            ),
        ),
        (
            "funding_gbp",
            c("funding_gbp"),
            Chain()
            .when(c("funding_gbp").is_not_null() & c("_funding").is_null())
            .then(
                pl.format(
                    "funding_gbp '{}' is not an amount: expected pounds, e.g. 12500 or £12,500",
                    c("funding_gbp"),
                )
            )
            .when(c("_funding") < 0)
            .then(pl.format("funding_gbp {} is negative: expected 0 or more pounds", c("_funding")))
            .when(c("_funding") > funding_max)
            .then(
                pl.format(
                    "funding_gbp {} is implausibly large for one activity: expected at most £"
                    + f"{funding_max:,.0f}"
                    + " (check for extra digits or pence)",
                    c("_funding"),
                )
            ),
        ),
        (
            "is_example_data",
            c("is_example_data"),
            Chain()
            .when(
                c("_example_text").is_not_null()
                & ~c("_example_text").is_in(["true", "false", "yes", "no", "1", "0", "y", "n"])
            )
            .then(pl.format("is_example_data '{}' is not true or false", c("is_example_data"))),
        ),
        # Location rules
        (
            "lsoa_code",
            c("lsoa_code"),
            Chain()
            .when(c("_lsoa_given").is_not_null() & ~c("_lsoa_given").str.contains(r"^W01\d{6}$"))
            .then(
                pl.format(
                    "'{}' is not a Welsh LSOA code: expected W01 followed by six digits (a 2021 LSOA)",
                    c("lsoa_code"),
                )
            )
            .when(
                c("_lsoa_given").is_not_null() & c("_la_of_given").is_null() & c("_n21").is_null()
            )
            .then(
                pl.format(
                    "LSOA {} is neither a 2021 nor a 2011 Welsh LSOA code: expected a 2021 code (W01......)",
                    c("_lsoa_given"),
                )
            )
            .when(c("_n21") > 1)
            .then(
                pl.format(
                    "LSOA {} is a 2011 code that was split into several 2021 LSOAs ({}): give the 2021 code where the activity took place",
                    c("_lsoa_given"),
                    c("_l21_list"),
                )
            ),
        ),
        (
            "postcode",
            c("postcode"),
            Chain()
            .when(c("postcode").is_not_null() & ~c("_postcode_ok"))
            .then(pl.format("'{}' is not a UK postcode: expected e.g. CF10 1EP", c("postcode")))
            .when(
                c("_lsoa_given").is_null() & c("postcode").is_not_null() & c("_pc_lsoa11").is_null()
            )
            .then(
                pl.format(
                    "postcode {} is not in the WIMD postcode lookup of Welsh postcodes: check it, or give lsoa_code or la_code",
                    c("postcode"),
                )
            ),
        ),
        (
            "la_code",
            c("la_code"),
            Chain()
            .when(c("la_code").is_not_null() & c("_la_given_code").is_null())
            .then(
                pl.format(
                    "unknown local authority '{}': expected a code W06...... or the English or Welsh name of one of the 22 local authorities",
                    c("la_code"),
                )
            )
            .when(
                c("_la_given_code").is_not_null()
                & c("_la_of_lsoa").is_not_null()
                & (c("_la_given_code") != c("_la_of_lsoa"))
            )
            .then(
                pl.format(
                    "la_code {} does not match the LSOA {}, which is in {} ({}): correct one of them",
                    c("_la_given_code"),
                    c("_lsoa"),
                    c("_lsoa_la_name"),
                    c("_la_of_lsoa"),
                )
            ),
        ),
        (
            "latitude/longitude",
            pl.concat_str([c("latitude"), c("longitude")], separator=", ", ignore_nulls=True),
            Chain()
            .when(c("latitude").is_null() != c("longitude").is_null())
            .then(pl.lit("give both latitude and longitude, or neither"))
            .when(
                (c("latitude").is_not_null() & c("_lat").is_null())
                | (c("longitude").is_not_null() & c("_lon").is_null())
            )
            .then(
                pl.lit(
                    "latitude/longitude are not numbers: expected decimal degrees (WGS84), e.g. 51.48, -3.18"
                )
            )
            .when(c("_outside"))
            .then(
                pl.format(
                    "coordinates ({}, {}) are outside Wales"
                    + ("" if ref.wales_outline is not None else " (bounding-box test)")
                    + ": expected latitude about 51.3 to 53.5 and longitude about -5.4 to -2.6, in that order",
                    c("_lat"),
                    c("_lon"),
                )
            ),
        ),
        (
            "lsoa_code/la_code/postcode/latitude/longitude",
            pl.lit(None, dtype=pl.String),
            Chain()
            .when(~loc_given)
            .then(
                pl.lit(
                    "no location: give at least one of lsoa_code, la_code, postcode, or latitude and longitude"
                )
            )
            .when(
                c("_la").is_null()
                & c("_lsoa_given").is_null()
                & c("postcode").is_null()
                & c("la_code").is_null()
                & c("_lat").is_not_null()
                & ~c("_outside")
            )
            .then(
                pl.lit(
                    "the coordinates could not be placed in a 2021 LSOA: add lsoa_code or la_code"
                )
            )
            .when(c("_la").is_null() & ~c("_outside"))
            .then(
                pl.lit(
                    "the local authority could not be determined from the location given: add la_code"
                )
            ),
        ),
    ]
    # Cheap boolean per rule on every row; the reason text only on the failing rows.
    df = df.with_columns(
        [chain.failed().alias(f"_f{i}") for i, (_, _, chain) in enumerate(rules)]
    ).collect()
    bad = pl.any_horizontal([c(f"_f{i}") for i in range(len(rules))])

    problems = pl.concat(
        [
            df.filter(c(f"_f{i}")).select(
                "source_row_number",
                "partner_organisation",
                "activity_id",
                pl.lit(column).alias("column_name"),
                value.cast(pl.String).alias("value"),
                chain.reason().alias("reason"),
            )
            for i, (column, value, chain) in enumerate(rules)
        ]
    ).sort("source_row_number", maintain_order=True)
    problems = problems.cast(PROBLEM_SCHEMA)

    cols = submitted_columns()
    bad_rows = df.filter(bad)
    rows_json = bad_rows.select(
        "source_row_number", pl.struct([c(x) for x in cols]).struct.json_encode().alias("row_json")
    )

    good = df.filter(~bad)
    start_year = c("_start").dt.year() - (c("_start").dt.month() < 4).cast(pl.Int32)
    accepted = good.select(
        c("activity_id"),
        c("partner_organisation"),
        c("_category").alias("action_category"),
        c("_type").alias("activity_type"),
        c("title"),
        c("description"),
        c("_lsoa").alias("lsoa_code"),
        c("_la").alias("la_code"),
        pl.when(c("_postcode_ok"))
        .then(
            pl.concat_str(
                [
                    c("postcode_key").str.slice(0, c("postcode_key").str.len_chars() - 3),
                    c("postcode_key").str.slice(-3),
                ],
                separator=" ",
            )
        )
        .alias("postcode"),
        c("_lat").alias("latitude"),
        c("_lon").alias("longitude"),
        c("_start").alias("start_date"),
        c("_end").alias("end_date"),
        c("_sectors").alias("sectors"),
        c("_participants").alias("participant_count"),
        c("_funding").alias("funding_gbp"),
        c("_goals").alias("wellbeing_goals"),
        c("_maturity").alias("partnership_maturity"),
        c("_example_text")
        .is_in(["true", "yes", "1", "y"])
        .fill_null(False)
        .alias("is_example_data"),
        pl.format("{}-{}", start_year, ((start_year + 1) % 100).cast(pl.String).str.zfill(2)).alias(
            "financial_year"
        ),
        c("lsoa_resolved_from"),
        c("source_row_number"),
    )
    return ValidationResult(accepted, problems, rows_json, df.height)


def problems_summary(result: ValidationResult, limit: int = 10) -> str:
    """A short text of the first problems, for logs: 'row 5, funding_gbp: ...'."""
    lines = [
        f"row {r['source_row_number']}, {r['column_name']}: {r['reason']}"
        for r in result.problems.head(limit).iter_rows(named=True)
    ]
    return "\n".join(lines)


def dumps(obj: Any) -> str:
    return json.dumps(obj, ensure_ascii=False, default=str)


def load_contract_path() -> Path:
    return CONTRACT_PATH
