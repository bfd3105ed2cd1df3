"""Loading partner submission files into the warehouse, idempotently, set-based in DuckDB.

Loading a file (``load_submission``):

1. its sha256 is computed. A file already in ``quality.submissions`` under the same name (it
   stays in the inbox, so every run sees it) is skipped: nothing changes. The same content
   received before under another name (a re-sent copy, or one in another sub-folder) is recorded
   once as a ``duplicate`` with no rows, its note naming the earlier file and when it was
   received (``record_duplicate``): nothing is loaded again, and the partner's feedback report
   says so;
2. the original is copied to ``<archive>/<sha256>/<file name>``;
3. ``reading.read`` finds what the file is and its rows as text; a file that cannot be read gets a
   ``rejected`` row naming what was found and what to do (and any rows it has are quarantined
   with that reason, so no row is lost silently);
4. ONE streaming pass over the rows (``_check``): every value is normalised
   (``normalise``), every row rule of the contract (``pipelines.quality.rules``) is evaluated in
   DuckDB SQL, and each row is written with its typed values and its list of problems to a
   temporary Parquet file. Then a key repeated within the file is found from that file (the
   first row keeps it);
5. in one DuckDB transaction: rows with no problem go to ``raw.partnership_activity`` (an earlier
   current row with the same partner_key + activity_id is superseded, and the open quarantine
   rows of that key from earlier files are resolved, never the file's own: ``RESOLVED_SQL``);
   each problem goes to ``quality.quarantine`` with its rule, reason (English and Welsh) and the
   whole redacted row; one row goes to ``quality.submissions``:
   rows_submitted == rows_accepted + rows_quarantined;
6. a feedback report for the partner is written in English and Welsh (``feedback``).

Nothing raises out of ``load_submission`` for a bad file; an unexpected error in the loader
itself is recorded as a rejected file (``record_failure``) by the asset, and the next file loads.
"""

import json
import logging
import shutil
import tempfile
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from pipelines.catalogue import sha256_of
from pipelines.contracts import apply_comments, ensure_table
from pipelines.files import replacing
from pipelines.partnership_activity import contract as pc
from pipelines.partnership_activity import normalise, reading
from pipelines.partnership_activity.feedback import note_in, write_reports
from pipelines.partnership_activity.lookups import Lookups, place_points
from pipelines.quality.rules import row_mode_rules, submission_key_rule
from pipelines.quality.validate import PROBLEM_TYPE, row_flags, row_problems
from pipelines.sqltext import quote_ident, quote_literal
from pipelines.warehouse import transaction

LOG = logging.getLogger(__name__)

TABLES = pc.TABLES
SMALL_FILE_ROWS = 100_000
CHECKED_TABLE = "_pa_checked"  # the pass's output: typed rows and their problems
LOAD_COLUMNS = (
    "submission_file",
    "submission_sha256",
    "source_row_number",
    "loaded_at",
    "is_current",
    "superseded_at",
    "supersedes_note",
)  # written by the loader, not by the pass
RAW_COLUMNS = [c for c in pc.properties() if c not in LOAD_COLUMNS and c not in pc.PERSONAL_COLUMNS]
PASS_COLUMNS = [c for c in RAW_COLUMNS if c != "partner_key"]  # the loader adds partner_key


# (table, column a newer contract added) -> how rows written before the column are filled
BACKFILLS = {
    (pc.RAW_TABLE, "partner_key"): (
        "update raw.partnership_activity set partner_key = pa_partner_key(partner_organisation)",
    ),
    (pc.RAW_TABLE, "start_date_precision"): (
        "update raw.partnership_activity set start_date_precision = 'day'",
        "update raw.partnership_activity set end_date_precision = 'day' where end_date is not null",
    ),
    (pc.QUARANTINE_TABLE, "partner_key"): (
        "update quality.quarantine set partner_key = pa_partner_key(partner_organisation)",
    ),
    (pc.QUARANTINE_TABLE, "rule_name"): (
        "update quality.quarantine set rule_name = 'unknown (loaded before rule names)'",
    ),
    (pc.QUARANTINE_TABLE, "reason_cy"): ("update quality.quarantine set reason_cy = reason",),
    # example files are those whose rows are example data
    (pc.SUBMISSIONS_TABLE, "is_example_data"): (
        (
            "update quality.submissions s set is_example_data = coalesce(("
            "select bool_or(r.is_example_data) from raw.partnership_activity r "
            "where r.submission_sha256 = s.submission_sha256), false)"
        ),
    ),
}


