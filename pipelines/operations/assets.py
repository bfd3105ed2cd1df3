"""The published read-only snapshot: ``published/wellbeing_duckdb``.

It depends on every mart (every SQL model under ``sql/marts/``) and on the reference tables, so
it is the last step of any run that rebuilds them, and it is skipped when a blocking check on a
mart fails: readers keep the last good snapshot.
"""

import dagster as dg

from pipelines.operations import keys
from pipelines.operations.automation import eager_unless_blocked
from pipelines.operations.publish import publish
from pipelines.quality.gate import enforce_quality_gate
from pipelines.settings import resolve_path, setting
from pipelines.snapshots import record_published
from pipelines.transform.assets import sql_model_assets
from pipelines.warehouse import Warehouse

EVERY_COLUMN_COMMENTED = "every_table_and_column_commented"


def published_deps() -> list[dg.AssetKey]:
    """Every ``marts.*`` and ``reference.*`` SQL model key plus the reference tables loaded from
    files, in a stable order, and the partner submission template."""
    marts = {
        key
        for assets_def in sql_model_assets
        for key in assets_def.keys
        if key.path[0] in ("marts", "reference")
    }
    return (
        sorted(marts, key=lambda k: k.to_user_string())
        + keys.REFERENCE_KEYS
        + [keys.TEMPLATE_KEY]  # published with the rest (see staged_template)
    )


class PublishConfig(dg.Config):
    """Where to publish; empty means ``WELLBEING_PUBLISH_DIR`` (default ``data/published``)."""

    publish_dir: str = ""


@dg.asset(
    key=keys.PUBLISHED_KEY,
    group_name="publish",
    kinds={"duckdb", "parquet", "csv"},
    deps=published_deps(),
    automation_condition=eager_unless_blocked(),
    check_specs=[dg.AssetCheckSpec(EVERY_COLUMN_COMMENTED, asset=keys.PUBLISHED_KEY)],
    tags={"wellbeing/writes": "published"},
)
def wellbeing_duckdb(
    context: dg.AssetExecutionContext, config: PublishConfig, warehouse: Warehouse
) -> dg.MaterializeResult:
    """The read-only DuckDB file readers open (``data/published/wellbeing.duckdb``).

    Holds every ``marts.*`` and ``reference.*`` table with the contracts' table and column
    comments, plus ``dictionary.tables`` and ``dictionary.columns``; never raw partner rows,
    quarantined rows or personal data. Written as a new file and swapped in with an atomic
    rename, so a reader never sees a half-built table. Also writes ``exports/`` (Parquet and CSV
    of every table), ``data_dictionary.md`` / ``.html``, ``manifest.json`` and the partner
    submission template staged by ``partnership_activity/submission_template``, each swapped in
    only when the publish succeeds.
    """
    publish_dir = resolve_path(config.publish_dir or setting("WELLBEING_PUBLISH_DIR"))
    with warehouse.connect(read_only=True) as con:
        # Nothing is published while a table upstream failed its latest contract check.
        enforce_quality_gate(context, con)
    backend = warehouse.backend()
    context.log.info(f"publishing {backend.describe()} to {publish_dir}")
    from pipelines.partnership_activity.assets import staged_template
    from pipelines.partnership_activity.template import write_template

    template = staged_template()
    if not template.exists():  # never built in this folder: built now, from the same contract
        write_template(template)
    result = publish(
        backend, publish_dir, extra_files={keys.TEMPLATE_FILE: template}, log=context.log.info
    )
    if result.snapshot is not None:  # DuckLake: record what this run published (time travel)
        with warehouse.connect() as con:
            record_published(con, result.snapshot, result.published_at, context.run.run_id)
        context.log.info(
            f"published DuckLake snapshot {result.snapshot.snapshot_id} "
            f"({result.snapshot.snapshot_time:%Y-%m-%d %H:%M:%S %Z}), recorded in "
            "quality.published_snapshots"
        )
    table_lines = ["| table | rows | columns |", "|---|---:|---:|"] + [
        f"| {t.qualified} | {t.rows:,} | {len(t.columns)} |" for t in result.tables
    ]
    missing = result.missing_comments
    if missing:
        context.log.warning(f"{len(missing)} tables/columns have no comment: {missing[:20]}")
    return dg.MaterializeResult(
        metadata={
            "path": dg.MetadataValue.path(str(result.file)),
            "warehouse": backend.kind,
            **({"snapshot_id": result.snapshot.snapshot_id} if result.snapshot is not None else {}),
            "tables_copied": len([t for t in result.tables if t.schema != "dictionary"]),
            "dagster/row_count": result.rows,
            "file_size_mb": round(result.file.stat().st_size / 1e6, 2),
            "publish_seconds": round(result.seconds, 2),
            "exports": len(result.exports),
            "stale_temp_files_removed": len(result.stale_removed),
            "tables": dg.MetadataValue.md("\n".join(table_lines)),
            "data_dictionary": dg.MetadataValue.path(str(result.dictionary_files[0])),
        },
        check_results=[
            dg.AssetCheckResult(
                check_name=EVERY_COLUMN_COMMENTED,
                passed=not missing,
                severity=dg.AssetCheckSeverity.WARN,
                metadata={
                    "missing_count": len(missing),
                    "missing": dg.MetadataValue.md(
                        "\n".join(f"- `{m}`" for m in missing[:200]) or "none"
                    ),
                },
                description="Every published table and column carries a comment from its "
                "data contract.",
            )
        ],
    )
