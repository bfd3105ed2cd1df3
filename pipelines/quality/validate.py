"""Validate one warehouse table against its contract with Great Expectations 1.x.

Flow (what a contract asset check does, see ``pipelines.quality.checks``):

1. ``read_table``: read the table from DuckDB into a pandas frame (BLOB columns such as
   geometries are read as their byte length), and the value sets the contract's
   reference rules name (``valueSetFrom: schema.table.column``), from the same read-only
   connection.
2. ``validate_frame``: compile the contract into a GX ``ExpectationSuite`` and run it on the frame
   (ephemeral context, pandas datasource, whole-dataframe batch). When a Data Docs folder is given
   the run goes through a checkpoint whose action renders static HTML Data Docs there.
3. ``write_results``: append one row per expectation to ``quality.check_results``.

GX is imported inside the functions that need it (importing it takes seconds), so loading the
Dagster code location stays fast.
"""

import json
import logging
import math
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

from pipelines.contracts import apply_comments, contract_for
from pipelines.quality.drift import ColumnDrift, column_drift
from pipelines.quality.rules import (
    NUMBER_SUFFIX,
    SQL_EXPECTATION,
    Rule,
    expected_columns,
    ignorable_columns,
    table_rules,
)

log = logging.getLogger(__name__)

RESULTS_TABLE = "quality.check_results"
SAMPLE_SIZE = 10
RESULTS_DDL = f"""
create table if not exists {RESULTS_TABLE} (
    run_id varchar,
    checked_at timestamp with time zone,
    contract varchar,
    contract_file varchar,
    table_name varchar,
    check_name varchar,
    rule_name varchar,
    expectation_type varchar,
    column_name varchar,
    severity varchar,
    success boolean,
    observed_value varchar,
    unexpected_count bigint,
    unexpected_sample varchar,
    description varchar
)
"""


@dataclass
class Outcome:
    """The result of one rule.

    Attributes:
        rule: the compiled rule.
        success: whether the data met it.
        observed_value: what GX observed (row count, column sum, ...), JSON-ready, or ``None``.
        unexpected_count: number of rows that broke a row-level rule (``None`` for table rules).
        unexpected_sample: up to ``SAMPLE_SIZE`` offending values.
        note: why the rule was skipped or raised (e.g. the reference table is not built).
    """

    rule: Rule
    success: bool
    observed_value: Any = None
    unexpected_count: int | None = None
    unexpected_sample: list = field(default_factory=list)
    note: str | None = None


@dataclass
class TableValidation:
    """All outcomes for one contract table in one run."""

    table: str
    contract: str
    contract_file: str
    check_name: str
    run_id: str
    checked_at: datetime
    row_count: int
    drift: ColumnDrift
    outcomes: list[Outcome]
    data_docs: Path | None = None

    @property
    def failed_errors(self) -> list[Outcome]:
        return [o for o in self.outcomes if not o.success and o.rule.severity == "error"]

    @property
    def failed_warnings(self) -> list[Outcome]:
        return [o for o in self.outcomes if not o.success and o.rule.severity == "warning"]

    @property
    def passed(self) -> bool:
        """True when no rule failed at all (errors or warnings)."""
        return not self.failed_errors and not self.failed_warnings

    def summary(self) -> str:
        """One paragraph naming what failed: columns missing or renamed, rules broken."""
        total = len(self.outcomes)
        ok = total - len(self.failed_errors) - len(self.failed_warnings)
        head = (
            f"{self.table}: {ok}/{total} expectations met, {len(self.failed_errors)} error(s), "
            f"{len(self.failed_warnings)} warning(s)."
        )
        lines = [head]
        lines += [f"Source drift: {m}." for m in self.drift.messages()]
        for outcome in self.failed_errors + self.failed_warnings:
            if outcome.rule.expectation == "expect_column_to_exist":
                continue  # already named by the drift lines
            lines.append(f"{outcome.rule.severity.upper()}: {describe_failure(outcome)}")
        return "\n".join(lines)

    def failures_markdown(self) -> str:
        """A Markdown table of the failed rules (for Dagster check metadata)."""
        failed = self.failed_errors + self.failed_warnings
        if not failed:
            return "_all expectations met_"
        rows = [
            "| severity | rule | expectation | column | observed | unexpected | sample |",
            "|---|---|---|---|---|---|---|",
        ]
        for o in failed:
            sample = ", ".join(_short(v) for v in o.unexpected_sample[:5])
            rows.append(
                f"| {o.rule.severity} | {o.rule.name} | {o.rule.expectation} | "
                f"{o.rule.column or ''} | {_short(o.observed_value if o.note is None else o.note)}"
                f" | {'' if o.unexpected_count is None else o.unexpected_count} | {sample} |"
            )
        return "\n".join(rows)


