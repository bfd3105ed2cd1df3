"""Deterministic generator of realistic EXAMPLE partnership activity submissions.

No real partner submissions are public, so the pipeline ships this generator and uses it when no
inbox is configured. Every row it makes has ``is_example_data = true`` and a partner name that
starts with 'Example: ', so no one mistakes it for evidence.

What it models (plausibly, not from any real data):
    * where: real 2021 LSOAs and their local authority (all 22); activity weighted by population
      and by deprivation (the most deprived LSOA by WIMD 2025 is 2.5 times as likely per person
      as the least deprived); a quarter of rows (most governance rows) cover a whole local
      authority and have no LSOA;
    * what: all three action categories and their 15 activity types (shared purpose 50 %,
      governance 30 %, financial mechanism 20 %), English titles with some Welsh words;
    * when: financial years 2021-22 to 2025-26, growing over time; one-off events last a day,
      roles and grants 1 month to 3 years;
    * money: grants skewed (mostly a few thousand pounds, 2 % of financial rows in the hundreds of
      thousands); sectors, well-being goals, participants and partnership maturity.

Vectorised with numpy and polars: ``generate_activity(10_000_000, seed)`` takes seconds, not
minutes, and ``write_submission`` writes CSV, Parquet, XLSX or ODS.
"""

import os
from pathlib import Path

import numpy as np
import polars as pl

from pipelines.financial_year import financial_year_start_expr, first_day
from pipelines.partnership_activity import contract as pc

REGIONS = {
    "North Wales": ["W06000001", "W06000002", "W06000003", "W06000004", "W06000005", "W06000006"],
    "Mid and West Wales": ["W06000008", "W06000009", "W06000010", "W06000023"],
    "South West and Central Wales": [
        "W06000011",
        "W06000012",
        "W06000013",
        "W06000014",
        "W06000015",
        "W06000016",
        "W06000024",
    ],
    "South East Wales": ["W06000018", "W06000019", "W06000020", "W06000021", "W06000022"],
}
FINANCIAL_YEARS = [2021, 2022, 2023, 2024, 2025]
YEAR_WEIGHTS = np.array([0.14, 0.17, 0.20, 0.23, 0.26])
CATEGORY_WEIGHTS = {"shared_purpose": 0.5, "governance": 0.3, "financial_mechanism": 0.2}
ONE_DAY_TYPES = {"engagement_event", "partnership_meeting"}
NATIONAL_PARTNERS = [
    "Example: National Community Grants Fund",
    "Example: Wales Community Wealth Building Network",
    "Example: National Well-being Partnership Forum",
]
# Local partner kinds: name pattern and short code.
LOCAL_PARTNERS = [
    ("Example: {la} Public Services Board", "PSB"),
    ("Example: {la} Council Communities Team", "LAC"),
    ("Example: {la} Voluntary Action Council", "CVC"),
]
# Partner kind probabilities per category: PSB, council, voluntary council, national body.
PARTNER_WEIGHTS = {
    "shared_purpose": [0.35, 0.25, 0.30, 0.10],
    "governance": [0.50, 0.30, 0.10, 0.10],
    "financial_mechanism": [0.10, 0.30, 0.25, 0.35],
}
TITLES = {
    "listening_exercise": [
        "Listening exercise",
        "Sgwrs Gymunedol: community conversation",
        "Residents' listening sessions",
    ],
    "engagement_event": [
        "Community engagement day",
        "Bore Coffi drop-in",
        "Gŵyl y Gymuned community festival",
    ],
    "information_sharing_platform": [
        "Shared community information hub",
        "Hwb Gwybodaeth online directory",
        "Partner data-sharing platform",
    ],
    "partnership_meeting": [
        "Locality partnership meeting",
        "Cyfarfod Partneriaeth quarterly meeting",
        "Neighbourhood network meeting",
    ],
    "systems_thinking_asset_mapping": [
        "Community asset mapping",
        "Mapio Asedau: local assets workshop",
        "Systems mapping of local support",
    ],
    "long_term_planning": [
        "Co-produced local well-being plan",
        "Cynllun Llesiant: ten-year community plan",
        "Long-term place plan",
    ],
    "clear_roles_processes": [
        "Partnership terms of reference",
        "Shared roles and processes agreement",
        "Joint working protocol",
    ],
    "liaison_role": [
        "Community liaison officer",
        "Swyddog Cyswllt Cymunedol post",
        "Community connector role",
    ],
    "shared_decision_making": [
        "Participatory budgeting panel",
        "Community decision panel",
        "Shared decision-making forum",
    ],
    "formal_policy_commitment": [
        "Formal commitment of staff time",
        "Compact with the third sector",
        "Resource commitment policy",
    ],
    "linking_body": [
        "Regional partnership linking body",
        "National network membership",
        "Regional community forum",
    ],
    "flexible_grant_funding": [
        "Flexible community grant",
        "Grant Cymunedol Hyblyg small grants",
        "Micro-grants for local groups",
    ],
    "longer_term_grant_funding": [
        "Three-year core funding",
        "Longer-term community grant",
        "Multi-year development grant",
    ],
    "mixed_funding": [
        "Match-funded community project",
        "Mixed funding partnership",
        "Blended grant and loan",
    ],
    "community_wealth_building": [
        "Community wealth building: local procurement",
        "Community share offer",
        "Menter Gymunedol community enterprise support",
    ],
}
SECTOR_PROBS = {
    "public": 0.9,
    "third_sector": 0.7,
    "community": 0.6,
    "academic": 0.12,
    "private": 0.1,
    "national_body": 0.18,
}
GOAL_PROBS = {
    "prosperous": 0.3,
    "resilient": 0.2,
    "healthier": 0.55,
    "more_equal": 0.5,
    "cohesive_communities": 0.65,
    "vibrant_culture_welsh_language": 0.2,
    "globally_responsible": 0.1,
}
MATURITY = ["emerging", "developing", "established", "embedded"]
MATURITY_WEIGHTS = [0.2, 0.35, 0.3, 0.15]


