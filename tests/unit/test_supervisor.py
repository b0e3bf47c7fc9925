"""The supervisor of `serve --processes N`: restart back-off, the worker state /healthz and doctor read,
leftovers of killed supervisors. The real processes are exercised in tests/integration/test_server_processes.py."""

import asyncio
import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import orjson
import pytest

from songforge import supervisor
from songforge.api.routes import ops
from songforge.config import Settings
from songforge.doctor import _server
from songforge.supervisor import (
    WorkerState,
    _Child,
    _watch,
    describe_exit,
    remove_stale_run_files,
    restart_delay,
    running_servers,
)


def _dead_pid() -> int:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def test_restart_delay_doubles_from_one_second_up_to_thirty() -> None:
    assert [restart_delay(n) for n in range(1, 9)] == [1, 2, 4, 8, 16, 30, 30, 30]


def test_exit_codes_read_as_words() -> None:
    assert describe_exit(-9) == "killed by SIGKILL"
    assert describe_exit(1) == "exit status 1"
    assert describe_exit(None) == "unknown"


def test_worker_state_round_trips_through_shared_memory() -> None:
    state = WorkerState.create()
    assert state.snapshot() == {"state": "ok", "restarts": 0, "last_exit": None}
    state.set("restarting", 3, -9)
    assert WorkerState(state.cells).snapshot() == {
        "state": "restarting",
        "restarts": 3,
        "last_exit": "killed by SIGKILL",
    }


def test_healthz_reports_the_worker_only_under_a_supervisor(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ops, "_worker_state", None)
    assert orjson.loads(asyncio.run(ops.healthz()).body) == {"status": "ok"}
    state = WorkerState.create()
    state.set("restarting", 2, -9)
    ops.report_workers(state.snapshot)
    body = orjson.loads(asyncio.run(ops.healthz()).body)
    assert body == {"status": "ok", "workers": {"state": "restarting", "restarts": 2, "last_exit": "killed by SIGKILL"}}


class _FakeProcess:
    def __init__(self, pid: int, lifetime: float) -> None:
        self.pid = pid
        self.exitcode: int | None = None
        self._dies_at = time.monotonic() + lifetime

    def is_alive(self) -> bool:
        if time.monotonic() >= self._dies_at:
            self.exitcode = -9
            return False
        return True


class _FakeChild(_Child):
    """Starts a pretend process that lives for the next of `lifetimes` (forever once they run out)."""

    def __init__(self, name: str, lifetimes: list[float], *, is_worker: bool) -> None:
        super().__init__(name, lambda: None, (), is_worker=is_worker)
        self.lifetimes = lifetimes

    def start(self) -> None:
        lifetime = self.lifetimes.pop(0) if self.lifetimes else 1e9
        self.process = _FakeProcess(1000 + self.starts, lifetime)  # type: ignore[assignment]
        self.started_at = time.monotonic()
        self.starts += 1
        self.restart_at = None


