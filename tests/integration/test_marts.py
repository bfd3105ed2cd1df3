"""The area marts, materialised from the real public data in ../shared/data."""

import polars as pl
import pytest

from pipelines.settings import PROJECT_ROOT
from tests.integration.helpers import MARTS


def test_every_mart_is_built(warehouse):
    tables = {
        r[0]
        for r in warehouse.execute(
            "select table_name from duckdb_tables() where schema_name = 'marts'"
        ).fetchall()
    }
    assert set(MARTS) <= tables


def test_lsoa_profile_has_one_row_per_2021_lsoa(warehouse):
    rows, distinct, las = warehouse.execute(
        "select count(*), count(distinct lsoa_code), count(distinct la_code) from marts.lsoa_profile"
    ).fetchone()
    assert (rows, distinct, las) == (1917, 1917, 22)


def test_local_authority_profile_has_22_rows_with_welsh_names(warehouse):
    rows = warehouse.execute(
        "select la_code, la_name_en, la_name_cy from marts.local_authority_profile order by la_code"
    ).fetchall()
    assert len(rows) == 22
    assert rows[0] == ("W06000001", "Isle of Anglesey", "Ynys Môn")
    assert ("W06000015", "Cardiff", "Caerdydd") in rows


def test_wimd_2025_rank_one_matches_the_source_file(warehouse, shared_data):
    source = pl.read_csv(
        shared_data / "wimd_2025" / "wimd-2025-index-and-domain-ranks-by-small-area.csv",
        infer_schema=False,
    )
    source = source.rename({c: c.strip() for c in source.columns})
    most_deprived = source.filter(pl.col("WIMD 2025").str.strip_chars() == "1").row(0, named=True)
    mart = warehouse.execute(
        "select lsoa_code, lsoa_name_en, wimd_decile, wimd_quintile from marts.lsoa_profile where wimd_rank = 1"
    ).fetchone()
    assert mart == (most_deprived["LSOA code"], most_deprived["LSOA name (Eng)"], 1, 1)


def test_deciles_reproduce_the_welsh_government_wimd_2019_deciles(warehouse):
    """The band rule the WIMD 2025 staging model uses (the ``wimd_band`` macro of every warehouse
    connection), applied to the WIMD 2019 ranks, gives the deciles and quintiles the Welsh
    Government published with them."""
    from pipelines.wimd.bands import WIMD_BAND_MACRO

    warehouse.execute(WIMD_BAND_MACRO)  # a temp macro: the test's own read-only connection
    mismatches = warehouse.execute(
        """
        select count(*) from raw.wimd_2019_ranks
        where wimd_band(cast(wimd_rank as integer), 1909, 10) <> cast(wimd_decile as integer)
           or wimd_band(cast(wimd_rank as integer), 1909, 5) <> cast(wimd_quintile as integer)
        """
    ).fetchone()[0]
    assert mismatches == 0
    assert "wimd_band(wimd_rank, lsoa_total, 10)" in (
        PROJECT_ROOT / "sql/staging/stg_wimd__wimd_2025.sql"
    ).read_text(encoding="utf-8")


def test_population_totals_match_the_source(warehouse, shared_data):
    source = pl.read_csv(
        shared_data / "population_2021" / "census2021_usual_residents_lsoa21_wales.csv"
    )
    expected = int(source["usual_residents_ts021"].sum())
    assert expected == 3_107_468
    lsoa_total = warehouse.execute("select sum(population) from marts.lsoa_profile").fetchone()[0]
    la_total = warehouse.execute(
        "select sum(population) from marts.local_authority_profile"
    ).fetchone()[0]
    assert lsoa_total == la_total == expected
    cardiff = source.filter(pl.col("lad24_code") == "W06000015")["usual_residents_ts021"].sum()
    assert (
        warehouse.execute(
            "select population from marts.local_authority_profile where la_code = 'W06000015'"
        ).fetchone()[0]
        == cardiff
    )


def test_every_lsoa_maps_to_exactly_one_local_authority(warehouse, shared_data):
    per_lsoa = warehouse.execute(
        "select max(n) from (select lsoa_code, count(distinct la_code) n from marts.lsoa_profile group by 1)"
    ).fetchone()[0]
    assert per_lsoa == 1
    lookup = pl.read_csv(
        shared_data / "geography_lookups" / "LSOA21_WD24_LAD24_best_fit_lookup_Wales.csv"
    )
    mart = warehouse.execute("select lsoa_code, la_code from marts.lsoa_profile").pl()
    joined = mart.join(lookup, left_on="lsoa_code", right_on="LSOA21CD")
    assert joined.height == 1917
    assert (joined["la_code"] == joined["LAD24CD"]).all()


def test_every_community_support_group_lands_in_a_welsh_lsoa(warehouse):
    placed, welsh = warehouse.execute(
        """
        select count(*), count(*) filter (where lsoa_code in (select lsoa_code from marts.lsoa_profile))
        from staging.stg_community_activity__support_groups
        """
    ).fetchone()
    assert placed == welsh == 202
    assert (
        warehouse.execute(
            "select sum(community_support_groups) from marts.lsoa_profile"
        ).fetchone()[0]
        == 202
    )
    assert (
        warehouse.execute(
            "select sum(community_support_groups) from marts.local_authority_profile"
        ).fetchone()[0]
        == 202
    )


