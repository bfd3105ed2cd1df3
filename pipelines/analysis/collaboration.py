"""Build ``marts.collaboration_and_goals``: collaboration activity beside the goal indicators.

Grain: one row per indicator and action category (``shared_purpose``, ``governance``,
``financial_mechanism`` and ``all``, the sum of the three) across the 22 local authorities, or
those of them with reported activity (``local_authority_profile.activity_reported``): an
authority no partner has reported on is unknown, not one with no activity, and takes no part.

For each row: the association between partnership activity per 10,000 people (every activity in
the activity period, a multi-year total, over Census 2021 usual residents) and the indicator,
(a) raw: Spearman's rho, n, 95 % interval, p-value; (b) adjusted for deprivation: the partial
Spearman correlation controlling for the share of people living in the most deprived fifth of
LSOAs (WIMD 2025 quintile 1), with its interval, p-value and Holm-adjusted p-value over every test
in the table. Where an indicator has a time series, the outcome is its *change* from the last
period before the activity began to the latest period; otherwise its latest level. Every row
states both periods and whether the outcome precedes, overlaps or follows the activity period.
The indicators are those of ``family_indicators`` (rates, percentages, means and ratios with a
well-being direction; counts and context measures are left out), so the Holm family is every
row of the table.
For example data, ``example_generator_rho`` is the indicator's correlation with the activity the
example generator is built to produce (its population and deprivation weighting alone).

Methods are in ``pipelines.analysis.statistics``; inputs are read from the marts.
"""

from dataclasses import dataclass
from datetime import date, timedelta

import duckdb
import numpy as np
import polars as pl
import polars.selectors as cs

from pipelines.analysis import statistics as st
from pipelines.contracts import contract_for
from pipelines.financial_year import first_day, label_for_start
from pipelines.partnership_activity.generator import deprivation_weight
from pipelines.quality.rules import expected_columns

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
FAMILY_POLARITIES = ("higher_is_better", "lower_is_better")


