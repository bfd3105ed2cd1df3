"""The rule engine: a contract's compiled rules (``pipelines.quality.rules``) run in DuckDB SQL.

Two modes, one set of rules:

- **table mode** (``validate_in_duckdb``, ``validate_table``): what the blocking check
  ``contract_<table>`` runs on any table of any size. All row rules are counted in ONE scan of the
  table (``count(*) filter (where <bad row>)`` per rule); keys are grouped; coverage rules compare
  the distinct values with their reference set and name what is missing or new; a sample of
  offending values is read only for rules that failed. DuckDB streams the table (and spills its
  hash tables under its memory limit), so memory does not grow with the table. Results are
  appended to ``quality.check_results`` and reported through Great Expectations
  (``pipelines.quality.gx``: suite, results, Data Docs).
- **row mode** (``row_problems``): the SQL list expression of one row's problems, used by the
  partner loader to quarantine submitted rows set-based (a row with no problem is accepted).
"""

import json
import logging
import math
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb

from pipelines.contracts import apply_comments, require_contract
from pipelines.quality.drift import ColumnDrift, column_drift
from pipelines.quality.rules import (
    Rule,
    bind,
    expected_columns,
    ignorable_columns,
    table_rules,
)
from pipelines.sqltext import quote_ident, sql_value
from pipelines.warehouse import columns_of, retry_transaction
from pipelines.wording import some_of

log = logging.getLogger(__name__)

RESULTS_TABLE = "quality.check_results"
ENGINE_LABELS = {"duckdb_sql": "DuckDB SQL (every rule of the contract, one scan)"}
SAMPLE_SIZE = 10
MESSAGE_ITEMS = 10
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


def check_name_for(table: str) -> str:
    """The stable check name of a contract table: ``contract_<table name>``."""
    return f"contract_{table.split('.', 1)[1]}"


