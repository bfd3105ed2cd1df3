"""Accepting a new source version: who accepted which checksum, which failed check, and why.

A publisher revises a file (new checksum) or a revision breaks an error-level rule the analyst
judges acceptable (a table shorter because an area was merged, say). Instead of editing the
contract, the analyst records an acceptance (``make accept-source`` or the
``accept_source_version`` job in the UI), appended to ``quality.accepted_source_versions``:

- every accepted checksum joins the catalogue's in ``quality.expected_source_checksums``, the
  value set of the ``source_checksum`` rule (``pipelines.quality.rules.checksum_rule``), so the
  "publisher changed the file" warning stops for that version;
- an acceptance that names a table and check (``contract_<table>``) lets that check pass although
  its error-level rules fail, and lets the quality gate (``pipelines.quality.gate``) build on it,
  **only while the source holds that checksum**: the next revision is checked afresh.

The table is an audit trail: rows are only ever appended.
"""

from dataclasses import dataclass
from datetime import UTC, datetime

import duckdb

from pipelines.catalogue import load_catalogue
from pipelines.contracts import apply_comments, column_comments, create_table_sql
from pipelines.quality.validate import RESULTS_TABLE, check_name_for
from pipelines.sqltext import quote_ident, quote_literal
from pipelines.warehouse import retry_transaction, table_exists
from pipelines.wording import some_of

ACCEPTED_TABLE = "quality.accepted_source_versions"
EXPECTED_CHECKSUMS_VIEW = "quality.expected_source_checksums"


class AcceptanceError(ValueError):
    """An acceptance cannot be recorded (unknown source, no checksum, no reason...)."""


@dataclass(frozen=True)
class Acceptance:
    accepted_at: datetime
    accepted_by: str
    source_key: str
    source_sha256: str
    table_name: str | None
    check_name: str | None
    reason: str
    failed_rules: str | None = None

    def describe(self) -> str:
        """E.g. ``accepted by Ceri Jones on 2026-01-15: WIMD revision (wimd_2025_ranks ff58c2c8…)``."""
        return (
            f"accepted by {self.accepted_by} on {self.accepted_at:%Y-%m-%d %H:%M} UTC: "
            f"{self.reason} (source {self.source_key}, checksum {self.source_sha256[:12]}…)"
        )


def expected_checksums_sql() -> str:
    """The view of every expected source checksum: the catalogue's (official file and
    alternates) and the accepted ones. Columns: source_key, source_sha256, origin."""
    rows = [
        (key, sha) for key, source in sorted(load_catalogue().items()) for sha in source.checksums
    ]
    values = ", ".join(f"({quote_literal(k)}, {quote_literal(s)})" for k, s in rows)
    catalogue = (
        f"select source_key, source_sha256, 'catalogue' as origin "
        f"from (values {values}) as c(source_key, source_sha256)"
        if values
        else "select null::varchar as source_key, null::varchar as source_sha256, "
        "'catalogue' as origin where false"
    )
    return (
        f"create or replace view {EXPECTED_CHECKSUMS_VIEW} as\n{catalogue}\nunion all\n"
        f"select distinct source_key, source_sha256, 'accepted' as origin from {ACCEPTED_TABLE}"
    )


def ensure_tables(con: duckdb.DuckDBPyConnection) -> None:
    """Create ``quality.accepted_source_versions`` (DDL from its contract) and the expected
    checksums view when missing or when the catalogue's checksums changed (read-write
    connection). Cheap when nothing changed: one catalogue query. Parallel steps on a fresh
    DuckLake catalog may race to create them: the loser retries and finds them there."""
    retry_transaction(con, _ensure_tables)


def _ensure_tables(con: duckdb.DuckDBPyConnection) -> None:
    wanted = expected_checksums_sql()
    current = con.execute(
        "select sql from duckdb_views() where database_name = current_database() "
        "and schema_name = 'quality' and view_name = ?",
        [EXPECTED_CHECKSUMS_VIEW.split(".")[1]],
    ).fetchone()
    if current and table_exists(con, ACCEPTED_TABLE) and _normal(current[0]) == _normal(wanted):
        return
    con.execute("create schema if not exists quality")
    con.execute(create_table_sql(ACCEPTED_TABLE))
    apply_comments(con, ACCEPTED_TABLE)
    con.execute(wanted)


