"""`songforge serve --processes N`: N HTTP processes and one job-worker process under one supervisor.

Why: one Python process serves HTTP on about one core, and job threads in the same process take the
GIL from its event loop. With N > 1 every API process binds the port with SO_REUSEPORT, so the kernel
spreads connections over them evenly (a shared listening socket lets whichever process wakes first
take a burst of connections), and jobs run in a separate worker process.

What the processes share: the database (the truth), a semaphore that wakes the worker when a task is
queued, the per-key rate-limit table (api/ratelimit.SharedTokenBuckets), a prometheus_client
multiprocess directory for /metrics, and the worker's state (a few numbers in shared memory that
/healthz reports). Children die with the supervisor (PR_SET_PDEATHSIG), so a SIGKILLed server leaves
no orphans.

A child that exits on its own is started again after a back-off (1 s, doubling to 30 s while it keeps
dying soon after each start; back to 1 s once it stayed up for a while). The HTTP processes keep
serving (fetches, /healthz) while the worker is down; a job that kills its worker every time is
failed after its attempts (worker/runner.py) once its lease is released at the next start
(worker/sweeper.release_dead_local_leases). Only an HTTP process that dies right after the very first
start stops the server: that is a broken configuration (port, database, settings), and failing fast
says so. `run/supervisor-<pid>.json` describes the running server for `songforge doctor`.
"""

import contextlib
import ctypes
import json
import logging
import math
import multiprocessing
import os
import shutil
import signal
import socket
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from multiprocessing.process import BaseProcess
from pathlib import Path
from typing import TYPE_CHECKING, Any

from songforge.config import Settings
from songforge.logs import configure_logging
from songforge.processes import process_is_alive

if TYPE_CHECKING:
    import uvicorn

log = logging.getLogger("songforge.supervisor")

_SPAWN = multiprocessing.get_context("spawn")
_POLL_SECONDS = 0.5
# An HTTP process that dies this soon after the first start is broken (bad config, port taken), not unlucky.
_FATAL_WITHIN_SECONDS = 10.0
# Restart back-off: the first delay, doubled per quick crash up to the cap; a child that stayed up
# this long counts as healthy again (its next crash waits the first delay).
_BACKOFF_FIRST_SECONDS = 1.0
_BACKOFF_CAP_SECONDS = 30.0
_STABLE_SECONDS = 60.0
_STOP_GRACE_SECONDS = 15.0
_PR_SET_PDEATHSIG = 1

WORKER_OK = "ok"
WORKER_RESTARTING = "restarting"
_STATES = (WORKER_OK, WORKER_RESTARTING)


def restart_delay(quick_crashes: int) -> float:
    """Seconds to wait before the next start of a child that died `quick_crashes` times in a row soon
    after starting (1 for the first)."""
    return min(_BACKOFF_FIRST_SECONDS * 2.0 ** max(quick_crashes - 1, 0), _BACKOFF_CAP_SECONDS)


def describe_exit(code: int | None) -> str:
    if code is None:
        return "unknown"
    if code < 0:
        with contextlib.suppress(ValueError):
            return f"killed by {signal.Signals(-code).name}"
        return f"killed by signal {-code}"
    return f"exit status {code}"


class WorkerState:
    """The worker process's state as the supervisor last saw it, in shared memory (no lock: one writer,
    and each cell is one aligned double) so every HTTP process reports it in /healthz at no cost."""

    _STATE, _RESTARTS, _LAST_EXIT = range(3)

    def __init__(self, cells: Any) -> None:
        self.cells = cells  # a RawArray("d", 3): passed to spawned children as is

    @classmethod
    def create(cls) -> "WorkerState":
        cells = _SPAWN.RawArray("d", 3)
        cells[cls._LAST_EXIT] = math.nan
        return cls(cells)

    def set(self, state: str, restarts: int, last_exit: int | None) -> None:
        self.cells[self._LAST_EXIT] = math.nan if last_exit is None else float(last_exit)
        self.cells[self._RESTARTS] = float(restarts)
        self.cells[self._STATE] = float(_STATES.index(state))

    def snapshot(self) -> dict[str, Any]:
        """{"state": "ok" | "restarting", "restarts": n, "last_exit": "killed by SIGKILL" | … | None}."""
        cells = self.cells
        last = cells[self._LAST_EXIT]
        return {
            "state": _STATES[int(cells[self._STATE])],
            "restarts": int(cells[self._RESTARTS]),
            "last_exit": None if math.isnan(last) else describe_exit(int(last)),
        }


