"""The financial-year rule is stated once in Python and once as a DuckDB macro: they must agree."""

from datetime import date, timedelta

import duckdb
import pytest

from pipelines.financial_year import (
    FINANCIAL_YEAR_MACROS,
    financial_year_of,
    label_of,
)
from pipelines.operations.partitions import financial_year_partitions
from pipelines.sqltext import quote_ident, quote_literal, sql_value


def test_sql_macro_agrees_with_python_on_every_day_of_three_years():
    con = duckdb.connect()
    for macro in FINANCIAL_YEAR_MACROS:
        con.execute(macro)
    days = [date(2023, 1, 1) + timedelta(days=i) for i in range(3 * 366)]
    got = con.execute(
        "select financial_year_label(d) from unnest(?::date[]) as t(d)", [days]
    ).fetchall()
    assert [g[0] for g in got] == [financial_year_of(d) for d in days]
    assert financial_year_of(date(2024, 3, 31)) == "2023-24"
    assert financial_year_of(date(2024, 4, 1)) == "2024-25"
    assert financial_year_of(date(1999, 12, 1)) == "1999-00"


def test_quoting_round_trips_through_duckdb():
    con = duckdb.connect()
    text = 'Ynys Môn\'s "ward"; drop table x; --'
    assert con.execute(f"select {quote_literal(text)}").fetchone()[0] == text
    con.execute(f"create table {quote_ident(text)} (v int)")
    assert con.execute("select table_name from duckdb_tables()").fetchone()[0] == text
    assert [con.execute(f"select {sql_value(v)}").fetchone()[0] for v in (None, True, 3, 2.5)] == [
        None,
        True,
        3,
        2.5,
    ]


@pytest.mark.parametrize(
    ("day", "label", "key"),
    [
        ("2025-03-31", "2024-25", "2024-04-01"),
        ("2025-04-01", "2025-26", "2025-04-01"),
        ("1999-12-31", "1999-00", "1999-04-01"),
    ],
)
def test_financial_year_label_and_partition_key(day, label, key):
    d = date.fromisoformat(day)
    assert financial_year_of(d) == label
    # the Dagster partition holding the day is the one with that key (and that label)
    window = financial_year_partitions(start="1999-04-01").time_window_for_partition_key(key)
    assert window.start.date() <= d < window.end.date()
    assert label_of(key) == label
