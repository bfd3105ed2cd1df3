"""Re-run one financial year of partner activity against the current reference data.

Plain functions (no Dagster), called by the financial-year asset in ``assets.py``.

``rerun_financial_year`` takes the *current* rows of one financial year (April to March, the
``financial_year`` column, e.g. ``'2023-24'``) from ``raw.partnership_activity``, validates them
again with the same normalisation and contract rules as a new submission (``ingest.check_sql``,
the rows given back as text) against the geography lookups passed in, and rewrites exactly that
slice in one transaction:

- ``delete from raw.partnership_activity where financial_year = ? and is_current``, then insert
  the rows that still pass, with their original load columns (submission file, sha256, source
  row, loaded_at, supersedes_note) and date precisions unchanged. ``lsoa_resolved_from`` keeps
  its original value when the LSOA is unchanged (the original postcode or 2011 code is not kept
  in raw).
- rows that now fail (e.g. an LSOA or local authority code no longer in the geography) go to
  ``quality.quarantine`` with a reason that says they were re-validated, and their submission's
  ``rows_accepted`` / ``rows_quarantined`` in ``quality.submissions`` move by one each, so
  accepted + quarantined == submitted still holds.
- one row is appended to ``quality.partnership_activity_year_reruns``.

Superseded rows (``is_current = false``) and every other financial year are not touched. With
unchanged reference data a re-run rewrites the same rows (same count, same values).
"""

from dataclasses import dataclass
from datetime import UTC, datetime

import duckdb

from pipelines.partnership_activity import contract as pc
from pipelines.partnership_activity import ingest, reading
from pipelines.partnership_activity.lookups import Lookups
from pipelines.sqltext import quote_ident, quote_literal
from pipelines.warehouse import table_exists, transaction

RAW_TABLE = "raw.partnership_activity"
RERUNS_TABLE = "quality.partnership_activity_year_reruns"
RERUNS_DDL = f"""
create table if not exists {RERUNS_TABLE} (
    financial_year varchar not null,
    run_id varchar,
    rerun_at timestamp with time zone not null,
    rows_before bigint not null,
    rows_kept bigint not null,
    rows_changed bigint not null,
    rows_quarantined bigint not null
)
"""
# Columns carried over unchanged from the row being re-validated.
KEPT_COLUMNS = (*ingest.LOAD_COLUMNS, "start_date_precision", "end_date_precision", "partner_key")


@dataclass
class YearRerun:
    """What re-running one financial year did.

    Attributes:
        financial_year: label such as ``'2023-24'``.
        rows_before: current rows of that year before the re-run.
        rows_kept: rows written back (still valid).
        rows_changed: kept rows whose values changed (e.g. a new local authority code).
        rows_quarantined: rows that now fail a rule (moved to quality.quarantine).
        other_years_rows: rows of raw.partnership_activity outside this year (all versions),
            for the log: unchanged by construction.
    """

    financial_year: str
    rows_before: int
    rows_kept: int
    rows_changed: int
    rows_quarantined: int
    other_years_rows: int


def _as_text(financial_year: str) -> str:
    """The year's current raw rows as the text relation the loader's pass reads."""
    submitted = [c for c in pc.loaded_submitted_columns()]
    text = ", ".join(f"{quote_ident(c)}::varchar as {quote_ident(c)}" for c in submitted)
    return (
        "(select row_number() over (order by submission_sha256, source_row_number)::bigint "
        f"as source_row_number, null::integer as _field_count, {reading.READ_FINE}, "
        f"{text} from {RAW_TABLE} "
        f"where financial_year = {quote_literal(financial_year)} and is_current)"
    )


def rerun_financial_year(
    con: duckdb.DuckDBPyConnection,
    financial_year: str,
    lookups: Lookups,
    run_id: str | None = None,
) -> YearRerun:
    """Re-validate and rewrite the current rows of one financial year (see the module docstring).

    Args:
        con: read-write connection to the warehouse holding the partner tables.
        financial_year: label ``'YYYY-YY'`` (April to March), as in the ``financial_year`` column.
        lookups: the current geography lookups on ``con`` (``assets.load_reference``).
        run_id: Dagster run id for the re-run log.

    Returns:
        ``YearRerun`` counts; ``rows_kept + rows_quarantined == rows_before``.

    Raises:
        LookupError: ``raw.partnership_activity`` does not exist (load partner submissions first).
    """
    if not table_exists(con, RAW_TABLE):
        raise LookupError(
            f"{RAW_TABLE} does not exist: materialise raw/partnership_activity before re-running "
            "a financial year"
        )
    ingest.ensure_tables(con)
    con.execute(RERUNS_DDL)
    before = con.execute(
        f"select count(*) from {RAW_TABLE} where financial_year = ? and is_current",
        [financial_year],
    ).fetchone()[0]
    other = con.execute(
        f"select count(*) from {RAW_TABLE} where financial_year <> ?", [financial_year]
    ).fetchone()[0]
    now = datetime.now(UTC)
    if before == 0:
        con.execute(
            f"insert into {RERUNS_TABLE} values (?, ?, ?, 0, 0, 0, 0)",
            [financial_year, run_id, now],
        )
        return YearRerun(financial_year, 0, 0, 0, 0, other)

    source = _as_text(financial_year)
    ingest.prepare(con, source, pc.loaded_submitted_columns(), lookups=lookups)
    sql = ingest.check_sql(source, pc.loaded_submitted_columns(), lookups, False)
    con.execute(f"create or replace temp table _rerun_checked as {sql}")
    return _rewrite(con, financial_year, before, other, now, run_id)


