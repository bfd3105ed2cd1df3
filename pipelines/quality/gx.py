"""Great Expectations: the reporting layer of the contract rules (suites, results, Data Docs).

The rules of a contract (``pipelines.quality.rules``) are executed by the DuckDB engine
(``pipelines.quality.validate``). This module turns them into what Great Expectations shows:

- ``suite_for``: one GX expectation per rule, the native expectation where GX has one
  (``expect_column_values_to_not_be_null``, ``..._to_be_between``, ``..._to_match_regex``,
  ``..._to_be_in_set``, ``..._to_be_unique``, ``expect_compound_columns_to_be_unique``,
  ``expect_table_row_count_to_be_between``, ``expect_column_distinct_values_to_contain_set``,
  ``expect_column_sum_to_be_between``, ``expect_column_value_lengths_to_be_between``), else an
  ``UnexpectedRowsExpectation`` holding the rule's SQL predicate;
- ``render_data_docs``: the DuckDB outcomes as a GX validation result, stored and rendered as
  static Data Docs (``<docs_root>/data_docs/index.html``);
- ``execute_on_frame``: GX itself executes the rules that have a native expectation on a small
  pandas frame. The pipeline does not need it; ``tests/integration/test_rule_engines.py`` uses it to prove
  that GX and the DuckDB engine give every rule the same verdict, so the report means what the
  check did.

GX is imported inside the functions (importing it takes seconds), so the Dagster code location
loads fast.
"""

import logging
from functools import lru_cache
from pathlib import Path

import pandas as pd

from pipelines.quality.rules import Rule, bind, table_rules

log = logging.getLogger(__name__)

SEVERITY = {"error": "critical", "warning": "warning"}


def _class_name(expectation: str) -> str:
    return "".join(part.capitalize() for part in expectation.split("_"))


def expectation_for(rule: Rule, value_set: list | None = None):
    """The GX expectation reporting ``rule`` (native where GX has one)."""
    import great_expectations.expectations as gxe

    meta = {"rule": rule.name, "severity": rule.severity, "kind": rule.kind}
    if rule.gx is not None:
        expectation, kwargs = rule.gx
        kwargs = {k: v for k, v in kwargs.items() if v is not None}
        if "value_set" in rule.gx[1] and kwargs.get("value_set") is None:
            kwargs["value_set"] = list(value_set or [])
        cls = getattr(gxe, _class_name(expectation))
        return cls(**kwargs, meta=meta, description=rule.description or None)
    if rule.kind == "row":
        query = f"select * from {{batch}} t where {bind(rule.bad_row)}"
    elif rule.kind == "sql":
        query = f"-- a query over the warehouse, not only {{batch}}:\n{rule.spec['query']}"
    else:
        query = f"-- {rule.kind} rule on {{batch}}, evaluated in DuckDB: {rule.description}"
    return gxe.UnexpectedRowsExpectation(
        unexpected_rows_query=query, meta=meta, description=rule.description or rule.name
    )


@lru_cache(maxsize=4)
def _context(docs_root: str | None):
    """An ephemeral GX context; with ``docs_root``, its stores and Data Docs site are files there.

    ``docs_root`` holds ``gx/`` (suites, validation results: the history Data Docs index) and
    ``data_docs/`` (the static HTML site, ``data_docs/index.html``).
    """
    import great_expectations as gx
    from great_expectations.data_context.types.base import (
        DataContextConfig,
        FilesystemStoreBackendDefaults,
        InMemoryStoreBackendDefaults,
        ProgressBarsConfig,
    )

    if docs_root is None:
        config = DataContextConfig(
            store_backend_defaults=InMemoryStoreBackendDefaults(init_temp_docs_sites=False),
            progress_bars=ProgressBarsConfig(globally=False),
            analytics_enabled=False,
        )
    else:
        root = Path(docs_root)
        config = DataContextConfig(
            store_backend_defaults=FilesystemStoreBackendDefaults(root_directory=str(root / "gx")),
            data_docs_sites={
                "local_site": {
                    "class_name": "SiteBuilder",
                    "show_how_to_buttons": False,
                    "store_backend": {
                        "class_name": "TupleFilesystemStoreBackend",
                        "base_directory": str(root / "data_docs"),
                    },
                    # The index lists the latest results only: it reads every result it lists.
                    "site_index_builder": {
                        "class_name": "DefaultSiteIndexBuilder",
                        "validation_results_limit": 100,
                    },
                }
            },
            progress_bars=ProgressBarsConfig(globally=False),
            analytics_enabled=False,
        )
    return gx.get_context(project_config=config, mode="ephemeral")


def suite_for(table: str, rules: list[Rule], value_sets: dict[str, list] | None = None):
    """The GX suite of a contract table: one expectation per rule, in rule order."""
    import great_expectations as gx

    value_sets = value_sets or {}
    return gx.ExpectationSuite(
        name=f"contract.{table}",
        expectations=[expectation_for(r, value_sets.get(r.name)) for r in rules],
    )


def _result_dict(outcome, row_count: int) -> dict:
    from pipelines.quality.validate import _jsonable

    out: dict = {}
    if outcome.unexpected_count is not None and outcome.rule.kind in ("row", "unique"):
        n = outcome.unexpected_count
        out.update(
            element_count=row_count,
            unexpected_count=n,
            unexpected_percent=100.0 * n / row_count if row_count else 0.0,
            partial_unexpected_list=[str(v) for v in outcome.unexpected_sample],
            missing_count=0,
            missing_percent=0.0,
        )
    if outcome.observed_value is not None:
        out["observed_value"] = _jsonable(outcome.observed_value)
    if outcome.note:
        out["details"] = {"message": outcome.note}
    return out


