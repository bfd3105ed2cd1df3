"""The UK financial year (1 April to 31 March), in one place for Python and SQL.

A financial year is labelled by its first and last calendar years, ``"2024-25"`` for
1 April 2024 to 31 March 2025. Partner activity is grouped by the financial year of its start date.

``FINANCIAL_YEAR_MACROS`` defines the same rule as DuckDB macros (``financial_year_start(d)``,
``financial_year_label(d)``); ``pipelines.warehouse`` creates them on every connection, so SQL
models and Python always agree; ``financial_year_start_expr`` is the rule on a polars column.
"""

from datetime import date

import polars as pl


def financial_year_start(day: date) -> int:
    """The calendar year in which the financial year holding ``day`` begins (2025-03-31 -> 2024)."""
    return day.year if day.month >= 4 else day.year - 1


def financial_year_start_expr(day: pl.Expr) -> pl.Expr:
    """``financial_year_start`` on a polars date column (vectorised)."""
    return day.dt.year() - (day.dt.month() < 4).cast(pl.Int32)


def first_day(first_year: int) -> date:
    """The first day of the financial year beginning in ``first_year`` (2024 -> 2024-04-01)."""
    return date(first_year, 4, 1)


def label_for_start(first_year: int) -> str:
    """``2024`` -> ``"2024-25"``."""
    return f"{first_year}-{(first_year + 1) % 100:02d}"


def financial_year_of(day: date) -> str:
    """The financial year label of a date: 2025-03-31 -> ``"2024-25"``, 2025-04-01 -> ``"2025-26"``."""
    return label_for_start(financial_year_start(day))


def label_of(partition_key: str) -> str:
    """A partition key (the year's first day) to its label: ``"2024-04-01"`` -> ``"2024-25"``."""
    return financial_year_of(date.fromisoformat(partition_key))


FINANCIAL_YEAR_MACROS = (
    (
        "create or replace temp macro financial_year_start(d) as "
        "(case when month(d) >= 4 then year(d) else year(d) - 1 end)"
    ),
    (
        "create or replace temp macro financial_year_label(d) as "
        "(financial_year_start(d)::varchar || '-' || "
        "lpad(((financial_year_start(d) + 1) % 100)::varchar, 2, '0'))"
    ),
)
