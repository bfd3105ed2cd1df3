"""Refreshes that redo only what changed: fingerprints, the plan, and the end-of-run summary.

Every asset's **fingerprint** is the SHA-256 of what it is built from:

- a catalogue source (``raw.<key>``): the checksum of the file the loader would read (mirror
  or download cache; fetched first if it is not there yet);
- the partner submissions (``raw/partnership_activity`` and the tables it writes): the name and
  checksum of every file in ``WELLBEING_PARTNER_INBOX`` (or "example data");
- a SQL model: its SQL text;
- its data contract (a changed rule re-checks the table);
- the pipeline code (``pipelines/``; ``dashboards/`` for the site);
- the fingerprints of all its inputs, so a change flows downstream.

``make run`` (``pipelines.run``) records the fingerprint of each asset it built in
``quality.asset_fingerprints``. The next run rebuilds an asset only when its fingerprint differs
from the recorded one or its output is missing (table, published file, site, boundary files),
together with everything downstream of it: with no source changed it does nothing past the
checksums. A table whose build was refused (a failed check upstream) keeps its old
fingerprint, so the next run tries again and says why it is still refused.

The warehouse, not Dagster's instance, holds the fingerprints: they describe the data they sit
beside, and stay right if ``DAGSTER_HOME`` is reset or the warehouse is copied.
"""

import hashlib
import json
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import dagster as dg
import duckdb

from pipelines.catalogue import SourceUnavailableError, fetch, load_catalogue
from pipelines.contracts import apply_comments, contract_for, create_table_sql
from pipelines.operations import keys
from pipelines.settings import PROJECT_ROOT, setting, setting_path
from pipelines.warehouse import columns_of, table_exists
from pipelines.wording import counted, some_of

FINGERPRINTS_TABLE = "quality.asset_fingerprints"
UNAVAILABLE = "unavailable: "  # a source checksum that is the reason the file cannot be read
SITE_KEY = dg.AssetKey(["dashboard", "site"])
MIRROR_HINT = (  # when source files cannot be read and no mirror is set: the plan and the summary
    "WELLBEING_SOURCE_MIRROR is not set, so every source file is downloaded from its "
    "official URL. Without a connection, point it at a folder of the files laid out like "
    "../shared/data, e.g. WELLBEING_SOURCE_MIRROR=../shared/data make run (and set the "
    "same on every later run and --plan; README: Getting the data)."
)


INTERRUPTED = "interrupted (Ctrl-C): nothing was published; type make run again to finish"


def mirror_missing_hint(mirror: str) -> str:
    """What to do when source files are not in the mirror folder that IS set (the summary)."""
    return (
        f"WELLBEING_SOURCE_MIRROR is {mirror}: those files are not in that folder. Point it at a "
        "folder laid out like ../shared/data, run `make mirror MIRROR_DIR=<folder>` to download "
        "every source into one, or unset it to download from the official URLs (each file's "
        "path and URL: the complete log, below)."
    )


def _digest(value) -> str:
    return hashlib.sha256(json.dumps(value, sort_keys=True, default=str).encode()).hexdigest()