def describe_failure(outcome: Outcome) -> str:
    """Plain English for one failed rule, e.g. ``'wimd_rank' matches ^\\d+$: 3 rows do not``."""
    text = f"{outcome.rule.name}: {outcome.rule.description}"
    if outcome.note:
        return f"{text}: {outcome.note}"
    if outcome.unexpected_count:
        sample = ", ".join(_short(v) for v in outcome.unexpected_sample[:5])
        return f"{text}: {outcome.unexpected_count} row(s) do not (e.g. {sample})"
    if outcome.observed_value is not None:
        return f"{text}: observed {_short(outcome.observed_value, 200)}"
    return f"{text}: not met"


def _short(value: Any, limit: int = 60) -> str:
    text = value if isinstance(value, str) else json.dumps(_jsonable(value), default=str)
    text = text.replace("|", "/").replace("\n", " ")
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _jsonable(value: Any) -> Any:
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set)):
        return [_jsonable(v) for v in value]
    if hasattr(value, "item") and not isinstance(value, (str, bytes)):
        try:
            return value.item()
        except (ValueError, AttributeError):
            return str(value)
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    return str(value)


# ---------------------------------------------------------------------------------------------
# reading


def table_columns(con: duckdb.DuckDBPyConnection, table: str) -> list[tuple[str, str]]:
    """``(column, duckdb type)`` of ``schema.table`` in order; empty when the table is missing."""
    schema, name = table.split(".")
    return con.execute(
        "select column_name, data_type from duckdb_columns() "
        "where schema_name = ? and table_name = ? order by column_index",
        [schema, name],
    ).fetchall()


def read_table(con: duckdb.DuckDBPyConnection, table: str, rules: list[Rule]) -> tuple[
    pd.DataFrame, list[str], dict[str, list | None]
]:
    """Read a table and the value sets its rules reference.

    Returns:
        ``(frame, columns, value_sets)``: the table as pandas (BLOB columns as their byte length; one
        row per table row), every column name, and ``rule name -> distinct values`` for rules with
        ``value_set_from`` (``None`` when that reference table or column does not exist); for
        ``type: sql`` rules, ``rule name -> [query result]`` (``None`` when the query failed).

    Raises:
        LookupError: the table itself does not exist.
    """
    columns = table_columns(con, table)
    if not columns:
        raise LookupError(f"table {table} does not exist in the warehouse; materialise it first")
    # BLOB columns (geometries) are read as their length in bytes: enough for not-null rules.
    select = ", ".join(
        f'octet_length("{c}") as "{c}"' if t.upper().startswith("BLOB") else f'"{c}"'
        for c, t in columns
    )
    frame = con.execute(f"select {select} from {table}").df()
    value_sets: dict[str, list | None] = {}
    for rule in rules:
        if rule.expectation == SQL_EXPECTATION:
            try:
                value_sets[rule.name] = [con.execute(rule.kwargs["query"]).fetchone()[0]]
            except duckdb.Error as exc:
                value_sets[rule.name] = None
                log.warning("%s: query of rule %s failed: %s", table, rule.name, exc)
            continue
        if rule.value_set_from:
            ref_schema, ref_table, ref_column = rule.value_set_from.split(".")
            ref_cols = {c for c, _ in table_columns(con, f"{ref_schema}.{ref_table}")}
            if ref_column not in ref_cols:
                value_sets[rule.name] = None
                continue
            rows = con.execute(
                f'select distinct "{ref_column}" from {ref_schema}.{ref_table} '
                f'where "{ref_column}" is not null order by 1'
            ).fetchall()
            value_sets[rule.name] = [r[0] for r in rows]
    return frame, [c for c, _ in columns], value_sets


# ---------------------------------------------------------------------------------------------
# Great Expectations


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
                    "site_index_builder": {"class_name": "DefaultSiteIndexBuilder"},
                }
            },
            progress_bars=ProgressBarsConfig(globally=False),
            analytics_enabled=False,
        )
    return gx.get_context(project_config=config, mode="ephemeral")


