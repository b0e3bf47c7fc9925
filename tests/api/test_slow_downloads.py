"""A remote server that trickles bytes can neither hold a download past its deadline nor starve other jobs
(issue 10, F2: one byte every 0.5 s held a job thread for 67 s with an 8 s timeout; two such URLs held both
job threads and delayed an unrelated upload by 50 s)."""

import http.server
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from songforge.api.app import create_app
from tests.api.helpers import assert_submitted, fetch_task
from tests.conftest import auth, key_maker, test_settings, upload_wav, wait_for_task, write_wav

DEADLINE_S = 6.0
stop = threading.Event()


class _Trickle(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_GET(self) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "audio/wav")
        self.send_header("Content-Length", "1000000")
        self.end_headers()
        try:
            for _ in range(240):  # one byte every 0.5 s, for up to two minutes
                if stop.wait(0.5):
                    break
                self.wfile.write(b"R")
                self.wfile.flush()
        except OSError:  # songforge hung up: what its deadline should make it do
            pass
        self.close_connection = True


@pytest.fixture(scope="module")
def trickle_url() -> Iterator[str]:
    stop.clear()
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Trickle)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/song.wav"
    stop.set()
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module")
def app_client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    """Two job threads, as a default server has; private URLs allowed so the local server can be used."""
    settings = test_settings(
        tmp_path_factory.mktemp("slow") / "data",
        allow_private_urls=True,
        workers=2,
        url_fetch_timeout_seconds=DEADLINE_S,
    )
    with TestClient(create_app(settings)) as client:
        yield client


@pytest.fixture(scope="module")
def make_key(app_client: TestClient) -> Callable[..., str]:
    return key_maker(app_client)


def test_trickling_urls_fail_at_their_deadline_and_do_not_starve_other_uploads(
    app_client: TestClient, make_key: Callable[..., str], trickle_url: str, tmp_path: Path
) -> None:
    key = make_key(100.0)
    slow: dict[str, float] = {}
    for _ in range(2):
        response = app_client.post("/suno/uploads/audio-url", headers=auth(key), json={"url": trickle_url})
        slow[assert_submitted(response)] = time.monotonic()
    time.sleep(0.5)  # both are claimed and downloading

    started = time.monotonic()
    other = upload_wav(app_client, key, write_wav(tmp_path / "unrelated.wav", seconds=1.0))
    took = time.monotonic() - started
    assert other["status"] == "SUCCESS", other["fail_reason"]
    assert took < 10.0, f"an unrelated upload took {took:.1f} s while two slow URLs were downloading"
    in_flight = [fetch_task(app_client, key, task_id)["status"] for task_id in slow]
    assert in_flight == ["IN_PROGRESS", "IN_PROGRESS"], "the upload finished only because the slow ones had"

    for task_id, submitted in slow.items():
        task = wait_for_task(app_client, key, task_id, timeout=60)
        elapsed = time.monotonic() - submitted
        assert task["status"] == "FAILURE"
        assert task["fail_reason"] == f"could not download the audio: timed out after {DEADLINE_S:g} s", task
        assert task["data"][0]["metadata"]["error_type"] == "fetch_failed"
        # Within the deadline + 1 s of the job's start (the task's times are whole seconds: one more of slack).
        ran = task["finish_time"] - task["start_time"]
        assert ran <= DEADLINE_S + 1 + 1, f"a {DEADLINE_S:g} s deadline ended after {ran} s"
        # And from the test's side, allowing for a busy machine to claim it late.
        assert elapsed < DEADLINE_S + 4, f"a {DEADLINE_S:g} s deadline ended {elapsed:.1f} s after the submit"
