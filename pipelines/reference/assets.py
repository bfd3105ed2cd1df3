"""Reference tables (group ``reference``), from the CSV files beside this module (see SOURCES.md):

- ``reference.wellbeing_goals``: the Act's seven goals;
- ``reference.national_indicators``: the national indicators, from the cited partial table
  ``raw.national_indicators_wales`` plus the goals and topics of ``national_indicator_goals.csv``;
- ``reference.indicator_goals``: every indicator the pipeline builds, mapped to a national
  indicator (whose goals it takes: components of one national indicator share its goals) or, with
  no national indicator, to goals of its own; with its unit, polarity and how it may be combined
  over areas (``aggregation``).

``reference.areas`` is a SQL model (``sql/reference/areas.sql``).
"""

from pathlib import Path

import dagster as dg
import polars as pl

from pipelines.contracts import asset_description, write_contract_table
from pipelines.warehouse import Warehouse

HERE = Path(__file__).parent
RELATIONS = ("direct", "related", "none")
POLARITIES = ("higher_is_better", "lower_is_better", "no_preferred_direction")
AGGREGATIONS = (
    "population_weighted_mean",
    "sum",
    "ratio_of_sums",
    "lsoa_population_weighted_mean",
    "none",
)
WEIGHTING = ("weighted", "unweighted", "not_stated", "not_applicable")
GOALS_BASES = ("reported_under_goal_chapter", "project_assignment")


def read_wellbeing_goals() -> pl.DataFrame:
    """The seven goals: goal_code, goal_number (1-7), goal_name_en/cy, description_en/cy."""
    return pl.read_csv(HERE / "wellbeing_goals.csv", schema_overrides={"goal_number": pl.Int32})


def _goal_lists(frame: pl.DataFrame, file: str) -> pl.DataFrame:
    """Split ``wellbeing_goals`` ('a;b') into lists and check every code is one of the seven."""
    frame = frame.with_columns(pl.col("wellbeing_goals").str.split(";"))
    known = set(read_wellbeing_goals()["goal_code"])
    unknown = set(frame["wellbeing_goals"].explode().drop_nulls().to_list()) - known
    if unknown:
        raise ValueError(
            f"{file} names unknown well-being goals {sorted(unknown)}; expected {sorted(known)}"
        )
    return frame


def _check_values(frame: pl.DataFrame, column: str, allowed: tuple, file: str) -> None:
    bad = sorted(set(frame[column].drop_nulls().to_list()) - set(allowed))
    if bad:
        raise ValueError(f"{file}: column {column} has {bad}; expected one of {list(allowed)}")


def read_national_indicator_goals() -> pl.DataFrame:
    """The project's goals and topics for the national indicators it maps to, one row each:
    national_indicator, wellbeing_goals (list), goals_basis, topic_en, topic_cy, note.

    Raises:
        ValueError: an unknown goal or goals basis, or a national indicator listed twice.
    """
    file = "national_indicator_goals.csv"
    frame = pl.read_csv(HERE / file, schema_overrides={"national_indicator": pl.Int32})
    frame = _goal_lists(frame, file)
    _check_values(frame, "goals_basis", GOALS_BASES, file)
    repeated = frame.filter(pl.col("national_indicator").is_duplicated())["national_indicator"]
    if repeated.len():
        raise ValueError(f"{file}: national indicators listed twice: {sorted(set(repeated))}")
    return frame


def read_indicator_goals() -> pl.DataFrame:
    """One row per indicator: names (en/cy), unit, polarity, national_indicator (number or null),
    national_indicator_relation, wellbeing_goals (list of goal codes: the national indicator's,
    or the row's own when it has none), national_indicator_topic_en, aggregation (how values of
    areas may be combined), weighting_status, no_wales_value_reason (and its Welsh, _cy), mapping_note, source.

    Raises:
        ValueError: an unknown code in a coded column; goals given both for a row and its national
            indicator (one home per mapping); a national indicator without goals; a row with no
            goal; relation 'none' with a number.
    """
    file = "indicator_goals.csv"
    frame = pl.read_csv(
        HERE / file,
        schema_overrides={"national_indicator": pl.Int32, "wellbeing_goals": pl.String},
    )
    for column, allowed in (
        ("national_indicator_relation", RELATIONS),
        ("polarity", POLARITIES),
        ("aggregation", AGGREGATIONS),
        ("weighting_status", WEIGHTING),
    ):
        _check_values(frame, column, allowed, file)
    frame = _goal_lists(frame, file)
    numbered = frame.filter(pl.col("national_indicator").is_not_null())
    doubled = numbered.filter(pl.col("wellbeing_goals").is_not_null())["indicator_code"].to_list()
    if doubled:
        raise ValueError(
            f"{file}: {doubled} give goals and a national indicator; goals of a national "
            "indicator belong in national_indicator_goals.csv (its components share them)"
        )
    wrong = frame.filter(
        (pl.col("national_indicator_relation") == "none")
        & pl.col("national_indicator").is_not_null()
    )["indicator_code"].to_list()
    if wrong:
        raise ValueError(f"{file}: {wrong} have relation 'none' but a national indicator number")
    goals = read_national_indicator_goals().select(
        "national_indicator",
        pl.col("wellbeing_goals").alias("national_indicator_goals"),
        pl.col("topic_en").alias("national_indicator_topic_en"),
    )
    frame = frame.join(goals, on="national_indicator", how="left")
    missing = frame.filter(
        pl.col("national_indicator").is_not_null() & pl.col("national_indicator_goals").is_null()
    )["national_indicator"].to_list()
    if missing:
        raise ValueError(
            f"national_indicator_goals.csv has no goals for national indicators {missing}"
        )
    frame = frame.with_columns(
        pl.coalesce("national_indicator_goals", "wellbeing_goals").alias("wellbeing_goals")
    ).drop("national_indicator_goals")
    goalless = frame.filter(pl.col("wellbeing_goals").list.len().fill_null(0) == 0)
    if goalless.height:
        raise ValueError(f"{file}: no well-being goal for {goalless['indicator_code'].to_list()}")
    columns = [
        "indicator_code",
        "indicator_name_en",
        "indicator_name_cy",
        "unit",
        "polarity",
        "national_indicator",
        "national_indicator_relation",
        "national_indicator_topic_en",
        "wellbeing_goals",
        "aggregation",
        "weighting_status",
        "no_wales_value_reason",
        "no_wales_value_reason_cy",
        "mapping_note",
    ]
    return frame.select(columns).with_columns(
        pl.lit("pipelines/reference/SOURCES.md").alias("source")
    )