@dataclass
class LoadOutcome:
    """What loading one file did (also the row written to quality.submissions)."""

    file: str
    sha256: str
    status: str
    rows_submitted: int = 0
    rows_accepted: int = 0
    rows_quarantined: int = 0
    rows_superseding: int = 0
    error: str | None = None
    error_cy: str | None = None
    note: str | None = None
    note_cy: str | None = None  # the note in Welsh (notes without a Welsh text stay English)
    skipped: bool = False
    skipped_status: str | None = None  # skipped: the status the file was recorded with
    is_example_data: bool = False
    duplicate_of: str | None = None  # a duplicate: the earlier file with the same content
    feedback: dict[str, Path] = field(default_factory=dict)


def ensure_tables(con: duckdb.DuckDBPyConnection) -> None:
    """Create the three partner tables from the contract (adding columns a newer contract has),
    fill the identity key, date precision, rule names, Welsh reasons and example flag of rows
    written before those columns existed, and re-open quarantined rows once marked resolved by
    their own file."""
    normalise.install(con)
    added = {table: ensure_table(con, table) for table in TABLES}
    for (table, column), statements in BACKFILLS.items():
        if column in added[table]:
            for sql in statements:
                con.execute(sql)
    _redact_rows_written_before(con)
    # A file never resolves its own rows (``RESOLVED_SQL``); rows an earlier loader marked
    # resolved by their own file (a key repeated within it) were never corrected: open again.
    con.execute(
        "update quality.quarantine set is_resolved = false, resolved_at = null, "
        "resolved_by_sha256 = null where is_resolved and resolved_by_sha256 = submission_sha256"
    )


# What a loader before every shown value went through pa_redact (December 2026) kept as sent
# in the tables (the feedback files it wrote stay as they were): table -> columns, and for the
# quarantine the columns shown as sent beside a column the contract marks redaction: as_sent.
SHOWN_COLUMNS = {
    pc.QUARANTINE_TABLE: ("partner_organisation", "activity_id", "value", "reason", "reason_cy"),
    pc.SUBMISSIONS_TABLE: ("error", "error_cy", "note", "note_cy"),
}
AS_SENT_SHOWN = ("value", "reason", "reason_cy")


def _redact_rows_written_before(con: duckdb.DuckDBPyConnection) -> None:
    """Replace the personal details that rows written by an earlier loader still show
    (``pa_redact``, as every row is written now); the quarantine's partner_key follows its
    partner. Nothing is written when no row needs it (no empty DuckLake snapshot)."""
    as_sent = ", ".join(quote_literal(c) for c in pc.redaction_columns("as_sent")) or "''"
    kept = f"list_has_any(string_split(column_name, '/'), [{as_sent}])"
    for table, columns in SHOWN_COLUMNS.items():
        redacted = {
            c: f"case when {kept} then {c} else pa_redact({c}) end"
            if table == pc.QUARANTINE_TABLE and c in AS_SENT_SHOWN
            else f"pa_redact({c})"
            for c in columns
        }
        where = " or ".join(f"{sql} is distinct from {c}" for c, sql in redacted.items())
        if not con.execute(f"select count(*) from {table} where {where}").fetchone()[0]:
            continue
        sets = [f"{c} = {sql}" for c, sql in redacted.items()]
        if table == pc.QUARANTINE_TABLE:
            sets.append("partner_key = pa_partner_key(pa_redact(partner_organisation))")
        con.execute(f"update {table} set {', '.join(sets)} where {where}")


def archive_file(path: Path, sha256: str, archive_dir: Path) -> Path:
    """Copy the original to ``<archive_dir>/<sha256>/<name>`` (once) and return the copy's path."""
    target = Path(archive_dir) / sha256 / path.name
    if not target.exists():
        with replacing(target) as tmp:
            shutil.copy2(path, tmp)
    return target


def recorded_status(con: duckdb.DuckDBPyConnection, sha256: str, name: str) -> str | None:
    """The status this file (its content and its name) was recorded with, if it was (the status
    is never null)."""
    row = con.execute(
        "select status from quality.submissions where submission_sha256 = ? and "
        "submission_file = ? order by received_at desc limit 1",
        [sha256, name],
    ).fetchone()
    return row[0] if row else None


def submission_row(con: duckdb.DuckDBPyConnection, where: str, params: list) -> dict | None:
    """The first row of ``quality.submissions`` matching ``where``, as a dict, or ``None``."""
    cursor = con.execute(f"select * from quality.submissions where {where}", params)
    row = cursor.fetchone()
    return None if row is None else dict(zip([d[0] for d in cursor.description], row))


def original_submission(con: duckdb.DuckDBPyConnection, sha256: str) -> dict | None:
    """The row of ``quality.submissions`` of the file this content was first received as (not a
    duplicate), or ``None`` when the content is new."""
    return submission_row(
        con,
        "submission_sha256 = ? and status <> 'duplicate' "
        "order by received_at, submission_file limit 1",
        [sha256],
    )