def _normal(sql: str) -> str:
    return " ".join(sql.lower().replace("create or replace view", "create view").split()).rstrip(
        ";"
    )


def unknown_source(source_key: str) -> str:
    """Why ``source_key`` is not a source: the closest keys (``did you mean``), else a few."""
    import difflib

    keys = sorted(load_catalogue())
    close = difflib.get_close_matches(source_key, keys, n=3, cutoff=0.6)
    if close:
        return f"unknown source {source_key!r}: did you mean {' or '.join(close)}?"
    return (
        f"unknown source {source_key!r}: expected a key of pipelines/catalogue.yaml, e.g. "
        + ", ".join(keys[:5])
    )


def current_checksums(con: duckdb.DuckDBPyConnection, source_key: str) -> set[str]:
    """The source file checksums ``raw.<source_key>`` holds now (empty if it is not built)."""
    table = f"raw.{source_key}"
    if not table_exists(con, table):
        return set()
    if "source_sha256" not in column_comments(con, table):
        return set()
    return {
        r[0]
        for r in con.execute(
            f"select distinct source_sha256 from raw.{quote_ident(source_key)} "
            "where source_sha256 is not null"
        ).fetchall()
    }


def _rows(con: duckdb.DuckDBPyConnection, where: str, params: list) -> list[Acceptance]:
    if not table_exists(con, ACCEPTED_TABLE):
        return []
    rows = con.execute(
        f"""
        select accepted_at, accepted_by, source_key, source_sha256, table_name, check_name,
               reason, failed_rules
        from {ACCEPTED_TABLE}
        where {where}
        order by accepted_at desc
        """,
        params,
    ).fetchall()
    return [Acceptance(*row) for row in rows]


def acceptance_for(
    con: duckdb.DuckDBPyConnection, table: str, check_name: str
) -> Acceptance | None:
    """The latest acceptance of ``check_name`` on ``table`` whose source still holds the accepted
    checksum, or ``None`` (then the check's failed error rules block as usual)."""
    for acceptance in _rows(con, "table_name = ? and check_name = ?", [table, check_name]):
        if acceptance.source_sha256 in current_checksums(con, acceptance.source_key):
            return acceptance
    return None


def latest_failed_error_rules(
    con: duckdb.DuckDBPyConnection, table: str, check_name: str
) -> list[str]:
    """The error-level rules that failed in the latest run of ``check_name`` on ``table``."""
    if not table_exists(con, RESULTS_TABLE):
        return []
    return [
        r[0]
        for r in con.execute(
            f"""
            select rule_name
            from {RESULTS_TABLE}
            where table_name = ? and check_name = ?
              and checked_at = (select max(checked_at) from {RESULTS_TABLE}
                                where table_name = ? and check_name = ?)
              and severity = 'error' and not success
            order by rule_name
            """,
            [table, check_name, table, check_name],
        ).fetchall()
    ]


def unevaluated_rules(
    con: duckdb.DuckDBPyConnection, table: str, check_name: str
) -> tuple[list[str], list[str]]:
    """``(missing columns, rules not evaluated)`` in the latest run of ``check_name`` on
    ``table``: a table that is not the one its contract describes (a web page loaded as the
    file, another file), which no acceptance can make right."""
    if not table_exists(con, RESULTS_TABLE):
        return [], []
    rows = con.execute(
        f"""
        select rule_name, expectation_type, column_name, observed_value
        from {RESULTS_TABLE}
        where table_name = ? and check_name = ? and not success
          and checked_at = (select max(checked_at) from {RESULTS_TABLE}
                            where table_name = ? and check_name = ?)
        order by rule_name
        """,
        [table, check_name, table, check_name],
    ).fetchall()
    missing = [c for _, kind, c, _ in rows if kind == "expect_column_to_exist" and c]
    unevaluated = [r for r, _, _, seen in rows if seen and "not evaluated" in seen]
    return missing, unevaluated


