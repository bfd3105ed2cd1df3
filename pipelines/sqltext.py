"""SQL text helpers, in one place: quoting literals and identifiers for the few statements DuckDB
cannot bind parameters into (``comment on``, ``attach``, ``copy ... to``, DDL).

Values a user or a source supplies are bound as parameters (``con.execute(sql, [value])``)
wherever DuckDB allows it; these functions are for the rest.
"""

from typing import Any


def quote_literal(text: object) -> str:
    """A SQL string literal: ``O'Brien`` becomes ``'O''Brien'``."""
    return "'" + str(text).replace("'", "''") + "'"


def quote_ident(name: str) -> str:
    """A quoted SQL identifier: a double quote inside the name is doubled."""
    return '"' + str(name).replace('"', '""') + '"'


def sql_value(value: Any) -> str:
    """A Python scalar as SQL text: None is null; booleans, numbers; else a string literal."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    return quote_literal(value)


def case_lookup(expression: str, mapping: dict, default: str = "null") -> str:
    """SQL mapping ``expression`` through ``mapping`` (a ``case`` expression; DuckDB rebuilds a
    ``map {...}`` literal for every row, a ``case`` costs nothing per row)."""
    if not mapping:
        return default
    branches = " ".join(f"when {sql_value(k)} then {sql_value(v)}" for k, v in mapping.items())
    return f"(case {expression} {branches} else {default} end)"