def received_when(received_at: datetime) -> str:
    """When a file was received, as the note, the feedback report and make run's summary say it
    of a duplicate's earlier file: ``YYYY-MM-DD HH:MM`` in UTC."""
    return received_at.astimezone(UTC).strftime("%Y-%m-%d %H:%M")


def duplicate_note(earlier_file: str, received_at: datetime, earlier_status: str) -> str:
    """The note of a duplicate in ``quality.submissions``: the earlier file and when it came."""
    when = received_when(received_at)
    kept = (
        "it could not be read then either"
        if earlier_status == "rejected"
        else "its rows are those loaded or set aside from that file"
    )
    return f"identical to {earlier_file}, received {when} UTC: nothing loaded again ({kept})"


def record_duplicate(
    con: duckdb.DuckDBPyConnection,
    name: str,
    sha256: str,
    earlier: dict,
    now: datetime,
    is_example_data: bool = False,
) -> LoadOutcome:
    """Record a file whose content was received before under another name (``earlier``, its
    ``quality.submissions`` row): status ``duplicate``, no rows, the earlier file's archive copy
    and file description (the bytes are the same)."""
    outcome = LoadOutcome(
        name,
        sha256,
        "duplicate",
        note=duplicate_note(earlier["submission_file"], earlier["received_at"], earlier["status"]),
        is_example_data=is_example_data,
        duplicate_of=earlier["submission_file"],
    )
    described = {k: earlier[k] for k in ("file_format", *FILE_DESCRIPTION)}
    _insert_submission(con, outcome, None, Path(earlier["archived_path"]), now, "", described)
    return outcome


# ---------------------------------------------------------------------------------------------
# the one pass


def _row_json(submitted: list[str]) -> str:
    personal = set(pc.PERSONAL_COLUMNS)
    parts = []
    for column in submitted:
        value = (
            f"case when {normalise.sent(column)} is not null then '{normalise.REMOVED}' end"
            if column in personal
            else normalise.sent(column)
        )
        parts.append(f"{quote_ident(column)} := {value}")
    # personal data in any value is removed from the whole row's text at once
    return f"pa_redact(to_json(struct_pack({', '.join(parts)}))::varchar)"


def allowed_values() -> dict[str, list[str]]:
    """The closed lists the normalisation of codes and lists compares with (from the contract)."""
    return {c: pc.allowed_values(c) for c in normalise.CLOSED_LISTS}


def row_rules() -> list:
    """The contract's rules a submitted row is checked by, in contract order."""
    return row_mode_rules(pc.table(), set(pc.loaded_submitted_columns()))


def rule_groups() -> dict[str, set[int]]:
    """Rule position -> the normalisation group whose values are all it reads (``GROUPS``):
    such a rule is evaluated once per distinct value of the group."""
    out: dict[str, set[int]] = {g: set() for g in normalise.GROUPS}
    for i, rule in enumerate(row_rules()):
        for group, columns in normalise.GROUPS.items():
            if set(rule.columns) <= set(columns):
                out[group].add(i)
                break
    return out


FILE_RULE = "file.readable"  # the problem every row of a file that cannot be loaded is kept with


def prepare(
    con: duckdb.DuckDBPyConnection,
    source: str,
    columns: list[str],
    rescan: bool = True,
    lookups: Lookups | None = None,
) -> None:
    """Normalise each distinct value of ``source`` once, and evaluate the rules that read one
    group of columns once per distinct value (``normalise.build_dictionaries``). Run before
    ``check_sql`` on the same source and connection."""
    relations = lookups.relations if lookups else {}
    flags = {
        group: row_flags(row_rules(), relations, only=positions)
        for group, positions in rule_groups().items()
    }
    normalise.build_dictionaries(con, source, columns, allowed_values(), rescan, flags)


