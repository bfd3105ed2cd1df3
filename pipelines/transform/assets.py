"""One Dagster asset per SQL model file (file name == table name == asset name).

Dependencies are the ``schema.table`` tables each model reads, from DuckDB's parse tree (so a
CTE's qualified column is not a table), so adding a model is adding a file. The asset description, the table and column comments and the column schema come
from the model's data contract (the SQL's leading comment is for readers of the SQL only).
"""

import dagster as dg

from pipelines.contracts import apply_comments, asset_description
from pipelines.operations.automation import eager_unless_blocked
from pipelines.quality.gate import enforce_quality_gate
from pipelines.warehouse import (
    SqlParseError,
    Warehouse,
    run_sql_model,
    sql_dependencies,
    sql_models,
    table_metadata,
)


def _sql_asset(schema: str, table: str, sql_text: str, file_name: str) -> dg.AssetsDefinition:
    try:
        refs = sql_dependencies(sql_text)
    except SqlParseError as exc:
        raise SqlParseError(f"sql/{schema}/{file_name}: {exc}") from exc
    deps = [
        dg.AssetKey([ref_schema, ref_table])
        for ref_schema, ref_table in refs
        if (ref_schema, ref_table) != (schema, table)
    ]

    @dg.asset(
        name=table,
        key_prefix=[schema],
        group_name=schema,  # staging, reference or marts (sql_models)
        kinds={"duckdb", "sql"},
        deps=deps,
        description=asset_description(f"{schema}.{table}", f"SQL: sql/{schema}/{file_name}"),
        metadata={"sql_file": f"sql/{schema}/{file_name}"},
        automation_condition=eager_unless_blocked(),
    )
    def _asset(context: dg.AssetExecutionContext, warehouse: Warehouse) -> dg.MaterializeResult:
        # Read the file at run time so an edited model runs without reloading the code location.
        from pipelines.warehouse import SQL_DIR

        text = (SQL_DIR / schema / file_name).read_text(encoding="utf-8")
        with warehouse.connect() as con:
            enforce_quality_gate(context, con)  # no build on a table whose latest check failed
            run_sql_model(con, schema, table, text)
            apply_comments(con, f"{schema}.{table}")
            metadata = table_metadata(con, f"{schema}.{table}")
        context.log.info(f"{schema}.{table}: {metadata['dagster/row_count']} rows")
        return dg.MaterializeResult(metadata=metadata)

    return _asset


sql_model_assets = [
    _sql_asset(schema, table, file.read_text(encoding="utf-8"), file.name)
    for schema, table, file in sql_models()
]
