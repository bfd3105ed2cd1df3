"""Partner partnership-activity submissions (group ``partnership_activity``).

One multi-asset loads every file in the partner inbox and updates three tables together:
``raw.partnership_activity`` (valid rows), ``quality.quarantine`` (rows that failed a rule, with
the reason) and ``quality.submissions`` (one row per file received, a re-sent copy of an earlier
file's content as a ``duplicate``). With ``WELLBEING_PARTNER_INBOX``
unset, a deterministic example submission set is written under the warehouse's folder and
loaded through the same path, every row flagged ``is_example_data``.
"""

import traceback

import dagster as dg
import polars as pl

from pipelines.boundaries.point_in_polygon import LSOA_POLYGONS
from pipelines.catalogue import SourceUnavailableError
from pipelines.contracts import asset_description
from pipelines.financial_year import label_of
from pipelines.operations import keys
from pipelines.operations.keys import PARTNER_GROUP, PARTNER_KEY, PARTNER_YEAR_RERUNS_KEY
from pipelines.operations.partitions import financial_year_partitions
from pipelines.partnership_activity import generator, ingest, normalise, rerun, submission
from pipelines.partnership_activity.lookups import SOURCES, Lookups, create_lookups, register_frames
from pipelines.settings import WRITTEN_FOLDERS, folder_problems, setting_path
from pipelines.sqltext import sql_value
from pipelines.warehouse import Warehouse, table_exists, table_metadata
from pipelines.wording import counted

QUARANTINE_KEY = dg.AssetKey(["quality", "quarantine"])
SUBMISSIONS_KEY = dg.AssetKey(["quality", "submissions"])
TEMPLATE_KEY, TEMPLATE_FILE = keys.TEMPLATE_KEY, keys.TEMPLATE_FILE
# What the loader reads (the lookups' sources) and the example generator's areas: the assets'
# upstream raw tables, by key.
REFERENCE_TABLES = {
    t.split(".")[1]: t for t in (*SOURCES, *(f"raw.{k}" for k in generator.AREA_SOURCES))
}
ROWS_ACCOUNTED_CHECK = "submission_rows_accounted_for"
EXAMPLE_INBOX_NAME = "example_partner_inbox"


class PartnerInboxConfig(dg.Config):
    """Which inbox files a run loads.

    Attributes:
        files: paths below the inbox (as ``quality.submissions.submission_file`` names them), e.g.
            ``["cardiff/2024-25.xlsx"]``: the inbox sensor asks for the one file it saw. Empty:
            every submission in the inbox (``make run``, the UI).
    """

    files: list[str] = []  # noqa: RUF012 (pydantic copies the default for each run config)


def _catalogue_frame(table: str) -> pl.DataFrame:
    """``raw.<key>`` read straight from its catalogue source with its own parser (when the
    warehouse lacks it); boundary polygons as ``lsoa_code``, ``geometry_wkb``."""
    from pipelines.boundaries.geo import geometry_to_wkb
    from pipelines.sources import load_source

    frame = load_source(table.split(".")[1])[0]
    return geometry_to_wkb(frame, ["lsoa_code"]) if table == LSOA_POLYGONS else frame


def reference_frames(con) -> dict[str, pl.DataFrame]:
    """The reference tables the example generator needs (``generator.areas_from_frames``
    arguments), from the warehouse or the catalogue."""
    tables = {k: f"raw.{k}" for k in generator.AREA_SOURCES}
    return {
        key: con.execute(f"select * from {t}").pl() if table_exists(con, t) else _catalogue_frame(t)
        for key, t in tables.items()
    }


