"""Contract checks: one blocking Dagster asset check per data contract table.

Check name: ``contract_<table>`` (e.g. ``contract_wimd_2025_ranks`` on asset
``raw/wimd_2025_ranks``), stable across runs. Each check reads its table from the working DuckDB
(read-only), runs every rule of the contract in DuckDB SQL (``pipelines.quality.validate``),
appends every rule's result to ``quality.check_results``, reports them as a Great Expectations
validation rendered as Data Docs under ``<WELLBEING_QUALITY_DIR>/data_docs/index.html``
(``pipelines.quality.gx``) and the offline report ``<WELLBEING_QUALITY_DIR>/report.html``
(``pipelines.quality.report``; default folder ``data/quality``, outside the published folder,
pruned to the last runs) and returns:

- passed, when every rule is met;
- failed with severity ERROR when an ``error`` rule fails (a renamed or missing column, a missing
  area, a row count out of range, ...): the check is blocking, so assets downstream of the table
  are not materialised in that run and keep their previous version;
- failed with severity WARN when only ``warning`` rules fail (e.g. the source file's checksum
  differs from the catalogue's): downstream assets still run;
- passed, with the acceptance in its description, when the failed error rules were accepted by an
  analyst for the source version the table holds (``pipelines.quality.acceptance``).

Checks exist only for contract tables whose asset is defined in the code location (a contract
written ahead of its asset does nothing until the asset exists).
"""

import time
from pathlib import Path

import dagster as dg

from pipelines.contracts import all_contract_tables, contract_for
from pipelines.quality.acceptance import EXPECTED_CHECKSUMS_VIEW, acceptance_for
from pipelines.quality.report import keep_runs, prune_quality_reports, quality_dir, render_report
from pipelines.quality.validate import RESULTS_TABLE, check_name_for
from pipelines.warehouse import Warehouse


def data_docs_root() -> Path:
    """Folder holding GX stores (``gx/``), Data Docs (``data_docs/``) and ``report.html``:
    ``WELLBEING_QUALITY_DIR`` (default ``data/quality``), never the published folder."""
    return quality_dir()


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
            if key not in keys and name not in (table, EXPECTED_CHECKSUMS_VIEW):
                keys.append(key)
    return keys


def check_automation_condition() -> dg.AutomationCondition:
    """When declarative automation runs a contract check.

    - in the same run as its asset (or a reference table it reads) when automation requests
      that asset: without this, automation rebuilt the marts and skipped their checks;
    - after a run that updated its asset without running it (e.g. a UI materialisation of one
      model), once, so every materialisation gets a verdict;
    - never again for a materialisation it already judged: re-requesting a failed check in the
      same tick as the model downstream would let automation launch that model ("in-tick
      requests" count as passed for ``all_deps_blocking_checks_passed``).
    """
    ac = dg.AutomationCondition
    already_judged = ac.check_passed() | ac.check_failed()
    return (
        ac.any_deps_match(ac.will_be_requested())
        | (ac.any_deps_match(ac.newly_updated()) & ~already_judged & ~ac.in_progress())
    ).with_label("with_its_asset_or_once_after_an_unchecked_update")


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
        # Declarative automation runs the check with its asset (without this it rebuilt the
        # marts and skipped their checks), and after any run that updated the asset without it.
        automation_condition=check_automation_condition(),
    )
    def _check(context: dg.AssetCheckExecutionContext, warehouse: Warehouse) -> dg.AssetCheckResult:
        return run_contract_check(warehouse, table, check_name, context.run.run_id, context.log)

    return _check


def run_contract_check(
    warehouse: Warehouse, table: str, check_name: str, run_id: str, log
) -> dg.AssetCheckResult:
    """Validate ``table`` against its contract, record the results, prune and re-render the
    quality reports, and return the Dagster check result (see the module docstring).

    Also used by the ``accept_source_version`` job to re-check a table after an acceptance.
    """
    from pipelines.quality.validate import ENGINE_LABELS, validate_table

    started = time.perf_counter()
    docs_root = data_docs_root()
    prune_quality_reports(docs_root, keep_runs() - 1, table)  # this run adds one
    try:
        validation = validate_table(
            warehouse.connect, table, run_id=run_id, docs_root=docs_root, check_name=check_name
        )
    except LookupError as exc:
        return dg.AssetCheckResult(
            passed=False, severity=dg.AssetCheckSeverity.ERROR, description=str(exc)
        )
    elapsed = time.perf_counter() - started
    summary = validation.summary()
    with warehouse.connect(read_only=True) as con:
        accepted = acceptance_for(con, table, check_name) if validation.failed_errors else None
        report = render_report(con, docs_root)
    if accepted is not None:
        summary = (
            f"ACCEPTED: the {len(validation.failed_errors)} failed error rule(s) were "
            f"{accepted.describe()}.\n{summary}"
        )
        log.warning(summary)
    elif validation.failed_errors:
        log.error(summary)
    elif validation.failed_warnings:
        log.warning(summary)
    blocking = bool(validation.failed_errors) and accepted is None
    return dg.AssetCheckResult(
        passed=not blocking and not validation.failed_warnings,
        severity=dg.AssetCheckSeverity.ERROR if blocking else dg.AssetCheckSeverity.WARN,
        description=summary,
        metadata={
            "engine": ENGINE_LABELS[validation.engine],
            "rules": len(validation.outcomes),
            "failed_errors": len(validation.failed_errors),
            "failed_warnings": len(validation.failed_warnings),
            "accepted": accepted.describe() if accepted else "no",
            "rows": validation.row_count,
            "missing_columns": ", ".join(validation.drift.missing) or "none",
            "unexpected_columns": ", ".join(validation.drift.unexpected) or "none",
            "failures": dg.MetadataValue.md(validation.failures_markdown()),
            "report": dg.MetadataValue.path(str(report)),
            "data_docs": dg.MetadataValue.path(
                str(validation.data_docs)
                if validation.data_docs
                else "not rendered (large table: validated in DuckDB)"
                if validation.engine == "duckdb_sql"
                else "not rendered"
            ),
            "results_table": RESULTS_TABLE,
            "seconds": round(elapsed, 2),
        },
    )


# Every contract is enforced on every run. The partnership activity contract is enforced
# twice: row by row on load (invalid rows go to quality.quarantine) and here, as table-level
# checks on its three outputs.
def build_contract_checks(assets: list) -> list[dg.AssetChecksDefinition]:
    """One contract check per contract table among ``assets`` (the code location's loaded
    assets, ``pipelines.definitions``), in table order."""
    available = {key for a in assets for key in getattr(a, "keys", ())}
    return [
        contract_check(table, available)
        for table in all_contract_tables()
        if dg.AssetKey(table.split(".")) in available
    ]
