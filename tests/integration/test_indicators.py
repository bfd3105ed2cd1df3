"""Well-being indicator sources and staging models, on the real files in ../shared/data."""

import datetime as dt

import dagster as dg
import duckdb
import polars as pl
import pytest

from pipelines.catalogue import fetch
from pipelines.indicators import parsers
from pipelines.warehouse import Warehouse

RAW_PARSERS = {
    "ons_subnational_indicators": parsers.parse_ons_subnational_indicators,
    "nsw_community_cohesion": parsers.parse_nsw_community_cohesion,
    "welsh_language_frequency": parsers.parse_welsh_language_frequency,
    "welsh_language_census_2011": parsers.parse_welsh_language_census_2011,
    "loneliness_index": parsers.parse_loneliness_index,
}
MODELS = ("stg_indicators__lsoa21", "stg_indicators__local_authority")
# What only the older sources have (the ONS time series replaced the rest of the February 2022
# workbook): tests/test_goal_indicators.py covers the new sources.
OLD_SOURCE_CODES = {
    "outdoor_4g_coverage_pct",
    "gigabit_broadband_pct",
    "smokers_pct",
    "satisfied_with_local_area_unweighted_pct",
    "belong_to_local_area_unweighted_pct",
    "different_backgrounds_get_on_unweighted_pct",
    "treat_each_other_with_respect_unweighted_pct",
    "speak_welsh_daily_pct",
    "able_to_speak_welsh_pct",
}


@pytest.fixture(scope="module")
def raw_frames(shared_data) -> dict[str, pl.DataFrame]:
    return {key: parse(fetch(key, mirror=shared_data)) for key, parse in RAW_PARSERS.items()}


def _value(con, indicator: str, area_code: str) -> tuple:
    """(value, lower_ci, upper_ci, period_start, period_end) of the one row of an indicator."""
    rows = con.execute(
        "select value, lower_ci, upper_ci, period_start, period_end "
        "from staging.stg_indicators__local_authority where indicator_code = ? and area_code = ?",
        [indicator, area_code],
    ).fetchall()
    assert len(rows) == 1, (indicator, area_code, rows)
    return rows[0]


# ---------------------------------------------------------------------------------------------
# raw parsers


def test_ons_sheets_are_all_read_with_uk_areas(raw_frames):
    frame = raw_frames["ons_subnational_indicators"]
    assert set(frame["sheet"]) == set(parsers.ONS_SHEETS)
    assert frame.height == 4190
    welsh = frame.filter(pl.col("area_code").str.starts_with("W06"))
    assert welsh.group_by("sheet").len()["len"].to_list() == [22] * 12
    assert frame.filter(pl.col("area_code").str.starts_with("E")).height > 2000
    titles = dict(frame.select("sheet", "indicator_title").unique().iter_rows())
    assert titles["Life satisfaction"] == "Average life satisfaction rating"
    periods = dict(frame.select("sheet", "period_text").unique().iter_rows())
    assert periods["Female HLE"] == "2017-2019"
    assert periods["Smokers"] == "04/2020 - 12/2020"
    with_ci = frame.filter(pl.col("lower_ci").is_not_null())["sheet"].unique().sort().to_list()
    assert with_ci == ["Female HLE", "Male HLE", "Smokers"]


def test_ons_female_hle_anglesey_has_confidence_interval(raw_frames):
    row = (
        raw_frames["ons_subnational_indicators"]
        .filter((pl.col("sheet") == "Female HLE") & (pl.col("area_code") == "W06000001"))
        .row(0, named=True)
    )
    assert (row["area_name"], row["value"], row["lower_ci"], row["upper_ci"]) == (
        "Isle of Anglesey",
        "63.6",
        "61.5",
        "65.6",
    )
    assert row["source_row_number"] == 201