def load_reference(con, log) -> Lookups:
    """Everything partner rows are checked against, as lookups on ``con``.

    The four reference tables (``lookups.SOURCES``) and the 2021 LSOA polygons
    (``raw.lsoa21_boundaries``, for rows located only by coordinates) are read from the
    warehouse; a table the warehouse lacks (a partner run before any public refresh) is read from
    its catalogue source instead, and the run log says so. Without polygons at all, rows located
    only by coordinates are quarantined. Used by the load asset, the financial-year rerun and the
    benchmark.
    """
    normalise.install(con)
    relations = {}
    missing = {}
    for table in (*SOURCES, LSOA_POLYGONS):
        if table_exists(con, table):
            relations[table] = table
            continue
        log.warning(f"{table} is not in the warehouse; reading its catalogue source directly")
        try:
            missing[table] = _catalogue_frame(table)
        except (SourceUnavailableError, OSError, ValueError) as exc:
            if table != LSOA_POLYGONS:
                raise
            log.warning(
                f"no LSOA boundaries ({exc}): rows located only by coordinates need la_code"
            )
    relations.update(register_frames(con, missing))
    polygons = relations.get(LSOA_POLYGONS)
    note = (
        f"coordinates are placed in the 2021 LSOA polygons of {polygons} (DuckDB spatial)"
        if polygons
        else "no LSOA boundaries: rows located only by coordinates need la_code"
    )
    return create_lookups(con, relations, polygons, note)


def _files_markdown(outcomes: list[ingest.LoadOutcome]) -> str:
    lines = [
        "| file | status | rows | accepted | quarantined | replaced earlier |",
        "|---|---|---|---|---|---|",
    ]
    for o in outcomes:
        status = f"duplicate of {o.duplicate_of}" if o.duplicate_of else o.status
        lines.append(
            f"| {o.file} | {status} | {o.rows_submitted} | {o.rows_accepted} | {o.rows_quarantined} | {o.rows_superseding} |"
        )
    return "\n".join(lines)


def open_quarantine_sql() -> str:
    """Unresolved quarantined rows, as (rows of partner files, rows of the generated example
    files): only the first are anyone's to correct (the example rows are retired once an inbox
    is configured, and were never a partner's). A totals row or the header row again
    (``normalise.NOT_A_ROW``) is set aside but is no activity, so nothing to correct: not counted (no later
    file could ever resolve it)."""
    not_rows = ", ".join(sql_value(rule) for rule in normalise.NOT_A_ROW)
    return (
        "select count(distinct (q.submission_sha256, q.source_row_number)) "
        "filter (where not coalesce(s.is_example_data, false)), "
        "count(distinct (q.submission_sha256, q.source_row_number)) filter (where s.is_example_data) "
        "from quality.quarantine q left join quality.submissions s "
        f"using (submission_sha256, submission_file) where not q.is_resolved "
        f"and q.rule_name not in ({not_rows})"
    )


def outcome_line(outcome: ingest.LoadOutcome) -> str:
    """What the run log says about one file the loader was given (after ``[i/n] name: ``)."""
    report = f"; feedback report {outcome.feedback['en']}" if outcome.feedback else ""
    if outcome.skipped and outcome.skipped_status == "rejected":
        return (
            f"already received and rejected (sha256 {outcome.sha256[:12]}...), skipped: the same "
            "file is not read again; a corrected file is"
        )
    if outcome.skipped:
        return f"already loaded (sha256 {outcome.sha256[:12]}...), skipped"
    if outcome.status == "duplicate":
        return f"duplicate, {outcome.note}{report}"
    if outcome.status == "rejected":
        return f"REJECTED: {outcome.error}"
    return (
        f"{counted(outcome.rows_submitted, 'row')}, {outcome.rows_accepted:,} accepted, "
        f"{outcome.rows_quarantined:,} quarantined, "
        f"{counted(outcome.rows_superseding, 'replaced earlier row')}{report}"
    )


def quarantine_message(to_correct: int, example: int, is_example: bool) -> str:
    """The end of the run's log line about unresolved quarantined rows: only rows of partner
    files are counted as still to correct; the generated example rows are said apart."""
    parts = []
    if to_correct or not is_example:
        parts.append(
            f"{counted(to_correct, 'quarantined row')} from partner files still to correct"
        )
    if example:
        why = "generated example data" if is_example else "retired example data: not counted"
        parts.append(f"{counted(example, 'example row')} set aside ({why}, nothing to correct)")
    return "; ".join(parts) or "no quarantined rows to correct"


def _selected(inbox, config: PartnerInboxConfig, log) -> list:
    files = submission.inbox_files(inbox)
    if not config.files:
        return files
    wanted = set(config.files)
    chosen = [f for f in files if submission.submission_name(f, inbox) in wanted]
    for name in sorted(wanted - {submission.submission_name(f, inbox) for f in chosen}):
        log.warning(f"{name}: asked for, but not a submission in {inbox} (moved or removed?)")
    return chosen


