"""The console logger says a failed step in one line; the file logger and the event log keep the
whole error (the run through ``make run`` on an empty mirror: tests/integration/test_refresh.py)."""

import os
import re

import dagster as dg

from pipelines.definitions import defs
from pipelines.logs import LOGGERS, prune_run_logs, run_log_file, short_error_line


def _run(tmp_path, level: str, raised: type[Exception] = ValueError):
    """Materialise an asset that fails on an error chained to a missing file (the way our loaders
    fail), through the code location's loggers; return (result, instance)."""

    @dg.asset(key=["raw", "wimd"])
    def wimd(context) -> None:
        try:
            (tmp_path / "wimd.ods").read_bytes()
        except OSError as missing:
            context.log.exception("could not open the WIMD file")
            raise raised(
                "Row 3 of wimd.ods (column lsoa_code): expected a 2021 LSOA code, found 'X1'. "
                "Fix the file.\nA second line that only the trace needs."
            ) from missing

    job = dg.Definitions(assets=[wimd], loggers=LOGGERS).resolve_implicit_global_asset_job_def()
    instance = dg.DagsterInstance.ephemeral()
    result = job.execute_in_process(
        run_config={
            "loggers": {
                "console": {"config": {"log_level": level}},
                "file": {"config": {"log_dir": str(tmp_path / "logs")}},
            }
        },
        instance=instance,
        raise_on_error=False,
    )
    assert not result.success
    return result, instance


def test_a_failed_step_is_one_console_line_and_the_trace_is_kept(tmp_path, capfd):
    result, instance = _run(tmp_path, "INFO")
    err = capfd.readouterr().err
    assert "Traceback" not in err and 'File "' not in err, err
    assert "second line" not in err
    [failure] = [line for line in err.splitlines() if "STEP_FAILURE" in line]
    assert failure.endswith(
        ' - raw__wimd - STEP_FAILURE - Execution of step "raw__wimd" failed. ValueError: Row 3 of '
        "wimd.ods: expected a 2021 LSOA code, found 'X1'."
    ), failure
    assert " - dagster - ERROR - __ASSET_JOB - " in failure
    # a log.exception() in our code: its message, then the exception's class and first line
    [logged] = [line for line in err.splitlines() if "could not open the WIMD file" in line]
    assert re.search(r"could not open the WIMD file FileNotFoundError: \[Errno 2\] ", logged)
    assert " - DEBUG - " not in err  # INFO and above

    # The complete log: every level, the trace and its cause.
    log = run_log_file(tmp_path / "logs", result.run_id).read_text()
    assert " - DEBUG - " in log and "STEP_FAILURE" in log
    assert 'File "' in log and "A second line that only the trace needs." in log
    assert "FileNotFoundError" in log and "Traceback (most recent call last)" in log
    # The event log the Dagster UI shows is written apart from the loggers: the whole error.
    [event] = instance.all_logs(result.run_id, of_type=dg.DagsterEventType.STEP_FAILURE)
    error = event.dagster_event.step_failure_data.error
    assert (
        error.cause.cls_name == "ValueError" and error.cause.cause.cls_name == "FileNotFoundError"
    )
    assert 'File "' in error.to_string() and "only the trace needs" in error.to_string()


def test_at_debug_the_console_shows_every_event_and_trace(tmp_path, capfd):
    _run(tmp_path, "DEBUG")
    err = capfd.readouterr().err
    assert " - DEBUG - " in err and "STEP_START" in err
    assert 'File "' in err and "A second line that only the trace needs." in err
    assert "Traceback (most recent call last)" in err  # the log.exception() in full


