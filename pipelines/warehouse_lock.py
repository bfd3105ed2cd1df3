"""One writer at a time on the working DuckDB file, whatever started the run.

DuckDB allows one read-write process *or* many read-only processes per file, and its own file
lock lasts only as long as a connection is open. A pipeline run opens and closes a connection
per step, so two runs started together (two ``make run``, the UI and the daemon, a test) would
interleave their steps. This module adds the missing run-level lock:

- ``WriterLock``: an exclusive lock file beside the warehouse (``<warehouse>.lock``, taken with
  ``filelock``, i.e. ``flock``; the operating system releases it when the process dies, so there
  is never a stale lock to clean up). The holder writes who it is into the file: process id,
  Dagster run id, entry point (``make run``, ``schedule monthly_public_refresh``, ``sensor
  wellbeing_automation``, the UI, a test...) and since when. A second writer either waits,
  logging who holds the warehouse every ``LOG_EVERY_SECONDS``, or fails at once with that
  message (``WELLBEING_WRITER_WAIT_SECONDS``; ``0`` = fail at once). The lock is re-entrant
  within a process: a run holds it from start to end (``Warehouse.setup_for_execution``) and
  every connection a step opens inside the run reuses it.
- ``retry_while_in_use``: open (or attach) the file, and when a program that is *not* a
  pipeline run holds DuckDB's own lock (a reader opened the working file instead of the
  published one), retry for a few seconds only (``WELLBEING_WAREHOUSE_BUSY_SECONDS``), then fail
  with an error naming that program's process id and the published file to use instead. It
  uses ``retry``, the one retry loop of the warehouse (DuckLake commit conflicts use it too).

The lock belongs to the DuckDB-file back-end (``pipelines.warehouse.FileBackend.writer_lock``);
DuckLake on PostgreSQL takes concurrent writers, and its back-end returns ``NO_LOCK``, a lock that
does nothing. The ``Warehouse`` resource and ``publish`` ask the back-end for its lock; nothing
else in the pipeline knows about it.
"""

import json
import math
import os
import re
import socket
import sys
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TypeVar

import duckdb
from filelock import FileLock, Timeout

from pipelines.settings import setting_number, setting_path

LOCK_SUFFIX = ".lock"
LOG_EVERY_SECONDS = 30.0
POLL_SECONDS = 1.0
ENTRY_POINT_ENV = "WELLBEING_ENTRY_POINT"
"""Set by the commands we ship (``make run`` sets ``make run``) so the holder line says which."""

Log = Callable[[str], None]
T = TypeVar("T")


class WarehouseBusyError(RuntimeError):
    """Another pipeline writer holds the working warehouse (the message says who and since when)."""


class WarehouseInUseError(RuntimeError):
    """A program that is not a pipeline run has the working DuckDB file open."""


@dataclass(frozen=True)
class Holder:
    """Who holds the writer lock, as written into the lock file by the holder."""

    pid: int
    entry_point: str
    since: str
    run_id: str | None = None
    host: str = ""
    command: str = ""

    def describe(self, now: datetime | None = None) -> str:
        """E.g. ``pid 4242 (run 1a2b3c4d, make run) since 2025-06-01 10:02:03 UTC (45 s)``."""
        now = now or datetime.now(UTC)
        try:
            started = datetime.fromisoformat(self.since)
            age = f" ({int((now - started).total_seconds())} s)"
            when = f"{started:%Y-%m-%d %H:%M:%S} UTC{age}"
        except ValueError:
            when = self.since
        run = f"run {self.run_id[:8]}, " if self.run_id else ""
        host = f" on {self.host}" if self.host and self.host != socket.gethostname() else ""
        return f"pid {self.pid}{host} ({run}{self.entry_point}) since {when}"


def entry_point(tags: dict[str, str] | None = None) -> str:
    """What started this process's run, for the holder line.

    Order: ``WELLBEING_ENTRY_POINT`` (our commands set it), then the Dagster run tags (schedule,
    sensor, automation, backfill), then the command line (the UI and the daemon launch runs with
    ``dagster api execute_run``; ``dagster asset materialize``; pytest).
    """
    tags = tags or {}
    if os.environ.get(ENTRY_POINT_ENV):
        return os.environ[ENTRY_POINT_ENV]
    if tags.get("dagster/schedule_name"):
        return f"schedule {tags['dagster/schedule_name']}"
    if tags.get("dagster/sensor_name"):
        return f"sensor {tags['dagster/sensor_name']}"
    if tags.get("dagster/from_automation_condition") or tags.get("dagster/auto_materialize"):
        return "declarative automation"
    if tags.get("dagster/backfill"):
        return f"backfill {tags['dagster/backfill']}"
    argv = " ".join(Path(sys.argv[0]).name.split() + sys.argv[1:]) if sys.argv else ""
    if "api grpc" in argv or "dagster-webserver" in argv or argv.startswith("dagster dev"):
        return "the Dagster UI (make dev)"  # the UI's code server runs in-process jobs itself
    if "execute_run" in argv or "execute_step" in argv:
        return "Dagster UI or daemon (launched run)"
    if "materialize" in argv and "dagster" in argv:
        return "dagster asset materialize"
    if "pytest" in argv or "xdist" in argv or "pytest" in sys.modules:
        return "test harness (pytest)"
    return argv[:80] or "python"


