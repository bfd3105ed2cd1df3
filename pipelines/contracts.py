"""Data contracts (``data_contracts/*.yaml``, Open Data Contract Standard v3 layout).

A contract is the one source of a table's column documentation: descriptions, types, units and
rules. This module reads them and writes the descriptions into DuckDB as ``COMMENT ON`` so that
a policy analyst sees them in any SQL client. (Compiling contracts into Great Expectations
suites lives in ``pipelines/quality``.)

Contract file name == dataset name; each contract's ``schema`` list holds one object per table,
whose ``physicalName`` is ``schema.table`` in the warehouse.
"""

import re
from functools import lru_cache
from pathlib import Path
from typing import Any

import duckdb

from pipelines.contract_validation import ContractFileError, contract_problems
from pipelines.settings import PROJECT_ROOT
from pipelines.sqltext import quote_ident, quote_literal
from pipelines.warehouse import (
    LINEAGE_COLUMNS,
    columns_of,
    table_metadata,
    transaction,
    write_table,
)

CONTRACTS_DIR = PROJECT_ROOT / "data_contracts"


def contract_files() -> list[Path]:
    return sorted(CONTRACTS_DIR.glob("*.yaml"))


@lru_cache(maxsize=1)
def _tables() -> dict[str, dict]:
    """Every table object of every contract, keyed by its physical name (``schema.table``)."""
    out: dict[str, dict] = {}
    problems: list[str] = []
    docs = []
    for file in contract_files():
        doc, found = contract_problems(file)  # syntax, the ODCS schema, our custom properties
        problems += found
        docs.append((file, doc))
    if problems:
        raise ContractFileError("\n".join(problems))
    for file, doc in docs:
        for obj in doc.get("schema", []) or []:
            physical = obj.get("physicalName") or obj.get("name")
            out[physical] = {
                **obj,
                "_contract_file": file.name,
                "_contract_id": doc.get("id"),
                "_contract_custom": doc.get("customProperties") or [],
            }
    return out


def contract_for(table: str) -> dict | None:
    """The contract schema object for ``schema.table``, or ``None`` if it has no contract."""
    return _tables().get(table)


def require_contract(table: str) -> dict:
    """``contract_for(table)``; raises ``KeyError`` when ``table`` has no data contract."""
    obj = contract_for(table)
    if obj is None:
        raise KeyError(f"{table} has no data contract in data_contracts/")
    return obj


def table_description(table: str) -> str | None:
    """The contract's description of ``schema.table`` (its grain, units, periods and sources):
    the one description of the table, its asset and its DuckDB comment."""
    obj = contract_for(table)
    return (obj.get("description") or "").strip() or None if obj else None


def asset_description(table: str, *notes: str) -> str:
    """The description of the asset that writes ``table``: the contract's table description,
    then ``notes`` made by the code from the catalogue or its settings (URLs, files written),
    never a hand-written column list (the columns and their meanings are the contract's).

    Raises:
        KeyError: ``table`` has no description in a data contract.
    """
    text = table_description(table)
    if text is None:
        raise KeyError(f"{table}: no table description in data_contracts/*.yaml")
    return "\n\n".join([text, *notes])


def column_descriptions(table: str) -> dict[str, str]:
    """Column name -> description (with the unit appended where the contract gives one)."""
    obj = contract_for(table)
    if not obj:
        return {}
    out = {}
    for prop in obj.get("properties", []) or []:
        text = (prop.get("description") or "").strip()
        unit = custom(prop, "unit")
        if unit and unit.lower() not in text.lower():
            text = f"{text} Unit: {unit}." if text else f"Unit: {unit}."
        if text:
            out[prop["name"]] = text
    return out


def custom(obj: dict, name: str, default: Any = None) -> Any:
    """A ``customProperties`` value of a contract object (``default`` when absent)."""
    for item in obj.get("customProperties", []) or []:
        if item.get("property") == name:
            return item.get("value")
    return default