def check_sql(
    source: str,
    columns: list[str],
    lookups: Lookups,
    is_example_data: bool,
    file_error: tuple[str, str] | None = None,
    defer_points: bool = False,
) -> str:
    """The one pass: normalised rows of ``source`` with their problems (see the module docstring).
    ``prepare`` must have run on the same source and connection.

    Args:
        file_error: (English, Welsh): the file cannot be loaded; every row gets this problem.
        defer_points: rows located only by coordinates not placed yet are not judged on their
            local authority (the loader places them and runs the pass again).
    """
    submitted = pc.submitted_columns()
    relation = normalise.normalised_sql(source, columns, submitted, is_example_data)
    rules = row_rules()
    in_dictionaries = set().union(*rule_groups().values())
    problems = normalise.problem_columns()
    guard = {c: f"({en}) is not null" for c, (en, _) in problems.items()}
    # The local authority is judged only when the location given could be read: a problem with
    # the LSOA, postcode or coordinates is reported on that column instead.
    location = " or ".join(f"({problems[c][0]}) is not null" for c in normalise.LOCATION_PROBLEMS)
    guard["la_code"] = (
        f"({location}) or (t._lsoa_given is not null and t.lsoa_resolved_from is null) "
        f"or (t.{normalise.sent('postcode')} is not null and pa_postcode(t._pc_key) is null) "
        f"or (t._lat.en is not null or t._lon.en is not null)"
        + (" or t._needs_point" if defer_points else "")
    )
    located = [
        f"t._rule_{i}"
        for i, r in enumerate(rules)
        if r.column in normalise.LOCATION_PROBLEMS + ("latitude", "longitude")
        and "la_code" not in r.columns
    ]
    guard["la_code"] += "".join(f" or {b}" for b in located)
    guard["lsoa_code"] = f"({location})"
    # Values are shown as sent; personal data in them is removed when the problems are written
    # (``_insert_quarantine``), once per problem row rather than once per column here.
    values = {c: f"t.{normalise.sent(c)}" for c in submitted if c not in pc.PERSONAL_COLUMNS}
    normalisation = [
        f"case when ({en}) is not null then struct_pack(rule_name := '{c}.normalise', "
        f"column_name := '{c}', value := {values[c]}, reason := {en}, "
        f"reason_cy := {cy}) end"
        for c, (en, cy) in problems.items()
    ]
    rule_list = row_problems(
        rules, {c: f"({g})" for c, g in guard.items()}, values, lookups.relations
    )
    if file_error is not None:
        en, cy = file_error
        problems_sql = (
            f"[struct_pack(rule_name := {quote_literal(FILE_RULE)}, column_name := '(file)', value := null::varchar, "
            f"reason := {quote_literal(en)}, reason_cy := {quote_literal(cy)})]"
        )
    else:
        problems_sql = (
            "case when t._read_problem is not null then "
            "[struct_pack(rule_name := coalesce(t._read_rule, 'file.row_shape'), column_name := '(row)', "
            "value := rtrim(t._raw, chr(13) || chr(10)), reason := t._read_problem, "
            "reason_cy := t._read_problem_cy)] "
            + "".join(
                f"when t._not_a_row.rule = {quote_literal(rule)} then [struct_pack(rule_name := "
                f"{quote_literal(rule)}, column_name := '(row)', value := t._not_a_row.value, "
                f"reason := replace(replace({quote_literal(en)}, '{{column}}', "
                f"t._not_a_row.col), '{{value}}', t._not_a_row.value), "
                f"reason_cy := replace(replace({quote_literal(cy)}, '{{column}}', "
                f"t._not_a_row.col), '{{value}}', t._not_a_row.value))] "
                for rule, (en, cy) in normalise.NOT_A_ROW.items()
            )
            + f"when {' or '.join(f'({en}) is not null' for en, _ in problems.values())} then "
            f"list_filter([{', '.join(normalisation)}] || {rule_list}, p -> p is not null) "
            f"else list_filter({rule_list}, p -> p is not null) end"
        )
    blank = " and ".join(f"t.{normalise.sent(c)} is null" for c in submitted)
    typed = ", ".join(f"t.{quote_ident(c)}" for c in PASS_COLUMNS)
    return f"""
select t.source_row_number, ({blank}) and t._read_problem is null as _blank, t._needs_point,
       {typed}, t._problems,
       case when len(t._problems) > 0 then
            coalesce(case when t._raw is not null then to_json(struct_pack(row_as_sent := t._raw))::varchar end,
                     {_row_json(submitted)}) end as _row_json
from (select t.*, ({problems_sql})::{PROBLEM_TYPE}[] as _problems
      from (select t.*, {", ".join(row_flags(rules, lookups.relations, only=set(range(len(rules))) - in_dictionaries)) or "true as _none"}
            from ({relation}) t) t) t
"""


def _write_checked(
    con,
    read: reading.FileRead,
    lookups: Lookups,
    is_example: bool,
    file_error=None,
    defer_points: bool | None = None,
    rescan: bool = True,
) -> str:
    prepare(con, read.relation, read.columns, rescan, lookups)
    defer = lookups.polygons is not None if defer_points is None else defer_points
    sql = check_sql(read.relation, read.columns, lookups, is_example, file_error, defer)
    # The lookups are small and the rows many: keep the rows streaming through every join as
    # the probe side (DuckDB's estimate for a CSV would otherwise build hash tables of the rows).
    previous = con.execute(
        "select current_setting('disabled_optimizers'), current_setting('threads')"
    ).fetchone()
    con.execute("set disabled_optimizers = 'join_order,build_side_probe_side'")
    # Each thread compiles the pass's many expressions: for a small file one thread is faster.
    if read.rows_hint is not None and read.rows_hint < SMALL_FILE_ROWS:
        con.execute("set threads = 1")
    try:
        # a temporary table keeps the pass's row order (its rowid numbers the rows of a file read
        # by DuckDB's CSV reader) and spills to disk under the memory limit
        con.execute(f"create or replace temp table {CHECKED_TABLE} as {sql}")
    finally:
        con.execute(f"set disabled_optimizers = {quote_literal(previous[0] or '')}")
        con.execute(f"set threads = {int(previous[1])}")
    return CHECKED_TABLE