AREA_SOURCES = ("lsoa21_ward_la_lookup", "lsoa21_population", "wimd_2025_ranks")
"""The raw tables ``areas_from_frames`` reads (its arguments, by name)."""


def areas_from_frames(
    lsoa21_ward_la_lookup: pl.DataFrame,
    lsoa21_population: pl.DataFrame,
    wimd_2025_ranks: pl.DataFrame,
) -> pl.DataFrame:
    """The areas the generator places activity in: one row per 2021 LSOA (1,917).

    Args:
        lsoa21_ward_la_lookup: raw.lsoa21_ward_la_lookup, the one LSOA -> local authority lookup
            (``pipelines.geography.LSOA_LA``: lsoa21cd, lad24cd, lad24nm).
        lsoa21_population: raw.lsoa21_population (lsoa21_code, usual_residents_ts021).
        wimd_2025_ranks: raw.wimd_2025_ranks (lsoa_code, lsoa_name_en, wimd_rank).

    Returns:
        lsoa21_code, lsoa_name, la_code, la_name, population (people), wimd_rank (1 = most deprived).
    """
    las = lsoa21_ward_la_lookup.select(
        pl.col("lsoa21cd").str.strip_chars().alias("lsoa21_code"),
        pl.col("lad24cd").str.strip_chars().alias("la_code"),
        pl.col("lad24nm").str.strip_chars().alias("la_name"),
    )
    pop = lsoa21_population.select(
        pl.col("lsoa21_code"),
        pl.col("usual_residents_ts021").cast(pl.Float64, strict=False).alias("population"),
    )
    wimd = wimd_2025_ranks.select(
        pl.col("lsoa_code").alias("lsoa21_code"),
        pl.col("lsoa_name_en").alias("lsoa_name"),
        pl.col("wimd_rank").cast(pl.Float64, strict=False).alias("wimd_rank"),
    )
    out = las.join(pop, on="lsoa21_code", how="left").join(wimd, on="lsoa21_code", how="left")
    return out.sort("lsoa21_code").with_columns(
        pl.col("lsoa_name").fill_null(pl.col("lsoa21_code")),
        pl.col("wimd_rank").fill_null(pl.col("wimd_rank").median()),
        pl.col("population").fill_null(1500.0),
    )


def areas_from_catalogue() -> pl.DataFrame:
    """``areas_from_frames`` from the catalogue files (mirror or download)."""
    from pipelines.sources import load_source

    return areas_from_frames(*(load_source(key)[0] for key in AREA_SOURCES))


def _mask_strings(names: list[str]) -> list[str]:
    return [";".join(n for b, n in enumerate(names) if m >> b & 1) for m in range(1 << len(names))]


def _bernoulli_mask(
    rng: np.random.Generator, n: int, probs: list[float], fallback_bit: int
) -> np.ndarray:
    mask = np.zeros(n, dtype=np.int64)
    for bit, p in enumerate(probs):
        mask |= (rng.random(n) < p).astype(np.int64) << bit
    mask[mask == 0] = 1 << fallback_bit
    return mask