def test_ons_workbook_gives_the_same_rows_as_the_csv_exports(shared_data, raw_frames, tmp_path):
    """Build an xlsx with the 12 sheets from the CSV exports (numbers as numbers) and read it
    through the xlsx path: the Welsh values must match."""
    openpyxl = pytest.importorskip("openpyxl")
    folder = shared_data / "ons_subnational_indicators_2022"
    workbook = openpyxl.Workbook()
    workbook.remove(workbook.active)
    for sheet in parsers.ONS_SHEETS:
        ws = workbook.create_sheet(sheet)
        for row in parsers.read_csv_rows(folder / f"{sheet}-Table 1.csv"):
            cells = []
            for cell in row:
                try:
                    cells.append(float(cell.strip()) if cell is not None else None)
                except ValueError:
                    cells.append(cell)
            ws.append(cells)
    ws = workbook.create_sheet("Data dictionary")
    ws.append(["not an indicator sheet"])
    path = tmp_path / "indicators.xlsx"
    workbook.save(path)

    fetched = fetch("ons_subnational_indicators", mirror=shared_data)
    assert fetched.format == "csv_folder"
    from dataclasses import replace

    from_xlsx = parsers.parse_ons_subnational_indicators(replace(fetched, path=path, format="xlsx"))
    assert from_xlsx.height == raw_frames["ons_subnational_indicators"].height
    key = ["sheet", "area_code"]

    def welsh(frame: pl.DataFrame) -> pl.DataFrame:
        return (
            frame.filter(pl.col("area_code").str.starts_with("W"))
            .with_columns(
                pl.col(c).str.strip_chars().cast(pl.Float64, strict=False)
                for c in ("value", "lower_ci", "upper_ci")
            )
            .select(*key, "value", "lower_ci", "upper_ci", "indicator_title", "source_row_number")
            .sort(key)
        )

    assert welsh(from_xlsx).equals(welsh(raw_frames["ons_subnational_indicators"]))


def test_nsw_cohesion_parses_n_and_percent(raw_frames):
    frame = raw_frames["nsw_community_cohesion"]
    assert frame["la_name"].n_unique() == 22
    cardiff = frame.filter(
        (pl.col("la_name") == "Cardiff")
        & pl.col("variable").str.contains("(?i)satisfaction with local area")
    )
    very = cardiff.filter(pl.col("response") == "Very satisfied").row(0, named=True)
    assert very["percent"] == "52.0"
    answered = cardiff["n"].cast(pl.Int64).sum()
    assert round(100 * int(very["n"]) / answered, 1) == 52.0
    assert frame.filter((pl.col("la_name") == "Cardiff") & (pl.col("variable") == "n"))[
        "n"
    ].to_list() == ["1057"]


def test_welsh_language_frequency_levels(raw_frames):
    frame = raw_frames["welsh_language_frequency"]
    assert frame.height == 23
    assert frame.filter(pl.col("level") == "country")["area_name"].to_list() == ["Wales"]
    gwynedd = frame.filter(pl.col("area_name") == "Gwynedd").row(0, named=True)
    assert gwynedd["daily"] == "65.449299" and gwynedd["never"] == "*"


def test_welsh_language_census_2011_hierarchy(raw_frames):
    frame = raw_frames["welsh_language_census_2011"]
    counts = dict(frame.group_by("level").len().iter_rows())
    assert counts == {"country": 1, "local_authority": 22, "lsoa": 1909}
    lsoas = frame.filter(pl.col("level") == "lsoa")
    assert lsoas["lsoa_code"].str.contains(r"^W01\d{6}$").all()
    assert lsoas["la_name"].null_count() == 0
    first = lsoas.filter(pl.col("lsoa_code") == "W01000001").row(0, named=True)
    assert (first["la_name"], first["percentage_able_to_speak_welsh"]) == ("Isle of Anglesey", "50")
    last = lsoas.filter(pl.col("lsoa_code") == "W01001913").row(0, named=True)
    assert last["la_name"] == "Newport"


def test_loneliness_index_rows(raw_frames):
    frame = raw_frames["loneliness_index"]
    assert frame.height == 1917
    assert frame["lsoa21_code"].n_unique() == 1917


# ---------------------------------------------------------------------------------------------
# staging models (on the session's full build)


