"""Configuration in one place: every environment variable the pipeline reads, with its default.

| variable | default | meaning |
|---|---|---|
| ``WELLBEING_WAREHOUSE`` | ``data/warehouse.duckdb`` | the working warehouse the runs write: a DuckDB file path, or ``ducklake:postgres:<libpq string>`` (e.g. ``ducklake:postgres:dbname=wellbeing host=db.internal user=wellbeing``) for DuckLake with its catalog in PostgreSQL (see ``pipelines/warehouse.py``) |
| ``WELLBEING_DUCKLAKE_DATA_PATH`` | ``data/lake`` | DuckLake only: where table data is written as Parquet (a folder, or an object-store URL such as ``s3://bucket/wellbeing/`` with the matching DuckDB extension package) |
| ``WELLBEING_EXECUTOR`` | ``auto`` | how a run's steps execute: ``auto`` (one process, in turn, on the DuckDB file; several processes at once on DuckLake), ``in_process``, ``multiprocess`` or ``celery`` (see ``pipelines/executors.py``) |
| ``WELLBEING_MAX_CONCURRENT_STEPS`` | ``2`` | steps at once with the multiprocess executor (one per core is a good start) |
| ``WELLBEING_CELERY_BROKER`` | ``redis://localhost:6379/0`` | the Celery broker URL when ``WELLBEING_EXECUTOR=celery`` (Redis or RabbitMQ) |
| ``WELLBEING_SOURCE_MIRROR`` | unset | a folder laid out like ``../shared/data``; when set, sources are read from it instead of downloaded (a folder that does not exist, or a file, is refused before the run) |
| ``WELLBEING_CACHE_DIR`` | ``data/cache`` | where downloads are cached, one folder per source (delete it to download again); ``make mirror`` copies them into a mirror folder; ``staged/`` holds the partner template until a successful publish copies it to the published folder |
| ``WELLBEING_PARTNER_INBOX`` | unset | folder of partner submissions (CSV, XLSX, ODS, sub-folders included: ``pipelines/partnership_activity/submission.py``); when unset, deterministic example submissions are generated; when set, it must be a folder that exists (a typo or an unmounted share is refused before the run, and no example row is retired) |
| ``WELLBEING_ARCHIVE_DIR`` | ``data/archive`` | where each ingested partner file is archived under its sha256 (made when missing; a file at that path is refused) |
| ``WELLBEING_FEEDBACK_DIR`` | ``data/feedback`` | the feedback report (English and Welsh) for every partner file received, one folder per file (made when missing; a file at that path is refused) |
| ``WELLBEING_PUBLISH_DIR`` | ``data/published`` | the read-only published DuckDB file, Parquet exports and data dictionary |
| ``WELLBEING_BOUNDARIES_DIR`` | ``data/boundaries`` | GeoParquet / GeoJSON boundaries written by the boundary assets |
| ``WELLBEING_DUCKDB_MEMORY_LIMIT`` | ``4GB`` | DuckDB memory limit of every warehouse connection (e.g. ``8GB``; empty string = DuckDB's default, 80 % of RAM); above it DuckDB spills sorts, joins and aggregates to disk |
| ``WELLBEING_INBOX_SETTLE_SECONDS`` | ``30`` | the partner-inbox sensor ignores files modified more recently than this (still being copied) |
| ``WELLBEING_PUBLISH_DELAY_SECONDS`` | ``0`` | test hook: pause after copying each table while publishing (used by the killed-run test) |
| ``WELLBEING_DASHBOARD_DIR`` | ``data/site`` | the static dashboard site built from the published file |
| ``WELLBEING_WRITER_WAIT_SECONDS`` | ``3600`` | how long a run waits while another run writes the warehouse (logging who holds it every 30 s); ``0`` = fail at once with that message; negative = wait until it finishes |
| ``WELLBEING_WAREHOUSE_BUSY_SECONDS`` | ``5`` | how long a run retries while a program that is not a pipeline run (a reader) has the working file open, before failing with an error naming the published file |
| ``WELLBEING_QUALITY_DIR`` | ``data/quality`` | the contract-check report (``report.html``, works offline) and the Great Expectations stores and Data Docs; kept out of the published folder |
| ``WELLBEING_QUALITY_KEEP_RUNS`` | ``10`` | Great Expectations results and Data Docs pages, and ``make run``'s logs in ``WELLBEING_LOG_DIR``, are pruned to the last this many runs |
| ``WELLBEING_LOG_DIR`` | ``data/logs`` | ``make run`` writes the complete log of each run here, ``<run id>.log``: every event, every stack trace (the console says a failed step in one line; see ``pipelines/logs.py``) |
| ``WELLBEING_AUTOMATION_INTERVAL_SECONDS`` | ``60`` | how often the daemon evaluates the ``wellbeing_automation`` sensor |
| ``WELLBEING_AUTOMATION`` | ``on`` (``make dev``: ``off``) | ``on``: the monthly refresh schedule, the partner-inbox sensor and ``wellbeing_automation`` start switched on in a new Dagster instance, so runs start unattended (production); ``off``: they start switched off and only runs launched by hand happen (``make dev`` sets ``off`` unless told ``WELLBEING_AUTOMATION=on``). It sets the default only: a schedule or sensor switched in the UI keeps that state in the instance |
| ``DAGSTER_HOME`` | ``.dagster_home`` (set by the Makefile) | Dagster's instance folder: ``dagster.yaml`` and, locally, run and event storage |
| ``DAGSTER_PG_HOST``, ``DAGSTER_PG_PORT``, ``DAGSTER_PG_DB``, ``DAGSTER_PG_USER``, ``DAGSTER_PG_PASSWORD`` | unset | PostgreSQL run, event and schedule storage; read only by ``deploy/dagster.yaml`` (production) |
| ``DAGSTER_COMPUTE_LOG_DIR`` | unset | where step stdout/stderr are kept; read only by ``deploy/dagster.yaml`` |

Relative paths are resolved against the project root (the folder holding ``pyproject.toml``).
A number setting written wrong (``1h``, ``0`` runs kept) is refused before ``make run`` starts,
naming the variable, its value and what it takes (``NUMBERS``), never replaced by its default.
"""

