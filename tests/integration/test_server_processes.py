"""`songforge serve --processes 2`: two HTTP processes and a worker process behave as one server."""

import json
import os
import signal
import subprocess
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.conftest import write_wav
from tests.integration.server_process import SONGFORGE, ServerProcess

pytestmark = pytest.mark.integration


def _children(pid: int) -> list[int]:
    listed = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    return [int(child) for child in listed]


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()[0]
    except FileNotFoundError:
        return False
    return state != "Z"


def _wait_gone(pids: list[int], seconds: float = 30.0) -> list[int]:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and any(_alive(pid) for pid in pids):
        time.sleep(0.1)
    return [pid for pid in pids if _alive(pid)]


def _started(data_dir: Path) -> Iterator[ServerProcess]:
    process = ServerProcess(data_dir, SONGFORGE_HTTP_PROCESSES="2")
    process.start()
    yield process
    process.stop()


@pytest.fixture(scope="module")
def shared_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    """For the tests that leave the server running."""
    yield from _started(tmp_path_factory.mktemp("processes") / "data")


@pytest.fixture
def server(tmp_path: Path) -> Iterator[ServerProcess]:
    """For the tests that stop or kill it."""
    yield from _started(tmp_path / "data")


def _fresh_get(server: ServerProcess, path: str, key: str | None = None) -> httpx.Response:
    """One request on a new connection: the kernel picks the serving process per connection."""
    headers = {"Authorization": f"Bearer {key}"} if key else {}
    with httpx.Client(base_url=server.base_url, headers=headers, timeout=30) as client:
        return client.get(path)


def test_jobs_submitted_to_any_process_run_in_the_worker_process(shared_server: ServerProcess, tmp_path: Path) -> None:
    assert shared_server.admin_key
    headers = {"Authorization": f"Bearer {shared_server.admin_key}"}
    ids = []
    for index in range(4):
        with httpx.Client(base_url=shared_server.base_url, headers=headers, timeout=30) as client:
            ids.append(client.post("/suno/submit/lyrics", json={"prompt": f"harbour lights {index}"}).json()["data"])
    sample = write_wav(tmp_path / "take.wav", seconds=1.0)
    with (
        httpx.Client(base_url=shared_server.base_url, headers=headers, timeout=30) as client,
        sample.open("rb") as handle,
    ):
        ids.append(client.post("/suno/uploads/audio", files={"file": ("take.wav", handle)}).json()["data"])
    deadline = time.monotonic() + 120
    tasks: list[dict] = []
    while time.monotonic() < deadline:
        with httpx.Client(base_url=shared_server.base_url, headers=headers, timeout=30) as client:
            tasks = client.post("/suno/fetch", json={"ids": ids}).json()["data"]
        if all(task["status"] in ("SUCCESS", "FAILURE") for task in tasks):
            break
        time.sleep(0.2)
    assert [task["status"] for task in tasks] == ["SUCCESS"] * 5, [task.get("fail_reason") for task in tasks]
    audio_url = tasks[-1]["data"][0]["audio_url"]
    assert httpx.get(audio_url, timeout=30).status_code == 200, "a file URL signed by one process works on all"


def test_rate_limit_and_metrics_span_the_processes(
    shared_server: ServerProcess,
) -> None:
    created = shared_server.cli(
        "keys",
        "create",
        "--name",
        "limited",
        "--credits",
        "1",
        "--rate-limit",
        "5/minute",
    )
    key = next(line for line in created.stdout.splitlines() if line.startswith("sk-"))
    statuses = [
        _fresh_get(shared_server, "/suno/fetch/00000000-0000-4000-8000-000000000000", key).status_code
        for _ in range(12)
    ]
    assert statuses.count(429) == 7, f"one 5/minute limit for the key across processes, got {statuses}"

    for _ in range(30):
        assert _fresh_get(shared_server, "/healthz").status_code == 200
    scrape = _fresh_get(shared_server, "/metrics").text
    healthz = [
        line
        for line in scrape.splitlines()
        if line.startswith("songforge_http_requests_total") and '"/healthz"' in line
    ]
    total = sum(float(line.rsplit(" ", 1)[1]) for line in healthz)
    assert total >= 30, f"a scrape counts the requests of every process:\n{healthz}"