def _check(con, read: reading.FileRead, lookups: Lookups, is_example: bool):
    """Run the pass; returns (read, the table of checked rows). Falls back to the exact CSV reader when
    DuckDB's rejected a row or the file is not UTF-8; places coordinate-only rows and runs again
    when there are any."""
    file_error = (read.error, read.error_cy) if read.error else None
    try:
        checked = _write_checked(con, read, lookups, is_example, file_error)
        if read.fast:
            rejected = con.execute(f"select count(*) from {read.rejects_table}").fetchone()[0]
            if rejected:
                read.note(
                    f"DuckDB's CSV reader set aside {rejected} row(s) (ragged or badly quoted): "
                    "the file was read again row by row",
                    f"gosododd darllenydd CSV DuckDB {rejected} rhes o'r neilltu (nifer anghywir o "
                    "werthoedd neu ddyfynodau gwallus): darllenwyd y ffeil eto fesul rhes",
                )
                raise _ReadAgain
    except (_ReadAgain, duckdb.InvalidInputException, duckdb.ConversionException) as exc:
        if not read.fast:
            raise
        notes, notes_cy = read.notes, read.notes_cy
        if not isinstance(exc, _ReadAgain):  # DuckDB's words are for the run log, not a partner
            LOG.info(
                "%s: not read by DuckDB's CSV reader: %s",
                read.path.name,
                normalise.redact_text(exc),  # DuckDB may quote a line of the file
            )
        read = reading.read(read.path, prefer_fast=False)
        read.notes = notes + read.notes
        read.notes_cy = {**notes_cy, **read.notes_cy}
        file_error = (read.error, read.error_cy) if read.error else None
        if read.relation is None:  # a file that cannot be read (its error says why)
            return read, None
        checked = _write_checked(con, read, lookups, is_example, file_error)
    if file_error is None and lookups.polygons is not None:
        points = f"(select latitude, longitude from {checked} where _needs_point)"
        if con.execute(f"select count(*) from {points}").fetchone()[0]:
            place_points(con, points, lookups)
            checked = _write_checked(
                con, read, lookups, is_example, defer_points=False, rescan=False
            )
    return read, checked


class _ReadAgain(Exception):
    """DuckDB's CSV reader rejected rows: read the file again with the exact reader."""


# ---------------------------------------------------------------------------------------------
# loading


def _views(con, checked: str, header_row: int) -> None:
    """``_checked`` (numbered, non-blank rows of the pass) and ``_dups`` (later rows of a key)."""
    key = submission_key_rule(pc.table())
    key_columns = [quote_ident(c) for c in key.columns]
    source = f"(select *, rowid as file_row_number from {checked})"
    # The partner's identity key, once per distinct name (a handful per file).
    con.execute(
        f"""
        create or replace temp table _partner_keys as
        select partner_organisation,
               -- a name holding personal details is quarantined (normalise.VERBATIM_COLUMNS),
               -- and its key is made from the name as quarantine shows it
               pa_partner_key(pa_redact(partner_organisation)) as partner_key
        from (select distinct partner_organisation from {source} where partner_organisation is not null)
        """
    )
    con.execute(
        f"""
        create or replace temp view _checked as
        select c.* exclude (source_row_number, file_row_number), k.partner_key,
               coalesce(c.source_row_number, c.file_row_number + {int(header_row) + 1})::bigint
                   as source_row_number
        from {source} c left join _partner_keys k using (partner_organisation)
        where not c._blank
        """
    )
    not_null = " and ".join(f"{k} is not null" for k in key_columns)
    # a totals row or a repeated header is not an activity, and a row whose values cannot be read
    # apart (a bad quote mark, a ragged row) keeps only its id to be found by: neither takes
    # part in the key (their one problem is filed under '(row)')
    not_a_row = "not coalesce(_problems[1].column_name = '(row)', false)"
    con.execute(
        f"""
        create or replace temp table _dups as
        with keys as (
            select {", ".join(key_columns)}, min(source_row_number) as _first_row
            from _checked where {not_null} and {not_a_row}
            group by all having count(*) > 1
        )
        select c.source_row_number, k._first_row
        from _checked c join keys k using ({", ".join(key_columns)})
        where c.source_row_number > k._first_row and {not_a_row}
        """
    )


