"""The quality gate: no model is built on a table whose latest contract check failed.

Dagster's blocking checks stop downstream steps *in the run that ran the check*, and the
automation condition (``pipelines.operations.automation``) keeps the daemon from launching runs
on failed checks. The gate is the second fence, inside the assets themselves: every SQL model,
the Python staging models and the publish asset call ``enforce_quality_gate`` before writing. It
reads the latest verdict of every contract check on the tables upstream of the asset (all its
ancestors, not only its parents) from ``quality.check_results`` in the warehouse, so it holds
whatever started the run (``make run``, the UI, a schedule, a sensor, automation,
``dagster asset materialize``) and whether or not the run selected any check.

A failed **error** rule blocks until the data is fixed (the next check passes) or an analyst
accepts that source version (``pipelines.quality.acceptance``). Warnings never block.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache

import dagster as dg
import duckdb

from pipelines.quality.acceptance import acceptance_for
from pipelines.quality.validate import RESULTS_TABLE
from pipelines.warehouse import table_exists

ACCEPT_HINT = "make accept-source SOURCE={source} CHECK={check} TABLE={table} REASON='...'"


@dataclass(frozen=True)
class GateFailure:
    """One upstream check whose latest run failed an error-level rule."""

    table: str
    check_name: str
    checked_at: datetime
    run_id: str
    rules: tuple[str, ...]
    descriptions: tuple[str, ...]

    def describe(self) -> str:
        rules = ", ".join(self.rules[:6]) + (" ..." if len(self.rules) > 6 else "")
        return (
            f"{self.table}: check {self.check_name} failed at {self.checked_at:%Y-%m-%d %H:%M:%S} "
            f"(run {self.run_id[:8]}): {rules}"
        )


class QualityGateError(dg.Failure):
    """An asset refused to build because a table upstream failed its contract check."""


def latest_failures(con: duckdb.DuckDBPyConnection, tables: Iterable[str]) -> list[GateFailure]:
    """Upstream tables whose latest contract check failed an error rule (not accepted).

    The latest verdict of a check is the set of rows of ``quality.check_results`` with the
    greatest ``checked_at`` for that ``table_name`` and ``check_name``.
    """
    tables = sorted(set(tables))
    if not tables or not table_exists(con, RESULTS_TABLE):
        return []
    placeholders = ", ".join("?" for _ in tables)
    rows = con.execute(
        f"""
        with latest as (
            select table_name, check_name, max(checked_at) as checked_at
            from {RESULTS_TABLE}
            where table_name in ({placeholders})
            group by table_name, check_name
        )
        select
            r.table_name,
            r.check_name,
            r.checked_at,
            any_value(r.run_id),
            list(r.rule_name order by r.rule_name),
            list(coalesce(r.description, r.rule_name) order by r.rule_name)
        from {RESULTS_TABLE} as r
        join latest using (table_name, check_name, checked_at)
        where r.severity = 'error' and not r.success
        group by r.table_name, r.check_name, r.checked_at
        order by r.table_name, r.check_name
        """,
        tables,
    ).fetchall()
    failures = []
    for table, check_name, checked_at, run_id, rules, descriptions in rows:
        if acceptance_for(con, table, check_name) is not None:
            continue
        failures.append(
            GateFailure(
                table, check_name, checked_at, run_id or "", tuple(rules), tuple(descriptions)
            )
        )
    return failures


def ancestor_tables(asset_graph, key: dg.AssetKey) -> list[str]:
    """``schema.table`` of every asset upstream of ``key`` (transitively), in the asset graph."""
    seen: set[dg.AssetKey] = set()
    todo = [key]
    while todo:
        current = todo.pop()
        if not asset_graph.has(current):
            continue
        for parent in asset_graph.get(current).parent_keys:
            if parent not in seen:
                seen.add(parent)
                todo.append(parent)
    return sorted(f"{k.path[0]}.{k.path[1]}" for k in seen if len(k.path) == 2)


@lru_cache(maxsize=1)
def code_location_graph():
    """The asset graph of the whole code location (``pipelines.definitions``)."""
    from pipelines.definitions import defs

    return defs.resolve_asset_graph()


def gate_message(asset: str, failures: list[GateFailure]) -> str:
    """The refusal: which upstream checks failed, and the two ways out."""
    lines = [
        (
            f"{asset} was not rebuilt: {len(failures)} upstream contract check(s) failed, so it "
            "keeps its last good version (and the published file is left as it was):"
        )
    ]
    lines += [f"- {f.describe()}" for f in failures]
    first = failures[0]
    source = first.table.split(".", 1)[1] if first.table.startswith("raw.") else "<source>"
    hint = ACCEPT_HINT.format(source=source, check=first.check_name, table=first.table)
    lines.append(
        "Fix the source and type make run (it reloads the fixed file and checks it again), or, "
        "if the new data is right, accept "
        f"it: {hint} (or the accept_source_version job "
        "in the Dagster UI). Details: select * from quality.check_results where not success "
        "order by checked_at desc."
    )
    return "\n".join(lines)


def enforce_quality_gate(context: dg.AssetExecutionContext, con: duckdb.DuckDBPyConnection) -> None:
    """Raise ``QualityGateError`` if a table upstream of the asset being built failed its latest
    contract check with an error (and no analyst accepted it). Call before writing.

    Raises:
        QualityGateError: with the failed checks in its description and metadata.
    """
    # A run's own asset graph holds only what it selected (and their parents), so ancestors come
    # from the whole code location too: `make publish` must see a source failed far upstream.
    graphs = [context.job_def.asset_layer.asset_graph, code_location_graph()]
    selected = sorted(context.selected_asset_keys, key=lambda k: k.to_user_string())
    own = {f"{k.path[0]}.{k.path[1]}" for k in selected if len(k.path) == 2}
    tables = sorted(
        {t for graph in graphs for key in selected for t in ancestor_tables(graph, key)} - own
    )
    failures = latest_failures(con, tables)
    if not failures:
        context.log.debug(f"quality gate: {len(tables)} upstream tables, no failed checks")
        return
    message = gate_message(", ".join(k.to_user_string() for k in selected), failures)
    context.log.error(message)
    raise QualityGateError(
        description=message,
        metadata={
            "failed_checks": dg.MetadataValue.md(
                "\n".join(f"- `{f.table}` {f.check_name}: {', '.join(f.rules)}" for f in failures)
            ),
        },
        allow_retries=False,
    )
