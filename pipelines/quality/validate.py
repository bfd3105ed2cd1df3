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
from pipelines.quality.drift import ColumnDrift, column_drift, missing_values_note
from pipelines.quality.rules import (
    NUMBER_SUFFIX,
    SQL_EXPECTATION,
    Rule,
    expected_columns,
    ignorable_columns,
    table_rules,
)
from pipelines.sqltext import quote_ident, sql_value
from pipelines.warehouse import transaction

log = logging.getLogger(__name__)

RESULTS_TABLE = "quality.check_results"
SQL_ENGINE_MIN_ROWS = 250_000
"""Tables with more rows than this are validated in DuckDB (``validate_in_duckdb``): reading them
into pandas for GX would hold the whole table in memory (partner activity at millions of rows)."""
ENGINE_LABELS = {
    "gx_pandas": "Great Expectations on pandas",
    "duckdb_sql": "DuckDB SQL (row-level rules pushed down as aggregates)",
}
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
    engine: str = "gx_pandas"
    """Which engine evaluated the rules: ``gx_pandas`` (Great Expectations on a pandas frame) or
    ``duckdb_sql`` (the row-level rules as SQL aggregates in DuckDB, for large tables)."""

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
        return f"{text}: observed {_short(outcome.observed_value, 200)}{_row_count_gap(outcome)}"
    return f"{text}: not met"


def _row_count_gap(outcome: Outcome) -> str:
    """`` (218 fewer than the 1,917 expected)`` for a failed row count, else ``""``."""
    if outcome.rule.expectation != "expect_table_row_count_to_be_between":
        return ""
    observed = outcome.observed_value
    low, high = outcome.rule.kwargs.get("min_value"), outcome.rule.kwargs.get("max_value")
    if not isinstance(observed, int):
        return ""
    if low is not None and observed < low:
        bound = f"{low:,}" if low == high else f"at least {low:,}"
        return f" ({low - observed:,} fewer than the {bound} expected)"
    if high is not None and observed > high:
        bound = f"{high:,}" if low == high else f"at most {high:,}"
        return f" ({observed - high:,} more than the {bound} expected)"
    return ""


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


def read_table(
    con: duckdb.DuckDBPyConnection, table: str, rules: list[Rule]
) -> tuple[pd.DataFrame, list[str], dict[str, list | None]]:
    """Read a table and the value sets its rules reference.

    Returns:
        ``(frame, columns, value_sets)``: the table as pandas (BLOB columns as their byte length; one
        row per table row), every column name, and ``rule name -> {distinct value: its rows in the
        reference table}`` for rules with ``value_set_from`` (``None`` when that reference table
        or column does not exist; the counts name what a failure misses); for
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
                f'select "{ref_column}", count(*) from {ref_schema}.{ref_table} '
                f'where "{ref_column}" is not null group by 1 order by 1'
            ).fetchall()
            value_sets[rule.name] = dict(rows)  # value -> its rows in the reference table
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
                    # The index lists the latest results only: it reads every result it lists, so
                    # an unbounded index would slow every check as the history grows.
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


def _sql_outcome(rule: Rule, result: list | None) -> Outcome:
    """Judge a ``type: sql`` rule from its query result (``[value]``, or ``None`` if it failed)."""
    if result is None:
        return Outcome(
            rule, False, note="not evaluated: the query failed or its tables are missing"
        )
    value = _jsonable(result[0])
    low, high = rule.kwargs.get("min_value"), rule.kwargs.get("max_value")
    ok = value is not None and (low is None or value >= low) and (high is None or value <= high)
    return Outcome(rule, bool(ok), observed_value=value)


def _signature(rule: Rule) -> str:
    return (
        rule.expectation
        + json.dumps(rule.kwargs, sort_keys=True, default=str)
        + str(rule.value_set_from)
    )


def _reference_table(rule: Rule) -> str | None:
    """``schema.table`` of a rule's ``value_set_from`` (``None`` without one)."""
    return rule.value_set_from.rsplit(".", 1)[0] if rule.value_set_from else None


