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
from pipelines.contracts import apply_comments, asset_description
from pipelines.quality.gate import enforce_quality_gate
from pipelines.sources import raw_source_asset
from pipelines.warehouse import Warehouse, table_metadata, write_table

GROUP = "community_activity"
SUPPORT_GROUPS_TABLE = "staging.stg_community_activity__support_groups"
VOLUNTEERS_TABLE = "staging.stg_community_activity__volunteer_registrations"
CHECK_EVERY_GROUP_PLACED = "every_group_placed_in_a_welsh_lsoa"
CHECK_EVERY_LA_PRESENT = "every_welsh_la_present"
WELSH_LA_COUNT = 22


def _attribution(*keys: str) -> str:
    lines = []
    for key in keys:
        source = load_catalogue()[key]
        lines.append(
            f"Source: {source.title}. Publisher: {source.publisher}. Licence: {source.licence}. "
            f"Official URL: {source.url}"
        )
    return "\n\n".join(lines)


community_support_groups = raw_source_asset(
    "community_support_groups", parsers.parse_support_groups, group_name=GROUP
)

volunteer_registrations = raw_source_asset(
    "volunteer_registrations", parsers.parse_volunteer_registrations, group_name=GROUP
)


def _read(con, sql: str) -> pl.DataFrame:
    return con.execute(sql).pl()


@dg.asset(
    name="stg_community_activity__support_groups",
    key_prefix=["staging"],
    group_name=GROUP,
    kinds={"polars", "duckdb"},
    deps=[
        dg.AssetKey(["raw", "community_support_groups"]),
        dg.AssetKey(["raw", "lsoa21_boundaries"]),
        dg.AssetKey(["raw", "la_boundaries"]),
    ],
    check_specs=[
        dg.AssetCheckSpec(
            CHECK_EVERY_GROUP_PLACED,
            asset=dg.AssetKey(["staging", "stg_community_activity__support_groups"]),
            description="Every group has a Welsh 2021 LSOA and a local authority.",
        )
    ],
    description=asset_description(
        SUPPORT_GROUPS_TABLE,
        _attribution("community_support_groups", "lsoa21_boundaries", "la_boundaries"),
    ),
)
def stg_community_activity__support_groups(
    context: dg.AssetExecutionContext, warehouse: Warehouse
) -> dg.MaterializeResult:
    with warehouse.connect() as con:
        enforce_quality_gate(context, con)  # no build on a table whose latest check failed
        raw = _read(con, "select * from raw.community_support_groups order by source_row_number")
        frame = staging.build_support_groups(con, raw)
        write_table(con, SUPPORT_GROUPS_TABLE, frame)
        apply_comments(con, SUPPORT_GROUPS_TABLE)
        metadata = table_metadata(con, SUPPORT_GROUPS_TABLE)
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


@dg.asset(
    name="stg_community_activity__volunteer_registrations",
    key_prefix=["staging"],
    group_name=GROUP,
    kinds={"polars", "duckdb"},
    deps=[
        dg.AssetKey(["raw", "volunteer_registrations"]),
        dg.AssetKey(["raw", "la_boundaries"]),
    ],
    check_specs=[
        dg.AssetCheckSpec(
            CHECK_EVERY_LA_PRESENT,
            asset=dg.AssetKey(["staging", "stg_community_activity__volunteer_registrations"]),
            description="One row for each of the 22 Welsh local authorities.",
        )
    ],
    description=asset_description(
        VOLUNTEERS_TABLE, _attribution("volunteer_registrations", "la_boundaries")
    ),
)
def stg_community_activity__volunteer_registrations(
    context: dg.AssetExecutionContext, warehouse: Warehouse
) -> dg.MaterializeResult:
    with warehouse.connect() as con:
        enforce_quality_gate(context, con)  # no build on a table whose latest check failed
        raw = _read(con, "select * from raw.volunteer_registrations order by source_row_number")
        las = _read(con, "select la_code, la_name_en from raw.la_boundaries")
        frame, dropped = staging.build_volunteer_registrations(raw, las)
        write_table(con, VOLUNTEERS_TABLE, frame)
        apply_comments(con, VOLUNTEERS_TABLE)
        metadata = table_metadata(con, VOLUNTEERS_TABLE)
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