def _insert_quarantine(con, name: str, sha256: str, now: datetime) -> None:
    key = submission_key_rule(pc.table())
    as_sent = (
        "[" + ", ".join(quote_literal(c) for c in pc.redaction_columns("as_sent")) + "]::varchar[]"
    )

    def shown(language: str) -> str:
        reason = "p.reason" if language == "en" else "p.reason_cy"
        text = f"pa_shown({reason} || pa_not_known_hint(p.column_name, p.value, '{language}'), '{language}')"
        return f"case when _as_sent then {text} else pa_redact({text}) end"

    raw_json = (
        "to_json(struct_pack("
        + ", ".join(f"{quote_ident(c)} := t.{quote_ident(c)}" for c in PASS_COLUMNS)
        + "))"
    )
    con.execute(
        f"""
        insert into quality.quarantine by name
        select ? as submission_file, ? as submission_sha256, source_row_number,
               pa_redact(partner_organisation) as partner_organisation, partner_key,
               pa_redact(activity_id) as activity_id, p.rule_name, p.column_name,
               -- a column the contract marks redaction: as_sent (the venue postcode) is shown
               -- as sent, also beside the LSOA it contradicts, and so is the reason quoting it;
               -- any other has personal details replaced (a phone number sent in the wrong
               -- column, a note under the data), as have the partner and activity_id
               case when _as_sent then p.value else pa_redact(p.value) end as value,
               {shown("en")} as reason,
               {shown("cy")} as reason_cy,
               _row_json as row_json, ?::timestamptz as quarantined_at, false as is_resolved
        from (select *, list_has_any(string_split(p.column_name, '/'), {as_sent}) as _as_sent
              from (select *, unnest(_problems) as p from _checked where len(_problems) > 0))
        union all
        select ?, ?, t.source_row_number, pa_redact(t.partner_organisation), t.partner_key,
               pa_redact(t.activity_id),
               {quote_literal(key.name)}, {quote_literal("/".join(key.columns))},
               pa_redact(concat_ws(', ', {", ".join(f"t.{quote_ident(c)}::varchar" for c in key.columns)})),
               pa_redact(pa_shown({key.reason_en}, 'en')), pa_redact(pa_shown({key.reason_cy}, 'cy')),
               coalesce(t._row_json, pa_redact({raw_json}::varchar)), ?::timestamptz, false
        from (select c.*, d._first_row from _checked c join _dups d using (source_row_number)) t
        """,
        [name, sha256, now, name, sha256, now],
    )


# When a quarantined row is resolved (the contract's quality.quarantine.is_resolved, one rule for
# every rule a row can fail): a LATER submission, i.e. another file (other content) loaded after
# the one the row came from, had a row accepted with the same partner_key + activity_id. A file
# never resolves its own rows: within one file a key is loaded once (the first row) and a later
# row with that key is set aside (submission.unique_key), so it is still to correct until a
# later file sends the activity again. ($1: now, $2: the sha256 of the file being loaded.)
RESOLVED_SQL = """
update quality.quarantine q
set is_resolved = true, resolved_at = $1, resolved_by_sha256 = $2
from (
    -- only keys with an open quarantine row of another file: no hash of every new key
    select distinct n.partner_key, n.activity_id
    from (select partner_key, activity_id from raw.partnership_activity
          where submission_sha256 = $2) n
    semi join (select partner_key, activity_id from quality.quarantine
               where not is_resolved and submission_sha256 <> $2) o
         using (partner_key, activity_id)
) n
where not q.is_resolved and q.submission_sha256 <> $2
  and q.partner_key = n.partner_key and q.activity_id = n.activity_id
"""


def _insert_accepted(con, name: str, sha256: str, now: datetime) -> tuple[int, int]:
    """Insert accepted rows, supersede earlier current rows with the same key, resolve quarantine.
    Returns (rows accepted, rows that replaced an earlier row)."""
    columns = ", ".join(f"n.{quote_ident(c)}" for c in RAW_COLUMNS)
    con.execute(
        """
        create or replace temp view _new as
        select * from _checked c anti join _dups d using (source_row_number)
        where len(c._problems) = 0
        """
    )
    # The earlier current row each new row replaces (at most one per key by construction).
    con.execute(
        """
        create or replace temp table _replaced as
        select n.partner_key, n.activity_id,
               'replaces the row from ' || o.submission_file || ' (sha256 '
               || left(o.submission_sha256, 12) || '..., row ' || o.source_row_number
               || ') loaded ' || strftime(o.loaded_at, '%Y-%m-%d %H:%M:%S') || ' UTC' as note
        from (select partner_key, activity_id from _new) n
        join raw.partnership_activity o
          on o.partner_key = n.partner_key and o.activity_id = n.activity_id and o.is_current
        """
    )
    superseding = con.execute("select count(*) from _replaced").fetchone()[0]
    if superseding:
        con.execute(
            """
            update raw.partnership_activity o
            set is_current = false, superseded_at = ?
            from _replaced r
            where o.is_current and o.partner_key = r.partner_key and o.activity_id = r.activity_id
            """,
            [now],
        )
    accepted = con.execute(
        f"""
        insert into raw.partnership_activity by name
        select {columns}, ? as submission_file, ? as submission_sha256, n.source_row_number,
               ?::timestamptz as loaded_at, true as is_current,
               null::timestamptz as superseded_at, r.note as supersedes_note
        from _new n
        left join _replaced r on r.partner_key = n.partner_key and r.activity_id = n.activity_id
        """,
        [name, sha256, now],
    ).fetchone()[0]
    # RESOLVED_SQL: only rows set aside from earlier files; this file's own rows stay open.
    con.execute(RESOLVED_SQL, [now, sha256])
    con.execute("drop table if exists _replaced")
    con.execute("drop view if exists _new")
    return accepted, superseding