def _expectation(rule: Rule, value_set: list | dict | None):
    import great_expectations.expectations as gxe

    class_name = "".join(part.capitalize() for part in rule.expectation.split("_"))
    cls = getattr(gxe, class_name, None)
    if cls is None:
        raise ValueError(f"rule {rule.name}: Great Expectations has no {rule.expectation}")
    kwargs = dict(rule.kwargs)
    if rule.value_set_from:
        kwargs["value_set"] = None if value_set is None else list(value_set)
    meta = {"rule": rule.name, "severity": rule.severity, "description": rule.description}
    return cls(**kwargs, meta=meta)


def _batch_definition(context, asset_name: str):
    """The whole-dataframe batch definition of ``asset_name`` (created once per context)."""
    source = _pandas_source(context)
    try:
        asset = source.get_asset(asset_name)
    except LookupError:
        asset = source.add_dataframe_asset(asset_name)
    try:
        return asset.get_batch_definition("whole_table")
    except (KeyError, LookupError):
        return asset.add_batch_definition_whole_dataframe("whole_table")


def _pandas_source(context):
    try:
        return context.data_sources.get("warehouse")
    except (KeyError, LookupError, ValueError):
        return context.data_sources.add_pandas("warehouse")


def _replace_validation(context, name: str, suite, batch_definition):
    """Store ``suite`` and its validation definition under ``name``, replacing earlier versions.

    Delete + add, not ``add_or_update``: updating compares the new suite with the stored one
    expectation by expectation (pydantic ``dict()`` of each), which cost seconds per check.
    """
    import great_expectations as gx

    for factory in (context.validation_definitions, context.suites):
        try:
            factory.delete(name)
        except Exception:  # noqa: BLE001, S110 (not stored yet: GX raises different errors per store)
            pass
    suite = context.suites.add(suite)
    return context.validation_definitions.add(
        gx.ValidationDefinition(name=name, data=batch_definition, suite=suite)
    )


def _render_data_docs(
    context, docs_root: Path, suite_name: str, run_identifier, suite_result, table: str
) -> Path | None:
    """Render this validation's page, its suite's page and the index (what GX's
    ``UpdateDataDocsAction`` does, without a checkpoint). Never hides the validation itself."""
    from great_expectations.data_context.types.resource_identifiers import (
        ExpectationSuiteIdentifier,
        ValidationResultIdentifier,
    )

    try:
        suite_id = ExpectationSuiteIdentifier(name=suite_name)
        result_id = ValidationResultIdentifier(
            expectation_suite_identifier=suite_id,
            run_id=run_identifier,
            batch_identifier=suite_result.batch_id,
        )
        context.build_data_docs(
            site_names=["local_site"], resource_identifiers=[result_id, suite_id]
        )
        return docs_root / "data_docs" / "index.html"
    except Exception as exc:  # noqa: BLE001
        log.warning("Data Docs not rendered for %s: %s", table, exc)
        return None


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
            note = (
                f"column missing; found {', '.join(hint)} (renamed?)" if hint else "column missing"
            )
            outcomes[rule.name] = Outcome(
                rule, column in columns, note=None if column in columns else note
            )
            continue
        needed = [c for c in rule.kwargs.get("column_list", [column] if column else [])]
        if any(c not in present for c in needed):
            outcomes[rule.name] = Outcome(
                rule,
                False,
                note=f"not evaluated: column {', '.join(c for c in needed if c not in present)} missing",
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
    # GX keeps one copy of identical expectations (e.g. ``unique: true`` and a one-column
    # duplicateValues rule): add each signature once and give its result to every such rule.
    by_signature: dict[str, list[Rule]] = {}
    for rule in runnable:
        by_signature.setdefault(_signature(rule), []).append(rule)
    # The suite is built in one go (``add_expectation`` compares each new expectation with every
    # earlier one, and ``add_or_update`` of a stored suite compares them again: seconds per check).
    suite = gx.ExpectationSuite(
        name=suite_name,
        expectations=[
            _expectation(alike[0], value_sets.get(alike[0].name)) for alike in by_signature.values()
        ],
    )
    batch_definition = _batch_definition(context, table.replace(".", "__"))
    validation = _replace_validation(context, suite_name, suite, batch_definition)
    result_format = {"result_format": "SUMMARY", "partial_unexpected_count": SAMPLE_SIZE}
    run_identifier = RunIdentifier(run_name=run_id, run_time=checked_at)
    suite_result = validation.run(
        batch_parameters={"dataframe": frame}, result_format=result_format, run_id=run_identifier
    )
    docs_index = None
    if docs_root is not None:
        docs_index = _render_data_docs(
            context, Path(docs_root), suite_name, run_identifier, suite_result, table
        )

    for item in suite_result.results:
        rule_name = item.expectation_config.meta.get("rule")
        first = next(r for r in runnable if r.name == rule_name)
        result = item.result or {}
        raised = (item.exception_info or {}).get("raised_exception")
        note = None
        if raised:
            note = (
                "GX could not evaluate: "
                + str((item.exception_info or {}).get("exception_message"))[:300]
            )
        sample = list(dict.fromkeys(map(str, result.get("partial_unexpected_list") or [])))
        if not item.success and not raised and first.expectation.endswith("_to_contain_set"):
            # What is missing, from the column itself: GX 1.24 reports ``observed_value: None``
            # here, which read as "every value missing".
            expected = value_sets.get(first.name) or first.kwargs.get("value_set") or []
            column = first.kwargs["column"]
            found = frame[column].dropna().unique() if column in frame.columns else []
            note = missing_values_note(expected, found, _reference_table(first))
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
                json.dumps(_jsonable(o.unexpected_sample), default=str)
                if o.unexpected_sample
                else None,
                o.rule.description,
            )
        )
    with transaction(con):  # one commit (one DuckLake snapshot), not one per row
        con.executemany(
            f"insert into {RESULTS_TABLE} values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            rows,
        )
    return len(rows)