@dg.multi_asset(
    name="partnership_activity_submissions",
    specs=[
        dg.AssetSpec(
            PARTNER_KEY,
            group_name=PARTNER_GROUP,
            kinds={"duckdb", "polars"},
            deps=[dg.AssetKey(["raw", k]) for k in (*REFERENCE_TABLES, "lsoa21_boundaries")],
            description=asset_description("raw.partnership_activity"),
        ),
        dg.AssetSpec(
            QUARANTINE_KEY,
            group_name=PARTNER_GROUP,
            kinds={"duckdb"},
            description=asset_description("quality.quarantine"),
        ),
        dg.AssetSpec(
            SUBMISSIONS_KEY,
            group_name=PARTNER_GROUP,
            kinds={"duckdb"},
            description=asset_description("quality.submissions"),
        ),
    ],
    check_specs=[
        dg.AssetCheckSpec(
            ROWS_ACCOUNTED_CHECK,
            asset=PARTNER_KEY,
            description="For every submission, rows accepted + rows quarantined == rows in the file.",
        )
    ],
    can_subset=False,
)
def partnership_activity_submissions(
    context: dg.AssetExecutionContext, warehouse: Warehouse, config: PartnerInboxConfig
):
    """Load new partner files: validate, load valid rows, quarantine the rest, log each file.

    Every submission in the inbox (``submission.py``: sub-folders included), oldest first, or only
    the files ``config.files`` names (a run the inbox sensor started for one file). A file that
    cannot be read is logged as rejected with what was found; a file the loader itself fails on
    is logged as rejected too: the other files still load.

    Fails before anything is read or retired when ``WELLBEING_PARTNER_INBOX`` is set to a folder
    that does not exist (a typo, a share not mounted) or to a file, or an archive or feedback
    folder is a file (``settings.folder_problem``): the message says which and what to do.
    """
    if problems := folder_problems(("WELLBEING_PARTNER_INBOX", *WRITTEN_FOLDERS)):
        raise dg.Failure(description=" ".join(problems), allow_retries=False)
    inbox = setting_path("WELLBEING_PARTNER_INBOX")
    archive = setting_path("WELLBEING_ARCHIVE_DIR")
    feedback = setting_path("WELLBEING_FEEDBACK_DIR")
    with warehouse.connect() as con:
        ingest.ensure_tables(con)
        lookups = load_reference(con, context.log)
        context.log.info(f"partnership_activity: {lookups.note}")
        is_example = inbox is None
        if is_example:
            inbox = warehouse.work_dir / EXAMPLE_INBOX_NAME
            areas = generator.areas_from_frames(**reference_frames(con))
            generator.write_example_inbox(inbox, areas)
            context.log.info(
                f"WELLBEING_PARTNER_INBOX is unset: loading the example submissions in {inbox}"
            )
        files = _selected(inbox, config, context.log)
        if not files:
            context.log.warning(f"partner inbox {inbox} holds no submission files")
        if not is_example:
            # Real submissions are arriving: retire the generated example rows so that no mart
            # mixes example data with evidence. They stay in raw (not current) with the reason.
            retired = con.execute(
                "update raw.partnership_activity set is_current = false, superseded_at = now(), "
                "supersedes_note = 'example data retired: a partner inbox is configured' "
                "where is_example_data and is_current"
            ).fetchone()[0]
            if retired:
                context.log.info(
                    f"retired {counted(retired, 'example row')}: a partner inbox is configured"
                )
        outcomes = []
        for i, path in enumerate(files, start=1):
            name = submission.submission_name(path, inbox)
            try:
                outcome = ingest.load_submission(
                    con,
                    path,
                    lookups,
                    archive,
                    is_example_data=is_example,
                    name=name,
                    feedback_dir=feedback,
                )
            except Exception as exc:  # noqa: BLE001 (one file must never block the inbox)
                context.log.error(
                    f"[{i}/{len(files)}] {name}: the loader failed, recorded as rejected:\n"
                    # a partner's value quoted in the error: the one redaction rule
                    + normalise.redact_text("".join(traceback.format_exception(exc)))
                )
                outcome = ingest.record_failure(con, path, archive, name, exc, is_example)
            outcomes.append(outcome)
            log = context.log.error if outcome.status == "rejected" else context.log.info
            log(f"[{i}/{len(files)}] {name}: {outcome_line(outcome)}")
        mismatched = con.execute(
            "select submission_file, left(submission_sha256, 12) || '...', rows_submitted, "
            "rows_accepted, rows_quarantined from quality.submissions "
            "where rows_accepted + rows_quarantined <> rows_submitted"
        ).fetchall()
        current = con.execute(
            "select count(*), count(*) filter (where is_example_data) from raw.partnership_activity where is_current"
        ).fetchone()
        to_correct, example_open = con.execute(open_quarantine_sql()).fetchone()
        meta = {
            key: table_metadata(con, table)
            for key, table in zip((PARTNER_KEY, QUARANTINE_KEY, SUBMISSIONS_KEY), ingest.TABLES)
        }

    new = [o for o in outcomes if not o.skipped]
    duplicates = [o for o in new if o.status == "duplicate"]
    run_summary = {
        "files_in_inbox": len(files),
        "files_loaded_this_run": len(new) - len(duplicates),
        "files_duplicate_this_run": len(duplicates),
        "files_already_loaded": len(outcomes) - len(new),
        "files_rejected_this_run": sum(o.status == "rejected" for o in new),
        "rows_accepted_this_run": sum(o.rows_accepted for o in new),
        "rows_quarantined_this_run": sum(o.rows_quarantined for o in new),
        "rows_replacing_earlier_this_run": sum(o.rows_superseding for o in new),
        "inbox": str(inbox),
        "is_example_data": is_example,
        "files_this_run": dg.MetadataValue.md(_files_markdown(new) if new else "_no new files_"),
    }
    copies = (
        f" (and {counted(len(duplicates), 'duplicate')} of earlier files)" if duplicates else ""
    )
    context.log.info(
        f"partnership_activity: {counted(len(new) - len(duplicates), 'new file')}{copies}, "
        f"{counted(run_summary['rows_accepted_this_run'], 'row')} accepted"
        + (
            f" ({counted(replaced, 'replaced earlier row')})"
            if (replaced := run_summary["rows_replacing_earlier_this_run"])
            else ""
        )
        + f", {run_summary['rows_quarantined_this_run']:,} quarantined; "
        f"{counted(current[0], 'current activity', 'current activities')} "
        f"({counted(current[1], 'example row')}); "
        + quarantine_message(to_correct, example_open, is_example)
    )
    yield dg.MaterializeResult(
        asset_key=PARTNER_KEY,
        metadata={
            **meta[PARTNER_KEY],
            **run_summary,
            "current_activities": current[0],
            "example_rows": current[1],
        },
    )
    yield dg.MaterializeResult(
        asset_key=QUARANTINE_KEY,
        metadata={
            **meta[QUARANTINE_KEY],
            "unresolved_rows": to_correct,  # of partner files: to be corrected
            "unresolved_example_rows": example_open,
        },
    )
    yield dg.MaterializeResult(asset_key=SUBMISSIONS_KEY, metadata=meta[SUBMISSIONS_KEY])
    yield dg.AssetCheckResult(
        check_name=ROWS_ACCOUNTED_CHECK,
        asset_key=PARTNER_KEY,
        passed=not mismatched,
        severity=dg.AssetCheckSeverity.ERROR,
        metadata={
            "submissions_not_accounted_for": dg.MetadataValue.md(
                str(mismatched) if mismatched else "none"
            )
        },
    )


