"""Warehouse transactions on real DuckDB (the file and a DuckLake whose catalog is a DuckDB file):
a nested ``transaction()`` joins the open one, and an error anywhere inside rolls all of it back
(the PostgreSQL catalog: tests/integration/test_ducklake_postgres.py)."""

import duckdb
import pytest

from pipelines.warehouse import Warehouse, WarehouseError, retry_transaction, transaction
from pipelines.warehouse_lock import retry


@pytest.fixture(params=["file", "ducklake"])
def warehouse(request, tmp_path) -> Warehouse:
    if request.param == "file":
        return Warehouse(path=str(tmp_path / "warehouse.duckdb"))
    return Warehouse(
        path=f"ducklake:{tmp_path / 'catalog.ducklake'}", data_path=str(tmp_path / "lake")
    )


def _rows(warehouse: Warehouse) -> list[tuple]:
    with warehouse.connect() as con:
        return con.execute("select x from raw.t order by x").fetchall()


def test_a_nested_transaction_joins_and_the_outermost_commits(warehouse):
    with warehouse.connect() as con:
        con.execute("create table raw.t (x integer)")
        with transaction(con):
            con.execute("insert into raw.t values (1)")
            with transaction(con):  # joins: a second begin would abort the first
                con.execute("insert into raw.t values (2)")
            retry_transaction(con, lambda c: c.execute("insert into raw.t values (3)"))
    assert _rows(warehouse) == [(1,), (2,), (3,)]


def test_an_error_inside_a_nested_transaction_rolls_back_the_whole_outer_one(warehouse):
    with warehouse.connect() as con:
        con.execute("create table raw.t (x integer)")
        with pytest.raises(ValueError, match="inner"), transaction(con):
            con.execute("insert into raw.t values (1)")
            with transaction(con):
                con.execute("insert into raw.t values (2)")
                raise ValueError("inner")
        # caught inside the outer block, an inner failure still rolls the outer one back
        with pytest.raises(WarehouseError, match="rolled back"), transaction(con):
            con.execute("insert into raw.t values (3)")
            with pytest.raises(duckdb.ConversionException), transaction(con):
                con.execute("insert into raw.t values ('not a number')")
        with transaction(con):  # the connection is usable again
            con.execute("insert into raw.t values (4)")
    assert _rows(warehouse) == [(4,)]


def test_retry_repeats_only_the_errors_it_is_told_to_and_then_gives_up():
    calls = []

    def conflict():
        calls.append(1)
        raise duckdb.TransactionException("conflict")

    with pytest.raises(duckdb.TransactionException):
        retry(conflict, duckdb.TransactionException, [0, 0])
    with pytest.raises(duckdb.TransactionException):
        retry(conflict, duckdb.TransactionException, [0, 0], when=lambda e: False)
    with pytest.raises(duckdb.TransactionException):
        retry(conflict, duckdb.IOException, [0, 0])
    assert len(calls) == 3 + 1 + 1


def test_sql_dependencies_are_tables_not_qualified_columns():
    """DuckDB's parse tree decides what is a table: a CTE named like a schema and its qualified
    column, comments, strings and unqualified names are not warehouse tables."""
    import pytest

    from pipelines.warehouse import SqlParseError, sql_dependencies

    sql = """
    -- reads marts.in_a_comment
    with reference as (select * from reference.indicator_goals)
    select reference.aggregation, 'staging.in_a_string' as s, x.*
    from staging.stg_x as x
    inner join reference using (indicator_code)
    where x.code in (select code from raw.wimd_2025_ranks)
    """
    assert sql_dependencies(sql) == [
        ("reference", "indicator_goals"),
        ("staging", "stg_x"),
        ("raw", "wimd_2025_ranks"),
    ]
    with pytest.raises(SqlParseError, match="cannot read the tables"):
        sql_dependencies("select from where")