# ---------------------------------------------------------------------------------------------
# Large tables: the same rules as SQL aggregates in DuckDB


SQL_EXPECTATIONS = {
    "expect_column_to_exist",
    "expect_column_values_to_not_be_null",
    "expect_column_values_to_be_unique",
    "expect_column_values_to_match_regex",
    "expect_column_values_to_be_between",
    "expect_column_values_to_be_in_set",
    "expect_compound_columns_to_be_unique",
    "expect_table_row_count_to_be_between",
    SQL_EXPECTATION,
}


def _number(value: Any) -> float | None:
    if value is None:
        return None
    return float(value)


def _bad_row_sql(rule: Rule, value_set: list | None) -> str | None:
    """A SQL predicate true for the rows that break a row-level rule (``None``: not row-level).

    Nulls are ignored as GX ignores them (except by the not-null rule); regexes use
    ``regexp_matches`` (search, as GX's pandas ``str.contains``); text columns cast to a number
    use ``try_cast`` (text that is not a number is null, as ``pandas.to_numeric(errors="coerce")``).
    """
    e = rule.expectation
    if e == "expect_column_values_to_not_be_null":
        return f"{quote_ident(rule.kwargs['column'])} is null"
    column = rule.kwargs.get("column")
    if column and rule.cast_to_number and column.endswith(NUMBER_SUFFIX):
        column = column[: -len(NUMBER_SUFFIX)]
        expr = f"try_cast(trim({quote_ident(column)}::varchar) as double)"
    elif column:
        expr = quote_ident(column)
    if e == "expect_column_values_to_match_regex":
        return f"{expr} is not null and not regexp_matches({expr}::varchar, {sql_value(rule.kwargs['regex'])})"
    if e == "expect_column_values_to_be_between":
        low, high = _number(rule.kwargs.get("min_value")), _number(rule.kwargs.get("max_value"))
        num = expr if rule.cast_to_number else f"{expr}::double"
        parts = []
        if low is not None:
            parts.append(f"{num} {'<=' if rule.kwargs.get('strict_min') else '<'} {low!r}")
        if high is not None:
            parts.append(f"{num} {'>=' if rule.kwargs.get('strict_max') else '>'} {high!r}")
        return f"{num} is not null and ({' or '.join(parts) or 'false'})"
    if e == "expect_column_values_to_be_in_set":
        values = value_set if rule.value_set_from else rule.kwargs.get("value_set")
        items = ", ".join(sql_value(str(v)) for v in values or [])
        return f"{expr} is not null and not list_contains([{items}]::varchar[], {expr}::varchar)"
    return None


