"""Goal indicators with every period, Wales beside every area, the national-indicator reference and
the areas people plan in (issue 11), asserted on the real files in ../shared/data.

Parser tests read the mirror directly; the rest read the session's full build (``warehouse``)."""

import csv
import datetime as dt

import polars as pl
import pytest

from pipelines.catalogue import fetch, sources_for_table
from pipelines.census2021_welsh_language.parsers import parse_census_table
from pipelines.nsw_adult_lifestyles.parsers import parse_adult_lifestyles
from pipelines.ons_local_statistics.parsers import (
    parse_indicator_csv,
    parse_metadata_json,
    parse_metadata_rows,
)
from pipelines.reference.assets import read_indicator_goals

WALES = "W92000004"
GOALS = {
    "prosperous",
    "resilient",
    "healthier",
    "more_equal",
    "cohesive_communities",
    "vibrant_culture_welsh_language",
    "globally_responsible",
}


def _one(con, sql: str, params: list | None = None):
    rows = con.execute(sql, params or []).fetchall()
    assert len(rows) == 1, rows
    return rows[0]


def _indicator(con, code: str, area: str, period_label: str) -> tuple:
    """(value, lower_ci, upper_ci, value_method, wales_value) of one area x indicator x period."""
    return _one(
        con,
        "select value, lower_ci, upper_ci, value_method, wales_value from marts.goal_indicators "
        "where indicator_code = ? and area_code = ? and period_label = ?",
        [code, area, period_label],
    )


# ---------------------------------------------------------------------------------------------
# parsers, on the mirror's files


def test_ons_local_statistics_files_keep_welsh_rows_of_every_file(shared_data):
    keys = [s.key for s in sources_for_table("ons_local_statistics")]
    assert len(keys) == 15
    frames = [parse_indicator_csv(fetch(k, mirror=shared_data)) for k in keys]
    frame = pl.concat(frames)
    assert frame["dataset"].n_unique() == 15
    assert frame["areacd"].str.contains(r"^(W\d{8}|TLL)$").all()
    # the personal well-being file orders its columns differently; read by name, the same columns
    assert {tuple(f.columns) for f in frames} == {tuple(frames[0].columns)}
    wales = frame.filter(
        (pl.col("areacd") == WALES)
        & (pl.col("indicator") == "Satisfaction")
        & (pl.col("period") == "2021-04-01/P1Y")
    ).row(0, named=True)
    assert (wales["observation"], wales["lci_95"], wales["uci_95"]) == ("7.48", "7.43", "7.53")


def test_ons_metadata_reads_both_layouts(shared_data):
    keys = [s.key for s in sources_for_table("ons_local_statistics_metadata")]
    frame = pl.concat([parse_metadata_json(fetch(k, mirror=shared_data)) for k in keys])
    assert frame.height == 22  # 15 files, five of them with several indicators
    smokers = frame.filter(pl.col("dataset") == "cigarette-smokers").row(0, named=True)
    assert smokers["indicator_key"] is None and smokers["experimental_statistic"] == "T"
    pay = frame.filter(pl.col("dataset") == "gross-median-weekly-pay").row(0, named=True)
    assert "based on where people live" in pay["subtitle"]
    shared = parse_metadata_rows(
        {"ess-beta-metadata": {"shared": {"sourceOrg": "ONS"}, "A": {"label": "a"}}}, "x"
    )
    assert shared[0]["source_org"] == "ONS" and shared[0]["indicator_key"] == "A"
    with pytest.raises(ValueError, match="ess-beta-metadata"):
        parse_metadata_rows({}, "broken")


def test_census_table_counts_welsh_speakers(shared_data):
    """The official zip form (its local-authority member, extracted by ``fetch``) is compared
    with this CSV in tests/test_source_downloads.py."""
    from_csv = parse_census_table(fetch("census2021_welsh_language__ts033", mirror=shared_data))
    speakers = from_csv.filter(pl.col("category") == "Welsh speaking ability: Can speak Welsh")
    assert speakers["observation"].cast(pl.Int64).sum() == 538_298
    assert speakers.height == 22


def test_nsw_adult_lifestyles_layout(shared_data):
    frame = parse_adult_lifestyles(fetch("nsw_adult_lifestyles", mirror=shared_data))
    assert frame["area_name"].n_unique() == 30
    assert frame["year_filter"].unique().to_list() == ["2021-22 & 2022-23"]
    two_plus = frame.filter(pl.col("measure") == "2 or more healthy behaviours")
    values = dict(two_plus.select("area_name", "value").iter_rows())
    assert values["Wales"] == "92.5767"
    assert values["Merthyr Tydfil"] == "87.581006"