def test_lsoa21_model(warehouse):
    count, codes, lo, hi, deciles, missing, ranks_follow_scores = warehouse.execute(
        """
        select count(*), count(distinct lsoa_code), min(loneliness_rank), max(loneliness_rank),
               count(distinct loneliness_decile), count(*) - count(loneliness_zscore),
               bool_and(loneliness_rank = score_order) filter (where loneliness_zscore is not null)
        from (
            select *, row_number() over (order by loneliness_zscore) as score_order
            from staging.stg_indicators__lsoa21
        )
        """
    ).fetchone()
    # 9 LSOAs have no published score (empty cells); the other 1,908 are ranked 1..1,908
    assert (count, codes, lo, hi, deciles, missing) == (1917, 1917, 1, 1908, 10, 9)
    assert ranks_follow_scores  # rank 1 = lowest z-score = least lonely
    top = warehouse.execute(
        "select loneliness_decile from staging.stg_indicators__lsoa21 order by loneliness_zscore desc limit 1"
    ).fetchone()[0]
    assert top == 10


def test_local_authority_model_columns_and_codes(warehouse):
    columns = [
        r[0]
        for r in warehouse.execute(
            "select column_name from duckdb_columns() where table_name = 'stg_indicators__local_authority' "
            "order by column_index"
        ).fetchall()
    ]
    assert columns == [
        "area_code",
        "area_type",
        "indicator_code",
        "period_start",
        "period_end",
        "period_type",
        "is_period_inferred",
        "value",
        "lower_ci",
        "upper_ci",
        "sample_size",
        "weighting_status",
        "source_key",
        "source_url",
        "source_licence",
    ]
    bad = warehouse.execute(
        """
        select count(*) from staging.stg_indicators__local_authority
        where area_code is null
           or not ((area_type = 'local_authority' and regexp_matches(area_code, '^W06\\d{6}$'))
                   or (area_type = 'country' and area_code = 'W92000004'))
        """
    ).fetchone()[0]
    assert bad == 0


def test_every_indicator_has_all_22_local_authorities(warehouse):
    rows = dict(
        warehouse.execute(
            """
            select indicator_code, count(distinct area_code)
            from staging.stg_indicators__local_authority
            where area_type = 'local_authority'
            group by indicator_code
            """
        ).fetchall()
    )
    assert set(rows) == OLD_SOURCE_CODES
    assert all(n == 22 for n in rows.values()), rows


def test_welsh_la_names_all_map_to_w06(warehouse):
    """Every Welsh LA name in NSW and the Welsh-language files maps to a W06 code through
    staging.stg_geography__area_name_keys (including 'The Vale of Glamorgan' and 'Rhondda Cynon
    Taff' of Census 2011)."""
    for source in (
        "nsw_community_cohesion",
        "welsh_language_frequency",
        "welsh_language_census_2011",
    ):
        codes = warehouse.execute(
            "select count(distinct area_code), count(*) - count(area_code) "
            "from staging.stg_indicators__local_authority where source_key = ? and area_type = 'local_authority'",
            [source],
        ).fetchone()
        assert codes == (22, 0), source
    assert _value(warehouse, "able_to_speak_welsh_pct", "W06000014")[0] == 10.8
    assert _value(warehouse, "able_to_speak_welsh_pct", "W06000016")[0] == 12.3


def test_known_values(warehouse):
    census_day = dt.date(2011, 3, 27)
    assert _value(warehouse, "able_to_speak_welsh_pct", "W92000004") == (
        19.0,
        None,
        None,
        census_day,
        census_day,
    )
    assert _value(warehouse, "able_to_speak_welsh_pct", "W06000001")[0] == 57.2
    # the workbook's single-period smoking estimate: April-December 2020 (the series has 5-year means)
    assert _value(warehouse, "smokers_pct", "W06000001") == (
        9.6,
        6.8,
        12.4,
        dt.date(2020, 4, 1),
        dt.date(2020, 12, 31),
    )
    assert _value(warehouse, "speak_welsh_daily_pct", "W06000002")[0] == pytest.approx(
        65.4, abs=0.05
    )
    assert _value(warehouse, "speak_welsh_daily_pct", "W92000004")[0] == pytest.approx(
        15.98, abs=0.01
    )
    gigabit = _value(warehouse, "gigabit_broadband_pct", "W06000015")
    assert gigabit[3] == gigabit[4] == dt.date(2021, 5, 1)