def build_national_indicators(published: pl.DataFrame) -> pl.DataFrame:
    """``reference.national_indicators`` from the cited table and the project's goals.

    Args:
        published: ``raw.national_indicators_wales`` (text columns as published).

    Returns:
        One row per national indicator of the cited table (numbers 1-50, then the unnumbered new
        indicators as ``unnumbered_1``...): national_indicator (integer, null when unnumbered),
        national_indicator_key, title_en, title_cy (null: no Welsh title was found),
        title_status, title_source_url, topic_en / topic_cy (the project's short description,
        for indicators it maps to), wellbeing_goals (list), goals_basis,
        goal_chapter_reported_under, goal_source_url,
        data_source, lowest_geography_published, detail_source_urls, pipeline_indicators (the
        indicator codes of ``reference.indicator_goals`` mapped to it), notes.
    """
    text = [c for c, dtype in published.schema.items() if dtype == pl.String]
    frame = published.with_columns(pl.col(text).str.strip_chars().replace("", None)).with_columns(
        pl.col("ni_number").cast(pl.Int32, strict=False).alias("national_indicator")
    )
    frame = frame.with_columns(
        pl.when(pl.col("national_indicator").is_not_null())
        .then(pl.col("national_indicator").cast(pl.String))
        .otherwise(
            pl.lit("unnumbered_")
            + (pl.col("national_indicator").is_null().cum_sum()).cast(pl.String)
        )
        .alias("national_indicator_key")
    )
    goals = read_national_indicator_goals()
    mapped = (
        read_indicator_goals()
        .filter(pl.col("national_indicator").is_not_null())
        .group_by("national_indicator")
        .agg(pl.col("indicator_code").sort().alias("pipeline_indicators"))
    )
    frame = frame.join(goals, on="national_indicator", how="left").join(
        mapped, on="national_indicator", how="left"
    )
    unknown = sorted(
        set(goals["national_indicator"]) - set(frame["national_indicator"].drop_nulls())
    )
    if unknown:
        raise ValueError(
            f"national_indicator_goals.csv names indicators {unknown} not in the table"
        )
    return frame.select(
        "national_indicator",
        "national_indicator_key",
        "title_en",
        "title_cy",
        "title_status",
        "title_source_url",
        "topic_en",
        "topic_cy",
        "wellbeing_goals",
        "goals_basis",
        "goal_chapter_reported_under",
        "goal_source_url",
        "data_source",
        "lowest_geography_published",
        "detail_source_urls",
        "pipeline_indicators",
        pl.concat_str(["notes", "note"], separator=" ", ignore_nulls=True)
        .replace("", None)
        .alias("notes"),
    ).sort("national_indicator", "national_indicator_key", nulls_last=True)


def _reference_asset(name: str, build, deps=()) -> dg.AssetsDefinition:
    """The asset writing ``reference.<name>`` from ``build(con)``'s frame."""

    @dg.asset(
        name=name,
        key_prefix=["reference"],
        group_name="reference",
        kinds={"duckdb", "polars"},
        deps=list(deps),
        description=asset_description(f"reference.{name}"),
    )
    def _asset(context: dg.AssetExecutionContext, warehouse: Warehouse) -> dg.MaterializeResult:
        with warehouse.connect() as con:
            metadata = write_contract_table(con, f"reference.{name}", build(con))
        return dg.MaterializeResult(metadata=metadata)

    return _asset


wellbeing_goals = _reference_asset("wellbeing_goals", lambda con: read_wellbeing_goals())

indicator_goals = _reference_asset("indicator_goals", lambda con: read_indicator_goals())

national_indicators = _reference_asset(
    "national_indicators",
    lambda con: build_national_indicators(
        con.execute("select * from raw.national_indicators_wales").pl()
    ),
    deps=[dg.AssetKey(["raw", "national_indicators_wales"])],
)
