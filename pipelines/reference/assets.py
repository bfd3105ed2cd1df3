"""Reference tables (group ``reference``): ``reference.wellbeing_goals`` and
``reference.indicator_goals``, loaded from the CSV files beside this module (see SOURCES.md)."""

from pathlib import Path

import dagster as dg
import polars as pl

from pipelines.contracts import apply_comments
from pipelines.warehouse import Warehouse, table_metadata, write_table

HERE = Path(__file__).parent


def read_wellbeing_goals() -> pl.DataFrame:
    """The seven goals: goal_code, goal_number (1-7), goal_name_en/cy, description_en/cy."""
    return pl.read_csv(HERE / "wellbeing_goals.csv", schema_overrides={"goal_number": pl.Int32})


def read_indicator_goals() -> pl.DataFrame:
    """One row per indicator: names (en/cy), unit, polarity, wellbeing_goals (list of goal
    codes), national_indicator (number or null), relation, title and mapping note.

    Raises:
        ValueError: a goal code in the CSV is not one of the seven goals.
    """
    frame = pl.read_csv(
        HERE / "indicator_goals.csv", schema_overrides={"national_indicator": pl.Int32}
    )
    frame = frame.with_columns(pl.col("wellbeing_goals").str.split(";"))
    known = set(read_wellbeing_goals()["goal_code"])
    unknown = set(frame["wellbeing_goals"].explode().to_list()) - known
    if unknown:
        raise ValueError(
            f"indicator_goals.csv names unknown well-being goals {sorted(unknown)}; expected {sorted(known)}"
        )
    return frame.with_columns(
        pl.lit("pipelines/reference/SOURCES.md").alias("source"),
    )


def _reference_asset(name: str, reader, description: str) -> dg.AssetsDefinition:
    @dg.asset(
        name=name,
        key_prefix=["reference"],
        group_name="reference",
        kinds={"duckdb", "polars"},
        description=description,
    )
    def _asset(context: dg.AssetExecutionContext, warehouse: Warehouse) -> dg.MaterializeResult:
        frame = reader()
        with warehouse.connect() as con:
            write_table(con, f"reference.{name}", frame)
            apply_comments(con, f"reference.{name}")
            metadata = table_metadata(con, f"reference.{name}")
        return dg.MaterializeResult(metadata=metadata)

    return _asset


wellbeing_goals = _reference_asset(
    "wellbeing_goals",
    read_wellbeing_goals,
    "The seven well-being goals of the Well-being of Future Generations (Wales) Act 2015, one row "
    "each: goal_code, goal_number, goal_name_en, goal_name_cy, description_en, description_cy. "
    "Source: the Act, s.4 (OGL v3.0).",
)

indicator_goals = _reference_asset(
    "indicator_goals",
    read_indicator_goals,
    "Each indicator the pipeline ingests, one row each, mapped to the well-being goals it informs "
    "(wellbeing_goals, a list of goal codes) and to a national well-being indicator where one "
    "corresponds (national_indicator, national_indicator_relation: direct | related | none). "
    "Sources: Welsh Government national indicators for Wales (OGL v3.0); see "
    "pipelines/reference/SOURCES.md.",
)