def _sql_outcome(rule: Rule, result: list | None) -> Outcome:
    """Judge a ``type: sql`` rule from its query result (``[value]``, or ``None`` if it failed)."""
    if result is None:
        return Outcome(rule, False, note="not evaluated: the query failed or its tables are missing")
    value = _jsonable(result[0])
    low, high = rule.kwargs.get("min_value"), rule.kwargs.get("max_value")
    ok = value is not None and (low is None or value >= low) and (high is None or value <= high)
    return Outcome(rule, bool(ok), observed_value=value)


def _signature(rule: Rule) -> str:
    return rule.expectation + json.dumps(rule.kwargs, sort_keys=True, default=str) + str(
        rule.value_set_from
    )


def _expectation(rule: Rule, value_set: list | None):
    import great_expectations.expectations as gxe

    class_name = "".join(part.capitalize() for part in rule.expectation.split("_"))
    cls = getattr(gxe, class_name, None)
    if cls is None:
        raise ValueError(f"rule {rule.name}: Great Expectations has no {rule.expectation}")
    kwargs = dict(rule.kwargs)
    if rule.value_set_from:
        kwargs["value_set"] = value_set
    meta = {"rule": rule.name, "severity": rule.severity, "description": rule.description}
    return cls(**kwargs, meta=meta)


