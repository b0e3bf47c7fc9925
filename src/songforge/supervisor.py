"""`songforge serve --processes N`: N HTTP processes and one job-worker process under one supervisor.

Why: one Python process serves HTTP on about one core, and job threads in the same process take the
GIL from its event loop. With N > 1 every API process binds the port with SO_REUSEPORT, so the kernel
spreads connections over them evenly (a shared listening socket lets whichever process wakes first
take a burst of connections), and jobs run in a separate worker process.

What the processes share: the database (the truth), a semaphore that wakes the worker when a task is
queued, the per-key rate-limit table (api/ratelimit.SharedTokenBuckets) and a prometheus_client
multiprocess directory for /metrics. Children die with the supervisor (PR_SET_PDEATHSIG), so a
SIGKILLed server leaves no orphans; a child that exits later on its own is started again.
"""

import ctypes
import logging
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

if TYPE_CHECKING:
    import uvicorn

log = logging.getLogger("songforge.supervisor")

_SPAWN = multiprocessing.get_context("spawn")
_POLL_SECONDS = 0.5
# A child that dies this soon after starting is broken (bad config, port taken), not unlucky.
_FATAL_WITHIN_SECONDS = 10.0
_STOP_GRACE_SECONDS = 15.0
_PR_SET_PDEATHSIG = 1


@dataclass
class _Child:
    name: str
    target: Callable[..., None]
    args: tuple[Any, ...]
    process: BaseProcess | None = None
    started_at: float = field(default=0.0)

    def start(self) -> None:
        self.process = _SPAWN.Process(target=self.target, args=self.args, name=self.name)
        self.process.start()
        self.started_at = time.monotonic()


def serve_processes(settings: Settings) -> int:
    """Run until SIGINT/SIGTERM; the exit status (non-zero when a child could not stay up)."""
    if sys.platform != "linux":
        raise SystemExit("--processes above 1 needs Linux (SO_REUSEPORT); use --processes 1 here")
    _refuse_taken_port(settings.host, settings.port)
    _ = settings.resolved_secret_key  # created here once, so no two children race to create different ones
    run_dir = settings.data_dir / "run"
    metrics_dir = run_dir / f"metrics-{os.getpid()}"
    shutil.rmtree(metrics_dir, ignore_errors=True)
    metrics_dir.mkdir(parents=True)
    rate_table = run_dir / f"ratelimit-{settings.port}.bin"
    rate_table.unlink(missing_ok=True)
    # Read at import time by prometheus_client in each spawned child.
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = str(metrics_dir)

    fields = settings.model_dump()
    wakeups = _SPAWN.Semaphore(0)
    parent = os.getpid()
    children = [_Child("songforge-worker", _worker_main, (fields, wakeups, parent))]
    children += [
        _Child(f"songforge-http-{index}", _http_main, (fields, wakeups, rate_table, parent))
        for index in range(settings.http_processes)
    ]
    stopping: list[int] = []
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda number, _frame: stopping.append(number))
    try:
        for child in children:
            child.start()
        status = _watch(children, stopping)
    finally:
        _stop_all(children)
        shutil.rmtree(metrics_dir, ignore_errors=True)
    return status


def _watch(children: list[_Child], stopping: list[int]) -> int:
    while not stopping:
        time.sleep(_POLL_SECONDS)
        for child in children:
            assert child.process is not None
            if child.process.is_alive() or stopping:
                continue
            code = child.process.exitcode
            if time.monotonic() - child.started_at < _FATAL_WITHIN_SECONDS:
                log.error(
                    "%s exited with status %s right after starting; stopping",
                    child.name,
                    code,
                )
                return 1
            log.warning("%s exited with status %s; starting it again", child.name, code)
            child.start()
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


def _http_main(fields: dict[str, Any], wakeups: Any, rate_table: Path, parent: int) -> None:
    _die_with_parent(parent)
    configure_logging(with_process_name=True)
    import uvicorn

    from songforge.api.app import create_app
    from songforge.api.ratelimit import SharedTokenBuckets

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
    run_pool_until_signalled(build_services(settings, wakeups=wakeups), settings.workers)


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