# ---------------------------------------------------------------------------------------------
# every period, with the period as data


@pytest.mark.parametrize(
    ("indicator", "periods", "first", "last"),
    [
        ("life_satisfaction", 12, "2011-12", "2022-23"),
        ("anxiety", 12, "2011-12", "2022-23"),
        ("healthy_life_expectancy_male", 12, "2011-2013 pooled", "2022-2024 pooled"),
        ("employment_rate_pct", 20, "2004", "2023"),
        ("weekly_pay_gbp", 18, "April 2008", "April 2025"),
        ("gdhi_per_head_gbp", 27, "1997", "2023"),
        ("ghg_emissions_per_capita_t", 19, "2005", "2023"),
        ("no2_exposure_ugm3", 11, "2007", "2017"),
        ("able_to_speak_welsh_pct", 2, "2011", "2021"),
        ("children_relative_poverty_bhc_pct", 4, "2021-22", "2024-25"),
    ],
)
def test_every_period_of_the_series(warehouse, indicator, periods, first, last):
    count, earliest, latest = _one(
        warehouse,
        """
        select count(distinct period_label), arg_min(period_label, period_start),
               max(period_label) filter (where is_latest)
        from marts.goal_indicators where indicator_code = ? and area_code = ?
        """,
        [indicator, WALES],
    )
    assert (count, earliest, latest) == (periods, first, last)
    per_authority = warehouse.execute(
        "select count(distinct period_label) from marts.goal_indicators "
        "where indicator_code = ? and area_type = 'local_authority' group by area_code",
        [indicator],
    ).fetchall()
    assert per_authority == [(periods,)] * 22


def test_wales_life_satisfaction_2021_22(warehouse):
    value, lower, upper, method, wales = _indicator(
        warehouse, "life_satisfaction", WALES, "2021-22"
    )
    assert (value, lower, upper, method, wales) == (7.48, 7.43, 7.53, "published", 7.48)
    start, end, period_type, latest = _one(
        warehouse,
        "select period_start, period_end, period_type, is_latest from marts.goal_indicators "
        "where indicator_code = 'life_satisfaction' and area_code = ? and period_label = '2021-22'",
        [WALES],
    )
    assert (start, end, period_type, latest) == (
        dt.date(2021, 4, 1),
        dt.date(2022, 3, 31),
        "financial_year",
        False,
    )


def test_known_values_of_the_new_series(warehouse):
    assert (
        _indicator(warehouse, "healthy_life_expectancy_male", WALES, "2022-2024 pooled")[0] == 59.2
    )
    assert _indicator(warehouse, "healthy_life_expectancy_female", WALES, "2022-2024 pooled")[
        :3
    ] == (
        58.5,
        57.6,
        59.4,
    )
    cardiff = "W06000015"
    assert _indicator(warehouse, "gva_per_hour_gbp", cardiff, "2023")[0] == 39.1
    assert _indicator(warehouse, "gva_per_hour_gbp", WALES, "2023")[0] == 35.15  # ITL1 Wales
    assert _indicator(warehouse, "gdhi_per_head_gbp", cardiff, "2023")[0] == 20020
    assert _indicator(warehouse, "housing_affordability_ratio", cardiff, "2025")[0] == 7.2
    assert _indicator(warehouse, "economic_inactivity_rate_pct", cardiff, "2023")[0] == 21.0
    no2 = _indicator(warehouse, "no2_exposure_ugm3", WALES, "2017")
    assert round(no2[0], 1) == 9.3 and no2[3] == "published"
    assert round(_indicator(warehouse, "no2_exposure_ugm3", cardiff, "2017")[0], 1) == 17.3
    # the incomplete 2018 page is left out of the series
    assert not warehouse.execute(
        "select 1 from marts.goal_indicators where indicator_code like 'pm%' and period_label = '2018'"
    ).fetchall()
    lifestyles = _indicator(
        warehouse, "healthy_lifestyle_2plus_behaviours_pct", WALES, "2021-22 to 2022-23 pooled"
    )
    assert round(lifestyles[0], 1) == 92.6 and lifestyles[3] == "published"
    merthyr = _indicator(
        warehouse,
        "healthy_lifestyle_2plus_behaviours_pct",
        "W06000024",
        "2021-22 to 2022-23 pooled",
    )
    assert round(merthyr[0], 1) == 87.6