def test_a_second_server_on_the_same_port_refuses_to_start(shared_server: ServerProcess, tmp_path: Path) -> None:
    second = ServerProcess(tmp_path / "other-data", port=shared_server.port, SONGFORGE_HTTP_PROCESSES="2")
    (tmp_path / "other-data").mkdir()
    refused = subprocess.run(
        [SONGFORGE, "serve", "--port", str(shared_server.port)],
        env=second.env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert refused.returncode != 0
    assert f"cannot listen on 127.0.0.1:{shared_server.port}" in refused.stderr


def test_sigterm_stops_every_process(server: ServerProcess) -> None:
    assert server.process is not None
    children = _children(server.process.pid)
    assert len(children) >= 3, "a worker and two HTTP processes"
    server.process.send_signal(signal.SIGTERM)
    assert server.process.wait(30) == 0
    assert _wait_gone(children) == []


def test_sigkill_of_the_supervisor_leaves_no_orphans_and_the_port_reopens(
    server: ServerProcess,
) -> None:
    assert server.process is not None
    children = _children(server.process.pid)
    server.kill()
    assert _wait_gone(children) == [], "children die with the supervisor"
    server.start()
    assert _fresh_get(server, "/healthz").status_code == 200
    assert os.path.isdir(server.data_dir / "run")


class _HangingAudioServer:
    """An HTTP server whose downloads never finish: a job fetching from it stays IN_PROGRESS until its
    worker process dies, so the test can kill the worker in the middle of that job, every time."""

    def __init__(self) -> None:
        self.hits = 0
        self.release = threading.Event()
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                outer.hits += 1
                outer.release.wait(120)

            def log_message(self, *_: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/take.wav"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def wait_for_hit(self, count: int, seconds: float = 90.0) -> None:
        deadline = time.monotonic() + seconds
        while self.hits < count:
            assert time.monotonic() < deadline, f"the worker did not start the download a {count}. time"
            time.sleep(0.05)

    def close(self) -> None:
        self.release.set()
        self.server.shutdown()
        self.server.server_close()


class _Prober:
    """Polls /healthz and a finished task on fresh connections from a thread, as a load balancer and a
    client would, and records what they answered."""

    def __init__(self, server: ServerProcess, key: str, task_id: str) -> None:
        self.server, self.key, self.task_id = server, key, task_id
        self.healthz: list[tuple[int, dict]] = []
        self.fetches: list[tuple[int, str]] = []
        self.errors: list[str] = []
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self) -> None:
        while not self.stop.wait(0.1):
            try:
                health = _fresh_get(self.server, "/healthz")
                self.healthz.append((health.status_code, health.json()))
                fetched = _fresh_get(self.server, f"/suno/fetch/{self.task_id}", self.key)
                self.fetches.append((fetched.status_code, fetched.json()["data"]["status"]))
            except (httpx.HTTPError, ValueError, KeyError, TypeError) as error:
                self.errors.append(repr(error))

    def finish(self) -> None:
        self.stop.set()
        self.thread.join(30)


def _server_state(server: ServerProcess) -> dict[str, Any]:
    assert server.process is not None
    state: dict[str, Any] = json.loads((server.data_dir / "run" / f"supervisor-{server.process.pid}.json").read_text())
    return state


def _wait_task(server: ServerProcess, key: str, task_id: str, seconds: float = 120.0) -> dict[str, Any]:
    deadline = time.monotonic() + seconds
    while True:
        task: dict[str, Any] = _fresh_get(server, f"/suno/fetch/{task_id}", key).json()["data"]
        if task["status"] in ("SUCCESS", "FAILURE") or time.monotonic() > deadline:
            return task
        time.sleep(0.2)


def _lyrics(server: ServerProcess, key: str, prompt: str) -> str:
    with httpx.Client(base_url=server.base_url, headers={"Authorization": f"Bearer {key}"}, timeout=30) as client:
        return str(client.post("/suno/submit/lyrics", json={"prompt": prompt}).json()["data"])


@pytest.fixture
def crash_server(tmp_path: Path) -> Iterator[ServerProcess]:
    process = ServerProcess(
        tmp_path / "data",
        SONGFORGE_HTTP_PROCESSES="2",
        SONGFORGE_ALLOW_PRIVATE_URLS="true",
        SONGFORGE_URL_FETCH_TIMEOUT_SECONDS="600",
        SONGFORGE_POLL_INTERVAL_SECONDS="0.2",
    )
    process.start()
    yield process
    process.stop()


def test_a_crash_looping_worker_leaves_http_serving_and_its_job_fails_after_its_attempts(
    crash_server: ServerProcess,
) -> None:
    """The worker dies (SIGKILL, like an OOM kill) seconds after each start, in the middle of the same job:
    the HTTP processes keep answering, /healthz shows the restarts, the job ends FAILURE with a sentence
    after its attempts, and the worker then stays up and runs new jobs."""
    server, key = crash_server, crash_server.admin_key
    assert key and server.process is not None
    done = _lyrics(server, key, "harbour lights")
    assert _wait_task(server, key, done)["status"] == "SUCCESS"
    assert _fresh_get(server, "/healthz").json() == {
        "status": "ok",
        "workers": {"state": "ok", "restarts": 0, "last_exit": None},
    }

    audio = _HangingAudioServer()
    prober = _Prober(server, key, done)
    try:
        with httpx.Client(base_url=server.base_url, headers={"Authorization": f"Bearer {key}"}, timeout=30) as client:
            doomed = client.post("/suno/uploads/audio-url", json={"url": audio.url}).json()["data"]
        for attempt in range(1, 4):  # settings.max_attempts
            audio.wait_for_hit(attempt)
            worker = _server_state(server)["workers"]["pid"]
            assert worker in _children(server.process.pid)
            os.kill(worker, signal.SIGKILL)
            assert _wait_gone([worker]) == []
        failed = _wait_task(server, key, doomed)
        after = _server_state(server)["workers"]["pid"]
        fresh = _wait_task(server, key, _lyrics(server, key, "back at work"))
    finally:
        prober.finish()
        audio.close()

    assert server.process.poll() is None, "the server is still running"
    assert failed["status"] == "FAILURE", failed
    assert "interrupted 3 times" in failed["fail_reason"], failed["fail_reason"]
    assert "Error" not in failed["fail_reason"], "a sentence, not a Python exception"
    assert audio.hits == 3, "the fourth claim fails the job without running it again"
    assert fresh["status"] == "SUCCESS", fresh
    assert _server_state(server)["workers"]["pid"] == after, "the worker stays up after the job is given up"

    assert prober.errors == [], prober.errors[:5]
    assert prober.healthz and all(status == 200 and body["status"] == "ok" for status, body in prober.healthz)
    states = [body["workers"]["state"] for _, body in prober.healthz]
    assert "restarting" in states, states
    assert prober.fetches and all(answer == (200, "SUCCESS") for answer in prober.fetches), prober.fetches[:5]
    assert _fresh_get(server, "/healthz").json()["workers"] == {
        "state": "ok",
        "restarts": 3,
        "last_exit": "killed by SIGKILL",
    }

    doctor = subprocess.run(
        [SONGFORGE, "doctor"], env={**server.env, "COLUMNS": "400"}, capture_output=True, text=True, timeout=120
    )
    assert f"2/2 HTTP processes up, worker ok (pid {after}), 3 restart(s), last: killed by SIGKILL" in doctor.stdout, (
        doctor.stdout
    )


def test_a_new_supervisor_removes_what_killed_ones_left_in_run(server: ServerProcess) -> None:
    assert server.process is not None
    first = server.process.pid
    children = _children(first)
    server.kill()
    assert _wait_gone(children) == []
    run = server.data_dir / "run"
    assert (run / f"metrics-{first}").is_dir(), "a SIGKILLed supervisor cannot clean up"
    server.start()
    assert server.process.pid != first
    assert not (run / f"metrics-{first}").exists()
    assert not (run / f"supervisor-{first}.json").exists()
    assert (run / f"metrics-{server.process.pid}").is_dir()
    assert (run / f"supervisor-{server.process.pid}.json").is_file()