def deprivation_weight(wimd_rank: np.ndarray) -> np.ndarray:
    """Relative chance per person that the generator places an activity in an LSOA.

    2.5 for the most deprived LSOA (WIMD 2025 rank 1), falling linearly with rank to 1.0 for the
    least deprived: the deprivation gradient built into the example data (also used by
    ``marts.collaboration_and_goals`` to show that pattern is the generator's own).
    """
    rank = np.asarray(wimd_rank, dtype=float)
    return 1.0 + 1.5 * (1.0 - (rank - 1) / max(rank.max() - 1, 1))


def generate_activity(n: int, seed: int = 2025, areas: pl.DataFrame | None = None) -> pl.DataFrame:
    """Generate ``n`` example activity rows, deterministically for a given seed and areas.

    Args:
        n: number of rows.
        seed: random seed (same seed, same areas -> identical frame).
        areas: from ``areas_from_frames``; default ``areas_from_catalogue()`` (needs the mirror
            or a download).

    Returns:
        One row per activity with the contract's submitted columns, typed: activity_id (unique),
        partner_organisation ('Example: ...'), action_category, activity_type, title, description,
        lsoa_code (2021, null for whole-LA activities), la_code, postcode/latitude/longitude
        (null), start_date and end_date (Date), sectors and wellbeing_goals (';'-separated),
        participant_count (Int64, people), funding_gbp (Float64, GBP), partnership_maturity,
        is_example_data (true).
    """
    if areas is None:
        areas = areas_from_catalogue()
    rng = np.random.default_rng(seed)
    areas = areas.sort("lsoa21_code")
    n_areas = areas.height
    weights = areas["population"].to_numpy() * deprivation_weight(areas["wimd_rank"].to_numpy())
    lsoa_idx = rng.choice(n_areas, size=n, p=weights / weights.sum())

    categories = list(CATEGORY_WEIGHTS)
    cat_idx = rng.choice(len(categories), size=n, p=list(CATEGORY_WEIGHTS.values()))
    cat_types = pc.prop_custom("activity_type", "allowedPairs")["pairs"]
    all_types = [t for c in categories for t in cat_types[c]]
    type_idx = np.empty(n, dtype=np.int64)
    for ci, cat in enumerate(categories):
        mask = cat_idx == ci
        offset = all_types.index(cat_types[cat][0])
        type_idx[mask] = offset + rng.integers(0, len(cat_types[cat]), size=int(mask.sum()))

    # Where: LSOA, or the whole local authority (most governance, some others).
    la_level = rng.random(n) < np.where(cat_idx == 1, 0.6, 0.12)
    la_codes = sorted(areas["la_code"].unique().to_list())
    la_names = dict(zip(areas["la_code"].to_list(), areas["la_name"].to_list()))
    la_index_of_area = np.array([la_codes.index(c) for c in areas["la_code"].to_list()])
    la_idx = la_index_of_area[lsoa_idx]

    # Who: partner kind depends on category; national bodies are shared across Wales.
    kind = np.empty(n, dtype=np.int64)
    for ci, cat in enumerate(categories):
        mask = cat_idx == ci
        kind[mask] = rng.choice(4, size=int(mask.sum()), p=PARTNER_WEIGHTS[cat])
    national_idx = rng.integers(0, len(NATIONAL_PARTNERS), size=n)
    partner_table = [
        p.format(la=la_names[c]) for c in la_codes for p, _ in LOCAL_PARTNERS
    ] + NATIONAL_PARTNERS
    code_table = [f"{code}-{c[-2:]}" for c in la_codes for _, code in LOCAL_PARTNERS] + [
        "NAT-01",
        "NAT-02",
        "NAT-03",
    ]
    partner_idx = np.where(
        kind < 3, la_idx * 3 + np.minimum(kind, 2), len(la_codes) * 3 + national_idx
    )

    # When.
    fy = np.array(FINANCIAL_YEARS)[rng.choice(len(FINANCIAL_YEARS), size=n, p=YEAR_WEIGHTS)]
    fy_start = np.array([np.datetime64(first_day(y)) for y in FINANCIAL_YEARS])
    start = fy_start[fy - FINANCIAL_YEARS[0]] + rng.integers(0, 365, size=n).astype(
        "timedelta64[D]"
    )
    one_day = np.isin(type_idx, [all_types.index(t) for t in ONE_DAY_TYPES])
    duration = np.where(
        one_day,
        0,
        np.where(cat_idx == 0, rng.integers(0, 120, size=n), rng.integers(30, 1096, size=n)),
    )
    end = start + duration.astype("timedelta64[D]")
    ongoing = (~one_day) & (rng.random(n) < 0.08)

    # How many, how much.
    participants = np.round(
        np.where(cat_idx == 1, rng.lognormal(np.log(12), 0.6, n), rng.lognormal(np.log(35), 1.0, n))
    ).astype(np.int64)
    participants_null = rng.random(n) < 0.1
    big = rng.random(n) < 0.02
    fin = np.where(
        big, rng.lognormal(np.log(250_000), 0.8, n), rng.lognormal(np.log(8_000), 1.2, n)
    )
    other = rng.lognormal(np.log(1_500), 1.0, n)
    funding = np.round(np.clip(np.where(cat_idx == 2, fin, other), 50, 2_500_000), -1)
    funding_null = (cat_idx != 2) & (rng.random(n) < 0.45)

    sectors = _bernoulli_mask(rng, n, list(SECTOR_PROBS.values()), 0)
    goals = _bernoulli_mask(rng, n, list(GOAL_PROBS.values()), 4)
    maturity = rng.choice(len(MATURITY), size=n, p=MATURITY_WEIGHTS)
    title_variant = rng.integers(0, 3, size=n)
    title_table = [TITLES[t][k] for t in all_types for k in range(3)]

    lsoa_codes = areas["lsoa21_code"]
    lsoa_names = areas["lsoa_name"]
    frame = pl.DataFrame(
        {
            "_i": np.arange(n, dtype=np.int64),
            "_partner": partner_idx,
            "_lsoa": lsoa_idx,
            "_la": la_idx,
            "_la_level": la_level,
            "_cat": cat_idx,
            "_type": type_idx,
            "_title": type_idx * 3 + title_variant,
            "_sectors": sectors,
            "_goals": goals,
            "_maturity": maturity,
            "start_date": start,
            "end_date": end,
            "_ongoing": ongoing,
            "participant_count": participants,
            "_p_null": participants_null,
            "funding_gbp": funding,
            "_f_null": funding_null,
        }
    )

    def gather(values, index: str) -> pl.Expr:
        """The text of ``values`` at each row's ``index`` column."""
        return pl.lit(pl.Series(values, dtype=pl.String)).gather(pl.col(index))

    place = (
        pl.when(pl.col("_la_level"))
        .then(gather([la_names[c] for c in la_codes], "_la"))
        .otherwise(gather(lsoa_names, "_lsoa"))
    )
    frame = frame.with_columns(
        gather(partner_table, "_partner").alias("partner_organisation"),
        gather(code_table, "_partner").alias("_pcode"),
        gather(categories, "_cat").alias("action_category"),
        gather(all_types, "_type").alias("activity_type"),
        gather(title_table, "_title").alias("_title_text"),
        place.alias("_place"),
        pl.when(~pl.col("_la_level")).then(gather(lsoa_codes, "_lsoa")).alias("lsoa_code"),
        gather(la_codes, "_la").alias("la_code"),
        gather(_mask_strings(list(SECTOR_PROBS)), "_sectors").alias("sectors"),
        gather(_mask_strings(list(GOAL_PROBS)), "_goals").alias("wellbeing_goals"),
        gather(MATURITY, "_maturity").alias("partnership_maturity"),
    )
    return frame.select(
        pl.format("{}-{}", pl.col("_pcode"), pl.col("_i").cast(pl.String).str.zfill(8)).alias(
            "activity_id"
        ),
        "partner_organisation",
        "action_category",
        "activity_type",
        pl.format("{}, {}", pl.col("_title_text"), pl.col("_place")).alias("title"),
        pl.format(
            "Example record made by the pipeline's generator (not real). {} in {}, with partners from: {}.",
            pl.col("_title_text"),
            pl.col("_place"),
            pl.col("sectors").str.replace_all(";", ", ").str.replace_all("_", " "),
        ).alias("description"),
        "lsoa_code",
        "la_code",
        pl.lit(None, dtype=pl.String).alias("postcode"),
        pl.lit(None, dtype=pl.Float64).alias("latitude"),
        pl.lit(None, dtype=pl.Float64).alias("longitude"),
        pl.col("start_date").cast(pl.Date),
        pl.when(~pl.col("_ongoing")).then(pl.col("end_date").cast(pl.Date)).alias("end_date"),
        "sectors",
        pl.when(~pl.col("_p_null")).then(pl.col("participant_count")).alias("participant_count"),
        pl.when(~pl.col("_f_null")).then(pl.col("funding_gbp")).alias("funding_gbp"),
        "wellbeing_goals",
        "partnership_maturity",
        pl.lit(True).alias("is_example_data"),
    )