@dataclass
class _Child:
    name: str
    target: Callable[..., None]
    args: tuple[Any, ...]
    is_worker: bool = False
    process: BaseProcess | None = None
    started_at: float = field(default=0.0)
    starts: int = 0
    restarts: int = 0  # exits on its own, each followed by a restart
    quick_crashes: int = 0  # exits in a row, each before it stayed up _STABLE_SECONDS
    restart_at: float | None = None  # set while waiting out the back-off
    last_exit: int | None = None

    def start(self) -> None:
        self.process = _SPAWN.Process(target=self.target, args=self.args, name=self.name)
        self.process.start()
        self.started_at = time.monotonic()
        self.starts += 1
        self.restart_at = None

    def exited(self, now: float) -> float:
        """Book an exit of its own; the seconds until it starts again."""
        assert self.process is not None
        self.last_exit = self.process.exitcode
        self.restarts += 1
        if now - self.started_at >= _STABLE_SECONDS:
            self.quick_crashes = 0
        self.quick_crashes += 1
        delay = restart_delay(self.quick_crashes)
        self.restart_at = now + delay
        return delay


class _Report:
    """Publishes the children's state: shared memory for /healthz, run/supervisor-<pid>.json for doctor."""

    def __init__(self, settings: Settings, path: Path, worker_state: WorkerState) -> None:
        self.path = path
        self.worker_state = worker_state
        self.header = {
            "pid": os.getpid(),
            "host": settings.host,
            "port": settings.port,
            "http_processes": settings.http_processes,
            "started_at": time.time(),
        }

    def update(self, children: list[_Child]) -> None:
        worker = next(child for child in children if child.is_worker)
        state = WORKER_RESTARTING if worker.restart_at is not None else WORKER_OK
        self.worker_state.set(state, worker.restarts, worker.last_exit)
        http = [child for child in children if not child.is_worker]
        document = {
            **self.header,
            "updated_at": time.time(),
            "workers": {
                **self.worker_state.snapshot(),
                "pid": worker.process.pid if worker.process is not None and worker.restart_at is None else None,
                "next_start_in_s": _seconds_left(worker.restart_at),
            },
            "http": {
                "running": sum(child.restart_at is None for child in http),
                "restarts": sum(child.restarts for child in http),
            },
        }
        temporary = self.path.with_suffix(".tmp")
        temporary.write_text(json.dumps(document))
        temporary.replace(self.path)


def _seconds_left(moment: float | None) -> float | None:
    return None if moment is None else round(max(moment - time.monotonic(), 0.0), 1)


def running_servers(data_dir: Path) -> list[dict[str, Any]]:
    """What `run/supervisor-<pid>.json` says of each live supervisor on this data dir (for doctor)."""
    found = []
    for path in sorted((data_dir / "run").glob("supervisor-*.json")):
        pid = _pid_of(path.stem, "supervisor-")
        if pid is None or not process_is_alive(pid):
            continue
        with contextlib.suppress(OSError, ValueError):
            found.append(json.loads(path.read_text()))
    return found


def remove_stale_run_files(run_dir: Path) -> int:
    """Delete `metrics-<pid>/` and `supervisor-<pid>.json` of supervisors that are gone (a SIGKILLed
    one cannot clean up after itself); returns how many."""
    removed = 0
    if not run_dir.is_dir():
        return 0
    for entry in run_dir.iterdir():
        for prefix in ("metrics-", "supervisor-"):
            pid = _pid_of(entry.name.removesuffix(".json").removesuffix(".tmp"), prefix)
            if pid is None or process_is_alive(pid):
                continue
            if entry.is_dir():
                shutil.rmtree(entry, ignore_errors=True)
            else:
                entry.unlink(missing_ok=True)
            removed += 1
    return removed


def _pid_of(name: str, prefix: str) -> int | None:
    tail = name.removeprefix(prefix)
    return int(tail) if name.startswith(prefix) and tail.isdigit() else None


def serve_processes(settings: Settings) -> int:
    """Run until SIGINT/SIGTERM; the exit status (non-zero when an HTTP process could not start)."""
    if sys.platform != "linux":
        raise SystemExit("--processes above 1 needs Linux (SO_REUSEPORT); use --processes 1 here")
    _refuse_taken_port(settings.host, settings.port)
    _ = settings.resolved_secret_key  # created here once, so no two children race to create different ones
    run_dir = settings.data_dir / "run"
    run_dir.mkdir(parents=True, exist_ok=True)
    stale = remove_stale_run_files(run_dir)
    if stale:
        log.info("removed %d leftover(s) of supervisors that are gone from %s", stale, run_dir)
    metrics_dir = run_dir / f"metrics-{os.getpid()}"
    shutil.rmtree(metrics_dir, ignore_errors=True)
    metrics_dir.mkdir(parents=True)
    rate_table = run_dir / f"ratelimit-{settings.port}.bin"
    rate_table.unlink(missing_ok=True)
    # Read at import time by prometheus_client in each spawned child.
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = str(metrics_dir)

    fields = settings.model_dump()
    wakeups = _SPAWN.Semaphore(0)
    worker_state = WorkerState.create()
    report = _Report(settings, run_dir / f"supervisor-{os.getpid()}.json", worker_state)
    parent = os.getpid()
    children = [_Child("songforge-worker", _worker_main, (fields, wakeups, parent), is_worker=True)]
    children += [
        _Child(f"songforge-http-{index}", _http_main, (fields, wakeups, rate_table, worker_state.cells, parent))
        for index in range(settings.http_processes)
    ]
    stopping: list[int] = []
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda number, _frame: stopping.append(number))
    try:
        for child in children:
            child.start()
        report.update(children)
        status = _watch(children, stopping, report.update)
    finally:
        _stop_all(children)
        shutil.rmtree(metrics_dir, ignore_errors=True)
        report.path.unlink(missing_ok=True)
    return status