def test_example_data_flags_reach_every_activity_mart(warehouse):
    for mart in [
        "lsoa_profile",
        "local_authority_profile",
        "activity_by_wimd_decile",
        "collaboration_and_goals",
        "activity_by_la_year",
        "activity_by_la_sector",
    ]:
        flags = warehouse.execute(f"select distinct is_example_data from marts.{mart}").fetchall()
        assert flags == [(True,)], mart
    caveat = warehouse.execute(
        "select caveat_en from marts.collaboration_and_goals limit 1"
    ).fetchone()[0]
    assert "EXAMPLE" in caveat


def test_activity_totals_agree_across_marts(warehouse):
    staged = warehouse.execute(
        "select count(*), sum(funding_gbp) from staging.stg_partnership_activity__activities"
    ).fetchone()
    la = warehouse.execute(
        "select sum(activity_count), sum(funding_gbp) from marts.local_authority_profile"
    ).fetchone()
    assert staged[0] > 0
    assert la[0] == staged[0]
    assert la[1] == pytest.approx(staged[1])
    by_decile = warehouse.execute(
        "select sum(activity_count) from marts.activity_by_wimd_decile where action_category = 'all'"
    ).fetchone()[0]
    in_lsoas = warehouse.execute("select sum(activity_count) from marts.lsoa_profile").fetchone()[0]
    assert by_decile == in_lsoas


def test_participants_sum_only_reported_counts_and_unknown_is_null_not_zero(warehouse):
    """An activity with no participant count adds nothing; a group where none reported one has
    participants null (unknown), not 0, and participant_count_activities says how many did."""
    staged = warehouse.execute(
        "select count(participant_count), count(*) - count(participant_count), "
        "sum(participant_count) from staging.stg_partnership_activity__activities"
    ).fetchone()
    assert staged[1] > 0  # the example data has activities without a participant count
    for mart in ("activity_by_la_year", "local_authority_profile"):
        known, people, unknown_zero = warehouse.execute(
            f"select sum(participant_count_activities), sum(participant_count), "
            f"count(*) filter (where participant_count_activities = 0 and participant_count = 0) "
            f"from marts.{mart}"
        ).fetchone()
        assert (known, people) == (staged[0], staged[2]), mart
        assert unknown_zero == 0, mart
    groups = warehouse.execute(
        "select count(*), count(participant_count) from marts.activity_by_la_year "
        "where participant_count_activities = 0"
    ).fetchone()
    assert groups[1] == 0  # every group with no reported count is null


def test_all_three_action_categories_and_22_authorities_have_activity(warehouse):
    categories = warehouse.execute(
        "select distinct action_category from staging.stg_partnership_activity__activities order by 1"
    ).fetchall()
    assert categories == [("financial_mechanism",), ("governance",), ("shared_purpose",)]
    assert (
        warehouse.execute(
            "select count(*) from marts.local_authority_profile where activity_count > 0"
        ).fetchone()[0]
        == 22
    )


def test_goal_indicators_carry_known_values_and_goals(warehouse):
    row = warehouse.execute(
        """
        select value, lower_ci, upper_ci, unit, national_indicator, national_indicator_relation,
               list_contains(wellbeing_goals, 'healthier')
        from marts.goal_indicators
        where area_code = 'W06000001' and indicator_code = 'healthy_life_expectancy_female'
            and period_label = '2017-2019 pooled'
        """
    ).fetchone()
    # the ONS time series (interim method) revises the February 2022 workbook's 63.6 (61.5-65.6)
    assert row == (64.5, 61.8, 67.2, "years", 2, "related", True)
    unmapped = warehouse.execute(
        "select count(*) from marts.goal_indicators where wellbeing_goals is null or len(wellbeing_goals) = 0"
    ).fetchone()[0]
    assert unmapped == 0


def test_area_profiles_share_the_local_authority_measures(warehouse):
    """A board or health board of one authority has exactly that authority's measures."""
    measures = (
        "population, activity_count, funding_gbp, share_people_most_deprived_20pct, "
        "community_support_groups, volunteer_registrations"
    )

    def row(mart: str, where: str, columns: str = measures) -> tuple:
        return warehouse.execute(f"select {columns} from marts.{mart} where {where}").fetchone()

    cardiff = row("local_authority_profile", "la_code = 'W06000015'")
    assert cardiff == row("public_services_board_profile", "psb_code = 'psb_cardiff'")
    powys = "population, activity_count"
    assert row("health_board_profile", "lhb_code = 'W11000024'", powys) == row(
        "local_authority_profile", "la_code = 'W06000023'", powys
    )
    for mart in ("public_services_board_profile", "health_board_profile", "msoa_profile"):
        total = warehouse.execute(f"select sum(population) from marts.{mart}").fetchone()[0]
        assert total == 3_107_468, mart


def test_column_comments_reach_duckdb(warehouse):
    missing = warehouse.execute(
        """
        select table_name || '.' || column_name from duckdb_columns()
        where schema_name = 'marts' and (comment is null or comment = '')
        """
    ).fetchall()
    assert missing == []
