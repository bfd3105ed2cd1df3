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


def test_the_ui_code_server_is_named_as_the_dagster_ui(monkeypatch):
    monkeypatch.delenv("WELLBEING_ENTRY_POINT", raising=False)
    monkeypatch.setattr(
        "sys.argv",
        ["/x/dagster/__main__.py", "api", "grpc", "--lazy-load-user-code", "--socket", "/tmp/s"],
    )
    assert entry_point({}) == "the Dagster UI (make dev)"


def test_a_read_only_data_folder_is_one_line_naming_it(tmp_path, capsys, monkeypatch):
    """make run in a read-only data/ folder: no traceback, the folder and the variable that
    moves the warehouse (root writes anywhere, so the read-only file system is simulated)."""
    import errno

    from pipelines import run
    from pipelines.warehouse_lock import WriterLock

    def read_only(self, **kwargs):
        raise OSError(errno.EROFS, "Read-only file system", str(self.path))

    monkeypatch.setenv("WELLBEING_WAREHOUSE", str(tmp_path / "data" / "warehouse.duckdb"))
    monkeypatch.delenv("WELLBEING_SOURCE_MIRROR", raising=False)
    monkeypatch.setattr(WriterLock, "acquire", read_only)
    assert run.main([]) == 1
    assert capsys.readouterr().err == (
        f"The run could not start: the folder {tmp_path / 'data'} is not writable (Read-only "
        "file system), so the working warehouse and its lock file cannot be written there. Make "
        "the folder writable, or set WELLBEING_WAREHOUSE to a warehouse file in a folder you can "
        "write.\n"
    )


def test_make_run_and_plan_say_a_missing_mirror_folder_once_before_anything(
    tmp_path, capsys, monkeypatch
):
    from pipelines import run
    from pipelines.warehouse_lock import WriterLock

    monkeypatch.setenv("WELLBEING_SOURCE_MIRROR", str(tmp_path / "dta"))
    monkeypatch.setattr(WriterLock, "acquire", pytest.fail)  # nothing started
    for argv in ([], ["--plan"]):
        assert run.main(argv) == 1
        out = capsys.readouterr()
        assert out.out == ""
        assert out.err == (
            f"The run could not start: the folder {tmp_path / 'dta'} does not exist "
            "(WELLBEING_SOURCE_MIRROR). Point it at a folder laid out like ../shared/data (check "
            "the spelling), or unset it to download every source from its official URL.\n"
        )