def test_the_short_line_is_the_error_our_code_raised_under_dagsters_wrappers():
    """Pure: the header line of Dagster's message, then user_error's class and first sentence."""
    from dagster._utils.error import SerializableErrorInfo

    cause = SerializableErrorInfo(
        "pipelines.catalogue.SourceUnavailableError: Source 'msoa_names' (MSOA names (2021)) is "
        "not in the mirror folder /m: looked for /m/msoa_la.csv. Run `make mirror`.\nMore.\n",
        ['  File "pipelines/catalogue.py", line 363, in _from_mirror\n'],
        "SourceUnavailableError",
    )
    wrapper = SerializableErrorInfo(
        'dagster._core.errors.DagsterExecutionStepExecutionError: Error occurred while executing op "raw__msoa_names"::\n',
        ['  File "dagster/_core/execution/plan/utils.py", line 57\n'],
        "DagsterExecutionStepExecutionError",
        cause,
    )
    message = 'whole_refresh - 1a2b - raw__msoa_names - STEP_FAILURE - Execution of step "raw__msoa_names" failed.'
    assert short_error_line(f"{message}\n\n{wrapper.to_string()}", wrapper) == (
        f"{message} SourceUnavailableError: Source 'msoa_names' is not in the mirror folder /m: "
        "looked for /m/msoa_la.csv."
    )


def test_every_job_of_the_code_location_logs_through_our_loggers():
    for job in defs.resolve_all_job_defs():
        assert job.loggers == LOGGERS, job.name


def test_runs_the_ui_and_the_daemon_launch_name_our_console_logger():
    """Dagster uses only the loggers a run config names (none: its own console logger, traces
    and all); the jobs' default config names ours, also under the inbox sensor's op config."""
    from pipelines.operations import jobs
    from pipelines.operations.sensors import PARTNER_OP

    ours = {"console": {"config": {"log_level": "INFO", "name": "dagster"}}}
    for name in (jobs.WHOLE_REFRESH_JOB, jobs.PUBLIC_REFRESH_JOB, jobs.PUBLISH_JOB):
        assert dg.validate_run_config(defs.resolve_job_def(name), {})["loggers"] == ours, name
    partner = defs.resolve_job_def(jobs.PARTNER_INGESTION_JOB)
    sensor_config = {"ops": {PARTNER_OP: {"config": {"files": ["cardiff.csv"]}}}}
    assert dg.validate_run_config(partner, sensor_config)["loggers"] == ours


def test_a_refusal_is_said_whole_without_its_trace(tmp_path, capfd):
    """A dg.Failure (the quality gate's refusal) is a message for the user: every line of it."""
    from datetime import UTC, datetime

    from pipelines.quality.gate import GateFailure, gate_message

    failed = GateFailure(
        "raw.wimd_2025_ranks",
        "contract_wimd_2025_ranks",
        datetime(2026, 12, 1, tzinfo=UTC),
        "1a2b3c4d",
        ("expect_table_row_count_to_equal",),
        ("1,917 rows, one for each 2021 LSOA",),
    )
    refusal = gate_message("staging.stg_wimd__wimd_2025", [failed])
    assert len(refusal.splitlines()) == 3 and "make accept-source" in refusal

    @dg.asset(key=["staging", "stg_wimd__wimd_2025"])
    def refused() -> None:
        raise dg.Failure(description=refusal)

    job = dg.Definitions(assets=[refused], loggers=LOGGERS).resolve_implicit_global_asset_job_def()
    job.execute_in_process(
        run_config={"loggers": {"console": {"config": {"log_level": "INFO"}}}},
        instance=dg.DagsterInstance.ephemeral(),
        raise_on_error=False,
    )
    err = capfd.readouterr().err
    assert 'File "' not in err and "Traceback" not in err, err
    step = "staging__stg_wimd__wimd_2025"
    assert f' - {step} - STEP_FAILURE - Execution of step "{step}" failed. {refusal}\n' in err


def test_run_logs_are_pruned_to_the_newest_runs(tmp_path):
    logs = [run_log_file(tmp_path, f"run-{i}") for i in range(5)]
    for age, path in enumerate(reversed(logs)):  # run-4 is the newest
        path.write_text("log")
        os.utime(path, (1_000_000 - age * 60, 1_000_000 - age * 60))
    (tmp_path / "notes.txt").write_text("not a run log")
    removed = prune_run_logs(tmp_path, keep=2)
    assert sorted(p.name for p in removed) == ["run-0.log", "run-1.log", "run-2.log"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.txt", "run-3.log", "run-4.log"]
