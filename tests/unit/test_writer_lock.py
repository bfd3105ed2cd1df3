"""The writer lock itself: re-entrant in a process, refused to another with the holder named,
the entry point read from run tags (two real runs: tests/integration/test_writer_lock.py)."""

import os
import subprocess
import sys

import pytest

from pipelines.settings import PROJECT_ROOT
from pipelines.warehouse import Warehouse
from pipelines.warehouse_lock import entry_point, writer_lock


def test_lock_is_reentrant_in_a_process_and_records_the_holder(tmp_path):
    file = tmp_path / "warehouse.duckdb"
    lock = writer_lock(file)
    assert writer_lock(str(file)) is lock
    with lock.hold(run_id="run-1", entry="make publish"):
        with Warehouse(path=str(file)).connect() as con:  # a step inside the run
            con.execute("create table t as select 1 as x")
        holder = lock.holder()
        assert holder.pid == os.getpid() and holder.entry_point == "make publish"
        assert holder.run_id == "run-1" and lock.held
        assert holder.describe().startswith(f"pid {os.getpid()} (run run-1, make publish) since ")
    assert not lock.held and lock.holder() is None


def test_other_process_is_refused_with_holder_line(tmp_path):
    file = tmp_path / "warehouse.duckdb"
    code = (
        "import sys; from pipelines.warehouse_lock import writer_lock, WarehouseBusyError\n"
        "try:\n    writer_lock(sys.argv[1]).acquire(wait_seconds=0)\n"
        "except WarehouseBusyError as e:\n    print(e); sys.exit(3)\n"
    )
    with writer_lock(file).hold(run_id="abcdef123456", entry="schedule monthly_public_refresh"):
        out = subprocess.run(
            [sys.executable, "-c", code, str(file)],
            capture_output=True,
            text=True,
            env={**os.environ, "PYTHONPATH": str(PROJECT_ROOT)},
            check=False,
        )
    assert out.returncode == 3, out.stderr
    assert f"pid {os.getpid()} (run abcdef12, schedule monthly_public_refresh) since" in out.stdout


@pytest.mark.parametrize(
    ("tags", "expected"),
    [
        ({"dagster/schedule_name": "monthly_public_refresh"}, "schedule monthly_public_refresh"),
        ({"dagster/sensor_name": "partner_inbox"}, "sensor partner_inbox"),
        ({"dagster/sensor_name": "wellbeing_automation"}, "sensor wellbeing_automation"),
        ({"dagster/backfill": "abc"}, "backfill abc"),
    ],
)
def test_entry_point_from_run_tags(tags, expected, monkeypatch):
    monkeypatch.delenv("WELLBEING_ENTRY_POINT", raising=False)
    assert entry_point(tags) == expected
