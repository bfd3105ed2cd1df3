"""Plain helpers the integration tests share (fixtures are in conftest.py)."""

import shutil
import subprocess
import time
from pathlib import Path

from pipelines.contracts import all_contract_tables
from pipelines.settings import PROJECT_ROOT

# Every mart of the contract (data_contracts/marts.yaml), by table name.
MARTS = [t.removeprefix("marts.") for t in all_contract_tables() if t.startswith("marts.")]
WIMD_2025_CSV = "wimd_2025/wimd-2025-index-and-domain-ranks-by-small-area.csv"


def wimd_mirror(tmp_path: Path, shared_data: Path, monkeypatch) -> Path:
    """A source mirror under ``tmp_path`` with a copy of the WIMD 2025 CSV (the CSV alternate: with
    no ODS the CSV is read) and the geography lookups, for a test to edit; the publish and quality
    outputs go under ``tmp_path`` too."""
    root = tmp_path / "mirror"
    (root / "wimd_2025").mkdir(parents=True)
    shutil.copy(shared_data / WIMD_2025_CSV, root / WIMD_2025_CSV)
    shutil.copytree(shared_data / "geography_lookups", root / "geography_lookups")
    monkeypatch.setenv("WELLBEING_SOURCE_MIRROR", str(root))
    monkeypatch.setenv("WELLBEING_PUBLISH_DIR", str(tmp_path / "published"))
    monkeypatch.setenv("WELLBEING_QUALITY_DIR", str(tmp_path / "quality"))
    return root


def run_captured(args: list[str], env: dict, timeout: float = 1200) -> subprocess.CompletedProcess:
    """Run a command from the project root with ``env``, its output captured as text; the test
    reads the exit code (the timeout only guards against a hang on a busy machine)."""
    return subprocess.run(
        args,
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def start_logged(args: list[str], env: dict, log: Path) -> subprocess.Popen:
    """Start a command from the project root in a process group of its own (stop it with
    ``os.killpg``), its stdout and stderr written to ``log``."""
    with log.open("w") as out:  # the child keeps its own handle
        return subprocess.Popen(
            args,
            cwd=PROJECT_ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )


def wait_for(condition, timeout: float, failure, every: float = 2.0):
    """Call ``condition()`` every ``every`` seconds until it returns something true and return
    that; after ``timeout`` seconds fail with ``failure()`` (say, the tail of a log)."""
    deadline = time.monotonic() + timeout
    while not (value := condition()):
        assert time.monotonic() < deadline, failure()
        time.sleep(every)
    return value
