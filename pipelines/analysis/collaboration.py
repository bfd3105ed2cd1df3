"""Build ``marts.collaboration_and_goals``: collaboration activity beside the goal indicators.

Grain: one row per indicator and action category (``shared_purpose``, ``governance``,
``financial_mechanism`` and ``all``, the sum of the three) across the 22 local authorities.

For each row: the association between partnership activity per 10,000 people (every activity in
the activity period, a multi-year total, over Census 2021 usual residents) and the indicator,
(a) raw: Spearman's rho, n, 95 % interval, p-value; (b) adjusted for deprivation: the partial
Spearman correlation controlling for the share of people living in the most deprived fifth of
LSOAs (WIMD 2025 quintile 1), with its interval, p-value and Holm-adjusted p-value over every test
in the table. Where an indicator has a time series, the outcome is its *change* from the last
period before the activity began to the latest period; otherwise its latest level. Every row
states both periods and whether the outcome precedes, overlaps or follows the activity period.
For example data, ``example_generator_rho`` is the indicator's correlation with the activity the
example generator is built to produce (its population and deprivation weighting alone).

Methods are in ``pipelines.analysis.statistics``; inputs are read from the marts.
"""

from dataclasses import dataclass
from datetime import date

import duckdb
import numpy as np
import polars as pl

from pipelines.analysis import statistics as st
from pipelines.financial_year import label_for_start
from pipelines.partnership_activity.generator import deprivation_weight

CATEGORIES = {
    "shared_purpose": "shared_purpose_per_10k",
    "governance": "governance_per_10k",
    "financial_mechanism": "financial_mechanism_per_10k",
    "all": "activity_per_10k",
}
DEPRIVATION_COLUMN = "share_people_most_deprived_20pct"
ADJUSTED_FOR = (
    "share of people living in the most deprived fifth of LSOAs (WIMD 2025 quintile 1), "
    "Census 2021 usual residents"
)
STANDS_OUT_BELOW = 0.05