def _rewrite(con, financial_year, before, other, now, run_id) -> YearRerun:
    raw_columns = [
        r[0]
        for r in con.execute(
            "select column_name from duckdb_columns() where schema_name = 'raw' "
            "and table_name = 'partnership_activity' order by column_index"
        ).fetchall()
    ]
    kept = [quote_ident(c) for c in KEPT_COLUMNS]
    con.execute(
        f"""
        create or replace temp table _rerun_old as
        select row_number() over (order by submission_sha256, source_row_number)::bigint as _k, *
        from {RAW_TABLE} where financial_year = ? and is_current
        """,
        [financial_year],
    )
    new_values = [
        c for c in ingest.RAW_COLUMNS if c not in KEPT_COLUMNS and c != "lsoa_resolved_from"
    ]
    con.execute(
        f"""
        create or replace temp table _rerun_kept as
        select {", ".join(f"n.{quote_ident(c)}" for c in new_values)},
               case when n.lsoa_code is not distinct from o.lsoa_code then o.lsoa_resolved_from
                    else 'lsoa_code' end as lsoa_resolved_from,
               {", ".join(f"o.{c}" for c in kept)}, o._k
        from _rerun_checked n join _rerun_old o on o._k = n.source_row_number
        where len(n._problems) = 0
        """
    )
    compared = [quote_ident(c) for c in raw_columns]
    changed = con.execute(
        f"""select count(*) from (select {", ".join(compared)} from _rerun_kept
            except all select {", ".join(compared)} from _rerun_old)"""
    ).fetchone()[0]
    kept_rows = con.execute("select count(*) from _rerun_kept").fetchone()[0]
    con.execute(
        """
        create or replace temp table _rerun_failed as
        select o.submission_file, o.submission_sha256, o.source_row_number,
               o.partner_organisation, o.partner_key, o.activity_id, p.rule_name, p.column_name,
               p.value,
               're-validated for financial year ' || ? || ' against the current reference '
                   || 'data: ' || p.reason as reason,
               'wedi''i ail-ddilysu ar gyfer y flwyddyn ariannol ' || ? || ' yn erbyn y data '
                   || 'cyfeirio cyfredol: ' || p.reason_cy as reason_cy,
               n._row_json as row_json, ?::timestamptz as quarantined_at, false as is_resolved
        from (select *, unnest(_problems) as p from _rerun_checked where len(_problems) > 0) n
        join _rerun_old o on o._k = n.source_row_number
        """,
        [financial_year, financial_year, now],
    )
    quarantined = con.execute(
        "select count(distinct (submission_sha256, source_row_number)) from _rerun_failed"
    ).fetchone()[0]
    try:
        with transaction(con):
            con.execute(
                f"delete from {RAW_TABLE} where financial_year = ? and is_current", [financial_year]
            )
            con.execute(f"insert into {RAW_TABLE} by name select * exclude (_k) from _rerun_kept")
            if quarantined:
                con.execute("insert into quality.quarantine by name select * from _rerun_failed")
                con.execute(
                    """
                    update quality.submissions s
                    set rows_accepted = s.rows_accepted - m.moved,
                        rows_quarantined = s.rows_quarantined + m.moved,
                        status = 'loaded_with_quarantine',
                        note = concat_ws('; ', s.note, m.moved || ' row(s) quarantined when '
                                         || ? || ' was re-validated')
                    from (select submission_sha256, submission_file,
                                 count(distinct source_row_number) as moved
                          from _rerun_failed group by all) m
                    -- the file the rows came from, not a duplicate of it (same sha256, no rows)
                    where s.submission_sha256 = m.submission_sha256
                      and s.submission_file = m.submission_file
                    """,
                    [financial_year],
                )
            con.execute(
                f"insert into {RERUNS_TABLE} values (?, ?, ?, ?, ?, ?, ?)",
                [financial_year, run_id, now, before, kept_rows, changed, quarantined],
            )
    finally:
        for name in ("_rerun_old", "_rerun_checked", "_rerun_kept", "_rerun_failed"):
            con.execute(f"drop table if exists {name}")
    return YearRerun(financial_year, before, kept_rows, changed, quarantined, other)
