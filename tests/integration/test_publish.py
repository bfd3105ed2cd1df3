"""Publishing the real build: every table and column commented (the publish rules on a tiny
warehouse: tests/unit/test_publish.py)."""

from pathlib import Path

import duckdb
import pytest

from pipelines.operations.publish import publish


@pytest.fixture(scope="module")
def published_real(built_warehouse, tmp_path_factory) -> Path:
    return publish(built_warehouse, tmp_path_factory.mktemp("published_real")).file


@pytest.mark.slow
def test_real_published_file_has_every_table_and_column_commented(published_real):
    con = duckdb.connect(str(published_real), read_only=True)
    try:
        schemas = {
            s for (s,) in con.execute("select distinct schema_name from duckdb_tables()").fetchall()
        }
        assert schemas == {"marts", "reference", "dictionary"}
        tables = con.execute(
            "select schema_name || '.' || table_name from duckdb_tables() "
            "where not internal and (comment is null or trim(comment) = '') order by 1"
        ).fetchall()
        columns = con.execute(
            "select schema_name || '.' || table_name || '.' || column_name from duckdb_columns() "
            "where not internal and (comment is null or trim(comment) = '') order by 1"
        ).fetchall()
        marts = {
            t
            for (t,) in con.execute(
                "select table_name from duckdb_tables() where schema_name = 'marts'"
            ).fetchall()
        }
    finally:
        con.close()
    assert {
        "lsoa_profile",
        "local_authority_profile",
        "goal_indicators",
        "public_services_board_profile",
        "health_board_profile",
        "msoa_profile",
    } <= marts
    assert [t for (t,) in tables] == [], "tables without a comment"
    assert [c for (c,) in columns] == [], "columns without a comment"
