"""Contract checks: one blocking Dagster asset check per data contract table.

Check name: ``contract_<table>`` (e.g. ``contract_wimd_2025_ranks`` on asset
``raw/wimd_2025_ranks``), stable across runs. Each check reads its table from the working DuckDB
(read-only), runs every rule of the contract in DuckDB SQL (``pipelines.quality.validate``),
appends every rule's result to ``quality.check_results``, reports them as a Great Expectations
validation rendered as Data Docs under ``<WELLBEING_PUBLISH_DIR>/quality/data_docs/index.html``
(``pipelines.quality.gx``) and returns:

- passed, when every rule is met;
- failed with severity ERROR when an ``error`` rule fails (a renamed or missing column, a missing
  area, a row count out of range, ...): the check is blocking, so assets downstream of the table
  are not materialised in that run and keep their previous version;
- failed with severity WARN when only ``warning`` rules fail (e.g. the source file's checksum
  differs from the catalogue's): downstream assets still run.

Checks exist only for contract tables whose asset is defined in the code location (a contract
written ahead of its asset does nothing until the asset exists).
"""

import importlib
import pkgutil
import time
from pathlib import Path

import dagster as dg

import pipelines
from pipelines.contracts import all_contract_tables, contract_for
from pipelines.settings import setting_path
from pipelines.warehouse import Warehouse


def check_name_for(table: str) -> str:
    """The stable check name of a contract table: ``contract_<table name>``."""
    return f"contract_{table.split('.', 1)[1]}"


def data_docs_root() -> Path:
    """Folder holding GX stores (``gx/``) and Data Docs (``data_docs/``): publish dir / quality."""
    return setting_path("WELLBEING_PUBLISH_DIR") / "quality"


def _reference_keys(table: str) -> list[dg.AssetKey]:
    """Asset keys of the tables a contract's rules read (so they run first): references of
    reference, pair and coverage rules, and the tables a ``sql`` rule's query names."""
    from pipelines.quality.rules import table_rules
    from pipelines.warehouse import sql_dependencies

    keys = []
    for rule in table_rules(contract_for(table)):
        names = list(rule.references)
        if rule.kind == "sql":
            names += [f"{s}.{t}" for s, t in sql_dependencies(rule.spec["query"])]
        for name in names:
            key = dg.AssetKey(name.split("."))
            if key not in keys and name != table:
                keys.append(key)
    return keys


def contract_check(
    table: str, available: set[dg.AssetKey] | None = None
) -> dg.AssetChecksDefinition:
    """Build the blocking asset check for contract table ``schema.table``.

    Args:
        table: a table with a contract, whose asset key is ``[schema, table]``.
        available: asset keys defined in the code location; reference tables outside it are not
            declared as dependencies (their rules then report "not evaluated").
    """
    schema, name = table.split(".")
    check_name = check_name_for(table)
    refs = [k for k in _reference_keys(table) if available is None or k in available]
    obj = contract_for(table) or {}

    @dg.asset_check(
        asset=dg.AssetKey([schema, name]),
        name=check_name,
        blocking=True,
        additional_deps=refs,
        description=(
            f"Data contract {obj.get('_contract_file')} for {table}: every rule of the contract "
            "run in DuckDB SQL (one scan of the table, memory bounded), reported through Great "
            "Expectations (Data Docs). Errors (missing or renamed columns, missing or new areas "
            "or years, ranges, references) block downstream assets; warnings (e.g. a changed "
            "source checksum) do not."
        ),
        metadata={"contract_file": f"data_contracts/{obj.get('_contract_file')}", "table": table},
    )
    def _check(context: dg.AssetCheckExecutionContext, warehouse: Warehouse) -> dg.AssetCheckResult:
        from pipelines.quality.validate import ENGINE_LABELS, validate_table

        started = time.perf_counter()
        try:
            validation = validate_table(
                warehouse.connect,
                table,
                run_id=context.run.run_id,
                docs_root=data_docs_root(),
                check_name=check_name,
            )
        except LookupError as exc:
            return dg.AssetCheckResult(
                passed=False, severity=dg.AssetCheckSeverity.ERROR, description=str(exc)
            )
        elapsed = time.perf_counter() - started
        summary = validation.summary()
        if validation.failed_errors:
            context.log.error(summary)
        elif validation.failed_warnings:
            context.log.warning(summary)
        severity = (
            dg.AssetCheckSeverity.ERROR if validation.failed_errors else dg.AssetCheckSeverity.WARN
        )
        return dg.AssetCheckResult(
            passed=validation.passed,
            severity=severity,
            description=summary,
            metadata={
                "engine": ENGINE_LABELS[validation.engine],
                "rules": len(validation.outcomes),
                "failed_errors": len(validation.failed_errors),
                "failed_warnings": len(validation.failed_warnings),
                "rows": validation.row_count,
                "missing_columns": ", ".join(validation.drift.missing) or "none",
                "unexpected_columns": ", ".join(validation.drift.unexpected) or "none",
                "failures": dg.MetadataValue.md(validation.failures_markdown()),
                "data_docs": dg.MetadataValue.path(str(validation.data_docs or "not rendered")),
                "results_table": "quality.check_results",
                "seconds": round(elapsed, 2),
            },
        )

    return _check


def defined_asset_keys() -> set[dg.AssetKey]:
    """Asset keys of every ``pipelines.<domain>.assets`` module (without building Definitions)."""
    keys: set[dg.AssetKey] = set()
    for info in pkgutil.walk_packages(pipelines.__path__, prefix="pipelines."):
        if info.name.rsplit(".", 1)[-1] != "assets":
            continue
        module = importlib.import_module(info.name)
        for value in vars(module).values():
            items = value if type(value) in (list, tuple) else [value]
            for item in items:
                if isinstance(item, dg.AssetsDefinition):
                    keys.update(item.keys)
    return keys


# Contract files not compiled into checks (none: every contract is enforced on every run). The
# partnership activity contract is enforced twice: row by row on load (invalid rows go to
# quality.quarantine) and here, as table-level checks on raw/partnership_activity,
# quality/quarantine and quality/submissions (the three outputs of the partner multi-asset).
EXCLUDED_CONTRACT_FILES: frozenset[str] = frozenset()


def build_contract_checks() -> list[dg.AssetChecksDefinition]:
    """One contract check per contract table whose asset exists, in table order."""
    available = defined_asset_keys()
    return [
        contract_check(table, available)
        for table in all_contract_tables()
        if dg.AssetKey(table.split(".")) in available
        and contract_for(table).get("_contract_file") not in EXCLUDED_CONTRACT_FILES
    ]


contract_checks = build_contract_checks()
