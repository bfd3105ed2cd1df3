"""Throwaway local servers (PostgreSQL, Redis) for the tests, the benchmark and local trials.

Each server gets a free port on 127.0.0.1 and its own temporary folder, so several test runs can
share one machine; ``stop()`` (or leaving the ``with`` block) shuts it down and deletes the
folder. The binaries are Debian's (``apt-get install postgresql redis-server``; ``.ci/run``
installs them). PostgreSQL refuses to run as root, so when this process is root the server runs
as the ``postgres`` system user the Debian package creates (through ``runuser``).

This is test and benchmark plumbing, not a way to run production databases: production points
``DAGSTER_PG_*`` and ``WELLBEING_WAREHOUSE`` at a managed PostgreSQL (see ``deploy/README.md``).
"""

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Self

from pipelines.sqltext import quote_ident

POSTGRES_SEARCH = ("/usr/lib/postgresql/*/bin",)
SERVER_USER = "postgres"


class ServerUnavailable(RuntimeError):
    """The server's binaries are not installed (install the Debian package named)."""


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_for_port(port: int, timeout: float, proc: subprocess.Popen | None = None) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"server exited with code {proc.returncode} before listening")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.1)
    raise TimeoutError(f"nothing listens on 127.0.0.1:{port} after {timeout:.0f} s")


def postgres_bin_dir() -> Path:
    """Folder of Debian's PostgreSQL server binaries (``initdb``, ``pg_ctl``), newest version."""
    for pattern in POSTGRES_SEARCH:
        found = sorted(glob.glob(pattern), key=lambda p: int(Path(p).parent.name or 0))
        for folder in reversed(found):
            if (Path(folder) / "initdb").exists():
                return Path(folder)
    initdb = shutil.which("initdb")
    if initdb:
        return Path(initdb).resolve().parent
    raise ServerUnavailable("PostgreSQL is not installed: apt-get install postgresql")


def _as_server_user(args: list[str]) -> list[str]:
    """Run ``args`` as the ``postgres`` user when we are root (PostgreSQL refuses root)."""
    if os.geteuid() != 0:
        return args
    return ["runuser", "-u", SERVER_USER, "--", *args]


@dataclass
class _LocalServer:
    """A server process on a free port with its own temporary folder: ``start()`` (in the
    subclass) / ``stop()``, or a ``with`` block."""

    port: int = 0
    root: Path | None = None
    _proc: subprocess.Popen | None = field(default=None, repr=False)
    _stop_timeout = 30.0  # seconds between SIGTERM and SIGKILL

    def stop(self) -> None:
        if self._proc is not None and self._proc.poll() is None:
            self._proc.terminate()  # SIGTERM (PostgreSQL: its "smart" shutdown)
            try:
                self._proc.wait(timeout=self._stop_timeout)
            except subprocess.TimeoutExpired:
                self._proc.kill()
                self._proc.wait()
        self._proc = None
        if self.root is not None:
            shutil.rmtree(self.root, ignore_errors=True)
            self.root = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


@dataclass
class PostgresServer(_LocalServer):
    """A PostgreSQL cluster in a temporary folder, listening on 127.0.0.1 only, trust auth.

    Use ``with PostgresServer() as pg:`` or ``start()`` / ``stop()``. ``create_database(name)``
    makes a database; ``dsn(name)`` is the libpq string DuckDB's postgres extension takes.
    """

    user: str = SERVER_USER

    def start(self, timeout: float = 60.0) -> "PostgresServer":
        bindir = postgres_bin_dir()
        self.root = Path(tempfile.mkdtemp(prefix="wellbeing-pg-"))
        data = self.root / "data"
        data.mkdir()
        if os.geteuid() == 0:
            entry = pwd.getpwnam(SERVER_USER)
            for path in (self.root, data):
                os.chown(path, entry.pw_uid, entry.pw_gid)
        else:
            self.user = pwd.getpwuid(os.geteuid()).pw_name
        subprocess.run(
            _as_server_user(
                [
                    str(bindir / "initdb"),
                    "-D",
                    str(data),
                    "-U",
                    self.user,
                    "--auth=trust",
                    "--encoding=UTF8",
                    "--locale=C",
                    "--no-sync",
                ]
            ),
            check=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        self.port = free_port()
        options = (
            f"-c listen_addresses=127.0.0.1 -c port={self.port} -c unix_socket_directories={data} "
            "-c fsync=off -c synchronous_commit=off -c full_page_writes=off "
            "-c max_connections=200 -c shared_buffers=128MB"
        )
        self._proc = subprocess.Popen(
            _as_server_user([str(bindir / "postgres"), "-D", str(data), *options.split()]),
            stdout=subprocess.DEVNULL,
            stderr=open(self.root / "server.log", "wb"),  # noqa: SIM115 (lives with the server)
        )
        try:
            _wait_for_port(self.port, timeout, self._proc)
            self._wait_ready(timeout)
        except BaseException:
            self.stop()
            raise
        return self

    def _wait_ready(self, timeout: float) -> None:
        import psycopg2

        deadline = time.monotonic() + timeout
        while True:
            try:
                psycopg2.connect(self.dsn("postgres")).close()
                return
            except psycopg2.OperationalError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)

    def dsn(self, dbname: str) -> str:
        """libpq connection string for ``dbname`` (``dbname=... host=... port=... user=...``)."""
        return f"dbname={dbname} host=127.0.0.1 port={self.port} user={self.user}"

    def url(self, dbname: str) -> str:
        return f"postgresql://{self.user}@127.0.0.1:{self.port}/{dbname}"

    def create_database(self, name: str) -> str:
        """Create database ``name`` (if missing); return its libpq connection string."""
        import psycopg2

        con = psycopg2.connect(self.dsn("postgres"))
        con.autocommit = True
        try:
            with con.cursor() as cur:
                cur.execute("select 1 from pg_database where datname = %s", (name,))
                if cur.fetchone() is None:
                    cur.execute(f"create database {quote_ident(name)}")
        finally:
            con.close()
        return self.dsn(name)


@dataclass
class RedisServer(_LocalServer):
    """A Redis server (Celery broker) in a temporary folder on 127.0.0.1, no persistence."""

    _stop_timeout = 15.0

    def start(self, timeout: float = 30.0) -> "RedisServer":
        binary = shutil.which("redis-server") or "/usr/bin/redis-server"
        if not Path(binary).exists():
            raise ServerUnavailable("Redis is not installed: apt-get install redis-server")
        self.root = Path(tempfile.mkdtemp(prefix="wellbeing-redis-"))
        self.port = free_port()
        self._proc = subprocess.Popen(
            [
                binary,
                "--bind",
                "127.0.0.1",
                "--port",
                str(self.port),
                "--dir",
                str(self.root),
                "--save",
                "",
                "--appendonly",
                "no",
                "--daemonize",
                "no",
            ],
            stdout=open(self.root / "server.log", "wb"),  # noqa: SIM115 (lives with the server)
            stderr=subprocess.STDOUT,
        )
        try:
            _wait_for_port(self.port, timeout, self._proc)
        except BaseException:
            self.stop()
            raise
        return self

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"
