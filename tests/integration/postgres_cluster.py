"""A throw-away PostgreSQL cluster for integration tests: initdb into a temp dir, run, stop, delete.

PostgreSQL refuses to run as root, so under root the server runs as the `postgres` system user (created
by the Debian package) in a temp dir owned by it. The cluster listens on 127.0.0.1 on a free port and
on a unix socket inside the temp dir, with trust authentication; it is tuned for speed, not durability.

Nothing outlives the test run: `stop()` asks for a fast shutdown, then kills every process whose working
directory is this cluster's data directory (the postmaster and all its backends chdir there), and the
postmaster gets SIGINT (fast shutdown) from the kernel if the test process dies without cleaning up.
"""

import contextlib
import glob
import os
import pwd
import re
import shutil
import signal
import subprocess
import tempfile
import time
from pathlib import Path
from typing import TypedDict

import psycopg

from tests.integration.server_process import free_port

INSTALL_HINT = (
    "PostgreSQL is not installed (no initdb under /usr/lib/postgresql/*/bin), and the PostgreSQL integration "
    "tests need a real server: run `make test` "
    "(it installs the Debian package `postgresql` listed in the Makefile's APT_PACKAGES), or install it "
    "yourself with `sudo apt-get install -y postgresql`."
)
SUPERUSER = "postgres"


class PostgresMissing(RuntimeError):
    pass


def find_bindir() -> Path:
    """The newest /usr/lib/postgresql/<major>/bin that has initdb and postgres (or $SONGFORGE_PG_BINDIR)."""
    override = os.environ.get("SONGFORGE_PG_BINDIR")
    candidates = [override] if override else glob.glob("/usr/lib/postgresql/*/bin")

    def major(path: str) -> float:
        found = re.search(r"/postgresql/(\d+(?:\.\d+)?)/", path)
        return float(found.group(1)) if found else 0.0

    for candidate in sorted(candidates, key=major, reverse=True):
        bindir = Path(candidate)
        if (bindir / "initdb").is_file() and (bindir / "postgres").is_file():
            return bindir
    raise PostgresMissing(INSTALL_HINT)


class _UserArgs(TypedDict, total=False):
    user: int
    group: int
    extra_groups: list[int]