def test_welsh_speakers_2021(warehouse, shared_data):
    count, _, _, method, _ = _indicator(warehouse, "welsh_speakers_count", WALES, "2021")
    assert (count, method) == (538_298, "sum_of_authorities")
    share = _indicator(warehouse, "able_to_speak_welsh_pct", WALES, "2021")
    assert round(share[0], 1) == 17.8 and share[3] == "ratio_of_summed_counts"
    gwynedd = _indicator(warehouse, "able_to_speak_welsh_pct", "W06000002", "2021")
    assert round(gwynedd[0], 1) == 64.4
    # Gwent PSB: the five authorities' counts, read straight from the Nomis file
    gwent = {"W06000018", "W06000019", "W06000020", "W06000021", "W06000022"}
    path = shared_data / "census2021_welsh_language" / "census2021-ts033-ltla.csv"
    with path.open(encoding="utf-8") as handle:
        expected = sum(
            int(row["Welsh speaking ability: Can speak Welsh"])
            for row in csv.DictReader(handle)
            if row["geography code"] in gwent
        )
    assert _indicator(warehouse, "welsh_speakers_count", "psb_gwent", "2021")[0] == expected


def test_one_latest_row_per_area_and_indicator(warehouse):
    assert (
        warehouse.execute(
            "select count(*) from (select area_code, indicator_code from marts.goal_indicators "
            "group by all having count(*) filter (where is_latest) <> 1)"
        ).fetchone()[0]
        == 0
    )
    latest = _one(
        warehouse,
        "select period_label from marts.goal_indicators where indicator_code = 'smokers_pct' "
        "and area_code = 'W06000001' and is_latest",
    )
    assert latest == ("2020-2024 pooled",)


# ---------------------------------------------------------------------------------------------
# a Wales row for every indicator, or a reason


def test_every_indicator_has_a_wales_row_or_a_stated_reason(warehouse):
    reference = set(read_indicator_goals()["indicator_code"])
    rows = warehouse.execute(
        """
        select indicator_code,
               count(*) filter (where area_code = 'W92000004') as wales_rows,
               bool_and(wales_value_note is not null) filter (where wales_value is null) as explained
        from marts.goal_indicators group by indicator_code
        """
    ).fetchall()
    assert {r[0] for r in rows} == reference
    without = {code: explained for code, wales_rows, explained in rows if wales_rows == 0}
    assert without == {"outdoor_4g_coverage_pct": True}
    # the reason in both languages, for the published file and the Welsh pages
    notes = warehouse.execute(
        "select distinct wales_value_note, wales_value_note_cy from marts.goal_indicators "
        "where indicator_code = 'outdoor_4g_coverage_pct'"
    ).fetchall()
    assert [(en[:37], cy[:40]) for en, cy in notes] == [
        ("The ONS February 2022 workbook has no", "Nid oes rhes i Gymru yng ngweithlyfr ONS")
    ]
    methods = dict(
        warehouse.execute(
            "select value_method, count(distinct indicator_code) from marts.goal_indicators "
            "where area_code = 'W92000004' group by 1"
        ).fetchall()
    )
    assert methods["published"] >= 30
    # computed Wales values say how: the unweighted tabulation is a weighted mean of authorities
    assert _one(
        warehouse,
        "select distinct value_method from marts.goal_indicators "
        "where area_code = 'W92000004' and indicator_code = 'belong_to_local_area_unweighted_pct'",
    ) == ("population_weighted_mean_of_authorities",)


def test_every_row_sits_beside_wales_in_the_same_period(warehouse):
    mismatched = warehouse.execute(
        """
        select count(*) from marts.goal_indicators as g
        inner join marts.goal_indicators as w
            on w.area_code = 'W92000004' and g.indicator_code = w.indicator_code
            and g.period_start = w.period_start and g.period_end = w.period_end
        where g.wales_value is distinct from w.value
            or g.difference_from_wales is distinct from g.value - w.value
        """
    ).fetchone()[0]
    assert mismatched == 0


# ---------------------------------------------------------------------------------------------
# labels that say what the number is