def validate_in_duckdb(
    con: duckdb.DuckDBPyConnection,
    table: str,
    run_id: str = "manual",
    check_name: str | None = None,
) -> TableValidation:
    """Run the contract of ``table`` inside DuckDB: the same rules and outcome shape as
    ``validate_frame``, for tables too large to read into pandas.

    All row-level rules (not null, pattern, range, allowed values) are counted in ONE scan of the
    table (``count(*) filter (where <row breaks rule>)`` per rule); a sample of up to
    ``SAMPLE_SIZE`` distinct offending values is read only for rules that failed; uniqueness
    rules are ``group by ... having count(*) > 1``. DuckDB streams the table (and spills its hash
    tables to disk under its memory limit), so memory does not grow with the table.

    Raises:
        KeyError: ``table`` has no contract.
        LookupError: the table does not exist.
        ValueError: a rule uses an expectation with no SQL form (use ``validate_frame``).
    """
    obj = contract_for(table)
    if obj is None:
        raise KeyError(f"{table} has no data contract in data_contracts/")
    rules = table_rules(obj)
    unsupported = sorted({r.expectation for r in rules} - SQL_EXPECTATIONS)
    if unsupported:
        raise ValueError(f"{table}: no SQL form for {', '.join(unsupported)}")
    typed = table_columns(con, table)
    if not typed:
        raise LookupError(f"table {table} does not exist in the warehouse; materialise it first")
    columns = [c for c, _ in typed]
    present = set(columns)
    drift = column_drift(expected_columns(obj), columns, ignorable_columns(table))
    checked_at = datetime.now(UTC)

    outcomes: dict[str, Outcome] = {}
    row_level: list[tuple[Rule, str]] = []
    later: list[Rule] = []
    for rule in rules:
        column = rule.column
        if rule.expectation == "expect_column_to_exist":
            hint = drift.suggestions.get(column)
            note = (
                f"column missing; found {', '.join(hint)} (renamed?)" if hint else "column missing"
            )
            outcomes[rule.name] = Outcome(
                rule, column in present, note=None if column in present else note
            )
            continue
        raw_column = rule.kwargs.get("column")
        if raw_column and rule.cast_to_number and raw_column.endswith(NUMBER_SUFFIX):
            raw_column = raw_column[: -len(NUMBER_SUFFIX)]
        needed = list(rule.kwargs.get("column_list", [raw_column] if raw_column else []))
        if any(c not in present for c in needed):
            outcomes[rule.name] = Outcome(
                rule,
                False,
                note=f"not evaluated: column {', '.join(c for c in needed if c not in present)} missing",
            )
            continue
        if rule.expectation == SQL_EXPECTATION:
            try:
                result = [con.execute(rule.kwargs["query"]).fetchone()[0]]
            except duckdb.Error as exc:
                log.warning("%s: query of rule %s failed: %s", table, rule.name, exc)
                result = None
            outcomes[rule.name] = _sql_outcome(rule, result)
            continue
        value_set = None
        if rule.value_set_from:
            ref_schema, ref_table, ref_column = rule.value_set_from.split(".")
            if ref_column not in {c for c, _ in table_columns(con, f"{ref_schema}.{ref_table}")}:
                outcomes[rule.name] = Outcome(
                    rule, False, note=f"not evaluated: reference {rule.value_set_from} is not built"
                )
                continue
            value_set = [
                r[0]
                for r in con.execute(
                    f"select distinct {quote_ident(ref_column)} from {ref_schema}.{ref_table} "
                    f"where {quote_ident(ref_column)} is not null"
                ).fetchall()
            ]
        predicate = _bad_row_sql(rule, value_set)
        if predicate is not None:
            row_level.append((rule, predicate))
        else:
            later.append(rule)

    # One scan for the row count and every row-level rule.
    counts = [f"count(*) filter (where {p}) as c{i}" for i, (_, p) in enumerate(row_level)]
    scan = con.execute(f"select count(*), {', '.join(counts) or '0'} from {table}").fetchone()
    row_count = int(scan[0])
    for i, (rule, predicate) in enumerate(row_level):
        bad = int(scan[i + 1])
        sample: list = []
        if bad:
            value = (
                "'null'"
                if rule.expectation == "expect_column_values_to_not_be_null"
                else f"{quote_ident(rule.column or rule.kwargs['column'])}::varchar"
            )
            sample = [
                r[0]
                for r in con.execute(
                    f"select distinct {value} from (select * from {table} where {predicate} "
                    f"limit 1000) limit {SAMPLE_SIZE}"
                ).fetchall()
            ]
        outcomes[rule.name] = Outcome(
            rule, bad == 0, observed_value=None, unexpected_count=bad, unexpected_sample=sample
        )

    for rule in later:
        if rule.expectation == "expect_table_row_count_to_be_between":
            low, high = rule.kwargs.get("min_value"), rule.kwargs.get("max_value")
            ok = (low is None or row_count >= low) and (high is None or row_count <= high)
            outcomes[rule.name] = Outcome(rule, bool(ok), observed_value=row_count)
            continue
        keys = list(rule.kwargs.get("column_list") or [rule.kwargs["column"]])
        key_sql = ", ".join(quote_ident(k) for k in keys)
        not_null = " and ".join(f"{quote_ident(k)} is not null" for k in keys)
        # GX: a unique column ignores nulls; compound keys count rows whose whole key repeats.
        bad, sample = con.execute(
            f"""
            select coalesce(sum(n), 0)::bigint,
                   list(k order by n desc)[1:{SAMPLE_SIZE}]
            from (select {"row(" + key_sql + ")::varchar" if len(keys) > 1 else quote_ident(keys[0]) + "::varchar"} as k,
                         count(*) as n
                  from {table} where {not_null}
                  group by {key_sql} having count(*) > 1)
            """
        ).fetchone()
        outcomes[rule.name] = Outcome(
            rule, int(bad) == 0, unexpected_count=int(bad), unexpected_sample=list(sample or [])
        )

    schema_name = table.split(".")[1]
    return TableValidation(
        table=table,
        contract=obj.get("_contract_id") or "",
        contract_file=obj.get("_contract_file") or "",
        check_name=check_name or f"contract_{schema_name}",
        run_id=run_id,
        checked_at=checked_at,
        row_count=row_count,
        drift=drift,
        outcomes=[outcomes[r.name] for r in rules],
        data_docs=None,
        engine="duckdb_sql",
    )


