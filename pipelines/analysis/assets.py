"""``marts.collaboration_and_goals``: collaboration activity beside the goal indicators.

A thin asset: the rows are built by ``pipelines.analysis.collaboration`` (statistics in
``pipelines.analysis.statistics``); column meanings come from ``data_contracts/marts.yaml``.
"""

import dagster as dg

from pipelines.analysis import collaboration
from pipelines.contracts import apply_comments, asset_description
from pipelines.warehouse import Warehouse, table_metadata, write_table

TABLE = "marts.collaboration_and_goals"


@dg.asset(
    name="collaboration_and_goals",
    key_prefix=["marts"],
    group_name="marts",
    kinds={"duckdb", "polars"},
    deps=[
        dg.AssetKey(["marts", "local_authority_profile"]),
        dg.AssetKey(["marts", "lsoa_profile"]),
        dg.AssetKey(["marts", "goal_indicators"]),
        dg.AssetKey(["marts", "activity_by_la_year"]),
        dg.AssetKey(["reference", "indicator_goals"]),
    ],
    automation_condition=dg.AutomationCondition.eager(),
    description=asset_description(TABLE),
)
def collaboration_and_goals(
    context: dg.AssetExecutionContext, warehouse: Warehouse
) -> dg.MaterializeResult:
    with warehouse.connect() as con:
        frame = collaboration.build(con)
        write_table(con, TABLE, frame)
        apply_comments(con, TABLE)
        metadata = table_metadata(con, TABLE)
    standing_out = int(frame["stands_out"].sum()) if frame.height else 0
    context.log.info(
        f"{TABLE}: {frame.height} rows; {standing_out} stand out after adjusting for deprivation "
        "and for many comparisons (Holm)"
    )
    return dg.MaterializeResult(metadata={**metadata, "stands_out": standing_out})
