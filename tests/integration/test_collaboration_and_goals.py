"""marts.collaboration_and_goals built from the real data: raw and deprivation-adjusted
estimates, Holm over the table, periods and time order, checked against scipy and statsmodels on
the same inputs (read from the other marts, not from the table under test)."""

import re

import numpy as np
import pytest
import statsmodels.api as sm
from scipy import stats
from statsmodels.stats.multitest import multipletests


def _inputs(warehouse, indicator: str, category: str, column: str):
    """Activity, deprivation and the outcome the row states, read from the other marts: the
    indicator's value in the row's period (a level), or its value in the latest period minus its
    value in the baseline period (a change)."""
    row = _row(warehouse, indicator, category)
    rows = warehouse.execute(
        f"""
        with latest as (
            select area_code, value from marts.goal_indicators
            where indicator_code = $indicator and period_end = $period_end
        ),
        baseline as (
            select area_code, value from marts.goal_indicators
            where indicator_code = $indicator and period_label = $baseline
        )
        select profile.{column}, profile.share_people_most_deprived_20pct,
            latest.value - coalesce(baseline.value, 0)
        from marts.local_authority_profile as profile
        inner join latest on latest.area_code = profile.la_code
        left join baseline on baseline.area_code = profile.la_code
        order by profile.la_code
        """,
        {
            "indicator": indicator,
            "period_end": row["outcome_period_end"],
            "baseline": row["baseline_period_label"],
        },
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
        ("healthy_life_expectancy_female", "all", "activity_per_10k"),  # a change
        ("life_satisfaction", "shared_purpose", "shared_purpose_per_10k"),  # a change
        ("smokers_pct", "governance", "governance_per_10k"),  # a change across two sources
        ("healthy_weight_pct", "all", "activity_per_10k"),  # a level (one pooled period)
    ],
)
def test_raw_and_deprivation_adjusted_estimates_match_scipy_and_statsmodels(
    warehouse, indicator, category, column
):
    activity, deprivation, outcome = _inputs(warehouse, indicator, category, column)
    row = _row(warehouse, indicator, category)
    raw = stats.spearmanr(activity, outcome)
    assert row["n"] == row["partial_n"] == 22
    assert row["spearman_rho"] == pytest.approx(raw.statistic, abs=1e-9)
    # p is the Fisher z test of the interval (1.06 factor), close to scipy's t-test p, not equal
    assert row["p_value"] == pytest.approx(raw.pvalue, abs=0.02)
    assert row["ci_lower"] < row["spearman_rho"] < row["ci_upper"]
    # Adjusted: rank regression of the outcome on activity with deprivation as covariate.
    ranks = [stats.rankdata(v) for v in (activity, outcome, deprivation)]
    fit = sm.OLS(ranks[1], sm.add_constant(np.column_stack([ranks[0], ranks[2]]))).fit()
    t = fit.tvalues[1]
    assert row["partial_rho"] == pytest.approx(t / np.sqrt(t * t + fit.df_resid), abs=1e-9)
    assert row["partial_p_value"] == pytest.approx(fit.pvalues[1], abs=0.02)
    assert row["partial_ci_lower"] < row["partial_rho"] < row["partial_ci_upper"]


def test_every_p_value_agrees_with_its_interval(warehouse):
    """One method gives both: p < 0.05 exactly when the 95 % interval excludes 0 (a t-test p
    beside the Fisher-z interval disagreed on 5 of the 172 rows)."""
    disagree = warehouse.execute(
        """
        select count(*) filter (where (p_value < 0.05) <> (ci_lower > 0 or ci_upper < 0)),
            count(*) filter (
                where (partial_p_value < 0.05) <> (partial_ci_lower > 0 or partial_ci_upper < 0)
            ),
            count(*)
        from marts.collaboration_and_goals
        """
    ).fetchone()
    assert disagree == (0, 0, 172)
    # GDHI per head, all activity: the t-test gave p = 0.047 while the interval held 0
    row = _row(warehouse, "gdhi_per_head_gbp", "all")
    assert row["spearman_rho"] == pytest.approx(-0.4286, abs=1e-4)
    assert row["ci_lower"] < 0 < row["ci_upper"] and 0.05 < row["p_value"] < 0.06


def test_holm_over_the_whole_table_matches_statsmodels(warehouse):
    rows = warehouse.execute(
        "select partial_p_value, partial_p_holm, family_size, stands_out "
        "from marts.collaboration_and_goals order by indicator_code, action_category"
    ).fetchall()
    p, holm, family, stands_out = (list(c) for c in zip(*rows, strict=True))
    _, expected, _, _ = multipletests(p, method="holm")
    assert holm == pytest.approx(list(expected), abs=1e-9)
    # 43 indicators in the family (rates, percentages, means, ratios with a direction) x 4
    assert set(family) == {len(rows)} == {172}
    assert stands_out == [h < 0.05 for h in holm]


def test_example_data_shows_the_pattern_is_the_generators_own(warehouse):
    row = _row(warehouse, "healthy_weight_pct", "all")
    # The raw association is strong (the generator weights activity by deprivation) ...
    assert row["spearman_rho"] < -0.6
    # ... and the generator's weighting alone, without any of its randomness, gives most of it;
    assert row["example_generator_rho"] < -0.6
    # after adjusting for deprivation and for 172 comparisons nothing stands out.
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
    assert len(rows) == 172
    by_code = {r[0]: r for r in rows}
    hle = by_code["healthy_life_expectancy_female"]
    # A series: the change from the last period before the activity to the latest.
    assert hle[1:3] == ("change", "2018-2020 pooled to 2022-2024 pooled")
    assert str(hle[3]) == "2018-01-01" and str(hle[4]) == "2024-12-31"
    assert hle[5] == "2021-22 to 2025-26" and str(hle[6]) == "2021-04-01"
    assert hle[7] == "overlaps"
    no2 = by_code["no2_exposure_ugm3"]  # a series 2007-2017 that ends before the activity
    assert no2[1:3] == ("level", "2017") and no2[7] == "precedes"
    for r in rows:
        assert r[8].startswith("Association across 22 local authorities, not a cause.")
        assert r[9].startswith("Cysylltiad ar draws 22 awdurdod lleol, nid achos.")
        if r[7] == "precedes":
            assert "before the activity" in r[8]


def test_the_welsh_caveat_gives_every_period_in_welsh(warehouse):
    """caveat_cy named the outcome's period in English on 52 rows ("pooled", "April",
    "January 2026"); it now takes the source's Welsh period labels."""
    rows = warehouse.execute(
        "select indicator_code, outcome_period_label, outcome_period_label_cy, caveat_cy "
        "from marts.collaboration_and_goals"
    ).fetchall()
    english = re.compile(
        r"\b(pooled|January|February|March|April|May|June|July|August|September|October|"
        r"November|December| to )\b"
    )
    assert [r[0] for r in rows if english.search(r[3])] == []
    by_code = {r[0]: r for r in rows}
    hle = by_code["healthy_life_expectancy_female"]
    assert hle[2] == "2018-2020 wedi'u cyfuno i 2022-2024 wedi'u cyfuno"
    assert f"({hle[2]})" in hle[3]
    assert all(r[2] for r in rows)