def _watch(children: list[_Child], stopping: list[int], changed: Callable[[list[_Child]], None]) -> int:
    """Restart children that exit, with back-off; 1 when an HTTP process dies right after the first start."""
    while not stopping:
        time.sleep(_POLL_SECONDS)
        for child in children:
            if stopping:
                break
            now = time.monotonic()
            assert child.process is not None
            if child.restart_at is not None:
                if now >= child.restart_at:
                    log.info("starting %s again (restart %d)", child.name, child.restarts)
                    child.start()
                    changed(children)
                continue
            if child.process.is_alive():
                continue
            code = child.process.exitcode
            if not child.is_worker and child.starts == 1 and now - child.started_at < _FATAL_WITHIN_SECONDS:
                log.error("%s exited with status %s right after starting; stopping", child.name, code)
                return 1
            delay = child.exited(now)
            log.warning(
                "%s %s after %.1f s; starting it again in %.0f s",
                child.name,
                describe_exit(code),
                now - child.started_at,
                delay,
            )
            changed(children)
    return 0


def _stop_all(children: list[_Child]) -> None:
    running = [child.process for child in children if child.process is not None and child.process.is_alive()]
    for process in running:
        process.terminate()
    deadline = time.monotonic() + _STOP_GRACE_SECONDS
    for process in running:
        process.join(max(0.0, deadline - time.monotonic()))
        if process.is_alive():
            process.kill()
            process.join(5)


def _refuse_taken_port(host: str, port: int) -> None:
    """Fail before starting anything if another program listens on the port.

    Without this, a second songforge started on the same port would silently share it through
    SO_REUSEPORT. SO_REUSEADDR (without REUSEPORT) still binds over TIME_WAIT leftovers of a
    server that just stopped, but not over a listening socket."""
    family, kind, protocol, address = _listen_address(host, port)
    with socket.socket(family, kind, protocol) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(address)
        except OSError as error:
            raise SystemExit(f"cannot listen on {host}:{port}: {error.strerror}") from error


def _listen_address(host: str, port: int) -> tuple[socket.AddressFamily, socket.SocketKind, int, Any]:
    """(family, type, protocol, address) to listen on host:port over TCP."""
    family, kind, protocol, _, address = socket.getaddrinfo(
        host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE
    )[0]
    return family, kind, protocol, address


def _shared_port_socket(host: str, port: int) -> socket.socket:
    family, kind, protocol, address = _listen_address(host, port)
    # The explicit IPPROTO_TCP matters: asyncio sets TCP_NODELAY only on sockets whose `proto` says
    # TCP, and without it small responses waited ~40 ms on delayed ACKs (healthz at half its rate).
    sock = socket.socket(family, kind, protocol)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    sock.bind(address)
    return sock


def _die_with_parent(parent: int) -> None:
    """Ask the kernel for SIGTERM when the supervisor dies, however it dies (even SIGKILL)."""
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)
    if os.getppid() != parent:  # it died before we asked
        os._exit(1)


def _http_main(fields: dict[str, Any], wakeups: Any, rate_table: Path, worker_cells: Any, parent: int) -> None:
    _die_with_parent(parent)
    configure_logging(with_process_name=True)
    import uvicorn

    from songforge.api.app import create_app
    from songforge.api.ratelimit import SharedTokenBuckets
    from songforge.api.routes import ops

    ops.report_workers(WorkerState(worker_cells).snapshot)

    settings = Settings(**fields)
    sock = _shared_port_socket(settings.host, settings.port)
    app = create_app(
        settings,
        start_workers=False,
        wakeups=wakeups,
        limiter=SharedTokenBuckets(rate_table),
    )
    uvicorn.Server(uvicorn_config(app)).run(sockets=[sock])


def _worker_main(fields: dict[str, Any], wakeups: Any, parent: int) -> None:
    _die_with_parent(parent)
    configure_logging(with_process_name=True)
    from songforge.core.services import build_services
    from songforge.worker.pool import run_pool_until_signalled

    settings = Settings(**fields)
    run_pool_until_signalled(build_services(settings, wakeups=wakeups), settings.job_threads)


def uvicorn_config(app: Any, host: str = "127.0.0.1", port: int = 8000) -> "uvicorn.Config":
    """The uvicorn settings of every songforge HTTP process."""
    import uvicorn

    # The stdlib asyncio loop, not uvloop: under 64 busy keep-alive clients uvloop served some
    # connections seconds late (p99 1.2 s vs 0.2 s with asyncio at equal throughput; bench/api.py).
    return uvicorn.Config(
        app,
        host=host,
        port=port,
        loop="asyncio",
        http="httptools",
        log_level="warning",
        access_log=False,
    )
