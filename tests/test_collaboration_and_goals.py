"""marts.collaboration_and_goals built from the real data: raw and deprivation-adjusted
estimates, Holm over the table, periods and time order, checked against scipy and statsmodels on
the same inputs (read from the other marts, not from the table under test)."""

import numpy as np
import pytest
import statsmodels.api as sm
from scipy import stats
from statsmodels.stats.multitest import multipletests


def _inputs(warehouse, indicator: str, column: str):
    rows = warehouse.execute(
        f"""
        select profile.{column}, profile.share_people_most_deprived_20pct, indicators.value
        from marts.local_authority_profile as profile
        inner join marts.goal_indicators as indicators
            on indicators.area_code = profile.la_code and indicators.indicator_code = ?
        order by profile.la_code
        """,
        [indicator],
    ).fetchall()
    return (np.array(c, dtype=float) for c in zip(*rows, strict=True))


def _row(warehouse, indicator: str, category: str) -> dict:
    cursor = warehouse.execute(
        "select * from marts.collaboration_and_goals where indicator_code = ? and action_category = ?",
        [indicator, category],
    )
    names = [d[0] for d in cursor.description]
    return dict(zip(names, cursor.fetchone(), strict=True))


@pytest.mark.parametrize(
    ("indicator", "category", "column"),
    [
        ("healthy_life_expectancy_female", "all", "activity_per_10k"),
        ("life_satisfaction", "shared_purpose", "shared_purpose_per_10k"),
        ("smokers_pct", "governance", "governance_per_10k"),
    ],
)
def test_raw_and_deprivation_adjusted_estimates_match_scipy_and_statsmodels(
    warehouse, indicator, category, column
):
    activity, deprivation, outcome = _inputs(warehouse, indicator, column)
    row = _row(warehouse, indicator, category)
    raw = stats.spearmanr(activity, outcome)
    assert row["n"] == row["partial_n"] == 22
    assert row["spearman_rho"] == pytest.approx(raw.statistic, abs=1e-9)
    assert row["p_value"] == pytest.approx(raw.pvalue, rel=1e-6)
    assert row["ci_lower"] < row["spearman_rho"] < row["ci_upper"]
    # Adjusted: rank regression of the outcome on activity with deprivation as covariate.
    ranks = [stats.rankdata(v) for v in (activity, outcome, deprivation)]
    fit = sm.OLS(ranks[1], sm.add_constant(np.column_stack([ranks[0], ranks[2]]))).fit()
    t = fit.tvalues[1]
    assert row["partial_rho"] == pytest.approx(t / np.sqrt(t * t + fit.df_resid), abs=1e-9)
    assert row["partial_p_value"] == pytest.approx(fit.pvalues[1], rel=1e-6)
    assert row["partial_ci_lower"] < row["partial_rho"] < row["partial_ci_upper"]


def test_holm_over_the_whole_table_matches_statsmodels(warehouse):
    rows = warehouse.execute(
        "select partial_p_value, partial_p_holm, family_size, stands_out "
        "from marts.collaboration_and_goals order by indicator_code, action_category"
    ).fetchall()
    p, holm, family, stands_out = (list(c) for c in zip(*rows, strict=True))
    _, expected, _, _ = multipletests(p, method="holm")
    assert holm == pytest.approx(list(expected), abs=1e-9)
    assert set(family) == {len(rows)} == {80}
    assert stands_out == [h < 0.05 for h in holm]


def test_example_data_shows_the_pattern_is_the_generators_own(warehouse):
    row = _row(warehouse, "healthy_life_expectancy_female", "all")
    # The raw association is strong (the generator weights activity by deprivation) ...
    assert row["spearman_rho"] < -0.7
    # ... and the generator's weighting alone, without any of its randomness, gives most of it;
    assert row["example_generator_rho"] < -0.6
    # after adjusting for deprivation and for 80 comparisons nothing stands out.
    assert not row["stands_out"]
    assert row["is_example_data"]
    assert "EXAMPLE" in row["caveat_en"] and "generator's own" in row["caveat_en"]
    assert "ENGHREIFFTIOL" in row["caveat_cy"]


def test_every_row_states_periods_time_order_and_that_it_is_not_a_cause(warehouse):
    rows = warehouse.execute(
        """
        select indicator_code, outcome_measure, outcome_period_label, outcome_period_start,
            outcome_period_end, activity_period_label, activity_period_start, time_order,
            caveat_en, caveat_cy
        from marts.collaboration_and_goals
        """
    ).fetchall()
    assert len(rows) == 80
    by_code = {r[0]: r for r in rows}
    hle = by_code["healthy_life_expectancy_female"]
    assert hle[1:3] == ("level", "2017-19")
    assert str(hle[3]) == "2017-01-01" and str(hle[4]) == "2019-12-31"
    assert hle[5] == "2021-22 to 2025-26" and str(hle[6]) == "2021-04-01"
    assert hle[7] == "precedes"
    assert by_code["gigabit_broadband_pct"][7] == "overlaps"  # 2021, calendar year
    for r in rows:
        assert r[8].startswith("Association across 22 local authorities, not a cause.")
        assert r[9].startswith("Cysylltiad ar draws 22 awdurdod lleol, nid achos.")
        if r[7] == "precedes":
            assert "before the activity" in r[8]