def not_writable(path: Path, exc: OSError) -> str:
    """One line for a lock (or warehouse) file that cannot be made, e.g. in a read-only
    ``data/`` folder: which folder, why, and the variable that moves the warehouse."""
    reason = exc.strerror or str(exc)
    return (
        f"the folder {path.parent} is not writable ({reason}), so the working warehouse and its "
        "lock file cannot be written there. Make the folder writable, or set "
        "WELLBEING_WAREHOUSE to a warehouse file in a folder you can write."
    )


def lock_path(warehouse_file: Path) -> Path:
    """The lock file of a warehouse: ``<warehouse>.lock`` beside it."""
    warehouse_file = Path(warehouse_file)
    return warehouse_file.with_name(warehouse_file.name + LOCK_SUFFIX)


class WriterLock:
    """The run-level writer lock of one warehouse file (re-entrant within the process).

    Use ``writer_lock(file)`` to get the process's one instance for a file.
    """

    def __init__(self, warehouse_file: Path):
        self.warehouse_file = Path(warehouse_file)
        self.path = lock_path(self.warehouse_file)
        self._count = 0
        self._mutex = threading.RLock()
        self._lock: FileLock | None = None
        self._holder: Holder | None = None

    @property
    def held(self) -> bool:
        """True while this process holds the lock."""
        return self._count > 0

    def holder(self) -> Holder | None:
        """The holder recorded in the lock file (``None`` when empty or unreadable)."""
        try:
            data = json.loads(self.path.read_text(encoding="utf-8") or "null")
        except (OSError, ValueError):
            return None
        if not isinstance(data, dict) or "pid" not in data:
            return None
        fields = Holder.__dataclass_fields__
        return Holder(**{k: v for k, v in data.items() if k in fields})

    def _holder_text(self) -> str:
        holder = self.holder()
        if holder is None:
            return "another pipeline process (it has not written its details yet)"
        return holder.describe()

    def _write_holder(self, fd: int) -> None:
        data = json.dumps(asdict(self._holder), indent=None).encode("utf-8")
        os.ftruncate(fd, 0)
        os.pwrite(fd, data + b"\n", 0)

    def acquire(
        self,
        *,
        run_id: str | None = None,
        entry: str | None = None,
        wait_seconds: float | None = None,
        log: Log | None = None,
    ) -> None:
        """Take the lock (or count one more use if this process holds it).

        Args:
            run_id: the Dagster run id, recorded for whoever waits.
            entry: the entry point (default: ``entry_point()``).
            wait_seconds: how long to wait for another writer (default
                ``WELLBEING_WRITER_WAIT_SECONDS``); 0 fails at once, negative waits forever.
            log: called with the waiting line (e.g. ``context.log.warning``).

        Raises:
            WarehouseBusyError: another writer still holds the warehouse after ``wait_seconds``.
        """
        log = log or (lambda message: None)
        with self._mutex:
            if self._count:
                self._count += 1
                if run_id and self._holder and self._holder.run_id != run_id:
                    self._update(run_id=run_id)
                return
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._holder = Holder(
                pid=os.getpid(),
                entry_point=entry or entry_point(),
                since=datetime.now(UTC).isoformat(timespec="seconds"),
                run_id=run_id,
                host=socket.gethostname(),
                command=" ".join(sys.argv)[:200],
            )
            lock = FileLock(
                self.path,
                thread_local=False,
                preserve_lock_file=True,
                on_acquired=self._write_holder,
            )
            wait = (
                setting_number("WELLBEING_WRITER_WAIT_SECONDS")
                if wait_seconds is None
                else float(wait_seconds)
            )
            started = time.monotonic()
            next_log = 0.0
            while True:
                try:
                    lock.acquire(timeout=0 if wait == 0 else POLL_SECONDS)
                    break
                except Timeout:
                    waited = time.monotonic() - started
                    message = (
                        f"the working warehouse {self.warehouse_file} is being written by "
                        f"{self._holder_text()}"
                    )
                    if wait == 0 or (wait > 0 and waited >= wait):
                        raise WarehouseBusyError(
                            f"{message}. One writer at a time: this run did not start. Run "
                            "again when that one has finished (or set "
                            "WELLBEING_WRITER_WAIT_SECONDS to wait for it)."
                        ) from None
                    if waited >= next_log:
                        limit = "until it finishes" if wait < 0 else f"up to {wait:.0f} s"
                        log(
                            f"waiting for the warehouse ({limit}, {waited:.0f} s so far): {message}"
                        )
                        next_log = waited + LOG_EVERY_SECONDS
            self._lock = lock
            self._count = 1

    def _update(self, **changes) -> None:
        self._holder = Holder(**{**asdict(self._holder), **changes})
        fd = os.open(self.path, os.O_WRONLY)
        try:
            self._write_holder(fd)
        finally:
            os.close(fd)

    def release(self) -> None:
        """Give back one use; the last one empties the lock file and unlocks it."""
        with self._mutex:
            if not self._count:
                return
            self._count -= 1
            if self._count:
                return
            try:
                fd = os.open(self.path, os.O_WRONLY)
                try:
                    os.ftruncate(fd, 0)
                finally:
                    os.close(fd)
            except OSError:
                pass
            lock, self._lock, self._holder = self._lock, None, None
            if lock is not None:
                lock.release(force=True)

    @contextmanager
    def hold(self, **kwargs) -> Iterator["WriterLock"]:
        """``with writer_lock(file).hold(run_id=...):`` acquire, then release (see ``acquire``)."""
        self.acquire(**kwargs)
        try:
            yield self
        finally:
            self.release()


