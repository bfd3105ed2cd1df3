"""Shared fixtures: the real public data in ../shared/data and one full materialisation of the
pipeline into a temporary warehouse, shared by every test that needs built tables."""

import os
import shutil
import time
from pathlib import Path

import duckdb
import pytest

from pipelines.settings import PROJECT_ROOT

SHARED_DATA = Path(
    os.environ.get("WELLBEING_SHARED_DATA", PROJECT_ROOT.parent / "shared" / "data")
).resolve()


@pytest.fixture(scope="session")
def shared_data() -> Path:
    if not SHARED_DATA.is_dir():
        pytest.fail(f"real public data not found at {SHARED_DATA} (set WELLBEING_SHARED_DATA)")
    return SHARED_DATA


def shared_temp(tmp_path_factory) -> Path:
    """The temp folder every xdist worker of this run shares (this run's own without xdist)."""
    base = tmp_path_factory.getbasetemp()
    return base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base


BUILD_LOG = "builds.log"  # one line per full build of the session (tests/conftest.py prints it)


@pytest.fixture(scope="session")
def pipeline_env(tmp_path_factory, shared_data) -> dict[str, str]:
    """Environment of the session's full run: the mirror is ../shared/data, every output under
    one temp folder shared by the xdist workers. Read it only; a test that writes takes a
    ``private_build``."""
    from pipelines.settings import outputs_under

    root = shared_temp(tmp_path_factory) / "pipeline"
    env = {"WELLBEING_SOURCE_MIRROR": str(shared_data), **outputs_under(root)}
    (root / "dagster_home").mkdir(parents=True, exist_ok=True)
    return env


@pytest.fixture(scope="session")
def built_warehouse(pipeline_env) -> Path:
    """Materialise every asset (and its checks) once on the real data for all xdist workers of
    the run: the first worker to ask builds under a file lock, the others wait for it and read
    the same files. Returns the warehouse file."""
    from filelock import FileLock

    shared = Path(pipeline_env["WELLBEING_WAREHOUSE"]).parent.parent
    done, failed = shared / "pipeline.done", shared / "pipeline.failed"
    with FileLock(shared / "pipeline.lock"):
        if failed.exists():
            pytest.fail(f"the session's full build failed on another worker: {failed.read_text()}")
        if not done.exists():
            started = time.monotonic()
            try:
                with pytest.MonkeyPatch.context() as env:
                    for name, value in pipeline_env.items():
                        env.setenv(name, value)
                    env.delenv("WELLBEING_ENTRY_POINT", raising=False)
                    # What `make run` runs: every unpartitioned asset with its checks (the
                    # financial-year re-run needs a partition key and is tested on its own); it
                    # records the fingerprints the refresh tests start from.
                    from pipelines.run import main

                    assert main([]) == 0
            except Exception as exc:
                failed.write_text(f"{type(exc).__name__}: {exc}"[:2000])
                raise
            done.touch()
            worker = os.environ.get("PYTEST_XDIST_WORKER", "the only worker")
            with (shared / BUILD_LOG).open("a") as log:
                log.write(f"{worker} built the warehouse in {time.monotonic() - started:.0f} s\n")
    return Path(pipeline_env["WELLBEING_WAREHOUSE"])


@pytest.fixture()
def private_build(built_warehouse, pipeline_env, tmp_path):
    """``private_build(instance=False)``: a copy of the session's build (warehouse, published
    folder, site, archive, quality reports; with ``instance``, its Dagster instance too, else an
    empty one) under ``tmp_path/run``, for a test that writes; returns its settings."""
    source = built_warehouse.parent

    def copy(instance: bool = False) -> dict[str, str]:
        root = tmp_path / "run"
        skip = () if instance else ("dagster_home",)
        shutil.copytree(source, root, ignore=shutil.ignore_patterns(*skip))
        (root / "dagster_home").mkdir(exist_ok=True)
        return {k: v.replace(str(source), str(root)) for k, v in pipeline_env.items()}

    return copy


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
Path(sys.argv[2]).write_text("ready")
while not Path(sys.argv[3]).exists():
    time.sleep(0.1)
