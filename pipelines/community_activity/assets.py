"""Community activity assets (group ``community_activity``).

Raw: ``raw.community_support_groups`` (202 COVID-19 mutual aid groups, spring 2020) and
``raw.volunteer_registrations`` (WCVA registrations by area, 18 May 2020), landed as published.
Staging (Python with DuckDB spatial, for the point-in-polygon placement):
``staging.stg_community_activity__support_groups`` and
``staging.stg_community_activity__volunteer_registrations``.
"""

import dagster as dg
import polars as pl

from pipelines.catalogue import load_catalogue
from pipelines.community_activity import parsers, staging
from pipelines.contracts import asset_description, write_contract_table
from pipelines.geography import LSOA_LA
from pipelines.quality.gate import enforce_quality_gate
from pipelines.sources import raw_source_asset
from pipelines.warehouse import Warehouse

GROUP = "community_activity"
SUPPORT_GROUPS_TABLE = "staging.stg_community_activity__support_groups"
VOLUNTEERS_TABLE = "staging.stg_community_activity__volunteer_registrations"
CHECK_EVERY_GROUP_PLACED = "every_group_placed_in_a_welsh_lsoa"
CHECK_EVERY_LA_PRESENT = "every_welsh_la_present"
WELSH_LA_COUNT = 22


def _attribution(*keys: str) -> str:
    sources = [load_catalogue()[key] for key in keys]
    return "\n\n".join(
        f"Source: {s.title}. Publisher: {s.publisher}. Licence: {s.licence}. Official URL: {s.url}"
        for s in sources
    )


community_support_groups = raw_source_asset(
    "community_support_groups", parsers.parse_support_groups, GROUP
)

volunteer_registrations = raw_source_asset(
    "volunteer_registrations", parsers.parse_volunteer_registrations, GROUP
)


def _staging_asset(table: str, sources: tuple[str, ...], check: str, check_description: str):
    """The asset decorator of a community staging table built from the raw ``sources`` (its
    upstream assets and its attribution), with its one asset check."""
    key = dg.AssetKey(table.split("."))
    return dg.asset(
        key=key,
        group_name=GROUP,
        kinds={"polars", "duckdb"},
        deps=[dg.AssetKey(["raw", s]) for s in sources],
        check_specs=[dg.AssetCheckSpec(check, asset=key, description=check_description)],
        description=asset_description(table, _attribution(*sources)),
    )


def _stage(context, warehouse: Warehouse, table: str, source: str, build) -> tuple:
    """Pass the quality gate, read ``raw.<source>``, ``build(con, raw)`` -> (frame, extra), write
    ``table`` with its contract comments; returns frame, extra and the table's metadata."""
    with warehouse.connect() as con:
        enforce_quality_gate(context, con)  # no build on a table whose latest check failed
        raw = con.execute(f"select * from raw.{source} order by source_row_number").pl()
        frame, extra = build(con, raw)
        return frame, extra, write_contract_table(con, table, frame)


@_staging_asset(
    SUPPORT_GROUPS_TABLE,
    ("community_support_groups", "lsoa21_boundaries", LSOA_LA.split(".")[1]),
    CHECK_EVERY_GROUP_PLACED,
    "Every group has a Welsh 2021 LSOA and a local authority.",
)
def stg_community_activity__support_groups(
    context: dg.AssetExecutionContext, warehouse: Warehouse
) -> dg.MaterializeResult:
    frame, _, metadata = _stage(
        context,
        warehouse,
        SUPPORT_GROUPS_TABLE,
        "community_support_groups",
        lambda con, raw: (staging.build_support_groups(con, raw), None),
    )
    methods = dict(frame["placement_method"].value_counts().iter_rows())
    unplaced = frame.filter(pl.col("lsoa_code").is_null() | pl.col("la_code").is_null())
    context.log.info(f"{SUPPORT_GROUPS_TABLE}: {frame.height} groups; placement {methods}")
    if unplaced.height:
        context.log.warning(
            f"{unplaced.height} groups could not be placed in a Welsh LSOA: "
            f"{unplaced.select('group_id', 'location_text').to_dicts()}"
        )
    return dg.MaterializeResult(
        metadata={**metadata, **{f"placed_{k}": v for k, v in methods.items()}},
        check_results=[
            dg.AssetCheckResult(
                check_name=CHECK_EVERY_GROUP_PLACED,
                passed=unplaced.height == 0,
                metadata={
                    "unplaced_groups": unplaced.height,
                    "unplaced_locations": ", ".join(unplaced["location_text"].to_list()) or "none",
                },
            )
        ],
    )


@_staging_asset(
    VOLUNTEERS_TABLE,
    ("volunteer_registrations", "la_boundaries"),
    CHECK_EVERY_LA_PRESENT,
    "One row for each of the 22 Welsh local authorities.",
)
def stg_community_activity__volunteer_registrations(
    context: dg.AssetExecutionContext, warehouse: Warehouse
) -> dg.MaterializeResult:
    frame, dropped, metadata = _stage(
        context,
        warehouse,
        VOLUNTEERS_TABLE,
        "volunteer_registrations",
        lambda con, raw: staging.build_volunteer_registrations(
            raw, con.execute("select la_code, la_name_en from raw.la_boundaries").pl()
        ),
    )
    if dropped:
        context.log.info(f"{VOLUNTEERS_TABLE}: dropped areas that are not Welsh LAs: {dropped}")
    return dg.MaterializeResult(
        metadata={**metadata, "dropped_areas": ", ".join(dropped) or "none"},
        check_results=[
            dg.AssetCheckResult(
                check_name=CHECK_EVERY_LA_PRESENT,
                passed=frame["la_code"].n_unique() == WELSH_LA_COUNT,
                metadata={"local_authorities": frame["la_code"].n_unique()},
            )
        ],
    )
