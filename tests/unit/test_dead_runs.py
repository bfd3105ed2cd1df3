"""A run whose process was killed with ``kill -9`` is marked failed (``make run``, ``make dev``
and the daemon's ``dead_run_cleanup`` sensor), so it no longer blocks the run queue; a run whose
process is alive is left alone. The run is a real Dagster run in a real child process."""

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import dagster as dg
import pytest
import yaml

from pipelines.operations.deadruns import dead_run_cleanup, fail_dead_runs
from pipelines.settings import PROJECT_ROOT

# A job whose one step sleeps: started as `make run` starts its run (execute_job in its own
# process, tagged with that process), then killed.
RUNNER = textwrap.dedent(
    """
    import time
    import dagster as dg
    from pipelines.operations.deadruns import run_process_tags

    @dg.op
    def wait_forever():
        time.sleep(600)

    @dg.job
    def sleeper():
        wait_forever()

    if __name__ == "__main__":
        dg.execute_job(
            dg.reconstructable(sleeper),
            instance=dg.DagsterInstance.get(),
            tags={"wellbeing/entry_point": "make run", **run_process_tags()},
            run_config={"execution": {"config": {"in_process": {}}}},
        )
    """
)


@pytest.fixture()
def home(tmp_path, monkeypatch) -> Path:
    home = tmp_path / "dagster_home"
    home.mkdir()
    (home / "dagster.yaml").write_text((PROJECT_ROOT / "deploy" / "dagster.local.yaml").read_text())
    monkeypatch.setenv("DAGSTER_HOME", str(home))
    return home


def create_instance(home: Path) -> None:
    """Make the new instance's SQLite tables in ``home`` before another process opens it: two
    processes opening a new instance at once both create them ("table alembic_version already
    exists"), as an analyst's first ``make run`` never does."""
    dg.DagsterInstance.from_config(str(home)).dispose()


def _start_run(home: Path, tmp_path: Path) -> tuple[subprocess.Popen, str]:
    create_instance(home)
    script = tmp_path / "sleeper.py"
    script.write_text(RUNNER)
    env = {**os.environ, "DAGSTER_HOME": str(home), "PYTHONPATH": str(PROJECT_ROOT)}
    proc = subprocess.Popen([sys.executable, str(script)], env=env, cwd=tmp_path)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        with dg.DagsterInstance.get() as instance:
            runs = instance.get_runs(filters=dg.RunsFilter(statuses=[dg.DagsterRunStatus.STARTED]))
            steps = runs and instance.all_logs(
                runs[0].run_id, of_type=dg.DagsterEventType.STEP_START
            )
            if steps:
                return proc, runs[0].run_id
        assert proc.poll() is None, "the run's process ended early"
        time.sleep(0.5)
    proc.kill()
    raise AssertionError("the run did not start")


def test_a_killed_run_is_marked_failed_and_a_live_one_is_not(home, tmp_path):
    proc, run_id = _start_run(home, tmp_path)
    try:
        with dg.DagsterInstance.get() as instance:
            assert fail_dead_runs(instance) == []  # alive: left alone
            assert instance.get_run_by_id(run_id).status == dg.DagsterRunStatus.STARTED
    finally:
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
    with dg.DagsterInstance.get() as instance:
        # as the tester saw: killed, still STARTED, and counted by the run queue
        assert instance.get_run_by_id(run_id).status == dg.DagsterRunStatus.STARTED
        lines = fail_dead_runs(instance)
        assert len(lines) == 1 and lines[0].startswith(f"Run {run_id[:8]} (sleeper, make run)")
        assert f"(pid {proc.pid}) had died: marked failed" in lines[0]
        run = instance.get_run_by_id(run_id)
        assert run.status == dg.DagsterRunStatus.FAILURE
        failure = instance.all_logs(run_id, of_type=dg.DagsterEventType.RUN_FAILURE)
        assert "is no longer running" in failure[-1].dagster_event.message
        assert fail_dead_runs(instance) == []  # once only


def test_the_daemon_sensor_and_make_run_entry_fail_dead_runs(home, tmp_path):
    proc, run_id = _start_run(home, tmp_path)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    with dg.DagsterInstance.get() as instance:
        result = dead_run_cleanup(dg.build_sensor_context(instance=instance))
        assert isinstance(result, dg.SkipReason) and run_id[:8] in result.skip_message
        assert instance.get_run_by_id(run_id).status == dg.DagsterRunStatus.FAILURE
    # make dev and make publish run the same check first (the Makefile), make run in its main
    makefile = (PROJECT_ROOT / "Makefile").read_text()
    for target in ("dev", "publish"):
        recipe = makefile.split(f"\n{target}: install\n", 1)[1].split("\n\n", 1)[0]
        assert "$(PY) -m pipelines.operations.deadruns" in recipe, target
    assert "fail_dead_runs(instance)" in (PROJECT_ROOT / "pipelines" / "run.py").read_text()


