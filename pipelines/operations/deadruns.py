"""Runs whose process died (``kill -9``, a crash, a closed terminal) are marked failed.

A run killed with ``kill -9`` never reports its end, so the instance keeps it STARTED for ever,
and the run queue (``deploy/dagster.local.yaml``: two runs at once, one warehouse writer) counts
it: after two such runs nothing launched from the UI, the schedule or automation ever leaves
QUEUED. Dagster's own run monitoring (``run_monitoring`` in both instance configs) fails runs
stuck in STARTING or CANCELING, but it can tell whether a STARTED run's process is alive only
through a run launcher that supports worker health checks (Kubernetes, ECS, Docker); the
``DefaultRunLauncher`` we use does not, and ``make run`` executes its run in its own process
with no launcher at all. So this module does that check itself:

* a run records its process id in its events: the process that emits the run's start (the event
  that makes it STARTED, on every entry point, ``dagster asset materialize`` included, which takes
  no tags), ``Started process for run (pid: N)`` from the launcher, ``Executing steps in process
  (pid: N)`` from the executor; ``make run`` also tags its run with ``wellbeing/pid`` and
  ``wellbeing/host``;
* a STARTED or STARTING run none of whose recorded processes on this machine is alive (or whose
  process id was reused by a process started after the run) is marked failed, with a message that
  says so (the published data is untouched: a killed publish leaves only temporary files).

It runs when ``make run`` and ``make dev`` start (``python -m pipelines.operations.deadruns``, one
line per run it marks), and every 30 seconds in the daemon (the ``dead_run_cleanup`` sensor), so
a run killed while ``dagster dev`` is up frees its place in the queue within a minute.

Only runs this machine can judge are touched: those tagged with this host, or any run of an
instance whose run storage is the local SQLite (one machine). Runs of a shared PostgreSQL
instance launched elsewhere are left to ``run_monitoring``'s ``max_runtime_seconds``.
"""

import os
import socket
import sys

import dagster as dg
import psutil

PID_TAG = "wellbeing/pid"
HOST_TAG = "wellbeing/host"
ALIVE_STATUSES = [dg.DagsterRunStatus.STARTED, dg.DagsterRunStatus.STARTING]
# A process started this long after the run's start cannot be the run's (its id was reused).
PID_REUSE_SLACK_SECONDS = 5.0


def run_process_tags() -> dict[str, str]:
    """Tags that let a later check tell whether this process (a ``make run``) is still alive."""
    return {PID_TAG: str(os.getpid()), HOST_TAG: socket.gethostname()}


def _local_storage(instance: dg.DagsterInstance) -> bool:
    from dagster._core.storage.runs.sqlite.sqlite_run_storage import SqliteRunStorage

    storage = getattr(instance.run_storage, "_storage", instance.run_storage)  # legacy wrapper
    return isinstance(storage, SqliteRunStorage)


def _recorded_pids(instance: dg.DagsterInstance, record) -> dict[int, float]:
    """Process id -> when the run recorded it (the process must have started before then)."""
    run = record.dagster_run
    pids: dict[int, float] = {}
    if run.tags.get(HOST_TAG) == socket.gethostname() and run.tags.get(PID_TAG, "").isdigit():
        pids[int(run.tags[PID_TAG])] = record.create_timestamp.timestamp()
    kinds = {dg.DagsterEventType.RUN_START, dg.DagsterEventType.ENGINE_EVENT}
    for entry in instance.all_logs(run.run_id, of_type=kinds):
        event = entry.dagster_event
        if event is None:
            continue
        if event.event_type == dg.DagsterEventType.RUN_START and event.pid:
            # the process that started executing the run (what made it STARTED): every entry
            # point has it, even one killed before its executor said its pid (make publish is
            # dagster asset materialize, which takes no tags)
            pids.setdefault(event.pid, entry.timestamp)
            continue
        pid = (getattr(event.event_specific_data, "metadata", None) or {}).get("pid")
        value = str(getattr(pid, "value", pid) or "")
        if value.isdigit():
            pids.setdefault(int(value), entry.timestamp)
    return pids


def _alive(pid: int, recorded_at: float) -> bool:
    """True when ``pid`` is a running process that started before the run recorded it."""
    try:
        process = psutil.Process(pid)
        if process.status() == psutil.STATUS_ZOMBIE:
            return False
        return process.create_time() <= recorded_at + PID_REUSE_SLACK_SECONDS
    except psutil.NoSuchProcess:
        return False
    except psutil.AccessDenied:  # another user's process: it exists
        return True


def dead_runs(instance: dg.DagsterInstance) -> list[tuple[dg.DagsterRun, set[int]]]:
    """Runs recorded as STARTED or STARTING whose every recorded process is gone, with the pids."""
    local = _local_storage(instance)
    host = socket.gethostname()
    out = []
    for record in instance.get_run_records(filters=dg.RunsFilter(statuses=ALIVE_STATUSES)):
        run = record.dagster_run
        if not local and run.tags.get(HOST_TAG) != host:
            continue  # launched on another machine: not ours to judge
        pids = _recorded_pids(instance, record)
        if not pids:
            continue  # STARTING before its process said who it is: run_monitoring's timeout
        if not any(_alive(pid, at) for pid, at in pids.items()):
            out.append((run, set(pids)))
    return out


def fail_dead_runs(instance: dg.DagsterInstance) -> list[str]:
    """Mark every dead run failed; one line per run for the console (empty when none)."""
    lines = []
    for run, pids in dead_runs(instance):
        pid_text = ", ".join(str(p) for p in sorted(pids))
        instance.report_run_failed(
            run,
            message=f"Marked failed: its process (pid {pid_text}) is no longer running (killed or "
            "crashed); the published data was left as it was.",
        )
        entry = run.tags.get("wellbeing/entry_point") or run.tags.get("dagster/sensor_name")
        lines.append(
            f"Run {run.run_id[:8]} ({run.job_name}{f', {entry}' if entry else ''}) was still "
            f"recorded as running, but its process (pid {pid_text}) had died: marked failed, so "
            "it no longer holds a place in the run queue."
        )
    return lines


@dg.sensor(
    name="dead_run_cleanup",
    minimum_interval_seconds=30,
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="Marks failed any run recorded as started whose process has died (kill -9, a "
    "crash), so it no longer holds a place in the run queue (see pipelines/operations/"
    "deadruns.py). Launches nothing.",
)
def dead_run_cleanup(context: dg.SensorEvaluationContext) -> dg.SkipReason:
    lines = fail_dead_runs(context.instance)
    for line in lines:
        context.log.warning(line)
    return dg.SkipReason("; ".join(lines) or "no dead runs")


def main() -> int:
    """``make run`` / ``make dev``: mark dead runs of the instance in ``DAGSTER_HOME`` failed."""
    if not os.environ.get("DAGSTER_HOME"):
        return 0
    instance = dg.DagsterInstance.get()
    try:
        for line in fail_dead_runs(instance):
            print(line, flush=True)
    finally:
        instance.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main())
