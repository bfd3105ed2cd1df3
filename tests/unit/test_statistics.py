"""The statistics of marts.collaboration_and_goals, checked against scipy and statsmodels on the
same data (never against a formula copied here), and the change-over-time logic on a series."""

from datetime import date

import numpy as np
import polars as pl
import pytest
import statsmodels.api as sm
from scipy import stats
from statsmodels.stats.multitest import multipletests

from pipelines.analysis import statistics as st
from pipelines.analysis.collaboration import indicator_outcomes


@pytest.fixture()
def sample():
    """22 areas like the local authorities: activity with ties, an outcome, a deprivation share."""
    rng = np.random.default_rng(12)
    deprivation = rng.uniform(0, 0.4, 22).round(2)  # ties
    activity = (10 + 20 * deprivation + rng.normal(0, 1.5, 22)).round(0)  # many ties
    outcome = 65 - 15 * deprivation + rng.normal(0, 1.0, 22)
    return activity, outcome, deprivation


def test_spearman_matches_scipy_with_ties_and_missing_values(sample):
    x, y, _ = sample
    y = y.copy()
    y[[3, 17]] = np.nan
    expected = stats.spearmanr(x, y, nan_policy="omit")
    got = st.spearman(x, y)
    assert got.n == 20
    assert got.rho == pytest.approx(expected.statistic, abs=1e-12)
    # The p-value is the Fisher z test of the interval, not scipy's t-test: close, not equal.
    assert got.p_value == pytest.approx(expected.pvalue, abs=0.02)


def test_p_value_and_interval_agree_by_method(sample):
    """The interval at confidence 1 - p has 0 at an end: p < 0.05 exactly when 0 is outside."""
    x, y, z = sample
    for got, k in ((st.spearman(x, y), 0), (st.partial_spearman(x, y, z), 1)):
        ends = st.fisher_interval(got.rho, got.n, controls=k, confidence=1 - got.p_value)
        assert min(abs(e) for e in ends) == pytest.approx(0, abs=1e-9)
    # Near the edge (|r| about 0.43 across 22 areas) a t-test p and this interval disagreed.
    for r in np.linspace(-0.6, 0.6, 241):
        lower, upper = st.fisher_interval(r, 22)
        assert (st.fisher_p_value(r, 22) < 0.05) == (lower > 0 or upper < 0)


def test_interval_machinery_matches_scipy_and_the_spearman_factor_widens_it(sample):
    x, y, _ = sample
    r = st.spearman(x, y).rho
    # With variance factor 1 the Fisher interval is scipy's interval for Pearson's r of the ranks.
    pearson = stats.pearsonr(stats.rankdata(x), stats.rankdata(y)).confidence_interval(0.95)
    lower, upper = st.fisher_interval(r, len(x), variance_factor=1.0)
    assert (lower, upper) == pytest.approx((pearson.low, pearson.high), abs=1e-12)
    got = st.spearman(x, y)
    assert got.ci_lower < lower < r < upper < got.ci_upper


def test_partial_spearman_matches_statsmodels_rank_regression(sample):
    x, y, z = sample
    rx, ry, rz = (stats.rankdata(v) for v in (x, y, z))
    fit = sm.OLS(ry, sm.add_constant(np.column_stack([rx, rz]))).fit()
    t, dof = fit.tvalues[1], fit.df_resid
    got = st.partial_spearman(x, y, z)
    assert got.n == 22
    # The partial correlation is the correlation of the residuals after the covariate ...
    res_x = sm.OLS(rx, sm.add_constant(rz)).fit().resid
    res_y = sm.OLS(ry, sm.add_constant(rz)).fit().resid
    assert got.rho == pytest.approx(stats.pearsonr(res_x, res_y).statistic, abs=1e-12)
    # ... which is the t statistic of rank(x) in the regression with deprivation as covariate.
    assert got.rho == pytest.approx(t / np.sqrt(t * t + dof), abs=1e-12)
    assert got.p_value == pytest.approx(fit.pvalues[1], abs=0.02)
    assert got.ci_lower < got.rho < got.ci_upper


def test_partial_correlation_removes_a_shared_dependence_on_deprivation():
    rng = np.random.default_rng(3)
    z = rng.uniform(0, 1, 200)
    x = z + rng.normal(0, 0.1, 200)
    y = z + rng.normal(0, 0.1, 200)
    assert st.spearman(x, y).rho > 0.8
    assert abs(st.partial_spearman(x, y, z).rho) < 0.2


