"""The contract-check report: one static HTML page from ``quality.check_results`` that works
offline, and pruning of the Great Expectations stores and Data Docs.

Great Expectations Data Docs load 16 scripts and styles from a CDN and show a blank page without
network, and they grew by about 9 MB a run inside the folder handed to policy teams. So:

- ``render_report`` writes ``<WELLBEING_QUALITY_DIR>/report.html`` (default
  ``data/quality/report.html``) with Jinja2: the latest verdict of every contract check (passed,
  warning, failed, accepted), what failed with the observed values and samples, the recent
  history of each table, and the accepted source versions. No script, no external file.
- ``prune_quality_reports`` keeps the GX validation results and Data Docs pages of the last
  ``WELLBEING_QUALITY_KEEP_RUNS`` runs of each table (default 10) and deletes the rest.

Both run after every contract check (``pipelines.quality.checks``), whatever started the run.
"""

import json
import shutil
from collections import defaultdict
from datetime import UTC, datetime
from pathlib import Path

import duckdb
from jinja2 import Environment, FileSystemLoader, select_autoescape

from pipelines.files import replacing
from pipelines.quality.acceptance import ACCEPTED_TABLE, acceptance_for
from pipelines.quality.validate import RESULTS_TABLE
from pipelines.settings import setting_number, setting_path
from pipelines.warehouse import table_exists

REPORT_NAME = "report.html"
TEMPLATES = Path(__file__).with_name("templates")
# Where GX keeps one folder per run under each suite (contract/<schema>/<table>/<run id>/...).
RUN_FOLDERS = ("gx/uncommitted/validations/contract", "data_docs/validations/contract")


def quality_dir() -> Path:
    """``WELLBEING_QUALITY_DIR`` (default ``data/quality``): report, GX stores, Data Docs."""
    return setting_path("WELLBEING_QUALITY_DIR")


def keep_runs() -> int:
    """``WELLBEING_QUALITY_KEEP_RUNS`` (default 10, at least 1; another value is an error)."""
    return int(setting_number("WELLBEING_QUALITY_KEEP_RUNS"))


def prune_quality_reports(root: Path, keep: int, table: str | None = None) -> list[Path]:
    """Delete GX validation results and Data Docs pages beyond the newest ``keep`` runs of each
    table (or of ``table`` only). Returns the run folders removed."""
    removed = []
    for sub in RUN_FOLDERS:
        base = Path(root) / sub
        suites = [base.joinpath(*table.split("."))] if table else list(base.glob("*/*"))
        for suite in suites:
            if not suite.is_dir():
                continue
            runs = sorted(
                (p for p in suite.iterdir() if p.is_dir()),
                key=lambda p: p.stat().st_mtime,
                reverse=True,
            )
            for old in runs[keep:]:
                shutil.rmtree(old, ignore_errors=True)
                removed.append(old)
    return removed


def _status(failed_errors: int, failed_warnings: int, accepted) -> str:
    if failed_errors and not accepted:
        return "failed"
    if failed_errors:
        return "accepted"
    if failed_warnings:
        return "warning"
    return "passed"


def report_data(con: duckdb.DuckDBPyConnection, history_runs: int = 10) -> dict:
    """What the report shows, from ``quality.check_results`` and the acceptances."""
    if not table_exists(con, RESULTS_TABLE):
        return {"checks": [], "counts": {}, "acceptances": [], "history_runs": history_runs}
    runs = con.execute(
        f"""
        select table_name, check_name, checked_at, any_value(run_id), any_value(contract_file),
               count(*),
               count(*) filter (where not success and severity = 'error'),
               count(*) filter (where not success and severity = 'warning'),
               row_number() over (partition by table_name, check_name order by checked_at desc)
        from {RESULTS_TABLE}
        group by table_name, check_name, checked_at
        qualify row_number() over (partition by table_name, check_name
                                   order by checked_at desc) <= ?
        order by table_name, check_name, checked_at desc
        """,
        [history_runs],
    ).fetchall()
    failures = defaultdict(list)
    for row in con.execute(
        f"""
        with latest as (
            select table_name, check_name, max(checked_at) as checked_at
            from {RESULTS_TABLE} group by all
        )
        select r.table_name, r.check_name, r.severity, r.rule_name, r.column_name,
               r.description, r.observed_value, r.unexpected_count, r.unexpected_sample
        from {RESULTS_TABLE} r join latest using (table_name, check_name, checked_at)
        where not r.success
        order by r.severity, r.rule_name
        """
    ).fetchall():
        failures[(row[0], row[1])].append(
            {
                "severity": row[2],
                "rule": row[3],
                "column": row[4] or "",
                "description": row[5] or "",
                "observed": _text(row[6]),
                "unexpected": row[7],
                "sample": ", ".join(map(str, _json(row[8]) or []))[:300],
            }
        )
    checks: dict[tuple, dict] = {}
    for table, check, at, run_id, contract_file, rules, errors, warnings, n in runs:
        key = (table, check)
        if n == 1:
            accepted = acceptance_for(con, table, check) if errors else None
            checks[key] = {
                "table": table,
                "check": check,
                "checked_at": at,
                "run_id": run_id,
                "contract_file": contract_file,
                "rules": rules,
                "errors": errors,
                "warnings": warnings,
                "status": _status(errors, warnings, accepted),
                "accepted": accepted.describe() if accepted else None,
                "failures": failures.get(key, []),
                "history": [],
            }
        checks[key]["history"].append(
            {"checked_at": at, "run_id": run_id, "status": _status(errors, warnings, None)}
        )
    ordered = sorted(
        checks.values(),
        key=lambda c: (["failed", "warning", "accepted", "passed"].index(c["status"]), c["table"]),
    )
    counts = defaultdict(int)
    for c in ordered:
        counts[c["status"]] += 1
    acceptances = []
    if table_exists(con, ACCEPTED_TABLE):
        acceptances = [
            dict(
                zip(
                    (
                        "accepted_at",
                        "accepted_by",
                        "source_key",
                        "source_sha256",
                        "table_name",
                        "check_name",
                        "failed_rules",
                        "reason",
                    ),
                    row,
                    strict=True,
                )
            )
            for row in con.execute(
                f"select accepted_at, accepted_by, source_key, source_sha256, table_name, "
                f"check_name, failed_rules, reason from {ACCEPTED_TABLE} "
                "order by accepted_at desc limit 50"
            ).fetchall()
        ]
    return {
        "checks": ordered,
        "counts": dict(counts),
        "acceptances": acceptances,
        "history_runs": history_runs,
    }


def _json(value):
    if value is None:
        return None
    try:
        return json.loads(value)
    except (TypeError, ValueError):
        return value


def _text(value) -> str:
    data = _json(value)
    text = data if isinstance(data, str) else json.dumps(data, default=str)
    return "" if data is None else text[:300]


def render_report(con: duckdb.DuckDBPyConnection, out_dir: Path | None = None) -> Path:
    """Write ``report.html`` (atomically, world-readable) into ``out_dir`` (default
    ``quality_dir()``) and return its path."""
    out_dir = Path(out_dir or quality_dir())
    out_dir.mkdir(parents=True, exist_ok=True)
    env = Environment(
        loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(["html", "j2"])
    )
    page = env.get_template("report.html.j2").render(
        generated_at=datetime.now(UTC), **report_data(con)
    )
    target = out_dir / REPORT_NAME
    with replacing(target, mode=0o644) as tmp:
        tmp.write_text(page, encoding="utf-8")
    return target