def code_labels() -> list[tuple[str, str, str, str, str]]:
    """``(table, column, code, name_en, name_cy)`` for every code a contract names in English and
    Welsh (a column's ``valueLabels``, checked by ``contract_validation``: one pair per
    ``allowedValues`` code), in contract order: ``('raw.partnership_activity', 'action_category',
    'shared_purpose', 'Shared purpose', 'Pwrpas cyffredin')``. Publishing writes them as
    ``dictionary.code_labels``."""
    return [
        (table, prop["name"], code, names["en"], names["cy"])
        for table, obj in _tables().items()
        for prop in obj.get("properties", []) or []
        for code, names in (custom(prop, "valueLabels") or {}).items()
    ]


def is_personal_data(prop: dict) -> bool:
    """True for a property marked ``personalData: true``: never a column of any table."""
    return bool(custom(prop, "personalData", False))


def column_comments(con: duckdb.DuckDBPyConnection, table: str) -> dict[str, str | None]:
    """Column name -> its comment, for the columns ``schema.table`` has in the current database
    (empty when the table does not exist)."""
    return {column: comment for column, _, comment in columns_of(con, table)}


def apply_comments(con: duckdb.DuckDBPyConnection, table: str) -> int:
    """Write the contract's table and column descriptions as DuckDB comments.

    Returns the number of column comments written (0 when the table has no contract). Columns
    named in the contract but missing from the table are skipped (the quality checks report them).
    Comments that already read as the contract says are not written again, and the rest are
    written in one transaction (one DuckLake snapshot; parallel steps never alter the same
    table for nothing).
    """
    obj = contract_for(table)
    if not obj:
        return 0
    schema, name = table.split(".")
    current_table = con.execute(
        "select comment from duckdb_tables() where database_name = current_database() "
        "and schema_name = ? and table_name = ?",
        [schema, name],
    ).fetchone()
    existing = column_comments(con, table)
    statements = []
    description = (obj.get("description") or "").strip()
    notice = example_data_notice(con, table)
    if notice:
        description = f"{notice} {description}".strip()
    if description and (current_table is None or current_table[0] != description):
        statements.append(f"comment on table {table} is {quote_literal(description)}")
    written = 0
    for column, text in column_descriptions(table).items():
        if column in existing:
            written += 1
            if existing[column] != text:
                statements.append(
                    f"comment on column {table}.{quote_ident(column)} is {quote_literal(text)}"
                )
    if statements:
        with transaction(con):
            for statement in statements:
                con.execute(statement)
    return written


def write_contract_table(
    con: duckdb.DuckDBPyConnection, table: str, frame, lineage: dict | None = None
) -> dict[str, object]:
    """Replace ``table`` with ``frame`` (plus ``lineage`` columns, ``warehouse.write_table``), write
    its contract's comments and return its materialisation metadata (``table_metadata``: the row
    count is ``dagster/row_count``)."""
    write_table(con, table, frame, lineage)
    apply_comments(con, table)
    return table_metadata(con, table)


def example_data_notice(con: duckdb.DuckDBPyConnection, table: str) -> str | None:
    """The contract's ``exampleDataNotice`` when ``table`` holds example data, else ``None``.

    A table holds example data when it has an ``is_example_data`` column that is true in any row;
    the notice (what the example generator builds in) is a dataset-level custom property of the
    table's contract, and leads the table comment, so the data dictionary, the manifest and every
    reader of the published file see it.
    """
    obj = contract_for(table) or {}
    notice = next(
        (
            c.get("value")
            for c in obj.get("_contract_custom", [])
            if c.get("property") == "exampleDataNotice"
        ),
        None,
    )
    if not notice:
        return None
    if "is_example_data" not in column_comments(con, table):
        return None
    flagged = con.execute(
        f"select coalesce(bool_or(is_example_data), false) from {table}"
    ).fetchone()[0]
    return str(notice).strip() if flagged else None