def test_unweighted_tabulation_says_so_everywhere(warehouse):
    codes = [
        c
        for (c,) in warehouse.execute(
            "select distinct indicator_code from marts.goal_indicators "
            "where source_key = 'nsw_community_cohesion'"
        ).fetchall()
    ]
    assert len(codes) == 4 and all(c.endswith("_unweighted_pct") for c in codes)
    names = warehouse.execute(
        "select distinct indicator_name_en, indicator_name_cy, unit, weighting_status, indicator_label_en "
        "from marts.goal_indicators where source_key = 'nsw_community_cohesion'"
    ).fetchall()
    for name_en, name_cy, unit, weighting, label in names:
        assert "unweighted" in name_en and "unweighted" in unit and weighting == "unweighted"
        assert "heb ei phwysoli" in name_cy
        assert label.endswith("(2018-19, year inferred)")
    in_profile = warehouse.execute(
        """
        select i.indicator_label_en, i.unit from (
            select unnest(indicators) as i from marts.local_authority_profile where la_code = 'W06000015'
        ) where i.indicator_code like '%unweighted%'
        """
    ).fetchall()
    assert len(in_profile) == 4
    assert all("unweighted" in label and "unweighted" in unit for label, unit in in_profile)


def test_weekly_pay_is_residence_based_all_employees(warehouse):
    name, label = _one(
        warehouse,
        "select indicator_name_en, indicator_label_en from marts.goal_indicators "
        "where indicator_code = 'weekly_pay_gbp' and area_code = 'W06000015' and is_latest",
    )
    assert "residence-based" in name and "all employees" in name
    assert label.endswith("(April 2025)")


def test_every_label_carries_its_period(warehouse):
    missing = warehouse.execute(
        "select count(*) from marts.goal_indicators "
        "where position(period_label in indicator_label_en) = 0 "
        "or position(period_label_cy in indicator_label_cy) = 0"
    ).fetchone()[0]
    assert missing == 0
    welsh = _one(
        warehouse,
        "select period_label_cy from marts.goal_indicators where indicator_code = 'weekly_pay_gbp' "
        "and area_code = 'W92000004' and is_latest",
    )
    assert welsh == ("Ebrill 2025",)


# ---------------------------------------------------------------------------------------------
# national indicators and goals


def test_national_indicator_reference(warehouse):
    numbers, rows = _one(
        warehouse,
        "select count(distinct national_indicator), count(*) from reference.national_indicators",
    )
    assert (numbers, rows) == (50, 54)
    title, goals, indicators = _one(
        warehouse,
        "select title_en, wellbeing_goals, pipeline_indicators from reference.national_indicators "
        "where national_indicator = 3",
    )
    assert title.startswith("Percentage of adults with two or more")
    assert goals == ["healthier"]
    assert "healthy_lifestyle_2plus_behaviours_pct" in indicators
    assert _one(
        warehouse,
        "select national_indicator, national_indicator_relation from reference.indicator_goals "
        "where indicator_code = 'welsh_speakers_count'",
    ) == (37, "direct")


def test_components_share_their_national_indicators_goals(warehouse):
    differing = warehouse.execute(
        """
        select count(*) from reference.indicator_goals as i
        inner join reference.national_indicators as n using (national_indicator)
        where list_sort(i.wellbeing_goals) <> list_sort(n.wellbeing_goals)
        """
    ).fetchone()[0]
    assert differing == 0
    partial = dict(
        warehouse.execute(
            "select indicator_code, national_indicator_relation from reference.indicator_goals "
            "where national_indicator in (2, 27)"
        ).fetchall()
    )
    assert set(partial.values()) == {"related"}  # each is only part of its indicator


def test_every_goal_has_an_indicator(warehouse):
    goals = {
        g
        for (g,) in warehouse.execute(
            "select distinct unnest(wellbeing_goals) from marts.goal_indicators"
        ).fetchall()
    }
    assert goals == GOALS


# ---------------------------------------------------------------------------------------------
# the areas people plan in


def test_public_services_boards(warehouse):
    boards = dict(
        warehouse.execute(
            "select psb_code, la_count from marts.public_services_board_profile"
        ).fetchall()
    )
    assert len(boards) == 13
    assert boards["psb_gwent"] == 5
    assert sum(boards.values()) == 22
    since, precision, predecessors = _one(
        warehouse,
        "select current_since, change_date_precision, predecessor_psb_codes "
        "from marts.public_services_board_profile where psb_code = 'psb_cwm_taf_morgannwg'",
    )
    assert since == dt.date(2023, 5, 18) and precision == "day"
    assert predecessors == ["psb_bridgend", "psb_cwm_taf"]
    assert _one(
        warehouse,
        "select change_date_precision from marts.public_services_board_profile "
        "where psb_code = 'psb_flintshire_and_wrexham'",
    ) == ("uncertain",)