def read_goal_indicators(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """The one place ``marts.goal_indicators`` is read: local-authority values of every period.

    Returns:
        la_code, indicator_code, period_label, period_start (Date), period_end (Date), value.
        A goal_indicators with ``period_start``/``period_end``/``period_label`` columns is read
        as is; one with a single ``period`` label has its dates worked out by
        ``statistics.period_bounds``.
    """
    columns = {
        c
        for (c,) in con.execute(
            "select column_name from duckdb_columns() "
            "where schema_name = 'marts' and table_name = 'goal_indicators'"
        ).fetchall()
    }
    if {"period_start", "period_end", "period_label"} <= columns:
        return con.execute(
            """
            select area_code as la_code, indicator_code, period_label,
                cast(period_start as date) as period_start, cast(period_end as date) as period_end,
                cast(value as double) as value
            from marts.goal_indicators
            where area_code like 'W06%' and value is not null
            """
        ).pl()
    frame = con.execute(
        """
        select area_code as la_code, indicator_code, period as period_label,
            cast(value as double) as value
        from marts.goal_indicators
        where area_code like 'W06%' and value is not null
        """
    ).pl()
    bounds = {label: st.period_bounds(label) for label in frame["period_label"].unique()}
    return frame.with_columns(
        pl.col("period_label")
        .replace_strict({k: v[0] for k, v in bounds.items()}, return_dtype=pl.Date)
        .alias("period_start"),
        pl.col("period_label")
        .replace_strict({k: v[1] for k, v in bounds.items()}, return_dtype=pl.Date)
        .alias("period_end"),
    ).select("la_code", "indicator_code", "period_label", "period_start", "period_end", "value")


@dataclass(frozen=True)
class Outcome:
    """What one indicator contributes: its level or its change, per local authority."""

    indicator_code: str
    measure: str  # 'level' or 'change'
    label: str  # '2020-21', or '2018-19 to 2022-23' for a change
    baseline_label: str | None
    start: date  # first day of the outcome window (the baseline period's, for a change)
    end: date  # last day of the latest period
    values: dict[str, float]


def indicator_outcomes(goal: pl.DataFrame, activity_start: date | None) -> list[Outcome]:
    """The outcome of each indicator: the change over the activity period where a series allows.

    Args:
        goal: from ``read_goal_indicators``.
        activity_start: first day of the activity period (None: no activity; levels are used).

    Returns:
        One Outcome per indicator. With two or more periods, the change from the baseline (the
        latest period that ended before ``activity_start``, else the earliest period) to the
        latest period, for the areas with both values; otherwise the latest level.
    """
    out = []
    for (code,), rows in sorted(goal.group_by(["indicator_code"]), key=lambda g: g[0]):
        periods = (
            rows.select("period_label", "period_start", "period_end")
            .unique()
            .sort(["period_end", "period_start"])
        )
        latest = periods.row(-1, named=True)
        baseline = None
        if periods.height >= 2 and activity_start is not None:
            before = periods.filter(pl.col("period_end") < activity_start)
            baseline = (before if before.height else periods).row(
                -1 if before.height else 0, named=True
            )
            if baseline["period_label"] == latest["period_label"]:
                baseline = None
        end_values = _values(rows, latest["period_label"])
        if baseline is None:
            out.append(
                Outcome(
                    code,
                    "level",
                    latest["period_label"],
                    None,
                    latest["period_start"],
                    latest["period_end"],
                    end_values,
                )
            )
            continue
        start_values = _values(rows, baseline["period_label"])
        change = {la: end_values[la] - start_values[la] for la in end_values if la in start_values}
        out.append(
            Outcome(
                code,
                "change",
                f"{baseline['period_label']} to {latest['period_label']}",
                baseline["period_label"],
                baseline["period_start"],
                latest["period_end"],
                change,
            )
        )
    return out


def _values(rows: pl.DataFrame, label: str) -> dict[str, float]:
    sub = rows.filter(pl.col("period_label") == label)
    repeated = sub.filter(pl.col("la_code").is_duplicated())["la_code"].unique().sort().to_list()
    if repeated:
        raise ValueError(
            f"marts.goal_indicators has more than one value of {rows['indicator_code'][0]} for "
            f"period {label} in {', '.join(repeated)}: expected one per local authority and period"
        )
    return dict(zip(sub["la_code"].to_list(), sub["value"].to_list(), strict=True))


def activity_period(con: duckdb.DuckDBPyConnection) -> tuple[date, date, str] | None:
    """First and last day and label of the financial years the activity counts cover."""
    first, last = con.execute(
        "select min(financial_year), max(financial_year) from marts.activity_by_la_year"
    ).fetchone()
    if first is None:
        return None
    start, end = int(first[:4]), int(last[:4])
    label = (
        label_for_start(start)
        if start == end
        else f"{label_for_start(start)} to {label_for_start(end)}"
    )
    return date(start, 4, 1), date(end + 1, 3, 31), label


def generator_expected_activity(con: duckdb.DuckDBPyConnection) -> dict[str, float]:
    """Activity per person the example generator is built to give each local authority.

    The generator places each activity in an LSOA with probability proportional to population
    times ``deprivation_weight(wimd_rank)`` (whole-authority rows take the LSOA's authority), so
    an authority's expected activity per person is the population-weighted mean of that weight.
    """
    lsoas = con.execute("select la_code, population, wimd_rank from marts.lsoa_profile").pl()
    weights = deprivation_weight(lsoas["wimd_rank"].to_numpy())
    frame = lsoas.with_columns(weighted=pl.Series(weights) * pl.col("population"))
    by_la = frame.group_by("la_code").agg(pl.col("weighted").sum() / pl.col("population").sum())
    return dict(zip(by_la["la_code"].to_list(), by_la["weighted"].to_list(), strict=True))


def build(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """Every row of ``marts.collaboration_and_goals`` (see the module docstring)."""
    profile = con.execute(
        f"select la_code, {', '.join(CATEGORIES.values())}, {DEPRIVATION_COLUMN}, is_example_data "
        "from marts.local_authority_profile order by la_code"
    ).pl()
    catalogue = con.execute(
        "select indicator_code, indicator_name_en, indicator_name_cy, polarity, wellbeing_goals "
        "from reference.indicator_goals"
    ).pl()
    is_example = bool(profile["is_example_data"].any())
    period = activity_period(con)
    activity_start, activity_end, activity_label = period or (None, None, None)
    expected = generator_expected_activity(con) if is_example else {}
    la_codes = profile["la_code"].to_list()
    deprivation = profile[DEPRIVATION_COLUMN].to_numpy()

    rows = []
    for outcome in indicator_outcomes(read_goal_indicators(con), activity_start):
        y = np.array([outcome.values.get(la, np.nan) for la in la_codes], dtype=float)
        generator_rho = (
            st.spearman([expected.get(la, np.nan) for la in la_codes], y).rho
            if is_example
            else None
        )
        order = (
            st.time_order(outcome.start, outcome.end, activity_start, activity_end)
            if period
            else None
        )
        for category, column in CATEGORIES.items():
            x = profile[column].to_numpy()
            raw = st.spearman(x, y)
            adjusted = st.partial_spearman(x, y, deprivation)
            rows.append(
                {
                    "indicator_code": outcome.indicator_code,
                    "action_category": category,
                    "outcome_measure": outcome.measure,
                    "outcome_period_label": outcome.label,
                    "baseline_period_label": outcome.baseline_label,
                    "outcome_period_start": outcome.start,
                    "outcome_period_end": outcome.end,
                    "activity_period_label": activity_label,
                    "activity_period_start": activity_start,
                    "activity_period_end": activity_end,
                    "time_order": order,
                    "n": raw.n,
                    "spearman_rho": raw.rho,
                    "ci_lower": raw.ci_lower,
                    "ci_upper": raw.ci_upper,
                    "p_value": raw.p_value,
                    "adjusted_for": ADJUSTED_FOR,
                    "partial_n": adjusted.n,
                    "partial_rho": adjusted.rho,
                    "partial_ci_lower": adjusted.ci_lower,
                    "partial_ci_upper": adjusted.ci_upper,
                    "partial_p_value": adjusted.p_value,
                    "example_generator_rho": generator_rho,
                }
            )
    frame = pl.DataFrame(rows, infer_schema_length=None)
    if frame.is_empty():
        return frame
    partial_p = frame["partial_p_value"].to_numpy()
    family = int(np.isfinite(partial_p).sum())
    frame = frame.with_columns(
        pl.Series("partial_p_holm", st.holm(partial_p)),
        pl.lit(family, dtype=pl.Int64).alias("family_size"),
        pl.lit(is_example).alias("is_example_data"),
    ).with_columns(
        (pl.col("partial_p_holm").fill_nan(None) < STANDS_OUT_BELOW)
        .fill_null(False)
        .alias("stands_out"),
        *(pl.col(c).fill_nan(None) for c in _FLOAT_COLUMNS),
    )
    frame = frame.join(catalogue, on="indicator_code", how="inner")
    frame = frame.with_columns(
        pl.struct(frame.columns)
        .map_elements(_caveat_en, return_dtype=pl.String)
        .alias("caveat_en"),
        pl.struct(frame.columns)
        .map_elements(_caveat_cy, return_dtype=pl.String)
        .alias("caveat_cy"),
    )
    return frame.select(COLUMNS).sort(["indicator_code", "action_category"])


_FLOAT_COLUMNS = [
    "spearman_rho",
    "ci_lower",
    "ci_upper",
    "p_value",
    "partial_rho",
    "partial_ci_lower",
    "partial_ci_upper",
    "partial_p_value",
    "partial_p_holm",
    "example_generator_rho",
]

COLUMNS = [
    "indicator_code",
    "indicator_name_en",
    "indicator_name_cy",
    "polarity",
    "wellbeing_goals",
    "action_category",
    "outcome_measure",
    "outcome_period_label",
    "baseline_period_label",
    "outcome_period_start",
    "outcome_period_end",
    "activity_period_label",
    "activity_period_start",
    "activity_period_end",
    "time_order",
    "n",
    "spearman_rho",
    "ci_lower",
    "ci_upper",
    "p_value",
    "adjusted_for",
    "partial_n",
    "partial_rho",
    "partial_ci_lower",
    "partial_ci_upper",
    "partial_p_value",
    "partial_p_holm",
    "family_size",
    "stands_out",
    "example_generator_rho",
    "caveat_en",
    "caveat_cy",
    "is_example_data",
]


def _num(value: float) -> str:
    return f"{value:.2f}"


def _caveat_en(row: dict) -> str:
    n = row["n"]
    outcome = row["outcome_period_label"]
    activity = row["activity_period_label"]
    what = "the change in the indicator" if row["outcome_measure"] == "change" else "the indicator"
    parts = [f"Association across {n} local authorities, not a cause."]
    order = row["time_order"]
    if order == "precedes":
        parts.append(
            f"{what.capitalize()} ({outcome}) was measured before the activity ({activity}), "
            "so this can only show where activity went, not what it did."
        )
    elif order == "overlaps":
        parts.append(
            f"{what.capitalize()} ({outcome}) overlaps the activity period ({activity}); it "
            "cannot show what the activity did."
        )
    elif order == "follows":
        parts.append(
            f"{what.capitalize()} ({outcome}) follows the activity period ({activity}), but "
            "areas differ in many ways and activity may follow need."
        )
    if row["partial_p_holm"] is not None:
        verdict = "stands out" if row["stands_out"] else "does not stand out"
        parts.append(
            f"After adjusting for deprivation and for the {row['family_size']} comparisons in "
            f"this table (Holm), this association {verdict}."
        )
    if row["is_example_data"]:
        parts.append(
            "Activity figures are EXAMPLE data from the pipeline's generator, which places "
            "activity by population and deprivation only (the most deprived LSOA 2.5 times as "
            "likely per person as the least deprived)"
            + (
                f"; the indicator's correlation with that built-in pattern alone is rho = "
                f"{_num(row['example_generator_rho'])}, so any pattern here is the "
                "generator's own."
                if row["example_generator_rho"] is not None
                else ", so any pattern here is the generator's own."
            )
        )
    return " ".join(parts)


def _caveat_cy(row: dict) -> str:
    n = row["n"]
    outcome = (row["outcome_period_label"] or "").replace(" to ", " i ")
    activity = (row["activity_period_label"] or "").replace(" to ", " i ")
    what = "y newid yn y dangosydd" if row["outcome_measure"] == "change" else "y dangosydd"
    parts = [f"Cysylltiad ar draws {n} awdurdod lleol, nid achos."]
    order = row["time_order"]
    if order == "precedes":
        parts.append(
            f"Mesurwyd {what} ({outcome}) cyn y gweithgarwch ({activity}), felly dim ond ble "
            "yr aeth y gweithgarwch y gall ei ddangos, nid beth a wnaeth."
        )
    elif order == "overlaps":
        parts.append(
            f"Mae cyfnod {what} ({outcome}) yn gorgyffwrdd â chyfnod y gweithgarwch "
            f"({activity}); ni all ddangos beth a wnaeth y gweithgarwch."
        )
    elif order == "follows":
        parts.append(
            f"Daw {what} ({outcome}) ar ôl cyfnod y gweithgarwch ({activity}), ond mae "
            "ardaloedd yn wahanol mewn sawl ffordd a gall gweithgarwch ddilyn angen."
        )
    if row["partial_p_holm"] is not None:
        verdict = (
            "mae'r cysylltiad hwn yn amlwg"
            if row["stands_out"]
            else ("nid yw'r cysylltiad hwn yn amlwg")
        )
        parts.append(
            f"Ar ôl addasu ar gyfer amddifadedd ac ar gyfer y {row['family_size']} cymhariaeth "
            f"yn y tabl hwn (Holm), {verdict}."
        )
    if row["is_example_data"]:
        parts.append(
            "Data ENGHREIFFTIOL o gynhyrchydd y biblinell yw ffigurau'r gweithgarwch; mae'n "
            "gosod gweithgarwch yn ôl poblogaeth ac amddifadedd yn unig (yr ardal fwyaf "
            "difreintiedig 2.5 gwaith mor debygol fesul person â'r lleiaf difreintiedig)"
            + (
                f"; cydberthynas y dangosydd â'r patrwm adeiledig hwnnw ar ei ben ei hun yw "
                f"rho = {_num(row['example_generator_rho'])}, felly patrwm y cynhyrchydd "
                "ei hun yw unrhyw batrwm yma."
                if row["example_generator_rho"] is not None
                else ", felly patrwm y cynhyrchydd ei hun yw unrhyw batrwm yma."
            )
        )
    return " ".join(parts)
