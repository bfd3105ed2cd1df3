"""How a run logs: the console logger every job uses, and the file of a run's complete log.

Dagster's own console logger prints the whole error of a failed step: its stack trace and every
chained cause, dozens of lines a step (thousands when every download fails). Ours, registered once
as the code location's ``console`` logger (``dg.Definitions(loggers=...)`` in
``pipelines.definitions``), prints the same lines but says a failed step in one: the step, then
the error's class and the first sentence of its message (``refresh.user_error``, as in ``make
run``'s summary); a ``dg.Failure`` our code raised on purpose (the quality gate's refusal) is said
by its whole description, which is written for the user. At ``log_level: DEBUG`` it prints
everything, traces included.

Nothing is lost: the run's event log (the Dagster UI, ``instance.all_logs``) is written by
Dagster's own handler, not by a console logger, and keeps every error in full; and the ``file``
logger writes the complete log (every level, every trace) to ``<log_dir>/<run id>.log``
(``make run`` turns it on, in ``WELLBEING_LOG_DIR``, and prints the path at the end).

A run whose run config names no logger (a run launched from the UI's launchpad with empty config,
for instance) gets Dagster's default console logger instead: Dagster only uses the loggers a run
config names. Jobs that should log quietly there carry ``QUIET_CONSOLE`` as default config.
"""

import logging
import sys
from pathlib import Path

import dagster as dg

# Dagster's own line format (dagster._utils.log.default_format_string), so our lines read the same.
LINE_FORMAT = "%(asctime)s - %(name)s - %(levelname)s - %(message)s"
DATE_FORMAT = "%Y-%m-%d %H:%M:%S %z"
# Default run config that selects our console logger (Dagster uses a run config's loggers only).
QUIET_CONSOLE = {"loggers": {"console": {"config": {"log_level": "INFO"}}}}


def short_error_line(message: str, error) -> str:
    """One line for a log message that carries an error (``SerializableErrorInfo``): the message's
    first line (Dagster's ``job - run - pid - step - EVENT - message``), then the class and the
    first sentence of the error our code raised, under Dagster's wrappers."""
    from pipelines.operations.refresh import first_sentence, user_error

    cls, text = user_error(error)
    lines = text.strip().splitlines() or [""]
    return f"{message.splitlines()[0]} {cls}: {first_sentence(lines[0])}"


def _event_data(record: logging.LogRecord):
    """The data of the Dagster event a log record carries (``None`` for a plain log line)."""
    return getattr(getattr(record, "dagster_event", None), "event_specific_data", None)


def _failure_description(record: logging.LogRecord) -> str:
    """The description of a ``dg.Failure`` our code raised on purpose (say, the quality gate's
    refusal: which checks failed, and how to fix or accept), written for the user: said whole."""
    failure = getattr(_event_data(record), "user_failure_data", None)
    return (getattr(failure, "description", None) or "").strip()


class ShortErrorFormatter(logging.Formatter):
    """Dagster's line format, with an error said in one line instead of its traceback."""

    def format(self, record: logging.LogRecord) -> str:
        error = getattr(_event_data(record), "error", None)  # a failed step, resource, run
        if error is None and not record.exc_info:
            return super().format(record)
        short = logging.makeLogRecord(record.__dict__)
        message = record.getMessage()
        if description := _failure_description(record):
            message = f"{message.splitlines()[0]} {description}"
        elif error is not None:
            message = short_error_line(message, error)
        elif record.exc_info and record.exc_info[1] is not None:  # a log.exception() in our code
            exc = record.exc_info[1]
            first = (str(exc).strip().splitlines() or [""])[0]
            message = f"{message.splitlines()[0]} {type(exc).__name__}: {first}"
        short.msg, short.args, short.exc_info, short.exc_text = message, (), None, None
        return super().format(short)


def _level(name: str) -> int:
    """A log level from its name (``INFO``, ``debug``) or number."""
    levels = logging.getLevelNamesMapping()
    if name.strip().isdigit():
        return int(name)
    if name.strip().upper() not in levels:
        raise ValueError(f"log level {name!r} is not one of {', '.join(levels)}")
    return levels[name.strip().upper()]


def _logger(name: str, level: int, handler: logging.Handler) -> logging.Logger:
    # Like Dagster's own loggers: one of its own for each run, not the logging module's named one
    # (which every run would add a handler to, and which would pass records to the root logger).
    logger = logging.getLoggerClass()(name, level=level)
    logger.addHandler(handler)
    return logger


_CONFIG = {
    "log_level": dg.Field(str, is_required=False, default_value="INFO"),
    "name": dg.Field(str, is_required=False, default_value="dagster"),
}


@dg.logger(
    _CONFIG,
    description="Console (stderr): Dagster's lines, a failed step in one line (its error's class "
    "and first sentence; the trace is in the run's event log). log_level DEBUG prints everything, "
    "traces included.",
)
def console_logger(init_context: "dg.InitLoggerContext") -> logging.Logger:
    level = _level(init_context.logger_config["log_level"])
    handler = logging.StreamHandler(sys.stderr)
    formatter = LINE_FORMAT, DATE_FORMAT
    handler.setFormatter(
        logging.Formatter(*formatter) if level <= logging.DEBUG else ShortErrorFormatter(*formatter)
    )
    return _logger(init_context.logger_config["name"], level, handler)


def run_log_file(log_dir: Path, run_id: str) -> Path:
    """Where the ``file`` logger writes the complete log of run ``run_id``."""
    return log_dir / f"{run_id}.log"


def prune_run_logs(log_dir: Path, keep: int) -> list[Path]:
    """Delete the run logs in ``log_dir`` beyond the newest ``keep`` (by modification time, as
    the quality reports are pruned: ``WELLBEING_QUALITY_KEEP_RUNS``). Returns the files removed."""
    logs = sorted(Path(log_dir).glob("*.log"), key=lambda p: p.stat().st_mtime, reverse=True)
    for old in logs[keep:]:
        old.unlink(missing_ok=True)
    return logs[keep:]


@dg.logger(
    {
        **_CONFIG,
        "log_level": dg.Field(str, is_required=False, default_value="DEBUG"),
        "log_dir": str,
    },
    description="The complete log of the run, every level and every trace, in <log_dir>/<run id>.log.",
)
def file_logger(init_context: "dg.InitLoggerContext") -> logging.Logger:
    config = init_context.logger_config
    path = run_log_file(Path(config["log_dir"]), init_context.run_id or "no-run")
    path.parent.mkdir(parents=True, exist_ok=True)
    # Append: with parallel step processes each opens the same file (one line per write).
    handler = logging.FileHandler(path, mode="a", encoding="utf-8", delay=True)
    handler.setFormatter(logging.Formatter(LINE_FORMAT, DATE_FORMAT))
    level = _level(config["log_level"])
    return _logger(config["name"], level, handler)


LOGGERS = {"console": console_logger, "file": file_logger}
