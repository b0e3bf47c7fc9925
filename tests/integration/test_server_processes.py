"""`songforge serve --processes 2`: two HTTP processes and a worker process behave as one server."""

import os
import signal
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

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