def placeholder_description(column: str, text: str | None) -> bool:
    """Whether a column description is a placeholder rather than a description.

    Placeholders are empty text, the generated '(as named by the source or model)' phrase, and
    text that only restates the column name ('Number of lsoa.', 'Share (fraction 0-1): lsoas most
    deprived 10pct.', 'N.').
    """
    if not text or not text.strip():
        return True
    lowered = text.lower()
    if "as named by the source or model" in lowered:
        return True
    ignore = {"number", "of", "share", "fraction", "count", "is", "0", "1"}

    def words(value: str) -> list[str]:
        return [w for w in re.split(r"[^a-z0-9]+", value.lower()) if w and w not in ignore]

    return words(re.sub(r"(?i)unit:.*$", "", text)) == words(column)


def source_columns(table: str) -> tuple[str, ...]:
    """The columns a parser of the raw table ``table`` returns, in contract order: every column of
    its contract but the lineage columns the loader adds (``warehouse.LINEAGE_COLUMNS``).

    Raises:
        KeyError: ``table`` has no data contract.
    """
    obj = require_contract(table)
    return tuple(p["name"] for p in obj["properties"] if p["name"] not in LINEAGE_COLUMNS)


def source_schema(table: str) -> dict:
    """``source_columns`` as a polars schema: integer columns (``source_row_number``) as Int64,
    every other column as text (raw tables keep values as published)."""
    import polars as pl

    integer = {
        p["name"] for p in contract_for(table)["properties"] if p.get("physicalType") == "bigint"
    }
    return {c: pl.Int64 if c in integer else pl.String for c in source_columns(table)}


def all_contract_tables() -> list[str]:
    """Physical names (``schema.table``) of every table in every contract, in file order."""
    return list(_tables())


def _loaded_properties(obj: dict) -> list[dict]:
    return [p for p in obj.get("properties", []) or [] if not is_personal_data(p)]


def create_table_sql(table: str) -> str:
    """``create table if not exists`` for a contract table: its columns in contract order, their
    ``physicalType``, ``not null`` where ``required`` (personal-data columns are never created)."""
    obj = require_contract(table)
    columns = ",\n    ".join(
        f"{quote_ident(p['name'])} {p.get('physicalType') or 'varchar'}"
        + (" not null" if p.get("required") else "")
        for p in _loaded_properties(obj)
    )
    return f"create table if not exists {table} (\n    {columns}\n)"


def ensure_table(con: duckdb.DuckDBPyConnection, table: str) -> list[str]:
    """Create a contract table if missing, and add the columns a newer contract has to an older
    table (nullable: existing rows have no value). Returns the columns added."""
    con.execute(f"create schema if not exists {table.split('.')[0]}")
    con.execute(create_table_sql(table))
    existing = set(column_comments(con, table))
    added = []
    for prop in _loaded_properties(contract_for(table)):
        if prop["name"] not in existing:
            con.execute(
                f"alter table {table} add column {quote_ident(prop['name'])} {prop['physicalType']}"
            )
            added.append(prop["name"])
    return added


def column_schema(table: str):
    """The Dagster column schema (``dagster/column_schema``) of a contract table, known at
    definition time: name, physical type, description with unit, required and unique as
    constraints. ``None`` when the table has no contract.
    """
    import dagster as dg

    obj = contract_for(table)
    if not obj:
        return None
    descriptions = column_descriptions(table)
    columns = []
    for prop in _loaded_properties(obj):  # personal data is never a column of any table
        columns.append(
            dg.TableColumn(
                name=prop["name"],
                type=str(prop.get("physicalType") or prop.get("logicalType") or "unknown"),
                description=descriptions.get(prop["name"]),
                constraints=dg.TableColumnConstraints(
                    nullable=not prop.get("required", False), unique=bool(prop.get("unique"))
                ),
            )
        )
    return dg.TableSchema(columns=columns)