FILE_DESCRIPTION = ("encoding", "delimiter", "sheet_name", "header_row")  # how it was read
OUTCOME_COLUMNS = (  # the columns of quality.submissions a LoadOutcome field of that name fills
    "rows_submitted",
    "rows_accepted",
    "rows_quarantined",
    "rows_superseding",
    "status",
    "error",
    "error_cy",
    "note",
    "note_cy",
    "is_example_data",
)


def _insert_submission(
    con,
    outcome: LoadOutcome,
    read: reading.FileRead | None,
    archived: Path,
    now: datetime,
    fallback_format: str,
    described: dict | None = None,
) -> None:
    """Write the file's row of ``quality.submissions``; ``described``: the file format and
    ``FILE_DESCRIPTION`` when there is no ``read`` (a duplicate: the earlier file's)."""
    if read is not None:
        described = {
            "file_format": read.file_format,
            "encoding": read.encoding,
            "delimiter": read.delimiter_name,
            "sheet_name": read.sheet_name,
            "header_row": read.header_row,
            "column_names_sent": json.dumps(read.sent_names) if read.sent_names else None,
        }
    described = described or {"file_format": fallback_format}
    values = {
        "submission_file": outcome.file,
        "submission_sha256": outcome.sha256,
        "archived_path": str(archived),
        "received_at": now,
        **{k: described.get(k) for k in ("file_format", *FILE_DESCRIPTION, "column_names_sent")},
        **{k: getattr(outcome, k) for k in OUTCOME_COLUMNS},
    }
    names = ", ".join(f"? as {quote_ident(k)}" for k in values)
    con.execute(f"insert into quality.submissions by name select {names}", list(values.values()))


def _note(read: reading.FileRead, welsh: bool = False) -> str | None:
    """The notes on how the file was read, in English, or in Welsh: the reader's Welsh text
    (``read.notes_cy``) where it wrote one, else ``feedback.note_in`` (which marks a note it has
    no Welsh for '(yn Saesneg)')."""
    notes = list(read.notes)
    if read.ignored_columns:
        notes.append(f"columns not in the contract, not loaded: {', '.join(read.ignored_columns)}")
    if read.encoding and read.encoding not in ("utf-8", "utf-8+cp1252"):  # the second: noted
        notes.append(f"decoded as {read.encoding}")
    if read.delimiter and read.delimiter != ",":
        notes.append(f"values separated by {read.delimiter_name}")
    if welsh:
        notes = [read.notes_cy.get(n) or note_in("cy", n) for n in notes]
    return "; ".join(notes) or None


def load_submission(
    con: duckdb.DuckDBPyConnection,
    path: Path,
    lookups: Lookups,
    archive_dir: Path,
    is_example_data: bool = False,
    now: datetime | None = None,
    name: str | None = None,
    feedback_dir: Path | None = None,
    prefer_fast: bool = True,
) -> LoadOutcome:
    """Validate one file and load it (see the module docstring). Idempotent on the file's sha256
    and name; the same content under another name is recorded as a ``duplicate``, loading nothing.

    Args:
        con: open warehouse connection (tables are created if missing).
        path: the submitted file.
        lookups: the geography lookups on ``con`` (``lookups.create_lookups``).
        archive_dir: archive root (``WELLBEING_ARCHIVE_DIR``).
        is_example_data: mark every row as example data (files from the example inbox).
        now: load time (UTC); defaults to the current time.
        name: the name recorded for the file (default its file name; the inbox gives its path
            below the inbox for files in sub-folders).
        feedback_dir: where to write the partner's feedback report (``None``: no report).
        prefer_fast: let DuckDB's CSV reader read large UTF-8 files (same outcome, faster).

    Returns:
        ``LoadOutcome``; ``skipped`` is true when the same file (content and name) was recorded
        before; status ``duplicate`` when its content was received before under another name.
    """
    ensure_tables(con)
    path = Path(path)
    name = name or path.name
    sha256 = sha256_of(path)
    if (status := recorded_status(con, sha256, name)) is not None:
        return LoadOutcome(name, sha256, "already_loaded", skipped=True, skipped_status=status)
    now = now or datetime.now(UTC)
    earlier = original_submission(con, sha256)
    if earlier is not None:
        outcome = record_duplicate(con, name, sha256, earlier, now, is_example_data)
        apply_comments(con, pc.SUBMISSIONS_TABLE)
    else:
        outcome = _load(
            con, path, name, sha256, lookups, archive_dir, is_example_data, now, prefer_fast
        )
    if feedback_dir is not None:
        outcome.feedback = write_reports(con, sha256, Path(feedback_dir), name)
    return outcome


