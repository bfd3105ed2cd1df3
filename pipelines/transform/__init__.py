"""SQL models: ``sql/staging/*.sql`` and ``sql/marts/*.sql`` run against DuckDB as Dagster assets."""