lock.release()
"""

READER = r"""
import sys, time
from pathlib import Path
import duckdb
con = duckdb.connect(sys.argv[1], read_only=True)
con.execute("select count(*) from reference.wellbeing_goals").fetchone()
Path(sys.argv[2]).write_text("ready")
time.sleep(600)
"""


@pytest.fixture()
def other_process(tmp_path):
    """``other_process(script, warehouse_file, env)``: run a Python script in another process
    with ``warehouse_file``, a ready file and a release file as its arguments; return once it
    wrote the ready file. The process is always stopped at the end of the test."""
    import subprocess
    import sys
    import time

    started: list[subprocess.Popen] = []

    def start(script: str, warehouse_file: str, env: dict) -> tuple[subprocess.Popen, Path]:
        ready, go = tmp_path / f"ready-{len(started)}", tmp_path / f"release-{len(started)}"
        proc = subprocess.Popen(
            [sys.executable, "-c", script, str(warehouse_file), str(ready), str(go)], env=env
        )
        started.append(proc)
        deadline = time.monotonic() + 60
        while not ready.exists():
            assert proc.poll() is None and time.monotonic() < deadline
            time.sleep(0.1)
        return proc, go

    yield start
    for proc in started:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


@pytest.fixture()
def hold_writer_lock(other_process):
    """``hold_writer_lock(warehouse_file, env)``: another process takes the warehouse's writer
    lock as a ``make run`` (run 1a2b3c4d) would; returns ``(process, release)``, where calling
    ``release()`` lets it go."""

    def hold(warehouse_file: str, env: dict):
        proc, go = other_process(WRITER_HOLDER, warehouse_file, env)

        def release():
            go.write_text("go")
            proc.wait(timeout=30)

        return proc, release

    return hold


@pytest.fixture()
def reader_on(other_process):
    """``reader_on(warehouse_file, env)``: a policy-team reader in another process that opened the
    *working* file read-only (the mistake of issue 10) and keeps it open; returns the process."""
    return lambda warehouse_file, env: other_process(READER, warehouse_file, env)[0]


@pytest.fixture()
def warehouse(built_warehouse):
    """A read-only connection to the built warehouse."""
    with duckdb.connect(str(built_warehouse), read_only=True) as con:
        yield con


@pytest.fixture(scope="session")
def published_file(built_warehouse, pipeline_env) -> Path:
    """The read-only file the session's run published."""
    return Path(pipeline_env["WELLBEING_PUBLISH_DIR"]) / "wellbeing.duckdb"


@pytest.fixture()
def published(published_file):
    """A read-only connection to the published file (as policy teams open it)."""
    with duckdb.connect(str(published_file), read_only=True) as con:
        yield con


# ---------------------------------------------------------------------------------------------
# Real servers for the DuckLake and production-instance tests (Debian's postgresql and
# redis-server, installed by .ci/run). Each xdist worker starts its own on a free port in a temp
# folder and stops it at the end of the session.


def _started(server):
    from pipelines.localservers import ServerUnavailable

    try:
        return server.start()
    except ServerUnavailable as exc:
        pytest.fail(f"{exc} (bash .ci/run installs it)")


@pytest.fixture(scope="session")
def postgres_server():
    """A PostgreSQL server of our own (free port, temp folder), stopped after the session."""
    from pipelines.localservers import PostgresServer
    from pipelines.warehouse import close_lake_instances

    server = _started(PostgresServer())
    yield server
    close_lake_instances()
    server.stop()


@pytest.fixture(scope="session")
def redis_server():
    """A Redis server (the Celery broker) of our own, stopped after the session."""
    from pipelines.localservers import RedisServer

    server = _started(RedisServer())
    yield server
    server.stop()


@pytest.fixture(scope="session")
def la(shared_data):
    """The 22 local authority boundaries, parsed from the real file (GeoDataFrame)."""
    from pipelines.boundaries.parsers import parse_la_boundaries
    from pipelines.catalogue import fetch

    return parse_la_boundaries(fetch("la_boundaries", mirror=shared_data))


@pytest.fixture(scope="session")
def lsoa21(shared_data):
    """The 1,917 LSOA (2021) boundaries, parsed from the real file (GeoDataFrame)."""
    from pipelines.boundaries.parsers import parse_lsoa21_boundaries
    from pipelines.catalogue import fetch

    return parse_lsoa21_boundaries(fetch("lsoa21_boundaries", mirror=shared_data))


@pytest.fixture(scope="session")
def frames(shared_data) -> dict:
    """The raw tables partner-file lookups are built from, read from the real files (the
    warehouse is not needed): LSOA -> LA, 2011 -> 2021 LSOA, LA names, postcodes."""
    from pipelines.catalogue import fetch
    from pipelines.readers import read_csv_strings
    from pipelines.wimd.parsers import parse_wimd_2019_postcodes

    def csv_frame(key):
        frame = read_csv_strings(fetch(key, mirror=shared_data).path)
        return frame.rename({c: c.strip().lstrip("\ufeff").lower() for c in frame.columns})

    return {
        "raw.lsoa21_ward_la_lookup": csv_frame("lsoa21_ward_la_lookup"),
        "raw.lsoa11_lsoa21_lookup": csv_frame("lsoa11_lsoa21_lookup"),
        "raw.lsoa11_la_names": csv_frame("lsoa11_la_names"),
        "raw.wimd_2019_postcodes": parse_wimd_2019_postcodes(
            fetch("wimd_2019_postcodes", mirror=shared_data)
        ),
    }