def staged_template():
    """Where the template asset writes the template: the cache folder, not the published one. A
    successful publish copies it to ``<WELLBEING_PUBLISH_DIR>/partners/`` with the rest of the
    published files (a failed or refused run leaves the published copy as it was)."""
    return setting_path("WELLBEING_CACHE_DIR") / "staged" / TEMPLATE_FILE


@dg.asset(key=TEMPLATE_KEY, group_name=PARTNER_GROUP, kinds={"excel"})
def submission_template(context: dg.AssetExecutionContext) -> dg.MaterializeResult:
    """The partner submission template (XLSX), generated from the partnership activity contract:
    the Activities sheet (every column a partner sends, a note in English and Welsh on each
    header, drop-down lists for every closed list), an instructions sheet in English and Welsh,
    and the lists. Staged in ``<WELLBEING_CACHE_DIR>/staged/partners/`` and published by
    ``published/wellbeing_duckdb`` to ``<WELLBEING_PUBLISH_DIR>/partners/
    partner_submission_template.xlsx`` for analysts to send to partners; the same contract gives
    the same bytes. See ``pipelines/partnership_activity/template.py``."""
    from pipelines.partnership_activity.template import template_columns, write_template

    path = write_template(staged_template())
    context.log.info(f"partner submission template staged for the next publish: {path}")
    return dg.MaterializeResult(
        metadata={"path": dg.MetadataValue.path(str(path)), "columns": len(template_columns())}
    )


