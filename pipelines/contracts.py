"""Data contracts (``data_contracts/*.yaml``, Open Data Contract Standard v3 layout).

A contract is the one source of a table's column documentation: descriptions, types, units and
rules. This module reads them and writes the descriptions into DuckDB as ``COMMENT ON`` so that
a policy analyst sees them in any SQL client. (Compiling contracts into Great Expectations
suites lives in ``pipelines/quality``.)

Contract file name == dataset name; each contract's ``schema`` list holds one object per table,
whose ``physicalName`` is ``schema.table`` in the warehouse.
"""

from functools import lru_cache
from pathlib import Path

import duckdb
import yaml

from pipelines.settings import PROJECT_ROOT
from pipelines.sqltext import quote_literal

CONTRACTS_DIR = PROJECT_ROOT / "data_contracts"


@lru_cache(maxsize=1)
def _tables() -> dict[str, dict]:
    """Every table object of every contract, keyed by its physical name (``schema.table``)."""
    out: dict[str, dict] = {}
    for file in sorted(CONTRACTS_DIR.glob("*.yaml")):
        doc = yaml.safe_load(file.read_text(encoding="utf-8")) or {}
        for obj in doc.get("schema", []) or []:
            physical = obj.get("physicalName") or obj.get("name")
            out[physical] = {**obj, "_contract_file": file.name, "_contract_id": doc.get("id")}
    return out


def contract_for(table: str) -> dict | None:
    """The contract schema object for ``schema.table``, or ``None`` if it has no contract."""
    return _tables().get(table)


def column_descriptions(table: str) -> dict[str, str]:
    """Column name -> description (with the unit appended where the contract gives one)."""
    obj = contract_for(table)
    if not obj:
        return {}
    out = {}
    for prop in obj.get("properties", []) or []:
        text = (prop.get("description") or "").strip()
        unit = _custom(prop, "unit")
        if unit and unit.lower() not in text.lower():
            text = f"{text} Unit: {unit}." if text else f"Unit: {unit}."
        if text:
            out[prop["name"]] = text
    return out


def _custom(obj: dict, name: str) -> str | None:
    for item in obj.get("customProperties", []) or []:
        if item.get("property") == name:
            return item.get("value")
    return None


def apply_comments(con: duckdb.DuckDBPyConnection, table: str) -> int:
    """Write the contract's table and column descriptions as DuckDB comments.

    Returns the number of column comments written (0 when the table has no contract). Columns
    named in the contract but missing from the table are skipped (the quality checks report them).
    """
    obj = contract_for(table)
    if not obj:
        return 0
    description = (obj.get("description") or "").strip()
    if description:
        con.execute(f"comment on table {table} is {quote_literal(description)}")
    schema, name = table.split(".")
    existing = {
        r[0]
        for r in con.execute(
            "select column_name from duckdb_columns() where schema_name = ? and table_name = ?",
            [schema, name],
        ).fetchall()
    }
    written = 0
    for column, text in column_descriptions(table).items():
        if column in existing:
            con.execute(f'comment on column {table}."{column}" is {quote_literal(text)}')
            written += 1
    return written


def all_contract_tables() -> list[str]:
    """Physical names (``schema.table``) of every table in every contract, in file order."""
    return list(_tables())


def contract_files() -> list[Path]:
    return sorted(CONTRACTS_DIR.glob("*.yaml"))


def create_table_sql(table: str) -> str:
    """``create table if not exists`` DDL of a contract table, from its properties' physical
    types (for the tables the pipeline writes itself, e.g. ``quality.accepted_source_versions``).

    Raises:
        KeyError: ``table`` has no contract.
    """
    obj = contract_for(table)
    if obj is None:
        raise KeyError(f"{table} has no data contract in data_contracts/")
    columns = ",\n    ".join(
        f'"{p["name"]}" {p.get("physicalType") or "varchar"}'
        + (" not null" if p.get("required") else "")
        for p in obj.get("properties", []) or []
    )
    return f"create table if not exists {table} (\n    {columns}\n)"


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
    for prop in obj.get("properties", []) or []:
        if _custom(prop, "personalData"):
            continue  # never a column of any table
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