class NoLock:
    """The lock of a back-end that takes concurrent writers (DuckLake on PostgreSQL): every
    method of ``WriterLock``, doing nothing."""

    held = False
    path = None

    def holder(self) -> Holder | None:
        return None

    def acquire(self, **kwargs) -> None:
        return None

    def release(self) -> None:
        return None

    @contextmanager
    def hold(self, **kwargs) -> Iterator["NoLock"]:
        yield self


NO_LOCK = NoLock()

_LOCKS: dict[Path, WriterLock] = {}
_LOCKS_MUTEX = threading.Lock()


def writer_lock(warehouse_file: Path | str) -> WriterLock:
    """This process's writer lock for ``warehouse_file`` (one instance per file)."""
    key = Path(warehouse_file).resolve()
    with _LOCKS_MUTEX:
        if key not in _LOCKS:
            _LOCKS[key] = WriterLock(key)
        return _LOCKS[key]


# ---------------------------------------------------------------------------------------------
# Opening the file: a short, logged wait while another program holds DuckDB's own lock

DUCKDB_HOLDER = re.compile(r"Conflicting lock is held in (?P<program>.+?) \(PID (?P<pid>\d+)\)")


def _is_lock_error(exc: Exception) -> bool:
    return isinstance(exc, duckdb.IOException) and "lock" in str(exc).lower()


def in_use_error(file: Path, exc: Exception) -> WarehouseInUseError:
    """The error for a warehouse file another program holds open: who, and what to use instead."""
    match = DUCKDB_HOLDER.search(str(exc))
    who = f"process {match['pid']} ({match['program']})" if match else "another program"
    published = setting_path("WELLBEING_PUBLISH_DIR") / "wellbeing.duckdb"
    return WarehouseInUseError(
        f"the working warehouse {file} is open in {who}, which is not a pipeline run. Readers "
        f"must open the published file {published} read-only instead (it has every mart and "
        f"reference table); close that program or point it at the published file, then run "
        f"again. DuckDB said: {exc}"
    )


def retry(
    action: Callable[[], T],
    errors: type[BaseException] | tuple[type[BaseException], ...],
    pauses: Iterable[float],
    when: Callable[[BaseException], bool] | None = None,
) -> T:
    """The one retry loop of the warehouse: run ``action()``; when it raises one of ``errors``
    (for which ``when(error)`` holds, if given), wait the next of ``pauses`` seconds and run it
    again; once the pauses are used up, the error propagates.

    For failures another process causes and that pass: a DuckLake commit that conflicts with a
    concurrent writer, parallel steps racing to create the same schema or catalog
    (``pipelines.warehouse.retry_transaction``, ``CONFLICT_PAUSES``), a file another program has
    open (``retry_while_in_use``)."""
    for pause in pauses:
        try:
            return action()
        except errors as exc:
            if when is not None and not when(exc):
                raise
        time.sleep(pause)
    return action()


def retry_while_in_use(action: Callable[[], T], file: Path, busy_seconds: float | None = None) -> T:
    """Run ``action`` (which opens ``file``), retrying for ``busy_seconds`` while DuckDB reports a
    conflicting lock held by another program; then raise ``WarehouseInUseError``."""
    if busy_seconds is None:
        busy_seconds = setting_number("WELLBEING_WAREHOUSE_BUSY_SECONDS")
    try:
        pauses = [0.25] * math.ceil(busy_seconds / 0.25)
        return retry(action, duckdb.IOException, pauses, _is_lock_error)
    except duckdb.IOException as exc:
        if not _is_lock_error(exc):
            raise
        raise in_use_error(file, exc) from exc