@pytest.mark.parametrize(
    ("day", "boards"),
    [(dt.date(2019, 1, 1), 19), (dt.date(2022, 1, 1), 15), (dt.date(2024, 1, 1), 13)],
)
def test_the_dated_board_lookup(warehouse, day, boards):
    """19 boards under the 2016-2021 arrangement, 15 after Gwent merged (September 2021), 13 once
    Cwm Taf Morgannwg (May 2023) and Flintshire and Wrexham (2023) formed."""
    count = _one(
        warehouse,
        "select count(distinct psb_code) from staging.stg_geography__public_services_boards "
        "where valid_from <= ? and coalesce(valid_to, date '9999-12-31') >= ?",
        [day, day],
    )
    assert count == (boards,)


def test_board_values_combine_authorities_only_where_valid(warehouse):
    methods = dict(
        warehouse.execute(
            "select indicator_code, value_method from marts.goal_indicators "
            "where area_code = 'psb_gwent' and is_latest"
        ).fetchall()
    )
    assert methods["life_satisfaction"] == "population_weighted_mean_of_authorities"
    assert methods["welsh_speakers_count"] == "sum_of_authorities"
    # a median and a life-table measure are not averaged over authorities
    assert "weekly_pay_gbp" not in methods and "healthy_life_expectancy_female" not in methods
    # a board of one authority is that authority
    single = warehouse.execute(
        """
        select count(*) from marts.goal_indicators as b
        inner join marts.goal_indicators as a
            on a.area_code = 'W06000015' and a.indicator_code = b.indicator_code
            and a.period_start = b.period_start and a.period_end = b.period_end
        where b.area_code = 'psb_cardiff' and (b.value <> a.value or b.value_method not in
            ('same_area_as_authority', 'population_weighted_mean_of_lsoas', 'ratio_of_summed_counts'))
        """
    ).fetchone()[0]
    assert single == 0


def test_health_boards(warehouse):
    rows = warehouse.execute(
        "select lhb_code, lhb_name_en, lhb_name_cy, la_count, population from marts.health_board_profile"
    ).fetchall()
    assert len(rows) == 7
    names = {code: (en, cy) for code, en, cy, _, _ in rows}
    assert names["W11000031"] == (
        "Swansea Bay University Health Board",
        "Bwrdd Iechyd Prifysgol Bae Abertawe",
    )
    assert sum(r[3] for r in rows) == 22 and sum(r[4] for r in rows) == 3_107_468
    published = _one(
        warehouse,
        "select value_method from marts.goal_indicators where area_code = 'W11000028' "
        "and indicator_code = 'healthy_lifestyle_2plus_behaviours_pct'",
    )
    assert published == ("published",)


def test_msoa_profile(warehouse):
    rows, lsoas, population, with_loneliness = _one(
        warehouse,
        "select count(*), sum(lsoa_count), sum(population), "
        "count(*) filter (where indicators[1].indicator_code = 'loneliness_index_zscore_mean') "
        "from marts.msoa_profile",
    )
    assert (rows, lsoas, population, with_loneliness) == (408, 1917, 3_107_468, 408)


def test_profiles_show_the_area_beside_wales(warehouse):
    item = _one(
        warehouse,
        """
        select i.indicator_label_en, i.value, i.unit, i.wales_value, i.wales_value_method
        from (select unnest(indicators) as i from marts.local_authority_profile where la_code = 'W06000015')
        where i.indicator_code = 'life_satisfaction'
        """,
    )
    assert item == (
        "Life satisfaction (mean score 0-10) (2022-23)",
        7.15,
        "mean score 0-10",
        7.4,
        "published",
    )
    counts = warehouse.execute(
        "select count(*), min(len(indicators)) from marts.public_services_board_profile"
    ).fetchone()
    assert counts[0] == 13 and counts[1] >= 30


def test_reference_areas(warehouse):
    levels = dict(
        warehouse.execute("select area_type, count(*) from reference.areas group by 1").fetchall()
    )
    assert levels == {
        "lsoa": 1917,
        "msoa": 408,
        "local_authority": 22,
        "public_services_board": 22,
        "health_board": 7,
        "country": 1,
    }
    assert _one(
        warehouse,
        "select count(*) from reference.areas where area_type = 'public_services_board' and is_current",
    ) == (13,)
    newport = _one(
        warehouse,
        "select area_name_en, area_name_cy, parent_code, psb_code, lhb_code from reference.areas "
        "where area_code = 'W06000022'",
    )
    assert newport == ("Newport", "Casnewydd", "psb_gwent", "psb_gwent", "W11000028")
    unnamed = warehouse.execute(
        "select count(*) from reference.areas where area_name_en is null or area_name_cy is null"
    ).fetchone()[0]
    assert unnamed == 0