import math
import os
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent

DEFAULTS: dict[str, str | None] = {
    "WELLBEING_WAREHOUSE": "data/warehouse.duckdb",
    "WELLBEING_DUCKLAKE_DATA_PATH": "data/lake",
    "WELLBEING_EXECUTOR": "auto",
    "WELLBEING_MAX_CONCURRENT_STEPS": "2",
    "WELLBEING_CELERY_BROKER": "redis://localhost:6379/0",
    "WELLBEING_SOURCE_MIRROR": None,
    "WELLBEING_CACHE_DIR": "data/cache",
    "WELLBEING_PARTNER_INBOX": None,
    "WELLBEING_ARCHIVE_DIR": "data/archive",
    "WELLBEING_FEEDBACK_DIR": "data/feedback",
    "WELLBEING_PUBLISH_DIR": "data/published",
    "WELLBEING_BOUNDARIES_DIR": "data/boundaries",
    "WELLBEING_DASHBOARD_DIR": "data/site",
    "WELLBEING_DUCKDB_MEMORY_LIMIT": "4GB",
    "WELLBEING_INBOX_SETTLE_SECONDS": "30",
    "WELLBEING_PUBLISH_DELAY_SECONDS": "0",
    "WELLBEING_WRITER_WAIT_SECONDS": "3600",
    "WELLBEING_WAREHOUSE_BUSY_SECONDS": "5",
    "WELLBEING_QUALITY_DIR": "data/quality",
    "WELLBEING_QUALITY_KEEP_RUNS": "10",
    "WELLBEING_LOG_DIR": "data/logs",
    "WELLBEING_AUTOMATION_INTERVAL_SECONDS": "60",
    "WELLBEING_AUTOMATION": "on",
}

ON_WORDS = {"on": True, "true": True, "1": True, "yes": True}
OFF_WORDS = {"off": False, "false": False, "0": False, "no": False}


def setting_on(name: str) -> bool:
    """A configuration variable that is ``on`` or ``off`` (also true/false, 1/0, yes/no, in any
    letter case); anything else is an error naming the variable, its value and what it takes."""
    value = setting(name) or ""
    words = ON_WORDS | OFF_WORDS
    if value.strip().lower() not in words:
        raise ValueError(f"{name}={value!r}: expected on or off (true/false, 1/0, yes/no)")
    return words[value.strip().lower()]


def outputs_under(root: Path) -> dict[str, str]:
    """Settings that put every output of a run under ``root`` (each ``data/<x>`` default becomes
    ``root/<x>``), with its own Dagster instance in ``root/dagster_home``: a throwaway run of the
    tests or the benchmarks, which leaves the checkout's ``data/`` alone."""
    folders = {k: v for k, v in DEFAULTS.items() if v and v.startswith("data/")}
    return {
        **{name: str(root / value.removeprefix("data/")) for name, value in folders.items()},
        "DAGSTER_HOME": str(root / "dagster_home"),
    }