# A run that has started (its start event, from its own process, made it STARTED) and is killed
# before its executor says which process it is: `make publish` (dagster asset materialize, which
# takes no tags) killed while it sets up its first step. No pid tag, no executor event.
STARTED_ONLY = textwrap.dedent(
    """
    import os, time
    import dagster as dg
    from dagster._core.events import DagsterEvent, DagsterEventType

    @dg.op
    def never_runs():
        pass

    @dg.job
    def publisher():
        never_runs()

    if __name__ == "__main__":
        instance = dg.DagsterInstance.get()
        run = instance.create_run_for_job(job_def=publisher)
        instance.report_dagster_event(
            DagsterEvent(
                event_type_value=DagsterEventType.RUN_START.value,
                job_name=run.job_name,
                message="Started execution of run.",
                pid=os.getpid(),
            ),
            run_id=run.run_id,
        )
        time.sleep(600)
    """
)


def test_a_run_killed_before_its_executor_named_its_process_is_marked_failed(home, tmp_path):
    create_instance(home)
    script = tmp_path / "publisher.py"
    script.write_text(STARTED_ONLY)
    env = {**os.environ, "DAGSTER_HOME": str(home), "PYTHONPATH": str(PROJECT_ROOT)}
    proc = subprocess.Popen([sys.executable, str(script)], env=env, cwd=tmp_path)
    try:
        deadline = time.monotonic() + 120
        runs = []
        while not runs and time.monotonic() < deadline:
            assert proc.poll() is None, "the run's process ended early"
            time.sleep(0.5)
            with dg.DagsterInstance.get() as instance:
                runs = instance.get_runs(
                    filters=dg.RunsFilter(statuses=[dg.DagsterRunStatus.STARTED])
                )
        assert runs, "the run did not start"
        run_id = runs[0].run_id
        assert runs[0].tags.get("wellbeing/pid") is None
        with dg.DagsterInstance.get() as instance:
            assert fail_dead_runs(instance) == []  # its process is alive
    finally:
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
    with dg.DagsterInstance.get() as instance:
        lines = fail_dead_runs(instance)
        assert len(lines) == 1 and f"(pid {proc.pid}) had died" in lines[0]
        assert instance.get_run_by_id(run_id).status == dg.DagsterRunStatus.FAILURE


@pytest.mark.parametrize("name", ["dagster.yaml", "dagster.local.yaml"])
def test_every_instance_config_monitors_runs(name, tmp_path, monkeypatch):
    """Both instance configs turn run monitoring on (STARTING / CANCELING timeouts and a runtime
    backstop), and Dagster accepts them (the instance is built from the file)."""
    config = yaml.safe_load((PROJECT_ROOT / "deploy" / name).read_text())
    monitoring = config["run_monitoring"]
    assert monitoring["enabled"] is True
    assert 0 < monitoring["start_timeout_seconds"] <= 300
    assert 0 < monitoring["cancel_timeout_seconds"] <= 300
    assert monitoring["max_runtime_seconds"] >= 3600
    if name == "dagster.local.yaml":
        (tmp_path / "dagster.yaml").write_text(yaml.safe_dump(config))
        with dg.DagsterInstance.from_config(str(tmp_path)) as instance:
            assert instance.run_monitoring_enabled
            assert instance.run_monitoring_start_timeout_seconds == 180
            assert instance.run_monitoring_max_runtime_seconds == 21600


def test_make_dev_stops_on_sigterm_even_when_started_with_sigint_ignored():
    """Ctrl-C / SIGTERM reach dagster dev. A shell that starts ``make dev`` in the background
    ignores SIGINT; dagster dev copies SIGINT's handler onto SIGTERM (``setup_interrupt_handlers``),
    so it ignored both and never stopped. The recipe's command line, with dagster dev replaced by
    a Python that does what dagster dev does at start, run with SIGINT ignored as such a shell
    would: SIGTERM is handled. Without the recipe's prefix it is ignored (the tester's case)."""
    makefile = (PROJECT_ROOT / "Makefile").read_text()
    recipe = makefile.split("\ndev: install\n", 1)[1].split("\n\n", 1)[0]
    line = next(x.strip() for x in recipe.splitlines() if "dagster dev" in x)
    assert line.startswith("exec ") and line.endswith(
        "$(VENV)/bin/dagster dev -m pipelines.definitions"
    )
    probe = [
        sys.executable,
        "-c",
        (
            "import signal; from dagster._utils.interrupts import setup_interrupt_handlers; "
            "setup_interrupt_handlers(); print(signal.getsignal(signal.SIGTERM) is signal.SIG_IGN)"
        ),
    ]
    prefix = line.removeprefix("exec ").split("$(VENV)")[0].split()

    def ignored(command):
        def ignore_sigint():
            signal.signal(signal.SIGINT, signal.SIG_IGN)

        out = subprocess.run(
            command, capture_output=True, text=True, preexec_fn=ignore_sigint, check=False
        )
        assert out.returncode == 0, out.stderr
        return out.stdout.strip() == "True"

    assert ignored(probe)  # the defect: dagster dev started like this ignores SIGTERM
    assert not ignored([*prefix, *probe])  # as make dev starts it