def test_nsw_shares_agree_with_the_published_percentages(warehouse, raw_frames):
    """Cardiff: very satisfied 52.0 % + fairly satisfied (published) == the model's share, and
    the rows say the tabulation is unweighted and its year inferred."""
    cardiff = raw_frames["nsw_community_cohesion"].filter(
        (pl.col("la_name") == "Cardiff")
        & pl.col("variable").str.contains("(?i)satisfaction with local area")
    )
    published = dict(cardiff.select("response", pl.col("percent").cast(pl.Float64)).iter_rows())
    assert published["Very satisfied"] == 52.0
    value, inferred, weighting, sample = warehouse.execute(
        "select value, is_period_inferred, weighting_status, sample_size "
        "from staging.stg_indicators__local_authority "
        "where indicator_code = 'satisfied_with_local_area_unweighted_pct' and area_code = 'W06000015'"
    ).fetchone()
    assert value == pytest.approx(
        published["Very satisfied"] + published["Fairly satisfied"], abs=0.1
    )
    assert (inferred, weighting) == (True, "unweighted")
    assert sample == cardiff["n"].cast(pl.Int64).sum()
    anglesey = _value(warehouse, "belong_to_local_area_unweighted_pct", "W06000001")[0]
    assert anglesey == pytest.approx(42.1 + 31.7, abs=0.1)


def test_loneliness_la_mean_is_population_weighted(warehouse):
    expected = warehouse.execute(
        """
        select sum(try_cast(l.loneliness_zscore as double) * try_cast(p.usual_residents_ts021 as double))
               / sum(try_cast(p.usual_residents_ts021 as double))
        from raw.loneliness_index l join raw.lsoa21_population p using (lsoa21_code)
        where p.lad24_code = 'W06000015' and try_cast(l.loneliness_zscore as double) is not null
        """
    ).fetchone()[0]
    value, method, label = warehouse.execute(
        "select value, value_method, period_label from marts.goal_indicators "
        "where indicator_code = 'loneliness_index_zscore_mean' and area_code = 'W06000015'"
    ).fetchone()
    assert value == pytest.approx(expected, abs=1e-4)
    assert (method, label) == ("population_weighted_mean_of_lsoas", "2022")
    unmatched = warehouse.execute(
        "select count(*) from raw.loneliness_index l anti join raw.lsoa21_population p using (lsoa21_code)"
    ).fetchone()[0]
    assert unmatched == 0


# ---------------------------------------------------------------------------------------------
# Dagster assets


def test_assets_materialise(shared_data, tmp_path, monkeypatch):
    from pipelines.geography.assets import la_lhb_lookup, lsoa11_la_names
    from pipelines.indicators import assets as indicator_assets
    from pipelines.population.assets import lsoa21_population
    from pipelines.transform.assets import sql_model_assets

    monkeypatch.setenv("WELLBEING_SOURCE_MIRROR", str(shared_data))
    raw = [getattr(indicator_assets, key) for key in RAW_PARSERS]
    geography = (
        "stg_geography__local_authorities",
        "stg_geography__health_boards",
        "stg_geography__area_name_keys",
    )
    models = [a for a in sql_model_assets if a.key.path[-1] in MODELS + geography]
    assert len(models) == 5
    for asset in raw:
        assert asset.group_names_by_key[asset.key] == "indicators"
    deps = {k.path[-1] for a in models for k in a.asset_deps[a.key]}
    assert {
        "loneliness_index",
        "ons_subnational_indicators",
        "stg_geography__area_name_keys",
    } <= deps
    warehouse = Warehouse(path=str(tmp_path / "w.duckdb"))
    result = dg.materialize(
        [*raw, lsoa21_population, lsoa11_la_names, la_lhb_lookup, *models],
        resources={"warehouse": warehouse},
    )
    assert result.success
    counts = {
        event.asset_key.path[-1]: event.materialization.metadata["dagster/row_count"].value
        for event in result.get_asset_materialization_events()
    }
    assert counts["loneliness_index"] == 1917
    assert counts["stg_indicators__lsoa21"] == 1917
    assert counts["ons_subnational_indicators"] == 4190
    with duckdb.connect(str(tmp_path / "w.duckdb"), read_only=True) as con:
        lineage = con.execute(
            "select distinct source_file_name, source_licence from raw.welsh_language_census_2011"
        ).fetchall()
    assert lineage == [("lsoa_welsh_language_2011.csv", "Open Government Licence v3.0")]
