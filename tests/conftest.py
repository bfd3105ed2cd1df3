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
    old = {k: os.environ.get(k) for k in [*pipeline_env, "WELLBEING_ENTRY_POINT"]}
    os.environ.update(pipeline_env)
    try:
        # What `make run` runs: every unpartitioned asset with its checks (the financial-year
        # re-run needs a partition key and is tested on its own); it records the fingerprints
        # the refresh tests start from.
        from pipelines.run import main

        assert main([]) == 0
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


# ---------------------------------------------------------------------------------------------
# Real servers for the DuckLake and production-instance tests (Debian's postgresql and
# redis-server, installed by .ci/run). Each xdist worker starts its own on a free port in a temp
# folder and stops it at the end of the session.


@pytest.fixture(scope="session")
def postgres_server():
    """A PostgreSQL server of our own (free port, temp folder), stopped after the session."""
    from pipelines.localservers import PostgresServer, ServerUnavailable
    from pipelines.warehouse import close_lake_instances

    try:
        server = PostgresServer().start()
    except ServerUnavailable as exc:
        pytest.fail(f"{exc} (bash .ci/run installs it)")
    yield server
    close_lake_instances()
    server.stop()


@pytest.fixture(scope="session")
def redis_server():
    """A Redis server (the Celery broker) of our own, stopped after the session."""
    from pipelines.localservers import RedisServer, ServerUnavailable

    try:
        server = RedisServer().start()
    except ServerUnavailable as exc:
        pytest.fail(f"{exc} (bash .ci/run installs it)")
    yield server
    server.stop()
