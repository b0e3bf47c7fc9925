"""`songforge serve` as a real process: the full user path, a crash mid-job, and webhooks across it."""

import hashlib
import hmac
import io
import json
import sqlite3
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest
import soundfile

from songforge.engines.audio import decode_bytes
from tests.conftest import synth_song, write_wav
from tests.integration.server_process import ServerProcess

pytestmark = pytest.mark.integration


class Receiver:
    """A local webhook receiver that answers 500 to its first `fail_first` requests."""

    def __init__(self, fail_first: int = 0) -> None:
        self.fail_first = fail_first
        self.requests: list[tuple[dict[str, str], bytes, int]] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("content-length", 0)))
                status = 500 if len(receiver.requests) < receiver.fail_first else 200
                receiver.requests.append(({k.lower(): v for k, v in self.headers.items()}, body, status))
                self.send_response(status)
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def accepted_events(self) -> list[dict[str, Any]]:
        return [json.loads(body) for _, body, status in self.requests if status == 200]


class FileServer:
    """Serves one file over HTTP on 127.0.0.1 (upload-by-URL source)."""

    def __init__(self, path: Path) -> None:
        payload = path.read_bytes()

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                self.send_response(200)
                self.send_header("Content-Type", "audio/wav")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/{path.name}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


@pytest.fixture
def server(tmp_path: Path) -> Iterator[ServerProcess]:
    process = ServerProcess(
        tmp_path / "data",
        SONGFORGE_ALLOW_PRIVATE_URLS="1",
        SONGFORGE_LEASE_SECONDS="5",
        SONGFORGE_WEBHOOK_BACKOFF_SECONDS="0.2",
        SONGFORGE_POLL_INTERVAL_SECONDS="0.2",
    )
    process.start()
    yield process
    process.stop()


def poll(server: ServerProcess, key: str, task_id: str, until: tuple[str, ...], timeout: float = 300) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        response = httpx.get(f"{server.base_url}/suno/fetch/{task_id}", headers={"Authorization": f"Bearer {key}"})
        assert response.status_code == 200, response.text
        task: dict[str, Any] = response.json()["data"]
        if task["status"] in until:
            return task
        time.sleep(0.1)
    raise AssertionError(f"task {task_id} never reached {until}")


def submit(server: ServerProcess, key: str, path: str, body: dict[str, Any]) -> str:
    response = httpx.post(f"{server.base_url}{path}", json=body, headers={"Authorization": f"Bearer {key}"})
    assert response.status_code == 200, response.text
    task_id: str = response.json()["data"]
    return task_id


def test_user_path_upload_wav_lyrics(server: ServerProcess, tmp_path: Path) -> None:
    assert server.admin_key and server.admin_key.startswith("sk-")
    created = server.cli("keys", "create", "--name", "it", "--credits", "5")
    assert created.returncode == 0, created.stderr
    key = next(line for line in created.stdout.splitlines() if line.startswith("sk-"))
    headers = {"Authorization": f"Bearer {key}"}

    source = write_wav(tmp_path / "by-url.wav", seconds=4.0, sample_rate=48000)
    files = FileServer(source)
    task = poll(server, key, submit(server, key, "/suno/uploads/audio-url", {"url": files.url}), ("SUCCESS", "FAILURE"))
    assert task["status"] == "SUCCESS", task["fail_reason"]
    clip = task["data"][0]
    assert clip["title"] == "by-url" and clip["metadata"]["type"] == "upload"

    mp3 = httpx.get(clip["audio_url"])
    assert mp3.status_code == 200 and mp3.headers["content-type"] == "audio/mpeg"
    decoded = decode_bytes(mp3.content)
    assert abs(decoded.duration_s - 4.0) < 0.1

    wav_url = ""
    for _ in range(50):
        wav_url = httpx.get(f"{server.base_url}/suno/act/wav/{clip['id']}", headers=headers).json()["data"][
            "wav_file_url"
        ]
        if wav_url:
            break
        time.sleep(0.2)
    wav = httpx.get(wav_url)
    samples, rate = soundfile.read(io.BytesIO(wav.content))
    assert rate == 48000 and abs(len(samples) / rate - 4.0) < 0.01

    lyrics = poll(
        server, key, submit(server, key, "/suno/submit/lyrics", {"prompt": "rain on the city"}), ("SUCCESS", "FAILURE")
    )
    assert lyrics["status"] == "SUCCESS", lyrics["fail_reason"]
    assert "[Verse" in lyrics["data"]["text"] and lyrics["data"]["title"]


def test_sigkill_mid_job_resumes_once_and_webhooks_survive(server: ServerProcess, tmp_path: Path) -> None:
    key = server.admin_key
    assert key
    headers = {"Authorization": f"Bearer {key}"}
    with (tmp_path / "long.wav").open("wb") as handle:
        soundfile.write(handle, synth_song(seconds=40.0).T, 44100, format="WAV")
    with (tmp_path / "long.wav").open("rb") as handle:
        response = httpx.post(f"{server.base_url}/suno/uploads/audio", headers=headers, files={"file": handle})
    upload = poll(server, key, response.json()["data"], ("SUCCESS", "FAILURE"))
    assert upload["status"] == "SUCCESS", upload["fail_reason"]

    receiver = Receiver(fail_first=2)
    stem_body = {
        "task": "gen_stem",
        "task_id": upload["task_id"],
        "continue_clip_id": upload["data"][0]["id"],
        "stem_task": "twelve",
        "stem_type_group_name": "Twelve",
        "stem_type_id": 91,
        "mv": "chirp-auk",
        "notify_hook": receiver.url,
    }
    task_id = submit(server, key, "/suno/submit/music", stem_body)
    running = poll(server, key, task_id, ("IN_PROGRESS", "SUCCESS", "FAILURE"))
    assert running["status"] == "IN_PROGRESS", "the job finished before it could be interrupted"
    server.kill()
    server.start()

    done = poll(server, key, task_id, ("SUCCESS", "FAILURE"))
    assert done["status"] == "SUCCESS", done["fail_reason"]
    assert [clip["status"] for clip in done["data"]] == ["complete"] * 12

    with sqlite3.connect(server.data_dir / "songforge.db") as db:
        attempts = db.execute("select attempts from tasks where id = ?", (task_id,)).fetchone()[0]
        ledger = db.execute("select kind from ledger where task_id = ?", (task_id,)).fetchall()
        clip_count = db.execute("select count(*) from clips where task_id = ?", (task_id,)).fetchone()[0]
        secret = db.execute("select webhook_secret from api_keys").fetchone()[0]
    assert attempts == 2  # one run killed, one run that finished
    assert ledger == [("charge",)]  # charged once, never refunded
    assert clip_count == 12

    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and "SUCCESS" not in [e["status"] for e in receiver.accepted_events()]:
        time.sleep(0.2)
    statuses = [event["status"] for event in receiver.accepted_events()]
    assert statuses[-1] == "SUCCESS" and "QUEUED" in statuses and "IN_PROGRESS" in statuses
    assert len(receiver.requests) >= len(statuses) + 2  # the two refused attempts were retried
    for request_headers, body, _ in receiver.requests:
        expected = "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
        assert request_headers["x-songforge-signature"] == expected
        assert request_headers["x-songforge-event"] == json.loads(body)["status"]
