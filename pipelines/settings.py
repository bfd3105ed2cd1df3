"""Configuration in one place: every environment variable the pipeline reads, with its default.

| variable | default | meaning |
|---|---|---|
| ``WELLBEING_WAREHOUSE`` | ``data/warehouse.duckdb`` | the working DuckDB file the runs write |
| ``WELLBEING_SOURCE_MIRROR`` | unset | a folder laid out like ``../shared/data``; when set, sources are read from it instead of downloaded |
| ``WELLBEING_CACHE_DIR`` | ``data/cache`` | where downloads from the official URLs are cached |
| ``WELLBEING_PARTNER_INBOX`` | unset | folder of partner submissions (CSV, XLSX, ODS); when unset, deterministic example submissions are generated |
| ``WELLBEING_ARCHIVE_DIR`` | ``data/archive`` | where each ingested partner file is archived under its sha256 |
| ``WELLBEING_PUBLISH_DIR`` | ``data/published`` | the read-only published DuckDB file, Parquet exports and data dictionary |
| ``WELLBEING_BOUNDARIES_DIR`` | ``data/boundaries`` | GeoParquet / GeoJSON boundaries written by the boundary assets |
| ``DAGSTER_HOME`` | ``.dagster_home`` (set by the Makefile) | Dagster's run and event storage |

Relative paths are resolved against the project root (the folder holding ``pyproject.toml``).
"""

import os
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent

DEFAULTS: dict[str, str | None] = {
    "WELLBEING_WAREHOUSE": "data/warehouse.duckdb",
    "WELLBEING_SOURCE_MIRROR": None,
    "WELLBEING_CACHE_DIR": "data/cache",
    "WELLBEING_PARTNER_INBOX": None,
    "WELLBEING_ARCHIVE_DIR": "data/archive",
    "WELLBEING_PUBLISH_DIR": "data/published",
    "WELLBEING_BOUNDARIES_DIR": "data/boundaries",
}


def setting(name: str) -> str | None:
    """Return the value of one configuration variable (environment first, then default)."""
    value = os.environ.get(name)
    if value is None or value == "":
        return DEFAULTS.get(name)
    return value


def resolve_path(value: str | os.PathLike | None) -> Path | None:
    """Resolve a configured path against the project root; ``None`` stays ``None``."""
    if value is None or str(value) == "":
        return None
    path = Path(value).expanduser()
    return path if path.is_absolute() else (PROJECT_ROOT / path)


def setting_path(name: str) -> Path | None:
    """Return a configuration variable as an absolute path (or ``None`` when unset)."""
    return resolve_path(setting(name))