@pytest.fixture
def fast(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(supervisor, "_POLL_SECONDS", 0.01)
    monkeypatch.setattr(supervisor, "_BACKOFF_FIRST_SECONDS", 0.05)


def _run_watch(children: list[_Child], until: float) -> tuple[int, list[tuple[str, int]]]:
    """Run _watch until `until` seconds passed; its status and the worker's (state, restarts) per change."""
    seen: list[tuple[str, int]] = []
    stopping: list[int] = []
    state = WorkerState.create()

    def changed(current: list[_Child]) -> None:
        worker = next(child for child in current if child.is_worker)
        state.set("restarting" if worker.restart_at is not None else "ok", worker.restarts, worker.last_exit)
        seen.append((state.snapshot()["state"], worker.restarts))

    for child in children:
        child.start()
    timer = threading.Timer(until, lambda: stopping.append(0))
    timer.start()
    try:
        status = _watch(children, stopping, changed)
    finally:
        timer.cancel()
    return status, seen


@pytest.mark.usefixtures("fast")
def test_a_worker_that_dies_at_once_again_and_again_is_restarted_with_back_off() -> None:
    worker = _FakeChild("worker", [0.0, 0.0, 0.0], is_worker=True)
    http = _FakeChild("http", [], is_worker=False)
    status, seen = _run_watch([worker, http], until=1.5)
    assert status == 0, "the server keeps running"
    assert seen == [
        ("restarting", 1),
        ("ok", 1),
        ("restarting", 2),
        ("ok", 2),
        ("restarting", 3),
        ("ok", 3),
    ]
    assert worker.starts == 4 and http.starts == 1
    assert worker.quick_crashes == 3


def test_back_off_waits_longer_after_each_quick_crash() -> None:
    child = _FakeChild("worker", [], is_worker=True)
    child.start()
    moment = time.monotonic()
    assert child.process is not None
    delays = []
    for _ in range(4):
        delays.append(child.exited(moment))
        child.start()
    assert delays == [1, 2, 4, 8]
    child.started_at = moment - supervisor._STABLE_SECONDS  # then it stayed up a long while
    assert child.exited(moment) == 1, "a child that stayed up is healthy again"


@pytest.mark.usefixtures("fast")
def test_an_http_process_that_dies_right_after_the_first_start_stops_the_server() -> None:
    worker = _FakeChild("worker", [], is_worker=True)
    http = _FakeChild("http", [0.0], is_worker=False)
    status, _ = _run_watch([worker, http], until=2.0)
    assert status == 1


@pytest.mark.usefixtures("fast")
def test_an_http_process_that_crashes_later_is_restarted(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(supervisor, "_FATAL_WITHIN_SECONDS", 0.1)
    worker = _FakeChild("worker", [], is_worker=True)
    http = _FakeChild("http", [0.2, 0.0], is_worker=False)
    status, _ = _run_watch([worker, http], until=1.0)
    assert status == 0
    assert http.starts == 3 and http.restarts == 2


def test_leftovers_of_dead_supervisors_are_removed(tmp_path: Path) -> None:
    dead = _dead_pid()
    run = tmp_path / "run"
    (run / f"metrics-{dead}").mkdir(parents=True)
    (run / f"metrics-{dead}" / "counter_123.db").write_bytes(b"x")
    (run / f"metrics-{os.getpid()}").mkdir()
    (run / f"supervisor-{dead}.json").write_text("{}")
    (run / f"supervisor-{os.getpid()}.json").write_text("{}")
    (run / "ratelimit-8000.bin").write_bytes(b"")
    (run / "metrics-notapid").mkdir()
    assert remove_stale_run_files(run) == 2
    assert sorted(entry.name for entry in run.iterdir()) == sorted(
        [f"metrics-{os.getpid()}", f"supervisor-{os.getpid()}.json", "ratelimit-8000.bin", "metrics-notapid"]
    )


def _state_file(run: Path, pid: int, workers: dict[str, Any]) -> None:
    run.mkdir(parents=True, exist_ok=True)
    document = {
        "pid": pid,
        "host": "127.0.0.1",
        "port": 8123,
        "http_processes": 2,
        "started_at": time.time(),
        "updated_at": time.time(),
        "workers": workers,
        "http": {"running": 2, "restarts": 0},
    }
    (run / f"supervisor-{pid}.json").write_text(json.dumps(document))


def test_doctor_reports_the_running_servers_worker(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path)
    check = _server(settings)
    assert check.ok and not check.required and "no `serve --processes N` running" in check.detail

    _state_file(tmp_path / "run", _dead_pid(), {"state": "ok", "restarts": 0, "last_exit": None, "pid": 5})
    assert running_servers(tmp_path) == [], "a dead supervisor's file is not a running server"

    ok = {"state": "ok", "restarts": 0, "last_exit": None, "pid": 4321, "next_start_in_s": None}
    _state_file(tmp_path / "run", os.getpid(), ok)
    check = _server(settings)
    assert check.ok and check.required
    assert "127.0.0.1:8123: 2/2 HTTP processes up, worker ok (pid 4321)" in check.detail

    restarting = {"state": "restarting", "restarts": 4, "last_exit": "killed by SIGKILL", "pid": None}
    _state_file(tmp_path / "run", os.getpid(), {**restarting, "next_start_in_s": 7.5})
    check = _server(settings)
    assert not check.ok and check.required
    assert "worker restarting, next start in 7.5 s" in check.detail
    assert "4 restart(s), last: killed by SIGKILL" in check.detail