def test_holm_matches_statsmodels_and_leaves_missing_tests_out_of_the_family():
    rng = np.random.default_rng(5)
    p = np.concatenate([rng.uniform(0, 0.05, 6), rng.uniform(0, 1, 30), [np.nan, np.nan]])
    got = st.holm(p)
    _, expected, _, _ = multipletests(p[:-2], method="holm")
    assert got[:-2] == pytest.approx(expected, abs=1e-12)
    assert np.isnan(got[-2:]).all()


def test_too_few_areas_or_a_constant_give_no_estimate():
    assert np.isnan(st.spearman([1, 2, 3, 4], [4, 3, 2, 1]).rho)
    assert np.isnan(st.spearman([1, 1, 1, 1, 1, 1], [1, 2, 3, 4, 5, 6]).rho)
    assert st.spearman([1, 2, 3, 4, 5, 6], [1, 2, 3, 4, 5, 6]).n == 6


@pytest.mark.parametrize(
    ("outcome", "expected"),
    [
        ((date(2017, 1, 1), date(2019, 12, 31)), "precedes"),
        ((date(2020, 4, 1), date(2021, 3, 31)), "precedes"),
        ((date(2021, 1, 1), date(2021, 12, 31)), "overlaps"),
        ((date(2019, 4, 1), date(2024, 3, 31)), "overlaps"),
        ((date(2026, 4, 1), date(2027, 3, 31)), "follows"),
    ],
)
def test_time_order_against_the_activity_period(outcome, expected):
    assert st.time_order(*outcome, date(2021, 4, 1), date(2026, 3, 31)) == expected


# First and last day of the period labels used below, as marts.goal_indicators dates them.
PERIODS = {
    "2018-19": (date(2018, 4, 1), date(2019, 3, 31)),
    "2019-20": (date(2019, 4, 1), date(2020, 3, 31)),
    "2023-24": (date(2023, 4, 1), date(2024, 3, 31)),
    "2020": (date(2020, 1, 1), date(2020, 12, 31)),
    "2015-2019 pooled": (date(2015, 1, 1), date(2019, 12, 31)),
    "2019-2023 pooled": (date(2019, 1, 1), date(2023, 12, 31)),
    "2020-2024 pooled": (date(2020, 1, 1), date(2024, 12, 31)),
}


def _series(rows):
    """Rows (la_code, indicator_code, period_label, value[, source_key]) as read_goal_indicators
    returns them; the source defaults to one per indicator."""
    rows = [r if len(r) == 5 else (*r, f"{r[1]}_source") for r in rows]
    frame = pl.DataFrame(
        rows,
        schema=["la_code", "indicator_code", "period_label", "value", "source_key"],
        orient="row",
    )
    return frame.with_columns(
        pl.when(pl.col("period_label").str.len_chars() == 4)
        .then(pl.lit("calendar_year"))
        .otherwise(pl.lit("financial_year"))
        .alias("period_type"),
        pl.col("period_label").str.replace(" pooled", " wedi'u cyfuno").alias("period_label_cy"),
        pl.col("period_label")
        .replace_strict({k: v[0] for k, v in PERIODS.items()}, return_dtype=pl.Date)
        .alias("period_start"),
        pl.col("period_label")
        .replace_strict({k: v[1] for k, v in PERIODS.items()}, return_dtype=pl.Date)
        .alias("period_end"),
    )


def test_a_time_series_gives_the_change_from_before_the_activity_to_the_latest_period():
    goal = _series(
        [
            ("W06000001", "life_satisfaction", "2018-19", 7.5),
            ("W06000001", "life_satisfaction", "2019-20", 7.6),
            ("W06000001", "life_satisfaction", "2023-24", 7.2),
            ("W06000002", "life_satisfaction", "2019-20", 7.0),
            ("W06000002", "life_satisfaction", "2023-24", 7.4),
            ("W06000003", "life_satisfaction", "2023-24", 7.9),  # no baseline: left out
            ("W06000001", "smokers_pct", "2020", 14.0),
            ("W06000002", "smokers_pct", "2020", 12.0),
        ]
    )
    change, level = indicator_outcomes(goal, activity_start=date(2021, 4, 1))
    assert change.indicator_code == "life_satisfaction"
    assert change.measure == "change"
    assert change.baseline_label == "2019-20"
    assert change.label == "2019-20 to 2023-24"
    assert (change.label_cy, change.baseline_label_cy) == ("2019-20 i 2023-24", "2019-20")
    assert (change.start, change.end) == (date(2019, 4, 1), date(2024, 3, 31))
    assert change.values == pytest.approx({"W06000001": -0.4, "W06000002": 0.4})
    assert st.time_order(change.start, change.end, date(2021, 4, 1), date(2026, 3, 31)) == (
        "overlaps"
    )
    assert (level.measure, level.label, level.baseline_label) == ("level", "2020", None)
    assert level.values == {"W06000001": 14.0, "W06000002": 12.0}