def setting(name: str) -> str | None:
    """Return the value of one configuration variable (environment first, then default)."""
    value = os.environ.get(name)
    if value is None or value == "":
        return DEFAULTS.get(name)
    return value


# The settings that are numbers: name -> (the smallest value that works, whole numbers only);
# any number at all for None (the writer wait: negative is 'wait until it finishes').
NUMBERS: dict[str, tuple[float | None, bool]] = {
    "WELLBEING_MAX_CONCURRENT_STEPS": (1, True),
    "WELLBEING_INBOX_SETTLE_SECONDS": (0, False),
    "WELLBEING_PUBLISH_DELAY_SECONDS": (0, False),
    "WELLBEING_WRITER_WAIT_SECONDS": (None, False),
    "WELLBEING_WAREHOUSE_BUSY_SECONDS": (0, False),
    "WELLBEING_QUALITY_KEEP_RUNS": (1, True),
    "WELLBEING_AUTOMATION_INTERVAL_SECONDS": (5, False),
}


def number_problem(name: str) -> str | None:
    """Why the number setting ``name`` (one of ``NUMBERS``) cannot be used, in one line naming
    the variable, its value and what it takes, or ``None``."""
    smallest, whole = NUMBERS[name]
    text = (setting(name) or "").strip()
    try:
        value = float(text)
        ok = math.isfinite(value) and (not whole or value.is_integer())
    except ValueError:
        ok = False
    if ok and (smallest is None or value >= smallest):
        return None
    kind = "a whole number" if whole else "a number"
    least = "" if smallest is None else f" of at least {smallest:g}"
    return f"{name}={text!r}: expected {kind}{least} (unset it for the default, {DEFAULTS[name]})"


def number_problems() -> list[str]:
    """``number_problem`` of every number setting that has one: said before ``make run`` starts."""
    return [problem for name in NUMBERS if (problem := number_problem(name))]


def setting_number(name: str) -> float:
    """A number setting (one of ``NUMBERS``: seconds, runs or steps), its default when unset.

    Raises:
        ValueError: the value is not such a number (``number_problem``): never replaced silently
            by a default.
    """
    if problem := number_problem(name):
        raise ValueError(problem)
    return float(setting(name))


def resolve_path(value: str | os.PathLike | None) -> Path | None:
    """Resolve a configured path against the project root; ``None`` stays ``None``."""
    if value is None or str(value) == "":
        return None
    path = Path(value).expanduser()
    return path if path.is_absolute() else (PROJECT_ROOT / path)


def setting_path(name: str) -> Path | None:
    """Return a configuration variable as an absolute path (or ``None`` when unset)."""
    return resolve_path(setting(name))


# The folders a run reads, which must exist when set (what to do when one does not), and the
# folders it writes, made when missing but never over a file: one home for both rules.
READ_FOLDERS = {
    "WELLBEING_SOURCE_MIRROR": "Point it at a folder laid out like ../shared/data (check the "
    "spelling), or unset it to download every source from its official URL.",
    "WELLBEING_PARTNER_INBOX": "Point it at the folder partners' files arrive in (check the "
    "spelling, and that the share is mounted), or unset it to load the example submissions; "
    "nothing was loaded and no example rows were retired.",
}
WRITTEN_FOLDERS = ("WELLBEING_ARCHIVE_DIR", "WELLBEING_FEEDBACK_DIR")


def folder_problem(name: str, folder: Path | None = None) -> str | None:
    """Why the folder setting ``name`` (or ``folder``, a path given for it) cannot be used, in
    one line naming the variable, the path and what to do, or ``None``. A folder in
    ``READ_FOLDERS`` must exist when set; one in ``WRITTEN_FOLDERS`` is made when missing, so
    only a file at its path is refused."""
    folder = setting_path(name) if folder is None else folder
    if folder is None or folder.is_dir() or (name not in READ_FOLDERS and not folder.exists()):
        return None
    what = "is a file, not a folder" if folder.exists() else "does not exist"
    todo = READ_FOLDERS.get(name) or (
        "Move that file away or point the variable at a folder (it is made when missing)."
    )
    return f"the folder {folder} {what} ({name}). {todo}"


def folder_problems(names=(*READ_FOLDERS, *WRITTEN_FOLDERS)) -> list[str]:
    """``folder_problem`` of each of ``names`` that has one: what ``make run`` and ``--plan``
    say before anything runs, and what the partner loader fails with."""
    return [problem for name in names if (problem := folder_problem(name))]