def choose_engine(
    con: duckdb.DuckDBPyConnection, table: str, min_rows: int = SQL_ENGINE_MIN_ROWS
) -> str:
    """``duckdb_sql`` for a table above ``min_rows`` whose rules all have a SQL form, else
    ``gx_pandas`` (small tables keep Great Expectations and its Data Docs)."""
    obj = contract_for(table)
    if obj is None or not table_columns(con, table):
        return "gx_pandas"
    if {r.expectation for r in table_rules(obj)} - SQL_EXPECTATIONS:
        return "gx_pandas"
    rows = con.execute(f"select count(*) from {table}").fetchone()[0]
    return "duckdb_sql" if rows > min_rows else "gx_pandas"


def validate_table(
    connect,
    table: str,
    run_id: str = "manual",
    docs_root: Path | None = None,
    check_name: str | None = None,
    min_rows: int = SQL_ENGINE_MIN_ROWS,
) -> TableValidation:
    """Validate one contract table with the engine its size calls for and record the results.

    Args:
        connect: ``connect(read_only: bool)`` -> a context manager yielding a DuckDB connection
            (``Warehouse.connect``).
        min_rows: above this many rows the rules run in DuckDB (``validate_in_duckdb``), below it
            in Great Expectations on pandas (``validate_frame``, with Data Docs).

    Raises:
        LookupError: the table does not exist.
    """
    with connect(read_only=True) as con:
        engine = choose_engine(con, table, min_rows)
        if engine == "duckdb_sql":
            validation = validate_in_duckdb(con, table, run_id=run_id, check_name=check_name)
        else:
            frame, columns, value_sets = read_table(con, table, table_rules(contract_for(table)))
    if engine != "duckdb_sql":
        validation = validate_frame(
            table,
            frame,
            columns,
            value_sets,
            run_id=run_id,
            docs_root=docs_root,
            check_name=check_name,
        )
        del frame
    with connect(read_only=False) as con:
        write_results(con, validation)
    return validation
