"""Shared fixtures: the real public data in ../shared/data and one full materialisation of the
pipeline into a temporary warehouse, shared by every test that needs built tables."""

import os
from pathlib import Path

import duckdb
import pytest

PROJECT_ROOT = Path(__file__).resolve().parent.parent
SHARED_DATA = Path(
    os.environ.get("WELLBEING_SHARED_DATA", PROJECT_ROOT.parent / "shared" / "data")
).resolve()


@pytest.fixture(scope="session")
def shared_data() -> Path:
    if not SHARED_DATA.is_dir():
        pytest.fail(f"real public data not found at {SHARED_DATA} (set WELLBEING_SHARED_DATA)")
    return SHARED_DATA


@pytest.fixture(scope="session")
def pipeline_env(tmp_path_factory, shared_data) -> dict[str, str]:
    """Environment for a full run: the mirror is ../shared/data, every output under a temp folder."""
    root = tmp_path_factory.mktemp("pipeline")
    env = {
        "WELLBEING_SOURCE_MIRROR": str(shared_data),
        "WELLBEING_WAREHOUSE": str(root / "warehouse.duckdb"),
        "WELLBEING_CACHE_DIR": str(root / "cache"),
        "WELLBEING_ARCHIVE_DIR": str(root / "archive"),
        "WELLBEING_PUBLISH_DIR": str(root / "published"),
        "WELLBEING_BOUNDARIES_DIR": str(root / "boundaries"),
        "WELLBEING_DASHBOARD_DIR": str(root / "site"),
        "WELLBEING_QUALITY_DIR": str(root / "quality"),
        "DAGSTER_HOME": str(root / "dagster_home"),
    }
    (root / "dagster_home").mkdir()
    return env


@pytest.fixture(scope="session")
def built_warehouse(pipeline_env) -> Path:
    """Materialise every asset (and its checks) once on the real data; return the warehouse file."""
    import dagster as dg

    old = {k: os.environ.get(k) for k in pipeline_env}
    os.environ.update(pipeline_env)
    try:
        from pipelines.definitions import build_definitions
        from pipelines.operations.jobs import whole_run_selection

        defs = build_definitions()
        graph = defs.resolve_asset_graph()
        assets = list(defs.assets or [])
        checks = list(defs.asset_checks or [])
        result = dg.materialize(
            [*assets, *checks],
            resources=defs.resources,
            # Every unpartitioned asset (what `make run` builds): the financial-year re-run
            # needs a partition key and is tested on its own.
            selection=whole_run_selection() if graph else None,
            raise_on_error=True,
        )
        assert result.success
    finally:
        for key, value in old.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
    return Path(pipeline_env["WELLBEING_WAREHOUSE"])


@pytest.fixture()
def warehouse(built_warehouse):
    """A read-only connection to the built warehouse."""
    con = duckdb.connect(str(built_warehouse), read_only=True)
    yield con
    con.close()