def write_submission(
    frame: pl.DataFrame, path: Path, title_rows: list[str] | None = None, encoding: str = "utf-8"
) -> Path:
    """Write a submission file; the format follows the suffix (.csv, .parquet, .xlsx, .ods).

    Args:
        frame: rows to write (typed or text).
        path: target file (parent folders are created).
        title_rows: spreadsheet only: lines written above the header (like a report title).
        encoding: CSV only: 'utf-8', 'utf-8-sig' or 'cp1252'.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    suffix = path.suffix.lower()
    if suffix == ".parquet":
        frame.write_parquet(path)
    elif suffix == ".csv":
        if encoding == "utf-8":
            frame.write_csv(path)
        else:
            path.write_bytes(
                frame.write_csv().encode(encoding, errors="replace").replace(b"\xef\xbb\xbf", b"")
            )
            if encoding == "utf-8-sig" and not path.read_bytes().startswith(b"\xef\xbb\xbf"):
                path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())
    elif suffix in (".xlsx", ".ods"):
        import pandas as pd

        pdf = frame.to_pandas()
        engine = "openpyxl" if suffix == ".xlsx" else "odf"
        start = len(title_rows or []) + (1 if title_rows else 0)
        with pd.ExcelWriter(path, engine=engine) as writer:
            pdf.to_excel(writer, sheet_name="activities", index=False, startrow=start)
            if title_rows:
                pd.DataFrame([[t] for t in title_rows]).to_excel(
                    writer, sheet_name="activities", index=False, header=False, startrow=0
                )
    else:
        raise ValueError(
            f"{path.name}: unsupported suffix {suffix}; expected .csv, .parquet, .xlsx or .ods"
        )
    return path


def messy_kinds(n: int, seed: int = 7) -> np.ndarray:
    """How ``messy_copy`` writes each of ``n`` rows: 0-4 accepted after normalisation, 5 (negative
    funding), 6 (end before start) and 7 (unknown action category) quarantined."""
    return np.random.default_rng(seed).integers(0, 8, size=n)


def messy_copy(frame: pl.DataFrame, seed: int = 7) -> pl.DataFrame:
    """A text copy of ``frame`` written the way people fill spreadsheets, plus a few real errors.

    Accepted after normalisation: LSOA codes in lower case with spaces, local authorities by
    English or Welsh name, dd/mm/yyyy dates, amounts as '£12,500'. Quarantined (about 1 row in
    8): negative funding, end date before start date, an unknown action category, a missing title.
    """
    pick = pl.Series(messy_kinds(frame.height, seed))
    text = frame.with_columns(pl.all().cast(pl.String))
    return (
        text.with_columns(pick.alias("_k"))
        .with_columns(
            pl.when(pl.col("_k") == 0)
            .then(pl.col("lsoa_code").str.to_lowercase().str.replace("w01", "w01 "))
            .otherwise(pl.col("lsoa_code"))
            .alias("lsoa_code"),
            pl.when(pl.col("_k") == 1)
            .then(pl.lit("Caerdydd"))
            .when(pl.col("_k") == 2)
            .then(pl.lit("Cardiff"))
            .otherwise(pl.col("la_code"))
            .alias("la_code"),
            pl.when(pl.col("_k").is_in([1, 2]))
            .then(pl.lit("W06000015"))
            .otherwise(pl.col("la_code"))
            .alias("_la_fix"),
            pl.when(pl.col("_k") == 3)
            .then(pl.col("start_date").str.to_date().dt.strftime("%d/%m/%Y"))
            .otherwise(pl.col("start_date"))
            .alias("start_date"),
            pl.when(pl.col("_k") == 4)
            .then(
                pl.format(
                    "£{}",
                    pl.col("funding_gbp")
                    .cast(pl.Float64)
                    .round(0)
                    .cast(pl.Int64)
                    .map_elements(lambda x: f"{x:,}", return_dtype=pl.String),
                )
            )
            .otherwise(pl.col("funding_gbp"))
            .alias("funding_gbp"),
            pl.when(pl.col("_k") == 5)
            .then(pl.lit("-2500"))
            .otherwise(pl.col("funding_gbp"))
            .alias("_neg"),
            pl.when(pl.col("_k") == 6)
            .then(pl.lit("2021-01-01"))
            .otherwise(pl.col("end_date"))
            .alias("end_date"),
            pl.when(pl.col("_k") == 7)
            .then(pl.lit("community development"))
            .otherwise(pl.col("action_category"))
            .alias("action_category"),
        )
        .with_columns(
            # Cardiff names need a Cardiff LSOA (or none): drop the LSOA on those rows.
            pl.when(pl.col("_k").is_in([1, 2]))
            .then(None)
            .otherwise(pl.col("lsoa_code"))
            .alias("lsoa_code"),
            pl.when(pl.col("_k") == 5)
            .then(pl.col("_neg"))
            .otherwise(pl.col("funding_gbp"))
            .alias("funding_gbp"),
        )
        .drop("_k", "_la_fix", "_neg")
    )


def write_example_inbox(
    folder: Path, areas: pl.DataFrame, seed: int = 2025, rows: int = 5000
) -> list[Path]:
    """Write the default example submission set (24 files, about ``rows`` rows) into ``folder``.

    Files (processed in name order; modification times are set in that order):
        01-20: one file per region (4) and financial year (5): CSV for 2021-22 to 2023-24, XLSX
               for 2024-25 and 2025-26;
        21:    national funders, ODS;
        22:    a 'messy' Windows-1252 CSV (names for codes, dd/mm/yyyy, '£1,234', some errors);
        23:    an XLSX with title rows above the header;
        24:    corrections: re-submits 40 rows of file 01 with updated figures (supersedes them)
               and corrected versions of the quarantined rows of file 22 (resolves them).

    Writing is skipped for files that already exist, so the set (and each file's sha256) stays
    the same across runs and re-loading it changes nothing.
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    frame = generate_activity(rows, seed, areas)
    region_of = {code: r for r, codes in REGIONS.items() for code in codes}
    fy = financial_year_start_expr(pl.col("start_date")).alias("_fy")
    frame = frame.with_columns(
        fy,
        pl.col("la_code").replace_strict(region_of, default="National").alias("_region"),
        pl.col("partner_organisation").is_in(NATIONAL_PARTNERS).alias("_national"),
    )
    national = frame.filter(pl.col("_national"))
    local = frame.filter(~pl.col("_national"))
    messy_rows = local.tail(64)
    title_rows = local.tail(160).head(96)
    local = local.head(local.height - 160)
    written: list[Path] = []
    planned: list[tuple[str, pl.DataFrame, dict]] = []
    k = 1
    for region in REGIONS:
        for year in FINANCIAL_YEARS:
            part = local.filter((pl.col("_region") == region) & (pl.col("_fy") == year))
            slug = region.lower().replace(" ", "-")
            suffix = "csv" if year <= 2023 else "xlsx"
            planned.append(
                (f"{k:02d}_example_{slug}_{year}-{(year + 1) % 100:02d}.{suffix}", part, {})
            )
            k += 1
    planned.append((f"{k:02d}_example_national-funders_2021-26.ods", national, {}))
    messy = messy_copy(messy_rows.drop("_fy", "_region", "_national"))
    planned.append(
        (f"{k + 1:02d}_example_messy-spreadsheet-export.csv", messy, {"encoding": "cp1252"})
    )
    planned.append(
        (
            f"{k + 2:02d}_example_with-title-rows.xlsx",
            title_rows,
            {
                "title_rows": [
                    "Example partner return: partnership activity",
                    "Generated example data - not real",
                ]
            },
        )
    )
    first = (
        planned[0][1]
        .head(40)
        .with_columns(
            (pl.col("participant_count").fill_null(10) + 5).alias("participant_count"),
            pl.format("{} (updated)", pl.col("title")).alias("title"),
        )
    )
    fixed = (
        messy_rows.with_row_index("_j")
        .filter(
            pl.Series(np.isin(messy_kinds(messy_rows.height), [5, 6]))  # funding, dates fixed
        )
        .drop("_j")
    )
    corrections = pl.concat([first, fixed], how="vertical_relaxed")
    planned.append((f"{k + 3:02d}_example_corrections.csv", corrections, {}))
    base_time = 1_700_000_000
    for i, (name, part, kwargs) in enumerate(planned):
        path = folder / name
        if not path.exists():
            keep = [c for c in part.columns if not c.startswith("_")]
            write_submission(part.select(keep), path, **kwargs)
            os.utime(path, (base_time + i * 60, base_time + i * 60))
        written.append(path)
    return written