def test_a_change_is_only_taken_between_periods_of_one_source_type_and_length():
    goal = _series(
        [
            ("W06000001", "smokers_pct", "2018-19", 15.0, "old_workbook"),
            ("W06000002", "smokers_pct", "2018-19", 13.0, "old_workbook"),
            ("W06000001", "smokers_pct", "2020", 16.0, "ons_series"),
            ("W06000001", "smokers_pct", "2023-24", 12.0, "ons_series"),
            ("W06000002", "smokers_pct", "2023-24", 11.0, "ons_series"),
        ]
    )
    (outcome,) = indicator_outcomes(goal, activity_start=date(2021, 4, 1))
    # 2018-19 is another source; 2020 a calendar year: neither is a baseline for 2023-24.
    assert (outcome.measure, outcome.label) == ("level", "2023-24")
    assert outcome.values == {"W06000001": 12.0, "W06000002": 11.0}


def test_overlapping_pooled_windows_are_not_a_change():
    goal = _series(
        [
            ("W06000001", "smokers_pct", "2015-2019 pooled", 19.0),
            ("W06000001", "smokers_pct", "2019-2023 pooled", 17.0),
            ("W06000001", "smokers_pct", "2020-2024 pooled", 16.0),
        ]
    )
    (outcome,) = indicator_outcomes(goal, activity_start=date(2021, 4, 1))
    assert outcome.label == "2015-2019 pooled to 2020-2024 pooled"
    assert outcome.label_cy == "2015-2019 wedi'u cyfuno i 2020-2024 wedi'u cyfuno"
    assert outcome.values == pytest.approx({"W06000001": -3.0})


def test_a_series_that_ends_before_the_activity_gives_its_latest_level():
    goal = _series(
        [
            ("W06000001", "no2", "2018-19", 20.0),
            ("W06000001", "no2", "2019-20", 18.0),
        ]
    )
    (outcome,) = indicator_outcomes(goal, activity_start=date(2021, 4, 1))
    assert (outcome.measure, outcome.label, outcome.values) == (
        "level",
        "2019-20",
        {"W06000001": 18.0},
    )


def test_two_values_for_one_authority_and_period_are_refused_with_both_named():
    goal = _series(
        [
            ("W06000001", "smokers_pct", "2020", 14.0),
            ("W06000001", "smokers_pct", "2020", 15.0),
            ("W06000002", "smokers_pct", "2020", 12.0),
        ]
    )
    with pytest.raises(ValueError, match="smokers_pct for period 2020 in W06000001"):
        indicator_outcomes(goal, activity_start=date(2021, 4, 1))


def test_goal_indicators_with_dated_periods_are_read_as_they_are_and_give_changes():
    """marts.goal_indicators dates every period; only the authorities' rows are read."""
    import duckdb

    from pipelines.analysis.collaboration import read_goal_indicators

    con = duckdb.connect()
    con.execute("create schema marts")
    con.execute(
        """
        create table marts.goal_indicators as select * from (values
            ('W06000001', 'local_authority', 'life_satisfaction', '2019-20', '2019-20',
                date '2019-04-01', date '2020-03-31', 'financial_year', 'ons', false, 7.6),
            ('W06000001', 'local_authority', 'life_satisfaction', '2023-24', '2023-24',
                date '2023-04-01', date '2024-03-31', 'financial_year', 'ons', true, 7.2),
            ('W92000004', 'country', 'life_satisfaction', '2023-24', '2023-24',
                date '2023-04-01', date '2024-03-31', 'financial_year', 'ons', true, 7.4)
        ) t(area_code, area_type, indicator_code, period_label, period_label_cy, period_start,
            period_end, period_type, source_key, is_latest, value)
        """
    )
    goal = read_goal_indicators(con)
    assert goal["la_code"].to_list() == ["W06000001", "W06000001"]  # Wales left out
    (outcome,) = indicator_outcomes(goal, activity_start=date(2021, 4, 1))
    assert (outcome.measure, outcome.label) == ("change", "2019-20 to 2023-24")
    assert outcome.values == pytest.approx({"W06000001": -0.4})