def read_goal_indicators(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """The one place ``marts.goal_indicators`` is read: local-authority values of every period.

    Returns:
        la_code, indicator_code, period_label, period_label_cy (the label in Welsh),
        period_start (Date), period_end (Date), period_type, source_key, value: every period of every indicator the mart holds for the 22
        authorities (Wales, board, health-board and MSOA rows are left out), as the mart dates them.
    """
    return con.execute(
        """
        select area_code as la_code, indicator_code, period_label, period_label_cy,
            cast(period_start as date) as period_start, cast(period_end as date) as period_end,
            period_type, source_key, cast(value as double) as value
        from marts.goal_indicators
        where area_type = 'local_authority' and value is not null
        order by indicator_code, period_end, area_code
        """
    ).pl()


def family_indicators(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """The indicators tested against activity (the multiple-comparison family), one row each.

    An indicator is in the family when it can be compared across authorities of different sizes
    and has a well-being direction: its ``aggregation`` in ``reference.indicator_goals`` is not
    ``sum`` (a count of people, such as the number of Welsh speakers, mostly measures the
    authority's size) and its polarity is ``higher_is_better`` or ``lower_is_better`` (an
    indicator with ``no_preferred_direction``, such as net additions to the housing stock, is
    context, not an outcome). Rates, percentages, means, ratios and per-head values are in.

    Returns:
        indicator_code, indicator_name_en, indicator_name_cy, polarity, wellbeing_goals.
    """
    return con.execute(
        """
        select indicator_code, indicator_name_en, indicator_name_cy, polarity, wellbeing_goals
        from reference.indicator_goals
        where aggregation <> 'sum' and list_contains(?, polarity)
        order by indicator_code
        """,
        [list(FAMILY_POLARITIES)],
    ).pl()


@dataclass(frozen=True)
class Outcome:
    """What one indicator contributes: its level or its change, per local authority."""

    indicator_code: str
    measure: str  # 'level' or 'change'
    label: str  # '2020-21', or '2018-19 to 2022-23' for a change
    baseline_label: str | None
    label_cy: str  # the same in Welsh: '2020-21', 'Ebrill 2020 i Ebrill 2025'
    baseline_label_cy: str | None
    start: date  # first day of the outcome window (the baseline period's, for a change)
    end: date  # last day of the latest period
    values: dict[str, float]


def indicator_outcomes(goal: pl.DataFrame, activity_start: date | None) -> list[Outcome]:
    """The outcome of each indicator: the change over the activity period where a series allows.

    Args:
        goal: from ``read_goal_indicators``.
        activity_start: first day of the activity period (None: no activity; levels are used).

    Returns:
        One Outcome per indicator. With two or more comparable periods, the change from the
        baseline (the latest period that ended before ``activity_start``, else the earliest
        period) to the latest period, when the latest period ends after the activity began, for the areas with both values; otherwise the latest level.
        Periods are comparable with the latest when they come from the same source with the same
        period type and length and end before the latest starts (a change between a nine-month estimate from one publication and
        a five-year pooled estimate from another would measure the method, not the area).
    """
    out = []
    for (code,), rows in sorted(goal.group_by(["indicator_code"]), key=lambda g: g[0]):
        periods = (
            rows.select(
                "period_label",
                "period_label_cy",
                "period_start",
                "period_end",
                "period_type",
                "source_key",
            )
            .unique()
            .with_columns((pl.col("period_end") - pl.col("period_start")).alias("_length"))
            .sort(["period_end", "period_start"])
        )
        latest = periods.row(-1, named=True)
        periods = periods.filter(
            (pl.col("period_type") == latest["period_type"])
            & (pl.col("source_key") == latest["source_key"])
            & ((pl.col("_length") - latest["_length"]).abs() <= timedelta(days=31))
        )
        baseline = None
        # A baseline ends before the latest period starts: overlapping pooled windows
        # (2019-2023 and 2020-2024) share most of their years.
        candidates = periods.filter(pl.col("period_end") < latest["period_start"])
        # A series that ends before the activity began has no change over it: its latest level.
        if (
            candidates.height
            and activity_start is not None
            and latest["period_end"] >= activity_start
        ):
            before = candidates.filter(pl.col("period_end") < activity_start)
            baseline = (
                before.row(-1, named=True) if before.height else candidates.row(0, named=True)
            )
        end_values = _values(rows, latest["period_label"])
        if baseline is None:
            out.append(
                Outcome(
                    code,
                    "level",
                    latest["period_label"],
                    None,
                    latest["period_label_cy"],
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
                f"{baseline['period_label_cy']} i {latest['period_label_cy']}",
                baseline["period_label_cy"],
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
    return first_day(start), first_day(end + 1) - timedelta(days=1), label


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
        f"select la_code, {', '.join(CATEGORIES.values())}, {DEPRIVATION_COLUMN}, is_example_data, "
        "activity_reported from marts.local_authority_profile order by la_code"
    ).pl()
    # An authority no partner has reported on is unknown, not one with no activity: it takes no
    # part in the correlations (a first return covering a few authorities gives small n, said).
    reported = profile["activity_reported"].to_numpy().astype(bool)
    catalogue = family_indicators(con)
    is_example = bool(profile["is_example_data"].any())
    period = activity_period(con)
    activity_start, activity_end, activity_label = period or (None, None, None)
    expected = generator_expected_activity(con) if is_example else {}
    la_codes = profile["la_code"].to_list()
    deprivation = profile[DEPRIVATION_COLUMN].to_numpy()

    rows = []
    goal = read_goal_indicators(con).filter(
        pl.col("indicator_code").is_in(catalogue["indicator_code"].to_list())
    )
    for outcome in indicator_outcomes(goal, activity_start):
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
            x = np.where(reported, profile[column].to_numpy().astype(float), np.nan)
            raw = st.spearman(x, y)
            adjusted = st.partial_spearman(x, y, deprivation)
            rows.append(
                {
                    "indicator_code": outcome.indicator_code,
                    "action_category": category,
                    "outcome_measure": outcome.measure,
                    "outcome_period_label": outcome.label,
                    "baseline_period_label": outcome.baseline_label,
                    "outcome_period_label_cy": outcome.label_cy,
                    "baseline_period_label_cy": outcome.baseline_label_cy,
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
        cs.float().fill_nan(None),
    )
    frame = frame.join(catalogue, on="indicator_code", how="inner")
    frame = frame.with_columns(
        pl.struct(frame.columns)
        .map_elements(lambda row, lang=lang: caveat(row, lang), return_dtype=pl.String)
        .alias(f"caveat_{lang}")
        for lang in CAVEAT_TEXTS
    )
    return frame.select(COLUMNS).sort(["indicator_code", "action_category"])


COLUMNS = expected_columns(contract_for("marts.collaboration_and_goals"))  # in contract order


# The caveat of every association, in English and Welsh: one builder, the two languages' texts.
CAVEAT_TEXTS = {
    "en": {
        "to": " to ",
        "what": ("the change in the indicator", "the indicator"),  # change / level outcomes
        "n": "Association across {n} local authorities, not a cause.",
        "precedes": "{What} ({outcome}) was measured before the activity ({activity}), so this "
        "can only show where activity went, not what it did.",
        "overlaps": "{What} ({outcome}) overlaps the activity period ({activity}); it cannot "
        "show what the activity did.",
        "follows": "{What} ({outcome}) follows the activity period ({activity}), but areas "
        "differ in many ways and activity may follow need.",
        "verdict": ("this association stands out", "this association does not stand out"),
        "adjusted": "After adjusting for deprivation and for the {family_size} comparisons in "
        "this table (Holm), {verdict}.",
        "example": "Activity figures are EXAMPLE data from the pipeline's generator, which places "
        "activity by population and deprivation only (the most deprived LSOA 2.5 times as likely "
        "per person as the least deprived)",
        "example_rho": "; the indicator's correlation with that built-in pattern alone is "
        "rho = {rho}, so any pattern here is the generator's own.",
        "example_no_rho": ", so any pattern here is the generator's own.",
    },
    "cy": {
        "to": " i ",
        "what": ("y newid yn y dangosydd", "y dangosydd"),
        "n": "Cysylltiad ar draws {n} awdurdod lleol, nid achos.",
        "precedes": "Mesurwyd {what} ({outcome}) cyn y gweithgarwch ({activity}), felly dim ond "
        "ble yr aeth y gweithgarwch y gall ei ddangos, nid beth a wnaeth.",
        "overlaps": "Mae cyfnod {what} ({outcome}) yn gorgyffwrdd â chyfnod y gweithgarwch "
        "({activity}); ni all ddangos beth a wnaeth y gweithgarwch.",
        "follows": "Daw {what} ({outcome}) ar ôl cyfnod y gweithgarwch ({activity}), ond mae "
        "ardaloedd yn wahanol mewn sawl ffordd a gall gweithgarwch ddilyn angen.",
        "verdict": ("mae'r cysylltiad hwn yn amlwg", "nid yw'r cysylltiad hwn yn amlwg"),
        "adjusted": "Ar ôl addasu ar gyfer amddifadedd ac ar gyfer y {family_size} cymhariaeth "
        "yn y tabl hwn (Holm), {verdict}.",
        "example": "Data ENGHREIFFTIOL o gynhyrchydd y biblinell yw ffigurau'r gweithgarwch; mae'n "
        "gosod gweithgarwch yn ôl poblogaeth ac amddifadedd yn unig (yr ardal fwyaf "
        "difreintiedig 2.5 gwaith mor debygol fesul person â'r lleiaf difreintiedig)",
        "example_rho": "; cydberthynas y dangosydd â'r patrwm adeiledig hwnnw ar ei ben ei hun yw "
        "rho = {rho}, felly patrwm y cynhyrchydd ei hun yw unrhyw batrwm yma.",
        "example_no_rho": ", felly patrwm y cynhyrchydd ei hun yw unrhyw batrwm yma.",
    },
}


def caveat(row: dict, lang: str) -> str:
    """The caveat of one association row in ``lang`` (``en`` or ``cy``): an association, not a
    cause; how the outcome's period lies against the activity's; the verdict after deprivation
    and Holm's adjustment; and, on example data, that any pattern is the generator's."""
    text = CAVEAT_TEXTS[lang]
    what = text["what"][row["outcome_measure"] != "change"]
    words = {
        "what": what,
        "What": what.capitalize(),
        # the outcome's period as its source labels it in the page's language ("Ebrill 2020 i
        # Ebrill 2025"); the activity's financial years are numbers joined by "to" / "i"
        "outcome": row["outcome_period_label_cy" if lang == "cy" else "outcome_period_label"] or "",
        "activity": (row["activity_period_label"] or "").replace(" to ", text["to"]),
    }
    parts = [text["n"].format(n=row["n"])]
    if row["time_order"] in ("precedes", "overlaps", "follows"):
        parts.append(text[row["time_order"]].format(**words))
    if row["partial_p_holm"] is not None:
        verdict = text["verdict"][not row["stands_out"]]
        parts.append(text["adjusted"].format(family_size=row["family_size"], verdict=verdict))
    if row["is_example_data"]:
        rho = row["example_generator_rho"]
        end = text["example_rho"].format(rho=f"{rho:.2f}") if rho is not None else None
        parts.append(text["example"] + (end or text["example_no_rho"]))
    return " ".join(parts)