@dataclass
class Outcome:
    """The result of one rule.

    Attributes:
        rule: the compiled rule.
        success: whether the data met it.
        observed_value: what was observed (row count, column sum, missing values, ...), JSON-ready.
        unexpected_count: rows that broke a row or key rule (``None`` for table rules).
        unexpected_sample: up to ``SAMPLE_SIZE`` distinct offending values.
        note: plain-English detail: what is missing or new, or why the rule was not evaluated.
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
    engine: str = "duckdb_sql"

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
        lines = [
            (
                f"{self.table}: {ok}/{total} rules met, {len(self.failed_errors)} error(s), "
                f"{len(self.failed_warnings)} warning(s)."
            )
        ]
        lines += [f"Source drift: {m}." for m in self.drift.messages()]
        for outcome in self.failed_errors + self.failed_warnings:
            if outcome.rule.kind == "exists":
                continue  # already named by the drift lines
            lines.append(f"{outcome.rule.severity.upper()}: {describe_failure(outcome)}")
        return "\n".join(lines)

    def failures_markdown(self) -> str:
        """A Markdown table of the failed rules (for Dagster check metadata)."""
        failed = self.failed_errors + self.failed_warnings
        if not failed:
            return "_all rules met_"
        rows = [
            "| severity | rule | kind | column | what was found | rows | sample |",
            "|---|---|---|---|---|---|---|",
        ]
        for o in failed:
            sample = ", ".join(_short(v) for v in o.unexpected_sample[:5])
            found = o.note if o.note is not None else o.observed_value
            rows.append(
                f"| {o.rule.severity} | {o.rule.name} | {o.rule.kind} | {o.rule.column or ''} | "
                f"{_short(found, 200)} | "
                f"{'' if o.unexpected_count is None else o.unexpected_count} | {sample} |"
            )
        return "\n".join(rows)


def describe_failure(outcome: Outcome) -> str:
    """Plain English for one failed rule, e.g. ``wimd_rank.range: ...: 3 row(s) do not (e.g. 0)``."""
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
# reading the warehouse


def table_columns(con: duckdb.DuckDBPyConnection, table: str) -> list[tuple[str, str]]:
    """``(column, duckdb type)`` of ``schema.table`` in order; empty when the table is missing."""
    return [(column, type_) for column, type_, _ in columns_of(con, table)]


def _missing_reference(con, rule: Rule, relations: dict[str, str]) -> str | None:
    """The first reference table of ``rule`` that cannot be read, or ``None``."""
    for table in rule.references:
        try:
            con.execute(f"select 1 from {relations.get(table, table)} limit 0")
        except duckdb.Error:
            return table
    return None


# ---------------------------------------------------------------------------------------------
# row mode


def row_flags(
    rules: list[Rule], relations: dict[str, str] | None = None, only: set[int] | None = None
) -> list[str]:
    """SQL select items ``coalesce(<bad row>, false) as _rule_<i>``: each rule's predicate
    (``row_problems`` refers to them by position); ``only``: these positions only (a caller may
    evaluate the others elsewhere, e.g. once per distinct value)."""
    return [
        f"coalesce({bind(r.bad_row, relations)}, false) as _rule_{i}"
        for i, r in enumerate(rules)
        if only is None or i in only
    ]


def row_problems(
    rules: list[Rule],
    guard: dict[str, str] | None = None,
    values: dict[str, str] | None = None,
    relations: dict[str, str] | None = None,
) -> str:
    """SQL: the list of one row's problems, each a struct (rule_name, column_name, value, reason,
    reason_cy) or NULL, over a row relation aliased ``t`` that has every rule's columns and the
    flags of ``row_flags(rules)``.

    One reason per column: the rules of a column (by their first column, in contract order:
    required, pattern, length, range, allowed values, pair, then its quality items) are tried in
    turn and only the first that fails is reported (a value that is not a code is not also
    reported as not in the list).

    Args:
        rules: ``row`` rules (``rules.row_mode_rules``).
        guard: column -> SQL predicate true when that column could not be normalised (its
            normalisation problem is reported instead, so its rules are skipped for the row).
        values: column -> SQL of the value to show (default: the column as text).
        relations: reference table -> relation (``rules.bind``).
    """
    guard, values = guard or {}, values or {}
    items, failed_before = [], {}
    for i, rule in enumerate(rules):
        flag = f"t._rule_{i}"
        skip = [guard[c] for c in rule.columns if c in guard] + failed_before.get(rule.column, [])
        condition = flag + (
            f" and not coalesce({' or '.join(f'({x})' for x in skip)}, false)" if skip else ""
        )
        failed_before.setdefault(rule.column, []).append(flag)
        shown = ", ".join(values.get(c, f"t.{quote_ident(c)}::varchar") for c in rule.columns)
        items.append(
            f"case when {condition} then struct_pack(rule_name := {sql_value(rule.name)}, "
            f"column_name := {sql_value('/'.join(rule.columns))}, "
            f"value := nullif(concat_ws(', ', {shown}), ''), "
            f"reason := {bind(rule.reason_en, relations, values)}, "
            f"reason_cy := {bind(rule.reason_cy, relations, values)}) end"
        )
    any_flag = " or ".join(f"t._rule_{i}" for i in range(len(rules))) or "false"
    return f"(case when {any_flag} then [{', '.join(items)}] else [] end)"


PROBLEM_TYPE = "struct(rule_name varchar, column_name varchar, value varchar, reason varchar, reason_cy varchar)"


# ---------------------------------------------------------------------------------------------
# table mode


def _coverage(con, rule: Rule, table: str, relations: dict[str, str]) -> Outcome:
    """Every value of the reference set present (and, unless ``allowNew``, none new)."""
    spec = rule.spec
    dims = spec["dimensions"]
    expected_sets, found_cols = [], []
    for i, dim in enumerate(dims):
        column = quote_ident(dim["column"])
        found_cols.append(f"t.{column}::varchar as d{i}")
        if "table" in dim:
            source = relations.get(dim["table"], dim["table"])
            value = quote_ident(dim["values_column"])
            label = quote_ident(dim["labels_column"]) if dim.get("labels_column") else "null"
            group = quote_ident(spec["group_by"]) if spec.get("group_by") else "null"
            expected_sets.append(
                f"(select distinct {value}::varchar as v, {label}::varchar as label, "
                f"{group}::varchar as grp from {source} where {value} is not null)"
            )
        elif "values" in dim:
            labels = dim.get("labels") or {}
            rows = (
                ", ".join(
                    f"({sql_value(str(v))}, {sql_value(labels.get(str(v)))})" for v in dim["values"]
                )
                or "(null, null)"
            )
            expected_sets.append(
                f"(select v::varchar as v, label::varchar as label, null::varchar as grp "
                f"from (values {rows}) x(v, label))"
            )
        else:  # in_table: the values this table has
            expected_sets.append(
                f"(select distinct {column}::varchar as v, null::varchar as label, "
                f"null::varchar as grp from {table} where {column} is not null)"
            )
    found = f"(select distinct {', '.join(found_cols)} from {table} t)"
    joins = " cross join ".join(f"{sql} e{i}" for i, sql in enumerate(expected_sets))
    keys = ", ".join(f"e{i}.v as v{i}" for i in range(len(dims)))
    labels = ", ".join(f"e{i}.label as l{i}" for i in range(len(dims)))
    match = " and ".join(f"f.d{i} is not distinct from m.v{i}" for i in range(len(dims)))
    total, missing = con.execute(
        f"""
        with expected as (select {keys}, {labels}, e0.grp as grp from {joins})
        select (select count(*) from expected),
               (select list(struct_pack(vals := [{", ".join(f"v{i}" for i in range(len(dims)))}],
                                        lbls := [{", ".join(f"l{i}" for i in range(len(dims)))}],
                                        grp := grp) order by {", ".join(f"v{i}" for i in range(len(dims)))})
                from expected m where not exists (select 1 from {found} f where {match}))
        """
    ).fetchone()
    missing = missing or []
    new: list[tuple[str, list[str]]] = []
    if not spec.get("allow_new"):
        for i, dim in enumerate(dims):
            if dim.get("in_table"):
                continue
            values = (
                con.execute(
                    f"""select list(d order by d) from (
                        select distinct t.{quote_ident(dim["column"])}::varchar as d from {table} t
                        where t.{quote_ident(dim["column"])} is not null
                        except select v from {expected_sets[i]})"""
                ).fetchone()[0]
                or []
            )
            if values:
                new.append((dim["column"], values))
    parts = []
    noun = spec.get("noun") or "values"
    if missing:
        named = [
            " ".join(
                x
                for x in (
                    ", ".join(str(v) for v in m["vals"]),
                    " ".join(str(label) for label in m["lbls"] if label),
                )
                if x
            )
            for m in missing
        ]
        head = f"missing {len(missing)} of {total} {noun}"
        if spec.get("group_by"):
            groups: dict[str, int] = {}
            for m in missing:
                groups[m["grp"] or "(none)"] = groups.get(m["grp"] or "(none)", 0) + 1
            listed = "; ".join(
                f"{n} of {g}" for g, n in sorted(groups.items(), key=lambda x: -x[1])
            )
            parts.append(
                f"{head}: {listed}" + (f" ({', '.join(named)})" if len(named) <= 5 else "")
            )
        else:
            parts.append(f"{head}: {some_of(named, MESSAGE_ITEMS)}")
    for column, values in new:
        parts.append(
            f"{len(values)} new {column} value(s) not in the expected set: "
            f"{some_of(values, MESSAGE_ITEMS)}"
        )
    observed = {
        "expected": total,
        "missing": [m["vals"] if len(dims) > 1 else m["vals"][0] for m in missing[:100]],
        "new": {c: v[:100] for c, v in new},
    }
    return Outcome(
        rule,
        not missing and not new,
        observed_value=observed,
        unexpected_count=len(missing) + sum(len(v) for _, v in new),
        note="; ".join(parts) or None,
    )


def _unique(con, rule: Rule, table: str) -> Outcome:
    keys = list(rule.spec["columns"])
    key_sql = ", ".join(f"t.{quote_ident(k)}" for k in keys)
    label = (
        "concat_ws(' + ', " + ", ".join(f"{quote_ident(k)}::varchar" for k in keys) + ")"
        if len(keys) > 1
        else f"{quote_ident(keys[0])}::varchar"
    )
    # As Great Expectations counts: every row whose key repeats (a unique column ignores nulls;
    # a compound key is skipped only when all its values are null).
    not_null = (
        f"t.{quote_ident(keys[0])} is not null"
        if len(keys) == 1
        else "not (" + " and ".join(f"t.{quote_ident(k)} is null" for k in keys) + ")"
    )
    bad, sample = con.execute(
        f"""
        select coalesce(sum(n), 0)::bigint, list(k order by n desc, k)[1:{SAMPLE_SIZE}]
        from (select {label} as k, count(*) as n from {table} t where {not_null}
              group by {key_sql} having count(*) > 1)
        """
    ).fetchone()
    return Outcome(
        rule, int(bad) == 0, unexpected_count=int(bad), unexpected_sample=list(sample or [])
    )


def _bounded(value: Any, low: Any, high: Any) -> bool:
    return value is not None and (low is None or value >= low) and (high is None or value <= high)


def validate_in_duckdb(
    con: duckdb.DuckDBPyConnection,
    table: str,
    run_id: str = "manual",
    check_name: str | None = None,
    relation: str | None = None,
    relations: dict[str, str] | None = None,
) -> TableValidation:
    """Run every rule of the contract of ``table`` in DuckDB.

    Args:
        con: a connection that can read the table and its reference tables.
        table: ``schema.table`` with a contract.
        relation: the relation to check instead of ``table`` (e.g. a temp table holding the same
            columns; the contract is still ``table``'s).
        relations: reference table -> relation to read instead (``rules.bind``).

    Raises:
        KeyError: ``table`` has no contract.
        LookupError: the table (or ``relation``) does not exist.
    """
    obj = require_contract(table)
    rules = table_rules(obj)
    relations = relations or {}
    source = relation or table
    if relation is None:
        typed = table_columns(con, table)
    else:
        typed = [(r[0], r[1]) for r in con.execute(f"describe select * from {relation}").fetchall()]
    if not typed:
        raise LookupError(f"table {table} does not exist in the warehouse; materialise it first")
    columns = [c for c, _ in typed]
    present = set(columns)
    drift = column_drift(expected_columns(obj), columns, ignorable_columns(table))
    checked_at = datetime.now(UTC)

    outcomes: dict[str, Outcome] = {}
    row_level: list[Rule] = []
    later: list[Rule] = []
    for rule in rules:
        if rule.kind == "exists":
            hint = drift.suggestions.get(rule.column)
            note = (
                f"column missing; found {', '.join(hint)} (renamed?)" if hint else "column missing"
            )
            ok = rule.column in present
            outcomes[rule.name] = Outcome(rule, ok, note=None if ok else note)
            continue
        absent = [c for c in rule.columns if c not in present]
        if absent:
            outcomes[rule.name] = Outcome(
                rule, False, note=f"not evaluated: column {', '.join(absent)} missing"
            )
            continue
        reference = _missing_reference(con, rule, relations)
        if reference:
            outcomes[rule.name] = Outcome(
                rule, False, note=f"not evaluated: reference {reference} is not built"
            )
            continue
        (row_level if rule.kind == "row" else later).append(rule)

    # One scan for the row count and every row rule.
    counts = [
        f"count(*) filter (where {bind(r.bad_row, relations)}) as c{i}"
        for i, r in enumerate(row_level)
    ]
    scan = con.execute(f"select count(*), {', '.join(counts) or '0'} from {source} t").fetchone()
    row_count = int(scan[0])
    for i, rule in enumerate(row_level):
        bad = int(scan[i + 1] or 0)
        sample: list = []
        if bad:
            shown = (
                "'null'"
                if rule.bad_row.endswith(" is null") and len(rule.columns) == 1
                else "concat_ws(' / ', "
                + ", ".join(f"t.{quote_ident(c)}::varchar" for c in rule.columns)
                + ")"
            )
            sample = [
                r[0]
                for r in con.execute(
                    f"select distinct {shown} from (select * from {source} t "
                    f"where {bind(rule.bad_row, relations)} limit 1000) t limit {SAMPLE_SIZE}"
                ).fetchall()
            ]
        outcomes[rule.name] = Outcome(
            rule, bad == 0, unexpected_count=bad, unexpected_sample=sample
        )

    for rule in later:
        if rule.kind == "row_count":
            ok = _bounded(row_count, rule.spec["min"], rule.spec["max"])
            outcomes[rule.name] = Outcome(rule, ok, observed_value=row_count)
        elif rule.kind == "unique":
            outcomes[rule.name] = _unique(con, rule, source)
        elif rule.kind == "coverage":
            outcomes[rule.name] = _coverage(con, rule, source, relations)
        elif rule.kind == "sum":
            column = f"t.{quote_ident(rule.spec['column'])}"
            value = f"try_cast(trim({column}::varchar) as double)" if rule.spec["cast"] else column
            total = _jsonable(con.execute(f"select sum({value}) from {source} t").fetchone()[0])
            outcomes[rule.name] = Outcome(
                rule, _bounded(total, rule.spec["min"], rule.spec["max"]), observed_value=total
            )
        elif rule.kind == "sql":
            try:
                value = _jsonable(con.execute(bind(rule.spec["query"], relations)).fetchone()[0])
            except duckdb.Error as exc:
                log.warning("%s: query of rule %s failed: %s", table, rule.name, exc)
                outcomes[rule.name] = Outcome(
                    rule, False, note="not evaluated: the query failed or its tables are missing"
                )
                continue
            outcomes[rule.name] = Outcome(
                rule, _bounded(value, rule.spec["min"], rule.spec["max"]), observed_value=value
            )

    return TableValidation(
        table=table,
        contract=obj.get("_contract_id") or "",
        contract_file=obj.get("_contract_file") or "",
        check_name=check_name or check_name_for(table),
        run_id=run_id,
        checked_at=checked_at,
        row_count=row_count,
        drift=drift,
        outcomes=[outcomes[r.name] for r in rules],
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
                o.rule.gx[0] if o.rule.gx else o.rule.kind,
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
    # one commit (one DuckLake snapshot), not one per row; parallel checks append at once
    retry_transaction(
        con,
        lambda c: c.executemany(
            f"insert into {RESULTS_TABLE} values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            rows,
        ),
    )
    return len(rows)


def validate_table(
    connect,
    table: str,
    run_id: str = "manual",
    docs_root: Path | None = None,
    check_name: str | None = None,
) -> TableValidation:
    """Validate one contract table in DuckDB, record the results, report them through GX.

    Args:
        connect: ``connect(read_only: bool)`` -> a context manager yielding a DuckDB connection
            (``Warehouse.connect``).
        docs_root: folder for the GX stores and Data Docs (``None``: no Data Docs).

    Raises:
        LookupError: the table does not exist.
    """
    with connect(read_only=True) as con:
        validation = validate_in_duckdb(con, table, run_id=run_id, check_name=check_name)
    if docs_root is not None:
        from pipelines.quality.gx import render_data_docs

        validation.data_docs = render_data_docs(validation, Path(docs_root))
    with connect(read_only=False) as con:
        write_results(con, validation)
    return validation