def refuse_unevaluated(con: duckdb.DuckDBPyConnection, table: str, check_name: str) -> None:
    """Raise when ``table``'s latest check could not evaluate its rules: only real drift
    (values that break rules) can be accepted, not a file without the contract's columns.

    Raises:
        AcceptanceError: naming the missing columns and how many rules were not evaluated.
    """
    missing, unevaluated = unevaluated_rules(con, table, check_name)
    if not (missing or unevaluated):
        return
    columns = f"column {some_of(missing)} missing" if missing else "its columns do not match"
    rules = f", so {len(unevaluated)} rule(s) of its contract could not be evaluated"
    raise AcceptanceError(
        f"{table} cannot be accepted: {columns}{rules if unevaluated else ''}. It is not the "
        "table the contract describes (an error page or "
        "another file saved as the source?): fix the source file and type make run. Only data "
        "whose rules could be checked (values that changed) can be accepted."
    )


def record_acceptance(
    con: duckdb.DuckDBPyConnection,
    *,
    source_key: str,
    reason: str,
    accepted_by: str,
    source_sha256: str | None = None,
    table_name: str | None = None,
    check_name: str | None = None,
    run_id: str | None = None,
) -> Acceptance:
    """Append one acceptance to ``quality.accepted_source_versions``.

    Args:
        source_key: catalogue source, e.g. ``wimd_2025_ranks``.
        reason: why (required: the audit trail says it).
        accepted_by: who (required).
        source_sha256: the accepted checksum; default the one ``raw.<source_key>`` holds now.
        table_name: with ``check_name``, the contract table whose failed check is accepted (default
            ``raw.<source_key>`` when ``check_name`` is given).
        check_name: the failed check to accept (``contract_<table>``); ``None`` accepts only the
            new checksum (the warning), never an error-level failure.
        run_id: the Dagster run recording it.

    Raises:
        AcceptanceError: unknown source, no reason or name, no single current checksum, or the
            check names a table without a contract.
    """
    from pipelines.contracts import contract_for

    if source_key not in load_catalogue():
        raise AcceptanceError(unknown_source(source_key))
    if not (reason or "").strip():
        raise AcceptanceError("say why the source version is accepted (reason)")
    if not (accepted_by or "").strip():
        raise AcceptanceError("say who accepts the source version (accepted_by)")
    current = current_checksums(con, source_key)
    if source_sha256 is None:
        if len(current) != 1:
            raise AcceptanceError(
                f"raw.{source_key} holds {len(current)} source checksums ({', '.join(current)}); "
                "load the source first, or give the checksum to accept"
            )
        source_sha256 = next(iter(current))
    source_sha256 = source_sha256.strip().lower()
    if len(source_sha256) != 64 or any(c not in "0123456789abcdef" for c in source_sha256):
        raise AcceptanceError(f"{source_sha256!r} is not a SHA-256 checksum (64 hex digits)")
    failed = None
    raw_table = f"raw.{source_key}"
    if contract_for(raw_table) is not None:  # not even the checksum of a file that is not it
        refuse_unevaluated(con, raw_table, check_name_for(raw_table))
    if check_name:
        table_name = table_name or raw_table
        if contract_for(table_name) is None:
            raise AcceptanceError(f"{table_name} has no data contract; nothing to accept there")
        refuse_unevaluated(con, table_name, check_name)
        failed = ", ".join(latest_failed_error_rules(con, table_name, check_name)) or None
    elif table_name:
        raise AcceptanceError("name the check to accept on that table (check_name)")
    ensure_tables(con)
    acceptance = Acceptance(
        accepted_at=datetime.now(UTC),
        accepted_by=accepted_by.strip(),
        source_key=source_key,
        source_sha256=source_sha256,
        table_name=table_name,
        check_name=check_name,
        reason=reason.strip(),
        failed_rules=failed,
    )
    con.execute(
        f"insert into {ACCEPTED_TABLE} "
        "(accepted_at, accepted_by, source_key, source_sha256, table_name, check_name, "
        "failed_rules, reason, run_id) values (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            acceptance.accepted_at,
            acceptance.accepted_by,
            acceptance.source_key,
            acceptance.source_sha256,
            acceptance.table_name,
            acceptance.check_name,
            acceptance.failed_rules,
            acceptance.reason,
            run_id,
        ],
    )
    return acceptance