def code_fingerprint(folder: Path) -> str:
    """SHA-256 of every source file under ``folder`` (Python, YAML, CSV, templates), by path."""
    digest = hashlib.sha256()
    for path in sorted(folder.rglob("*")):
        if path.is_file() and "__pycache__" not in path.parts and path.suffix != ".pyc":
            digest.update(str(path.relative_to(folder)).encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()


def source_checksum(key: str) -> str | None:
    """Checksum of the file catalogue source ``key`` would be read from (``None``: unavailable)."""
    try:
        return fetch(key).sha256
    except (SourceUnavailableError, OSError, ValueError) as exc:
        return f"{UNAVAILABLE}{exc}"


def inbox_files() -> list | str:
    """The partner inbox's submission files (``InboxFile``), or why there are none to read
    (``"example data"``: no inbox set; ``"missing inbox ..."``)."""
    from pipelines.operations.inbox import InboxCursor, scan_inbox

    inbox = setting_path("WELLBEING_PARTNER_INBOX")
    if inbox is None:
        return "example data"
    if not inbox.is_dir():
        return f"missing inbox {inbox}"
    return scan_inbox(inbox, InboxCursor.parse(None))


def inbox_state(files: list | str) -> object:
    """What partner ingestion reads (its fingerprint): every submission file's name and checksum,
    or example data."""
    return files if isinstance(files, str) else [(f.path.name, f.sha256) for f in files]


def new_partner_files(con: duckdb.DuckDBPyConnection | None, files: list | str) -> list[str]:
    """The inbox files not yet in ``quality.submissions`` under their name with their content:
    what the next run will load (new or changed files, or copies under a new name)."""
    if isinstance(files, str):
        return []
    received: set[tuple[str, str]] = set()
    if con is not None and table_exists(con, "quality.submissions"):
        received = set(
            con.execute(
                "select submission_file, submission_sha256 from quality.submissions"
            ).fetchall()
        )
    return [f.name for f in files if (f.name, f.sha256) not in received]


@dataclass
class Plan:
    """What a run has to do.

    Attributes:
        fingerprints: current fingerprint of every planned-over asset (user string -> sha256).
        source_checksums: current checksum of each catalogue source's file (asset -> sha256).
        stale: assets whose fingerprint changed or whose output is missing, with the reason.
        selection: the stale assets and everything downstream (what the run materialises).
        sources_checked: number of source files whose checksum was computed.
        changed_sources: catalogue sources whose checksum differs from the recorded build.
        last_run: whether an earlier ``make run`` recorded fingerprints in this warehouse.
        unreadable: the sources (``raw/<key>``) whose file cannot be read, so whose step would fail.
        blocked: the other selected assets downstream of those (they would not run).
        same_step: selected assets made in the step of an out-of-date one (a multi-asset).
        arrived: the new or changed partner inbox files this run is to read (by name).
    """

    fingerprints: dict[str, str]
    source_checksums: dict[str, str]
    stale: dict[str, str]
    selection: list[dg.AssetKey]
    sources_checked: int = 0
    changed_sources: list[str] = field(default_factory=list)
    last_run: bool = False
    unreadable: list[str] = field(default_factory=list)
    blocked: list[str] = field(default_factory=list)
    same_step: set[str] = field(default_factory=set)
    arrived: list[str] = field(default_factory=list)

    def header(self, total: int, seconds: float, waited: float = 0.0) -> str:
        """The first line of ``make run`` and ``--plan``: sources checked (in ``seconds``, after
        ``waited`` seconds for another run's writer lock, said apart), changed and unreadable,
        and how many assets are out of date and will be built."""
        since = (
            f"changed since the last run: {', '.join(self.changed_sources) or 'none'}"
            if self.last_run
            else "first run on this warehouse (no earlier make run recorded): building everything"
        )
        if self.unreadable:
            since += f"; {len(self.unreadable)} cannot be read ({some_of(self.unreadable)})"
        after = f" (after waiting {waited:.0f} s for another run to finish)" if waited >= 1 else ""
        line = (
            f"Checked {counted(self.sources_checked, 'source file')} in {seconds:.1f} s{after}; "
            f"{since}. {len(self.stale)} of {counted(total, 'asset')} out of date"
        )
        if self.unreadable:
            they = "it is" if len(self.stale) == 1 else "they are"
            line += f", because a source file {they} built from cannot be read"
        extra = [k.to_user_string() for k in self.selection if k.to_user_string() not in self.stale]
        same = [k for k in extra if k in self.same_step]
        if same:  # the other outputs of an out-of-date asset's multi-asset step
            line += f"; {len(same)} more made in the same step: {', '.join(same)}"
        downstream = [k for k in extra if k not in self.same_step]
        if downstream:  # they depend on the out-of-date ones, so are rebuilt after them
            line += (
                f"; {len(downstream)} more {'depends' if len(downstream) == 1 else 'depend'} on "
                f"{'it' if len(self.stale) == 1 else 'them'} and "
                f"{'is' if len(downstream) == 1 else 'are'} rebuilt too: {', '.join(downstream)}"
            )
        return line + "."

    def would_fail(self) -> str:
        """What ``--plan`` says at the end when source files cannot be read ('' when all can)."""
        if not self.unreadable:
            return ""
        hint = "" if setting("WELLBEING_SOURCE_MIRROR") else f"\n{MIRROR_HINT}"
        one = len(self.unreadable) == 1
        them = "it" if one else "them"
        waiting = len(self.blocked)
        dependents = (
            f"no other step depends on {them}"
            if not waiting
            else f"the {counted(waiting, 'step')} that {'depends' if waiting == 1 else 'depend'} "
            f"on {them} would not run"
        )
        return (
            f"{'This step' if one else 'These steps'} would fail because "
            f"{'its' if one else 'their'} source file cannot be read: "
            f"{', '.join(self.unreadable)}; {dependents}, and the published file would be left "
            f"as it was.{hint}"
        )


def recorded_fingerprints(
    con: duckdb.DuckDBPyConnection | None,
) -> dict[str, tuple[str, str | None]]:
    """``asset key -> (fingerprint, source checksum)`` as recorded by the last builds."""
    if con is None or not table_exists(con, FINGERPRINTS_TABLE):
        return {}
    columns = {c for c, _, _ in columns_of(con, FINGERPRINTS_TABLE)}
    source = "source_sha256" if "source_sha256" in columns else "null"
    rows = con.execute(f"select asset_key, fingerprint, {source} from {FINGERPRINTS_TABLE}")
    return {key: (fp, sha) for key, fp, sha in rows.fetchall()}


def lineage_tables(con: duckdb.DuckDBPyConnection | None) -> set[str]:
    """The raw tables with a ``source_sha256`` lineage column (one catalogue query)."""
    if con is None:
        return set()
    return {
        f"{schema}.{name}"
        for schema, name in con.execute(
            "select schema_name, table_name from duckdb_columns() "
            "where database_name = current_database() and schema_name = 'raw' "
            "and column_name = 'source_sha256'"
        ).fetchall()
    }


def held_checksums(con: duckdb.DuckDBPyConnection | None, table: str, tables: set[str]) -> set[str]:
    """The source file checksums the raw table holds now (its ``source_sha256`` lineage
    column): what the warehouse really holds, whichever run (make run, the UI, the Dagster CLI)
    loaded it last. Empty when the table or the column is not there (``tables``: the tables
    with the column, ``lineage_tables``)."""
    if con is None or table not in tables:
        return set()
    from pipelines.sqltext import quote_ident

    schema, name = table.split(".")
    return {
        row[0]
        for row in con.execute(
            f"select distinct source_sha256 from {quote_ident(schema)}.{quote_ident(name)} "
            "where source_sha256 is not null"
        ).fetchall()
    }


def failed_checks(con: duckdb.DuckDBPyConnection | None, tables: set[str]) -> dict[str, str]:
    """``asset key -> why`` for every table whose latest contract check failed an error rule
    (and no analyst accepted it) in a run other than the make run that recorded its
    fingerprint (the UI, the Dagster CLI, a sensor): built again so the next run checks it
    afresh (a fixed source then passes) instead of refusing everything downstream. A failure
    make run saw itself is not retried while nothing changed (it says why it refuses)."""
    if con is None or not table_exists(con, FINGERPRINTS_TABLE):
        return {}
    from pipelines.quality.gate import latest_failures

    built_by = dict(con.execute(f"select asset_key, run_id from {FINGERPRINTS_TABLE}").fetchall())
    out = {}
    for failure in latest_failures(con, sorted(tables)):
        key = failure.table.replace(".", "/", 1)
        if failure.run_id and failure.run_id != built_by.get(key):
            out[key] = (
                f"its latest check {failure.check_name} failed ({some_of(list(failure.rules))}) "
                f"in run {failure.run_id[:8]}, not the make run that built it"
            )
    return out


def _output_missing(key: dg.AssetKey, node, tables: set[str]) -> str | None:
    """Why the asset's output is not there, or ``None``."""
    from pipelines.boundaries.assets import boundaries_dir
    from pipelines.operations.publish import published_file
    from pipelines.partnership_activity.assets import staged_template

    if key == keys.TEMPLATE_KEY:  # a file staged for the publish, not a table
        template = staged_template()
        return None if template.exists() else f"{template} is missing"
    if key == keys.PUBLISHED_KEY:
        publish_dir = setting_path("WELLBEING_PUBLISH_DIR")
        for target in (published_file(publish_dir), publish_dir / keys.TEMPLATE_FILE):
            if not target.exists():
                return f"{target} is missing"
        return None
    if key == SITE_KEY:
        index = setting_path("WELLBEING_DASHBOARD_DIR") / "index.html"
        return None if index.exists() else f"{index} is missing"
    if len(key.path) == 2:
        table = f"{key.path[0]}.{key.path[1]}"
        if table not in tables:
            return f"table {table} is missing"
        if node.group_name == "boundaries":
            geoparquet = boundaries_dir() / f"{key.path[1]}.parquet"
            if not geoparquet.exists():
                return f"{geoparquet} is missing"
    return None


INPUT_CHANGED = "an input, its SQL, its contract or the pipeline code changed"


def stale_causes(asset_graph, key: dg.AssetKey, stale: dict[str, str]) -> list[str]:
    """The out-of-date assets upstream of ``key`` where a change starts: out of date for a reason
    of their own (a source file changed, an output is missing...), or for their own SQL, contract
    or code (no out-of-date input): what the plan names as why ``key`` is rebuilt (``[]``: no
    input is out of date, so its own SQL, contract or code, or an input a refused build had not
    seen yet)."""
    found: set[str] = set()
    todo, seen = list(asset_graph.get(key).parent_keys), set()
    while todo:
        parent = todo.pop()
        name = parent.to_user_string()
        if parent in seen or name not in stale:
            continue
        seen.add(parent)
        above = [p for p in asset_graph.get(parent).parent_keys if p.to_user_string() in stale]
        if stale[name] == INPUT_CHANGED and above:
            todo.extend(above)
        else:
            found.add(name)
    return sorted(found)


def plan_refresh(
    asset_graph, selectable: set[dg.AssetKey], con: duckdb.DuckDBPyConnection | None
) -> Plan:
    """Compute every asset's fingerprint and what must be rebuilt.

    Args:
        asset_graph: the code location's asset graph (``defs.resolve_asset_graph()``).
        selectable: the assets a whole run may materialise (``whole_run_selection``).
        con: a read-only connection to the warehouse (``None``: it does not exist yet).
    """
    catalogue = load_catalogue()
    pipeline_code = code_fingerprint(PROJECT_ROOT / "pipelines")
    dashboard_code = code_fingerprint(PROJECT_ROOT / "dashboards")
    partner_keys = set()
    if asset_graph.has(keys.PARTNER_KEY):
        partner_keys = set(asset_graph.get(keys.PARTNER_KEY).assets_def.keys)
    partner_files = inbox_files() if partner_keys else []
    inbox = inbox_state(partner_files) if partner_keys else None
    arrived = new_partner_files(con, partner_files)
    recorded = recorded_fingerprints(con)
    tables = (
        {
            f"{s}.{t}"
            for s, t in con.execute(
                "select schema_name, table_name from duckdb_tables() "
                "where database_name = current_database()"
            ).fetchall()
        }
        if con is not None
        else set()
    )
    fingerprints: dict[dg.AssetKey, str] = {}
    sources: dict[str, str | None] = {}
    unreadable: dict[dg.AssetKey, set[str]] = {}  # asset -> the unreadable sources it is built from

    def fingerprint(key: dg.AssetKey) -> str:
        if key in fingerprints:
            return fingerprints[key]
        node = asset_graph.get(key) if asset_graph.has(key) else None
        parts: dict[str, object] = {"key": key.to_user_string()}
        if node is not None:
            metadata = node.metadata or {}
            if "sql_file" in metadata:
                parts["sql"] = (PROJECT_ROOT / str(metadata["sql_file"])).read_text("utf-8")
            name = key.path[-1]
            if key.path[0] == "raw" and name in catalogue:
                sources.setdefault(name, source_checksum(name))
                parts["source"] = sources[name]
            if key in partner_keys:
                parts["inbox"] = inbox
            if len(key.path) == 2:
                parts["contract"] = contract_for(f"{key.path[0]}.{key.path[1]}")
            parts["code"] = dashboard_code if key == SITE_KEY else pipeline_code
            if key == SITE_KEY:
                parts["pipeline_code"] = pipeline_code
            parts["inputs"] = {
                parent.to_user_string(): fingerprint(parent)
                for parent in sorted(node.parent_keys, key=lambda k: k.to_user_string())
            }
            unreadable[key] = set().union(*(unreadable[p] for p in node.parent_keys))
            if str(parts.get("source", "")).startswith(UNAVAILABLE):
                unreadable[key] = {key.to_user_string()}
        fingerprints[key] = _digest(parts)
        return fingerprints[key]

    stale: dict[str, str] = {}
    changed: list[str] = []
    with_lineage = lineage_tables(con)
    checks_failed = failed_checks(
        con, {f"{k.path[0]}.{k.path[1]}" for k in selectable if len(k.path) == 2} & tables
    )
    for key in sorted(selectable, key=lambda k: k.to_user_string()):
        name = key.to_user_string()
        current = fingerprint(key)
        before, before_source = recorded.get(name, (None, None))
        source = sources.get(key.path[-1]) if key.path[0] == "raw" else None
        unavailable = source is not None and source.startswith(UNAVAILABLE)
        source_changed = not unavailable and before_source not in (None, source)
        if source_changed:
            changed.append(key.path[-1])
        missing = _output_missing(key, asset_graph.get(key), tables)
        held = (
            held_checksums(con, f"raw.{key.path[-1]}", with_lineage)
            if source is not None and not unavailable and not missing
            else set()
        )
        # The table holds neither the file make run loaded last nor the one there now: another
        # run (the UI, the Dagster CLI) loaded it. Holding make run's file is a plain change.
        outside = bool(held) and held != {source} and held != {before_source}
        if held and held != {source}:
            source_changed = True
            if key.path[-1] not in changed:
                changed.append(key.path[-1])
        if unavailable:  # the whole reason: which file, why, and what to do
            why = f"its source file cannot be read: {source.removeprefix(UNAVAILABLE)}"
            stale[name] = f"{missing}, and {why}" if missing else why
        elif missing:
            stale[name] = missing
        elif before is None:
            stale[name] = "not built by make run before"
        elif outside:
            stale[name] = (
                f"raw.{key.path[-1]} holds another file (sha256 {some_of(sorted(h[:12] + '…' for h in held))}) "
                f"than the source file now (sha256 {str(source)[:12]}…)"
                + (
                    ", loaded by a run outside make run (the Dagster UI or CLI)"
                    * bool(before_source)
                )
            )
        elif source_changed:
            stale[name] = (
                f"its source file changed since the last make run (sha256 "
                f"{str(before_source)[:12]}… then, {str(source)[:12]}… now)"
            )
        elif name in checks_failed:
            stale[name] = checks_failed[name]
        elif before != current and unreadable.get(key):
            stale[name] = (
                f"an upstream source file cannot be read: {some_of(sorted(unreadable[key]))}"
            )
        elif before != current and key in partner_keys and arrived:
            stale[name] = f"the partner inbox has {counted(len(arrived), 'new file')}: " + some_of(
                arrived
            )
        elif before != current:
            stale[name] = INPUT_CHANGED
    causes = {  # name the changes upstream that make each of these stale, where there are any
        name: stale_causes(asset_graph, dg.AssetKey.from_user_string(name), stale)
        for name, why in stale.items()
        if why == INPUT_CHANGED
    }
    for name, upstream in causes.items():
        if upstream:
            change = "changes" if len(upstream) == 1 else "change"
            stale[name] = f"rebuilt because {some_of(upstream)} {change}"
    selection: list[dg.AssetKey] = []
    if stale:
        stale_keys = [dg.AssetKey.from_user_string(s) for s in stale]
        downstream = (
            dg.AssetSelection.assets(*stale_keys).downstream().required_multi_asset_neighbors()
        )
        selection = sorted(
            downstream.resolve(asset_graph) & selectable, key=lambda k: k.to_user_string()
        )
    same_step = {
        key.to_user_string()
        for name in stale
        for key in asset_graph.get(dg.AssetKey.from_user_string(name)).assets_def.keys
        if key.to_user_string() not in stale
    }
    partner_stale = any(k.to_user_string() in stale for k in partner_keys)
    return Plan(
        same_step=same_step,
        arrived=arrived if partner_stale else [],
        fingerprints={k.to_user_string(): v for k, v in fingerprints.items() if k in selectable},
        source_checksums={
            f"raw/{name}": sha
            for name, sha in sources.items()
            if sha and not sha.startswith(UNAVAILABLE)
        },
        stale=stale,
        selection=selection,
        sources_checked=len(sources),
        changed_sources=sorted(changed)
        + (
            [f"partner inbox ({counted(len(arrived), 'new file')})"]
            if arrived and partner_stale
            else []
        ),
        last_run=bool(recorded),
        unreadable=[k for k in stale if unreadable.get(dg.AssetKey.from_user_string(k)) == {k}],
        blocked=[
            k.to_user_string()
            for k in selection
            if unreadable.get(k) and unreadable[k] != {k.to_user_string()}
        ],
    )


def whole_run_job() -> dg.JobDefinition:
    """The job ``make run`` executes (``whole_refresh``: every unpartitioned asset), for
    ``dg.reconstructable(whole_run_job)`` so the parallel executors on DuckLake can rebuild it in
    their step processes; ``make run`` passes the out-of-date selection."""
    from pipelines.definitions import defs
    from pipelines.operations.jobs import WHOLE_REFRESH_JOB

    return defs.resolve_job_def(WHOLE_REFRESH_JOB)


def built_assets(instance: dg.DagsterInstance, run_id: str) -> set[str]:
    """The assets a run materialised, from its event log (whatever process ran the steps)."""
    return {
        entry.dagster_event.event_specific_data.materialization.asset_key.to_user_string()
        for entry in instance.all_logs(run_id, of_type=dg.DagsterEventType.ASSET_MATERIALIZATION)
    }


def record_fingerprints(
    con: duckdb.DuckDBPyConnection, plan: "Plan", built: set[str], run_id: str
) -> None:
    """Upsert the fingerprints (and source checksums) of the assets a run built."""
    con.execute("create schema if not exists quality")
    con.execute(create_table_sql(FINGERPRINTS_TABLE))
    # a warehouse from before source_sha256 was recorded
    con.execute(f"alter table {FINGERPRINTS_TABLE} add column if not exists source_sha256 varchar")
    apply_comments(con, FINGERPRINTS_TABLE)
    rows = [
        [key, plan.fingerprints[key], plan.source_checksums.get(key)]
        for key in sorted(built)
        if key in plan.fingerprints
    ]
    if not rows:
        return
    from pipelines.warehouse import transaction

    now = datetime.now(UTC)
    with transaction(con):  # one commit (one DuckLake snapshot), not one per row
        con.executemany(
            f"delete from {FINGERPRINTS_TABLE} where asset_key = ?", [[r[0]] for r in rows]
        )
        con.executemany(
            f"insert into {FINGERPRINTS_TABLE} "
            "(asset_key, fingerprint, source_sha256, materialized_at, run_id) "
            "values (?, ?, ?, ?, ?)",
            [[key, fp, sha, now, run_id] for key, fp, sha in rows],
        )


# ---------------------------------------------------------------------------------------------
# The end-of-run summary


@dataclass
class StepLine:
    asset: str
    status: str
    seconds: float
    rows: int | None
    checks: str
    reason: str = ""  # why a failed step failed: its error's first sentence
    error: str = ""  # that error's class, e.g. SourceUnavailableError


def user_error(error) -> tuple[str, str]:
    """``(class name, message)`` of the error our code raised, from a Dagster event's error
    (``SerializableErrorInfo``) under Dagster's wrappers; the message loses its
    ``package.module.Error: `` (or ``Error: ``) prefix."""
    while error.cause is not None and error.cls_name.startswith("Dagster"):
        error = error.cause
    head, _, rest = error.message.strip().partition(": ")
    return error.cls_name, rest if rest and head.rsplit(".", 1)[-1] == error.cls_name else (
        error.message
    )


def first_sentence(text: str) -> str:
    """The first sentence of an error message, without its asides in parentheses (`` (…)``;
    a parenthesis inside a word, as in a URL, stays): one line for the summary."""
    out, depth = [], 0
    for char in " ".join(text.split()):
        if depth:
            depth += {"(": 1, ")": -1}.get(char, 0)
        elif char == "(" and out and out[-1] == " ":
            out.pop()
            depth = 1
        else:
            out.append(char)
    short = "".join(out)
    end = short.find(". ")
    return short[: end + 1] if end >= 0 else short


def run_summary(instance: dg.DagsterInstance, run_id: str) -> list[StepLine]:
    """One line per asset of the run: status, time (asset step plus its check steps), rows,
    checks passed / failed, from the run's event log."""
    starts: dict[str, float] = {}
    ends: dict[str, float] = {}
    status: dict[str, str] = {}
    step_assets: dict[str, str] = {}
    rows: dict[str, int] = {}
    checks: dict[str, list[str]] = {}
    refused: set[str] = set()
    errors: dict[str, tuple[str, str]] = {}
    check_reasons: dict[str, str] = {}  # asset -> its failed contract check's rules, one line
    order: list[str] = []
    for entry in instance.all_logs(run_id):
        event = entry.dagster_event
        if event is None or event.step_key is None:
            continue
        step = event.step_key
        kind = event.event_type
        if kind == dg.DagsterEventType.STEP_START:
            starts[step] = entry.timestamp
        elif kind in (dg.DagsterEventType.STEP_SUCCESS, dg.DagsterEventType.STEP_FAILURE):
            ends[step] = entry.timestamp
            if kind == dg.DagsterEventType.STEP_FAILURE:
                status[step] = "failed"
                error = event.step_failure_data
                if error and error.error:
                    errors[step] = user_error(error.error)
                if (
                    error
                    and error.user_failure_data
                    and "was not rebuilt" in (error.user_failure_data.description or "")
                ):
                    refused.add(step)
            else:
                status.setdefault(step, "built")
        elif kind == dg.DagsterEventType.STEP_SKIPPED:
            status[step] = "skipped"
        elif kind == dg.DagsterEventType.ASSET_MATERIALIZATION:
            materialization = event.event_specific_data.materialization
            name = materialization.asset_key.to_user_string()
            step_assets.setdefault(step, name)
            if name not in order:
                order.append(name)
            count = materialization.metadata.get("dagster/row_count")
            if count is not None:
                rows[name] = int(count.value)
        elif kind == dg.DagsterEventType.ASSET_CHECK_EVALUATION:
            evaluation = event.event_specific_data
            name = evaluation.asset_key.to_user_string()
            verdict = (
                "passed"
                if evaluation.passed
                else ("FAILED" if evaluation.severity == dg.AssetCheckSeverity.ERROR else "warning")
            )
            checks.setdefault(name, []).append(verdict)
            step_assets.setdefault(step, name)
            if verdict == "FAILED":
                check_reasons[name] = check_failure_line(
                    evaluation.check_name, evaluation.description or ""
                )
    # Steps with no materialisation (skipped, failed): name them after their step key.
    lines: dict[str, StepLine] = {}
    for step in starts.keys() | status.keys():
        asset = step_assets.get(step) or step.replace("__", "/", 1)
        seconds = max(0.0, ends.get(step, starts.get(step, 0.0)) - starts.get(step, 0.0))
        line = lines.get(asset)
        state = "refused" if step in refused else status.get(step, "?")
        if line is None:
            cls, message = errors.get(step, ("", ""))
            reason = first_sentence(message) if state == "failed" else ""
            if cls == "DagsterExecutionInterruptedError":
                reason = INTERRUPTED
            lines[asset] = StepLine(asset, state, seconds, rows.get(asset), "", reason, cls)
            if asset not in order:
                order.append(asset)
        else:
            line.seconds += seconds
            if state in ("failed", "refused") or line.status == "skipped":
                line.status = state if line.status == "built" else line.status
    for asset, reason in check_reasons.items():
        if asset in lines:  # the rules that failed, not "1 blocking asset check failed"
            lines[asset].reason = reason
    for asset, verdicts in checks.items():
        if asset in lines:
            counted = {v: verdicts.count(v) for v in dict.fromkeys(verdicts)}
            lines[asset].checks = ", ".join(f"{n} {v}" for v, n in counted.items())
    return [lines[a] for a in order if a in lines]


def check_failure_line(check_name: str, description: str, most: int = 3) -> str:
    """One line for a failed contract check from its description (``Validation.summary``): the
    source drift and the failed error rules, e.g. ``contract_loneliness_index failed:
    lsoa21cd.complete: ...: missing 2 of 1917 LSOAs (e.g. W01002039)``."""
    found = [
        line.removeprefix("ERROR: ").removeprefix("Source drift: ").rstrip(".")
        for line in description.splitlines()
        if line.startswith(("ERROR: ", "Source drift: "))
    ]
    if not found:
        return f"{check_name} failed: {first_sentence(description)}"
    more = f"; and {len(found) - most} more" if len(found) > most else ""
    return f"{check_name} failed: {'; '.join(found[:most])}{more}"


def format_summary(lines: list[StepLine]) -> str:
    """The table ``make run`` prints at the end, then why each failed step failed (one line each;
    steps that failed alike, e.g. every download with no connection, share one)."""
    width = max([len(line.asset) for line in lines] + [5])
    out = [f"{'asset':<{width}}  {'status':<8} {'time':>8} {'rows':>10}  checks"]
    for line in lines:
        rows = f"{line.rows:,}" if line.rows is not None else "-"
        out.append(
            f"{line.asset:<{width}}  {line.status:<8} {line.seconds:>7.1f}s {rows:>10}  "
            f"{line.checks or '-'}"
        )
    failed = sorted((line for line in lines if line.reason), key=lambda line: line.asset)
    alike: dict[str, list[StepLine]] = {}  # the same but for names, URLs and paths: said once
    for line in failed:
        shape = re.sub(r"https?://\S+|'[^']*'|(?<![\w.])/[^\s,]+(, /[^\s,]+)*", "…", line.reason)
        alike.setdefault(shape, []).append(line)
    if failed:
        out.append("\nWhy steps failed:")
    for first, *more in alike.values():
        out.append(f"  {first.asset}: {first.reason}")
        if more:
            out.append(f"    and so {len(more)} more: {', '.join(line.asset for line in more)}")
    if any(line.error == "SourceUnavailableError" for line in failed):
        mirror = setting("WELLBEING_SOURCE_MIRROR")
        if not mirror:
            out.append(MIRROR_HINT)
        elif any("is not in the mirror folder" in line.reason for line in failed):
            out.append(mirror_missing_hint(mirror))
    return "\n".join(out)


def _set_aside_by_column(set_aside: int, columns: list[tuple[str, int]]) -> str:
    """Where a file's rows set aside had their problems: '(in column lsoa_code)' for one row,
    '(all in column la_code)', else the rows per column, most first, at most three named:
    '(by column: funding_gbp 2, la_code 1, whole row 1)' ('(row)': the row itself, as a ragged
    or totals row). A row with problems in two columns counts in both."""
    if not (set_aside and columns):
        return ""
    shown = [("whole row" if c == "(row)" else c, n) for c, n in columns]
    if len(shown) == 1:
        column = shown[0][0]
        where = "the whole row" if column == "whole row" else f"column {column}"
        return f" (in {where})" if set_aside == 1 else f" (all in {where})"
    listed = ", ".join(f"{c} {n:,}" for c, n in shown[:3])
    more = len(shown) - 3
    rest = f", {counted(more, 'other column')}" if more > 0 else ""
    return f" (by column: {listed}{rest})"


def partner_files_waiting(plan: Plan, lines: list[StepLine], built: set[str]) -> str:
    """What ``make run`` says when new partner files were to be read but the step that reads
    them (``raw/partnership_activity``) did not run or failed: which files wait, why, and that
    nothing is lost ('' when they were read or none arrived)."""
    partner = keys.PARTNER_KEY.to_user_string()
    if not plan.arrived or partner in built:
        return ""
    line = next((line for line in lines if line.asset == partner), None)
    stopped = [line.asset for line in lines if line.status in ("failed", "refused")]
    if line is not None and line.status == "failed":
        why = f"{partner} failed: {line.reason or 'see the run log'}"
    elif line is not None and line.status == "refused":
        why = f"{partner} was refused: a table it reads failed its contract check"
    else:
        why = f"{partner} did not run: a step before it failed ({some_of(stopped) or 'see above'})"
    one = len(plan.arrived) == 1
    return (
        f"Partner files not read this run: {counted(len(plan.arrived), 'new file')} in the inbox "
        f"({some_of(plan.arrived)}) {'waits' if one else 'wait'}, because {why}. Nothing is lost: "
        f"the next run that succeeds reads {'it' if one else 'them'}."
    )


def partner_files_summary(con: duckdb.DuckDBPyConnection, since: datetime) -> str:
    """The "Partner files" lines of the end-of-run summary: one per partner file the run received
    (``quality.submissions.received_at`` at or after ``since``, the run's start, UTC): rows
    received, loaded (how many of them replaced earlier rows: a corrected file re-sent) and set
    aside (and the column most of its problems in ``quality.quarantine`` are in), why the file
    could not be read, or, for a duplicate, which earlier file it repeats and when that came; the generated example files (``is_example_data``) together on one line;
    then the folder of the feedback reports (``WELLBEING_FEEDBACK_DIR``). Empty when the run
    received no file."""
    from pipelines.partnership_activity.ingest import original_submission, received_when

    if not table_exists(con, "quality.submissions"):
        return ""
    files = con.execute(
        "select submission_file, submission_sha256, status, rows_submitted, rows_accepted, "
        "rows_quarantined, error, coalesce(is_example_data, false), rows_superseding, "
        "(select list((column_name, n) order by n desc, column_name) from ("
        " select column_name, count(distinct source_row_number) as n from quality.quarantine q "
        " where q.submission_sha256 = s.submission_sha256 and q.submission_file = s.submission_file "
        " group by column_name)) "
        "from quality.submissions s where received_at >= ? order by received_at, submission_file",
        [since],
    ).fetchall()
    if not files:
        return ""
    example = "" if setting("WELLBEING_PARTNER_INBOX") else " (example submissions: no inbox set)"
    out = [f"Partner files received{example}:"]
    examples = [f for f in files if f[7]]
    if examples:  # generated, not a partner's: one line for the set
        rejected = sum(f[2] == "rejected" for f in examples)
        out.append(
            f"  {counted(len(examples), 'generated example file')}: "
            f"{counted(sum(f[3] for f in examples), 'row')} received, "
            f"{sum(f[4] for f in examples):,} loaded, {sum(f[5] for f in examples):,} set aside"
            + (f", {counted(rejected, 'file')} rejected" if rejected else "")
        )
    for (
        name,
        sha256,
        status,
        received,
        loaded,
        set_aside,
        error,
        is_example,
        replaced,
        columns,
    ) in files:
        if is_example:
            continue
        if status == "rejected":
            out.append(f"  {name}: REJECTED, nothing loaded: {first_sentence(error or '')}")
        elif status == "duplicate":
            earlier = original_submission(con, sha256) or {}
            when = earlier.get("received_at")
            out.append(
                f"  {name}: DUPLICATE of {earlier.get('submission_file', 'an earlier file')}"
                + (f" (received {received_when(when)} UTC)" if when else "")
                + ": identical content, nothing loaded again"
            )
        else:
            most = _set_aside_by_column(set_aside, columns or [])
            out.append(
                f"  {name}: {counted(received, 'row')} received, {loaded:,} loaded"
                + (f" ({counted(replaced, 'replaced earlier row')})" if replaced else "")
                + f", {set_aside:,} set aside{most}"
            )
    out.append(
        f"Feedback reports for the partners (English and Welsh): "
        f"{setting_path('WELLBEING_FEEDBACK_DIR')}"
    )
    return "\n".join(out)