def _store_suite(context, suite, docs_root: Path) -> bool:
    """Store ``suite`` (replacing an earlier version); True when it changed since the last run
    (its Data Docs page then needs rendering again)."""
    import hashlib
    import json

    digest = hashlib.sha256(
        json.dumps(suite.to_json_dict(), sort_keys=True, default=str).encode()
    ).hexdigest()
    marker = Path(docs_root) / "gx" / "suite_digests" / f"{suite.name}.sha256"
    if marker.exists() and marker.read_text() == digest:
        return False
    try:
        context.suites.delete(suite.name)
    except Exception:  # noqa: BLE001, S110 (not stored yet: GX raises different errors per store)
        pass
    context.suites.add(suite)
    marker.parent.mkdir(parents=True, exist_ok=True)
    marker.write_text(digest)
    return True


def render_data_docs(validation, docs_root: Path) -> Path | None:
    """Store ``validation`` (a ``TableValidation``) as a GX validation result of the table's
    suite and render the static Data Docs for it; returns ``data_docs/index.html``.

    Never hides the validation itself: a rendering failure is logged and ``None`` returned.
    """
    try:
        from great_expectations.core.expectation_validation_result import (
            ExpectationSuiteValidationResult,
            ExpectationValidationResult,
        )
        from great_expectations.core.run_identifier import RunIdentifier
        from great_expectations.data_context.types.resource_identifiers import (
            ExpectationSuiteIdentifier,
            ValidationResultIdentifier,
        )

        context = _context(str(docs_root))
        rules = [o.rule for o in validation.outcomes]
        suite = suite_for(validation.table, rules)
        changed = _store_suite(context, suite, docs_root)
        results = []
        for expectation, outcome in zip(suite.expectations, validation.outcomes):
            config = expectation.configuration
            config.severity = SEVERITY[outcome.rule.severity]
            results.append(
                ExpectationValidationResult(
                    success=outcome.success,
                    expectation_config=config,
                    result=_result_dict(outcome, validation.row_count),
                )
            )
        passed = sum(r.success for r in results)
        run_id = RunIdentifier(run_name=validation.run_id, run_time=validation.checked_at)
        suite_result = ExpectationSuiteValidationResult(
            success=all(r.success for r in results),
            results=results,
            suite_name=suite.name,
            statistics={
                "evaluated_expectations": len(results),
                "successful_expectations": passed,
                "unsuccessful_expectations": len(results) - passed,
                "success_percent": 100.0 * passed / len(results) if results else 100.0,
            },
            meta={
                "run_id": run_id,
                "validation_time": validation.checked_at,
                "engine": "duckdb_sql",
                "check_name": validation.check_name,
                "active_batch_definition": {
                    "datasource_name": "warehouse",
                    "data_asset_name": validation.table,
                },
            },
        )
        suite_id = ExpectationSuiteIdentifier(name=suite.name)
        result_id = ValidationResultIdentifier(
            expectation_suite_identifier=suite_id,
            run_id=run_id,
            batch_identifier=validation.table.replace(".", "__"),
        )
        context.validation_results_store.set(result_id, suite_result)
        # the suite's page only when the contract changed: rendering costs about as much as the
        # result's page
        resources = [result_id, suite_id] if changed else [result_id]
        context.build_data_docs(site_names=["local_site"], resource_identifiers=resources)
        return Path(docs_root) / "data_docs" / "index.html"
    except Exception as exc:  # noqa: BLE001
        log.warning("Data Docs not rendered for %s: %s", validation.table, exc)
        return None


def executable(rule: Rule) -> bool:
    """Rules GX can execute itself on a pandas frame (those with a native expectation)."""
    return rule.gx is not None


def execute_on_frame(
    table: str, frame: pd.DataFrame, value_sets: dict[str, list] | None = None
) -> dict[str, bool]:
    """GX executes the rules of ``table`` that have a native expectation on ``frame``.

    Args:
        table: ``schema.table`` with a contract.
        frame: the rows (pandas).
        value_sets: rule name -> the set a coverage or reference rule compares with (read from
            the reference table by the caller).

    Returns:
        rule name -> GX's verdict (``success``), for every executable rule whose columns exist.
    """
    import great_expectations as gx

    from pipelines.contracts import contract_for

    value_sets = value_sets or {}
    rules = [
        r
        for r in table_rules(contract_for(table))
        if executable(r)
        and r.kind != "exists"
        and set(r.columns) <= set(frame.columns)
        and (not r.references or r.name in value_sets)
    ]
    context = _context(None)
    suite = gx.ExpectationSuite(
        name=f"engine_check.{table}",
        expectations=[expectation_for(r, value_sets.get(r.name)) for r in rules],
    )
    source = context.data_sources.add_or_update_pandas("engine_check")
    asset_name = table.replace(".", "__")
    try:
        asset = source.get_asset(asset_name)
    except LookupError:
        asset = source.add_dataframe_asset(asset_name)
    try:
        batch_definition = asset.get_batch_definition("whole")
    except (KeyError, LookupError):
        batch_definition = asset.add_batch_definition_whole_dataframe("whole")
    batch = batch_definition.get_batch(batch_parameters={"dataframe": frame})
    result = batch.validate(suite)
    verdicts = {}
    for item in result.results:
        raised = (item.exception_info or {}).get("raised_exception")
        if raised:
            raise RuntimeError(
                f"GX could not evaluate {item.expectation_config.meta.get('rule')}: "
                f"{(item.exception_info or {}).get('exception_message')}"
            )
        verdicts[item.expectation_config.meta["rule"]] = bool(item.success)
    return verdicts