class PostgresCluster:
    def __init__(self) -> None:
        self.bindir = find_bindir()
        self.port = 0
        self.root: Path | None = None
        self.process: subprocess.Popen[bytes] | None = None
        if os.geteuid() == 0:
            try:
                account = pwd.getpwnam("postgres")
            except KeyError:
                raise PostgresMissing(
                    "running as root, but there is no `postgres` system user to run the server as. " + INSTALL_HINT
                ) from None
            self._uid: int | None = account.pw_uid
            self._gid: int | None = account.pw_gid
        else:
            self._uid = self._gid = None  # not root: the server runs as us

    @property
    def data_dir(self) -> Path:
        assert self.root is not None
        return self.root / "data"

    @property
    def socket_dir(self) -> Path:
        assert self.root is not None
        return self.root / "socket"

    @property
    def log_path(self) -> Path:
        assert self.root is not None
        return self.root / "postgres.log"

    # ------------------------------------------------------------------------------------ start/stop

    def start(self, timeout: float = 30.0) -> None:
        # Not under pytest's tmp_path: that lives in a root-only 0700 dir the postgres user cannot enter.
        self.root = Path(tempfile.mkdtemp(prefix="songforge-pg-"))
        self.socket_dir.mkdir()
        if self._uid is not None:
            for path in (self.root, self.socket_dir):
                os.chown(path, self._uid, self._gid)  # type: ignore[arg-type]
        initdb = subprocess.run(
            [
                str(self.bindir / "initdb"),
                f"--pgdata={self.data_dir}",
                f"--username={SUPERUSER}",
                "--auth=trust",
                "--encoding=UTF8",
                "--no-locale",
                "--no-sync",
            ],
            env=self._env(),
            cwd=self.root,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
            **self._user_args(),
        )
        if initdb.returncode != 0:
            raise RuntimeError(f"initdb failed ({initdb.returncode}):\n{initdb.stdout}\n{initdb.stderr}")
        for _ in range(3):  # another process may take the free port before postgres binds it
            self.port = free_port()
            if self._run_server(timeout):
                return
        raise RuntimeError(f"postgres could not bind a free port three times:\n{self.log_tail()}")

    def _run_server(self, timeout: float) -> bool:
        """Start the postmaster and wait until it accepts connections; False if its port was taken."""
        log = self.log_path.open("ab")
        if self._uid is not None:
            os.chown(self.log_path, self._uid, self._gid)  # type: ignore[arg-type]
        log_start = self.log_path.stat().st_size
        # setpriv (util-linux): the kernel sends SIGINT (fast shutdown) if the test process dies first.
        wrapper = ["setpriv", "--pdeathsig", "INT", "--"] if shutil.which("setpriv") else []
        self.process = subprocess.Popen(
            [
                *wrapper,
                str(self.bindir / "postgres"),
                "-D",
                str(self.data_dir),
                *(f"--{name}={value}" for name, value in self._server_settings().items()),
            ],
            env=self._env(),
            cwd=self.root,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            **self._user_args(),
        )
        log.close()
        deadline = time.monotonic() + timeout
        while True:
            if self.process.poll() is not None:
                with self.log_path.open("rb") as handle:
                    handle.seek(log_start)
                    if b"Address already in use" in handle.read():
                        return False
                raise RuntimeError(f"postgres exited early ({self.process.returncode}):\n{self.log_tail()}")
            try:
                with psycopg.connect(self.dsn("postgres"), connect_timeout=2):
                    return True
            except psycopg.OperationalError:
                if time.monotonic() > deadline:
                    raise RuntimeError(
                        f"postgres did not accept connections within {timeout} s:\n{self.log_tail()}"
                    ) from None
                time.sleep(0.05)

    def stop(self) -> None:
        """Fast shutdown, then SIGKILL for anything of this cluster still alive; deletes the temp dir.

        Raises if a process of the cluster survived all that (it would be left behind).
        """
        survivors: list[int] = []
        try:
            if self.process is not None and self.process.poll() is None:
                self.process.send_signal(signal.SIGINT)  # fast shutdown: disconnects clients, no waiting
                try:
                    self.process.wait(15)
                except subprocess.TimeoutExpired:
                    self.process.kill()
                    self.process.wait(5)
            survivors = self._kill_leftovers()
        finally:
            if self.root is not None:
                shutil.rmtree(self.root, ignore_errors=True)
        if survivors:
            raise RuntimeError(f"postgres processes of {self.root} survived SIGKILL: {survivors}")

    def leftover_pids(self) -> list[int]:
        """Live processes whose working directory is this cluster's data dir (postmaster + backends)."""
        if self.root is None:
            return []
        target = str(self.data_dir)
        found = []
        for entry in os.listdir("/proc"):
            if not entry.isdigit():
                continue
            try:
                if os.readlink(f"/proc/{entry}/cwd") == target:
                    found.append(int(entry))
            except OSError:
                continue
        return found

    def _kill_leftovers(self) -> list[int]:
        deadline = time.monotonic() + 5
        while (pids := self.leftover_pids()) and time.monotonic() < deadline:
            for pid in pids:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)
            time.sleep(0.05)
        return self.leftover_pids()

    # ------------------------------------------------------------------------------------ databases

    def dsn(self, database: str) -> str:
        return f"host=127.0.0.1 port={self.port} user={SUPERUSER} dbname={database}"

    def url(self, database: str) -> str:
        """SQLAlchemy URL for songforge (SONGFORGE_DATABASE_URL)."""
        return f"postgresql+psycopg://{SUPERUSER}@127.0.0.1:{self.port}/{database}"

    def create_database(self, name: str) -> str:
        """A new empty database; returns its SQLAlchemy URL."""
        with psycopg.connect(self.dsn("postgres"), autocommit=True) as connection:
            connection.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def log_tail(self, chars: int = 3000) -> str:
        try:
            return self.log_path.read_text(errors="replace")[-chars:]
        except OSError:
            return "(no server log)"

    # ------------------------------------------------------------------------------------ child setup

    def _env(self) -> dict[str, str]:
        env = {key: value for key, value in os.environ.items() if not key.startswith("PG")}
        env.update(LC_ALL="C", LANG="C")
        if self._uid is not None:
            env.update(HOME=str(self.root), USER="postgres", LOGNAME="postgres")
        return env

    def _server_settings(self) -> dict[str, object]:
        """postgresql.conf settings, as --name=value arguments: local only, fast, throw-away."""
        return {
            "listen_addresses": "127.0.0.1",
            "port": self.port,
            "unix_socket_directories": self.socket_dir,
            "max_connections": 300,
            "shared_buffers": "32MB",
            "fsync": "off",
            "synchronous_commit": "off",
            "full_page_writes": "off",
            "logging_collector": "off",
            "log_min_messages": "warning",
        }

    def _user_args(self) -> _UserArgs:
        """Popen arguments that drop root for the postgres user (PostgreSQL refuses to run as root)."""
        if self._uid is None or self._gid is None:
            return {}
        return {"user": self._uid, "group": self._gid, "extra_groups": []}