@dg.asset(
    key=PARTNER_YEAR_RERUNS_KEY,
    group_name=PARTNER_GROUP,
    kinds={"duckdb", "polars"},
    partitions_def=financial_year_partitions(),
    deps=[PARTNER_KEY, *(dg.AssetKey(["raw", k]) for k in REFERENCE_TABLES)],
)
def partnership_activity_year_reruns(
    context: dg.AssetExecutionContext, warehouse: Warehouse
) -> dg.MaterializeResult:
    """Re-run one financial year of partner activity (partitioned by financial year).

    Partitions: one per UK financial year, 1 April to 31 March (Europe/London), from 2015-16 to
    the year in progress; the key is the year's first day (``2023-04-01`` is 2023-24), see
    ``pipelines/operations/partitions.py``. Materialising one partition re-validates that year's
    current rows of ``raw.partnership_activity`` (grain: one row per current activity,
    ``financial_year`` = the label) against the reference data now in the warehouse (2021 LSOAs,
    local authorities, postcode lookup, Wales outline: geography may have changed since the files
    were loaded) and, in one transaction, rewrites exactly that year's current slice of
    ``raw.partnership_activity``: rows that still pass are written back with their load columns
    unchanged; rows that now fail go to ``quality.quarantine`` with a plain-English reason, and
    their submission's accepted/quarantined counts in ``quality.submissions`` move with them
    (accepted + quarantined == submitted still holds). Superseded rows and other years are not
    touched; with unchanged reference data the year is rewritten identically. Appends one row to
    ``quality.partnership_activity_year_reruns`` (this asset's table): financial_year, run_id,
    rerun_at (UTC), rows_before, rows_kept, rows_changed, rows_quarantined (counts of rows).

    Not part of ``make run``: Dagster will not materialise partitioned and unpartitioned assets
    in one run without a partition key, and the full load already validates every year. Re-run
    a year with the ``partner_year_rerun`` job (this asset, then the partner staging model, the
    marts and the published file: Launchpad, pick the partition; several years with a backfill in
    the UI) or from the command line::

        dagster asset materialize -m pipelines.definitions --partition 2023-04-01 --select \\
          'key:"quality/partnership_activity_year_reruns" or key:"staging/stg_partnership_activity__activities"+'

    Errors: fails when ``raw.partnership_activity`` does not exist yet, or when run without a
    partition key.
    """
    if not context.has_partition_key:
        raise dg.Failure(
            "partnership_activity_year_reruns re-runs one financial year: give a partition key "
            "such as 2023-04-01 (financial year 2023-24)"
        )
    label = label_of(context.partition_key)
    with warehouse.connect() as con:
        lookups = load_reference(con, context.log)
        context.log.info(f"re-running financial year {label}: {lookups.note}")
        try:
            outcome = rerun.rerun_financial_year(con, label, lookups, run_id=context.run.run_id)
        except LookupError as exc:
            raise dg.Failure(str(exc)) from exc
        meta = table_metadata(con, rerun.RERUNS_TABLE)
    context.log.info(
        f"financial year {label}: {outcome.rows_before} current rows re-validated, "
        f"{outcome.rows_kept} kept ({outcome.rows_changed} changed), "
        f"{outcome.rows_quarantined} quarantined; {outcome.other_years_rows} rows of other "
        "years untouched"
    )
    return dg.MaterializeResult(
        metadata={
            **meta,
            "financial_year": label,
            "rows_before": outcome.rows_before,
            "rows_kept": outcome.rows_kept,
            "rows_changed": outcome.rows_changed,
            "rows_quarantined": outcome.rows_quarantined,
            "other_years_rows_untouched": outcome.other_years_rows,
        }
    )
