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
    from pipelines.settings import outputs_under

    root = tmp_path_factory.mktemp("pipeline")
    env = {"WELLBEING_SOURCE_MIRROR": str(shared_data), **outputs_under(root)}
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


WIMD_2025_CSV = "wimd_2025/wimd-2025-index-and-domain-ranks-by-small-area.csv"


@pytest.fixture()
def editable_mirror(shared_data, tmp_path):
    """``editable_mirror("wimd_2025", ...)``: a mirror folder ``tmp_path/mirror`` laid out like
    ../shared/data, the named dataset folders copied (a test may edit them), the others linked."""

    def make(*copied: str) -> Path:
        from pipelines.mirror import linked_mirror

        return linked_mirror(shared_data, tmp_path / "mirror", copied)

    return make


@pytest.fixture()
def remove_cardiff():
    """``remove_cardiff(mirror)``: turn the WIMD 2025 file of an editable mirror into the
    publisher's copy of issue 10, missing Cardiff (1,699 of 1,917 LSOAs); returns a function that
    puts the good file back."""

    def remove(mirror: Path):
        path = mirror / WIMD_2025_CSV
        good = path.read_bytes()
        lines = good.decode("utf-8-sig").splitlines()
        kept = [lines[0], *(line for line in lines[1:] if ",Cardiff," not in line)]
        # the publisher's two empty trailing rows stay, as in the real file
        assert sum(line.startswith("W01") for line in kept) == 1917 - 218
        path.write_text("\n".join(kept) + "\n", encoding="utf-8")
        return lambda: path.write_bytes(good)

    return remove


WRITER_HOLDER = r"""
import sys, time
from pathlib import Path
from pipelines.warehouse_lock import writer_lock
lock = writer_lock(sys.argv[1])
lock.acquire(run_id="1a2b3c4d-run-of-the-holder", entry="make run")
Path(sys.argv[2]).write_text("held")
while not Path(sys.argv[3]).exists():
    time.sleep(0.1)
lock.release()
"""


@pytest.fixture()
def hold_writer_lock(tmp_path):
    """``hold_writer_lock(warehouse_file, env)``: another process takes the warehouse's writer
    lock as a ``make run`` (run 1a2b3c4d) would; returns ``(process, release)``, where calling
    ``release()`` lets it go. The process is always stopped at the end of the test."""
    import subprocess
    import sys
    import time

    started: list[subprocess.Popen] = []

    def hold(warehouse_file: str, env: dict):
        ready, go = tmp_path / "holder-ready", tmp_path / "holder-release"
        proc = subprocess.Popen(
            [sys.executable, "-c", WRITER_HOLDER, str(warehouse_file), str(ready), str(go)],
            env=env,
        )
        started.append(proc)
        deadline = time.monotonic() + 60
        while not ready.exists():
            assert proc.poll() is None and time.monotonic() < deadline
            time.sleep(0.1)

        def release():
            go.write_text("go")
            proc.wait(timeout=30)

        return proc, release

    yield hold
    for proc in started:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


READER = r"""
import sys, time
from pathlib import Path
import duckdb
con = duckdb.connect(sys.argv[1], read_only=True)
con.execute("select count(*) from reference.wellbeing_goals").fetchone()
Path(sys.argv[2]).write_text("reading")
time.sleep(600)
"""


@pytest.fixture()
def reader_on(tmp_path):
    """``reader_on(warehouse_file, env)``: a policy-team reader in another process that opened the
    *working* file read-only (the mistake of issue 10) and keeps it open; returns the process,
    killed at the end of the test."""
    import subprocess
    import sys
    import time

    started: list[subprocess.Popen] = []

    def read(warehouse_file: str, env: dict) -> subprocess.Popen:
        ready = tmp_path / f"reader-ready-{len(started)}"
        proc = subprocess.Popen(
            [sys.executable, "-c", READER, str(warehouse_file), str(ready)], env=env
        )
        started.append(proc)
        deadline = time.monotonic() + 60
        while not ready.exists():
            assert proc.poll() is None and time.monotonic() < deadline
            time.sleep(0.1)
        return proc

    yield read
    for proc in started:
        proc.kill()
        proc.wait()


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