def validate_frame(
    table: str,
    frame: pd.DataFrame,
    columns: list[str],
    value_sets: dict[str, list | None] | None = None,
    run_id: str = "manual",
    docs_root: Path | None = None,
    check_name: str | None = None,
) -> TableValidation:
    """Run the contract of ``table`` on ``frame`` and return every rule's outcome.

    Args:
        table: ``schema.table`` with a contract.
        frame: the table's rows (BLOB columns may be left out).
        columns: all column names of the table (BLOB columns included), for the drift report.
        value_sets: ``rule name -> values`` for reference rules (see ``read_table``).
        run_id: Dagster run id (recorded with every result and as the GX run name).
        docs_root: folder for GX stores and Data Docs (``None``: no Data Docs).
        check_name: the Dagster check name to record (default ``contract_<table name>``).

    Raises:
        KeyError: ``table`` has no contract.
    """
    import great_expectations as gx
    from great_expectations.core.run_identifier import RunIdentifier

    obj = contract_for(table)
    if obj is None:
        raise KeyError(f"{table} has no data contract in data_contracts/")
    rules = table_rules(obj)
    value_sets = value_sets or {}
    drift = column_drift(expected_columns(obj), columns, ignorable_columns(table))
    checked_at = datetime.now(UTC)
    present = set(frame.columns)

    frame = frame.copy()
    outcomes: dict[str, Outcome] = {}
    runnable: list[Rule] = []
    for rule in rules:
        column = rule.column
        if rule.expectation == "expect_column_to_exist" and column not in present:
            hint = drift.suggestions.get(column)
            note = f"column missing; found {', '.join(hint)} (renamed?)" if hint else "column missing"
            outcomes[rule.name] = Outcome(rule, column in columns, note=None if column in columns else note)
            continue
        needed = [c for c in rule.kwargs.get("column_list", [column] if column else [])]
        if any(c not in present for c in needed):
            outcomes[rule.name] = Outcome(
                rule, False, note=f"not evaluated: column {', '.join(c for c in needed if c not in present)} missing"
            )
            continue
        if rule.expectation == SQL_EXPECTATION:
            outcomes[rule.name] = _sql_outcome(rule, value_sets.get(rule.name))
            continue
        if rule.value_set_from and value_sets.get(rule.name) is None:
            outcomes[rule.name] = Outcome(
                rule, False, note=f"not evaluated: reference {rule.value_set_from} is not built"
            )
            continue
        if rule.cast_to_number and column:
            frame[column + NUMBER_SUFFIX] = pd.to_numeric(
                frame[column].astype("string").str.strip(), errors="coerce"
            )
        runnable.append(rule)

    context = _context(str(docs_root) if docs_root else None)
    suite_name = f"contract.{table}"
    suite = gx.ExpectationSuite(name=suite_name)
    # GX keeps one copy of identical expectations (e.g. ``unique: true`` and a one-column
    # duplicateValues rule): add each signature once and give its result to every such rule.
    by_signature: dict[str, list[Rule]] = {}
    for rule in runnable:
        by_signature.setdefault(_signature(rule), []).append(rule)
    for rules_alike in by_signature.values():
        suite.add_expectation(_expectation(rules_alike[0], value_sets.get(rules_alike[0].name)))
    asset_name = table.replace(".", "__")
    source = context.data_sources.add_or_update_pandas("warehouse")
    try:
        asset = source.get_asset(asset_name)
    except LookupError:
        asset = source.add_dataframe_asset(asset_name)
    try:
        batch_definition = asset.get_batch_definition("whole_table")
    except (KeyError, LookupError):
        batch_definition = asset.add_batch_definition_whole_dataframe("whole_table")
    suite = context.suites.add_or_update(suite)
    validation = context.validation_definitions.add_or_update(
        gx.ValidationDefinition(name=suite_name, data=batch_definition, suite=suite)
    )
    result_format = {"result_format": "SUMMARY", "partial_unexpected_count": SAMPLE_SIZE}
    run_identifier = RunIdentifier(run_name=run_id, run_time=checked_at)
    docs_index = None
    if docs_root is not None:
        checkpoint = context.checkpoints.add_or_update(
            gx.Checkpoint(
                name=suite_name,
                validation_definitions=[validation],
                actions=[gx.checkpoint.UpdateDataDocsAction(name="data_docs", site_names=["local_site"])],
                result_format=result_format,
            )
        )
        try:
            checkpoint_result = checkpoint.run(
                batch_parameters={"dataframe": frame}, run_id=run_identifier
            )
            suite_result = next(iter(checkpoint_result.run_results.values()))
            docs_index = Path(docs_root) / "data_docs" / "index.html"
        except Exception as exc:  # Data Docs must never hide the validation itself
            log.warning("Data Docs not rendered for %s: %s", table, exc)
            suite_result = validation.run(
                batch_parameters={"dataframe": frame}, result_format=result_format,
                run_id=run_identifier,
            )
    else:
        suite_result = validation.run(
            batch_parameters={"dataframe": frame}, result_format=result_format, run_id=run_identifier
        )

    for item in suite_result.results:
        rule_name = item.expectation_config.meta.get("rule")
        first = next(r for r in runnable if r.name == rule_name)
        result = item.result or {}
        raised = (item.exception_info or {}).get("raised_exception")
        note = None
        if raised:
            note = "GX could not evaluate: " + str(
                (item.exception_info or {}).get("exception_message")
            )[:300]
        sample = list(dict.fromkeys(map(str, result.get("partial_unexpected_list") or [])))
        if not item.success and not raised and first.expectation.endswith("_to_contain_set"):
            expected = value_sets.get(first.name) or first.kwargs.get("value_set") or []
            found = set(map(str, result.get("observed_value") or []))
            absent = [v for v in expected if str(v) not in found]
            note = f"missing {len(absent)}: " + ", ".join(map(str, absent[:10])) + (
                " ..." if len(absent) > 10 else ""
            )
        for rule in by_signature[_signature(first)]:
            outcomes[rule.name] = Outcome(
                rule,
                bool(item.success) and not raised,
                observed_value=_jsonable(result.get("observed_value")),
                unexpected_count=result.get("unexpected_count"),
                unexpected_sample=sample[:SAMPLE_SIZE],  # distinct offending values
                note=note,
            )

    schema_name = table.split(".")[1]
    return TableValidation(
        table=table,
        contract=obj.get("_contract_id") or "",
        contract_file=obj.get("_contract_file") or "",
        check_name=check_name or f"contract_{schema_name}",
        run_id=run_id,
        checked_at=checked_at,
        row_count=len(frame),
        drift=drift,
        outcomes=[outcomes[r.name] for r in rules],
        data_docs=docs_index,
    )


# ---------------------------------------------------------------------------------------------
# results table


def write_results(con: duckdb.DuckDBPyConnection, validation: TableValidation) -> int:
    """Append one row per rule outcome to ``quality.check_results``; return the rows written."""
    con.execute("create schema if not exists quality")
    con.execute(RESULTS_DDL)
    apply_comments(con, RESULTS_TABLE)
    rows = []
    for o in validation.outcomes:
        observed = o.note if o.note is not None else o.observed_value
        rows.append(
            (
                validation.run_id,
                validation.checked_at,
                validation.contract,
                validation.contract_file,
                validation.table,
                validation.check_name,
                o.rule.name,
                o.rule.expectation,
                o.rule.column,
                o.rule.severity,
                o.success,
                None if observed is None else json.dumps(_jsonable(observed), default=str),
                o.unexpected_count,
                json.dumps(_jsonable(o.unexpected_sample), default=str) if o.unexpected_sample else None,
                o.rule.description,
            )
        )
    con.executemany(
        f"insert into {RESULTS_TABLE} values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rows
    )
    return len(rows)