def _load(con, path, name, sha256, lookups, archive_dir, is_example_data, now, prefer_fast):
    """Read, check and load a file whose content is new (``load_submission``)."""
    archived = archive_file(path, sha256, archive_dir)
    folder = Path(tempfile.mkdtemp(prefix="partner-load-"))
    read = reading.read(path, prefer_fast=prefer_fast)
    outcome = LoadOutcome(name, sha256, "loaded", is_example_data=is_example_data)
    try:
        checked = None
        if read.relation is not None:
            read, checked = _check(con, read, lookups, is_example_data)
        # the file's error and notes may quote what it holds (a cell, a column or sheet name):
        # personal details removed before they are logged or stored (normalise.redact_text)
        outcome.error, outcome.error_cy, outcome.note, outcome.note_cy = (
            normalise.redact_text(text)
            for text in (read.error, read.error_cy, _note(read), _note(read, welsh=True))
        )
        try:
            with transaction(con):
                if checked is not None:
                    _views(con, checked, read.header_row or 0)
                    outcome.rows_submitted = con.execute(
                        "select count(*) from _checked"
                    ).fetchone()[0]
                    _insert_quarantine(con, name, sha256, now)
                    outcome.rows_quarantined = con.execute(
                        "select count(distinct source_row_number) from quality.quarantine "
                        "where submission_sha256 = ? and submission_file = ?",
                        [sha256, name],
                    ).fetchone()[0]
                    if read.error is None:
                        outcome.rows_accepted, outcome.rows_superseding = _insert_accepted(
                            con, name, sha256, now
                        )
                if read.error:
                    outcome.status = "rejected"
                elif outcome.rows_quarantined:
                    outcome.status = "loaded_with_quarantine"
                _insert_submission(con, outcome, read, archived, now, path.suffix.lstrip("."))
        finally:
            con.execute("drop view if exists _checked")
            for table in ("_dups", "_partner_keys", CHECKED_TABLE):
                con.execute(f"drop table if exists {table}")
        # after the load's commit: comments are written in a transaction of their own
        for table in TABLES:
            apply_comments(con, table)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
        if read.temp_dir:
            shutil.rmtree(read.temp_dir, ignore_errors=True)
    return outcome


def record_failure(
    con: duckdb.DuckDBPyConnection,
    path: Path,
    archive_dir: Path,
    name: str,
    exc: BaseException,
    is_example_data: bool = False,
) -> LoadOutcome:
    """Record a file the loader itself failed on as ``rejected`` (so the rest of the inbox still
    loads and the file is not retried forever); the error names the failure. Content received
    before under another name is recorded as its ``duplicate`` instead."""
    ensure_tables(con)
    try:
        sha256 = sha256_of(path)
    except OSError as error:
        sha256 = "unreadable:" + str(abs(hash((str(path), str(error)))))
    if recorded_status(con, sha256, name) is not None:
        return LoadOutcome(name, sha256, "already_loaded", skipped=True)
    if (earlier := original_submission(con, sha256)) is not None:
        return record_duplicate(con, name, sha256, earlier, datetime.now(UTC), is_example_data)
    try:
        archived = archive_file(path, sha256, archive_dir)
    except OSError:
        archived = path
    message = normalise.redact_text(str(exc).splitlines()[0] if str(exc) else "")[:300]
    outcome = LoadOutcome(
        name,
        sha256,
        "rejected",
        error=(
            f"the pipeline could not load this file ({type(exc).__name__}: {message}). The file is "
            "archived; tell the data team, who can see the full error in the run log."
        ),
        error_cy=(
            "nid oedd modd i'r system lwytho'r ffeil hon. Mae'r ffeil wedi'i harchifo; rhowch "
            "wybod i'r tîm data, sy'n gallu gweld y gwall llawn yng nghofnod y rhediad."
        ),
        is_example_data=is_example_data,
    )
    _insert_submission(con, outcome, None, archived, datetime.now(UTC), path.suffix.lstrip("."))
    return outcome
