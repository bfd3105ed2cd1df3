"""Re-run one financial year of partner activity against the current reference data.

Plain functions (no Dagster), called by the financial-year asset in ``assets.py``.

``rerun_financial_year`` takes the *current* rows of one financial year (April to March, the
``financial_year`` column, e.g. ``'2023-24'``) from ``raw.partnership_activity``, validates them
again with the same contract rules as a new submission (``validate.validate``) against the
geography lookups passed in, and rewrites exactly that slice in one transaction:

- ``delete from raw.partnership_activity where financial_year = ? and is_current``, then insert
  the rows that still pass, with their original load columns (submission file, sha256, source
  row, loaded_at, supersedes_note) unchanged. ``lsoa_resolved_from`` keeps its original value
  when the LSOA is unchanged (the original postcode or 2011 code is not kept in raw).
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
import polars as pl

from pipelines.partnership_activity import validate as v

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
# Load columns carried over unchanged from the row being re-validated.
LOAD_COLUMNS = (
    "submission_file",
    "submission_sha256",
    "source_row_number",
    "loaded_at",
    "is_current",
    "superseded_at",
    "supersedes_note",
)
_KEY = "_rerun_row"


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


def ensure_reruns_table(con: duckdb.DuckDBPyConnection) -> None:
    """Create ``quality.partnership_activity_year_reruns`` if missing."""
    con.execute("create schema if not exists quality")
    con.execute(RERUNS_DDL)


def _as_submitted_text(rows: pl.DataFrame) -> pl.DataFrame:
    """Raw rows as the text frame ``validate.validate`` expects (one row per raw row)."""
    out = rows.select(
        pl.col(_KEY).alias("source_row_number"),
        *[
            (
                pl.col(c).cast(pl.String)
                if c in rows.columns
                else pl.lit(None, dtype=pl.String)
            ).alias(c)
            for c in v.submitted_columns()
        ],
    )
    return out


def rerun_financial_year(
    con: duckdb.DuckDBPyConnection,
    financial_year: str,
    ref: v.Reference,
    run_id: str | None = None,
) -> YearRerun:
    """Re-validate and rewrite the current rows of one financial year (see the module docstring).

    Args:
        con: read-write connection to the warehouse holding the partner tables.
        financial_year: label ``'YYYY-YY'`` (April to March), as in the ``financial_year`` column.
        ref: the current geography lookups (``validate.reference_from_frames``).
        run_id: Dagster run id for the re-run log.

    Returns:
        ``YearRerun`` counts; ``rows_kept + rows_quarantined == rows_before``.

    Raises:
        LookupError: ``raw.partnership_activity`` does not exist (load partner submissions first).
    """
    exists = con.execute(
        "select count(*) from duckdb_tables() "
        "where schema_name = 'raw' and table_name = 'partnership_activity'"
    ).fetchone()[0]
    if not exists:
        raise LookupError(
            f"{RAW_TABLE} does not exist: materialise raw/partnership_activity before re-running "
            "a financial year"
        )
    ensure_reruns_table(con)
    rows = con.execute(
        f"select * from {RAW_TABLE} where financial_year = ? and is_current "
        "order by submission_sha256, source_row_number",
        [financial_year],
    ).pl()
    rows = rows.with_row_index(_KEY, offset=1).with_columns(pl.col(_KEY).cast(pl.Int64))
    other = con.execute(
        f"select count(*) from {RAW_TABLE} where financial_year <> ?", [financial_year]
    ).fetchone()[0]
    now = datetime.now(UTC)
    if rows.height == 0:
        con.execute(
            f"insert into {RERUNS_TABLE} values (?, ?, ?, 0, 0, 0, 0)", [financial_year, run_id, now]
        )
        return YearRerun(financial_year, 0, 0, 0, 0, other)

    result = v.validate(_as_submitted_text(rows), ref)
    raw_columns = [c for c in rows.columns if c != _KEY]
    original = rows.select(_KEY, *LOAD_COLUMNS, "lsoa_code", "lsoa_resolved_from")
    kept = (
        result.accepted.rename({"source_row_number": _KEY})
        .drop("lsoa_resolved_from")
        .join(
            original.rename(
                {"lsoa_code": "_old_lsoa", "lsoa_resolved_from": "_old_resolved"}
            ),
            on=_KEY,
            how="left",
        )
        .with_columns(
            pl.when(pl.col("lsoa_code").eq_missing(pl.col("_old_lsoa")))
            .then(pl.col("_old_resolved"))
            .otherwise(pl.lit("lsoa_code"))
            .alias("lsoa_resolved_from")
        )
    )
    kept = kept.select(_KEY, *raw_columns).cast({c: rows.schema[c] for c in raw_columns})
    changed = kept.join(rows, on=[_KEY, *raw_columns], how="anti", nulls_equal=True).height

    failed = result.problems.rename({"source_row_number": _KEY}).join(
        result.rows_json.rename({"source_row_number": _KEY}), on=_KEY, how="left"
    )
    failed = failed.join(
        rows.select(_KEY, "submission_file", "submission_sha256", "source_row_number"),
        on=_KEY,
        how="left",
    ).with_columns(
        pl.format(
            "re-validated for financial year {} against the current reference data: {}",
            pl.lit(financial_year),
            pl.col("reason"),
        ).alias("reason"),
        pl.lit(now).alias("quarantined_at"),
    )
    per_file = (
        failed.group_by("submission_sha256")
        .agg(pl.col(_KEY).n_unique().alias("moved"))
        .with_columns(pl.lit(financial_year).alias("financial_year"))
    )
    quarantined = failed[_KEY].n_unique() if failed.height else 0

    con.register("_rerun_kept", kept.drop(_KEY).to_arrow())
    con.register("_rerun_failed", failed.to_arrow())
    con.register("_rerun_moved", per_file.to_arrow())
    try:
        con.execute("begin transaction")
        try:
            con.execute(
                f"delete from {RAW_TABLE} where financial_year = ? and is_current",
                [financial_year],
            )
            con.execute(f"insert into {RAW_TABLE} by name select * from _rerun_kept")
            if failed.height:
                con.execute(
                    """
                    insert into quality.quarantine
                    select submission_file, submission_sha256, source_row_number,
                           partner_organisation, activity_id, column_name, value, reason,
                           row_json, quarantined_at, false, null, null
                    from _rerun_failed
                    """
                )
                con.execute(
                    """
                    update quality.submissions s
                    set rows_accepted = s.rows_accepted - m.moved,
                        rows_quarantined = s.rows_quarantined + m.moved,
                        status = 'loaded_with_quarantine',
                        note = concat_ws('; ', s.note, m.moved || ' row(s) quarantined when '
                                         || m.financial_year || ' was re-validated')
                    from _rerun_moved m
                    where s.submission_sha256 = m.submission_sha256
                    """
                )
            con.execute(
                f"insert into {RERUNS_TABLE} values (?, ?, ?, ?, ?, ?, ?)",
                [financial_year, run_id, now, rows.height, kept.height, changed, quarantined],
            )
            con.execute("commit")
        except BaseException:
            con.execute("rollback")
            raise
    finally:
        for name in ("_rerun_kept", "_rerun_failed", "_rerun_moved"):
            con.unregister(name)
    return YearRerun(financial_year, rows.height, kept.height, changed, quarantined, other)
