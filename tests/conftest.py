"""Shared fixtures: a real app on a real SQLite file in a temp dir, keys, and test audio."""

import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import soundfile
from fastapi.testclient import TestClient

from songforge.api.app import create_app
from songforge.config import Settings, credits_to_micros
from songforge.core.accounts import create_account, issue_key

# PostgreSQL and S3 server fixtures, for the tests of every directory that need them.
pytest_plugins = ["tests.server_fixtures"]


def synth_song(seconds: float = 3.0, sample_rate: int = 44100, channels: int = 2) -> np.ndarray:
    """A small known mix: a 220 Hz 'bass' + a 660 Hz 'lead' with vibrato + clicks; (channels, samples)."""
    t = np.arange(int(seconds * sample_rate)) / sample_rate
    bass = 0.3 * np.sin(2 * np.pi * 110 * t)
    lead = 0.2 * np.sin(2 * np.pi * 660 * t + 3 * np.sin(2 * np.pi * 5 * t))
    clicks = np.zeros_like(t)
    clicks[:: sample_rate // 2] = 0.8
    mono = (bass + lead + clicks).astype(np.float32)
    return np.stack([mono * (1.0 - 0.2 * c) for c in range(channels)])


def write_wav(path: Path, seconds: float = 3.0, sample_rate: int = 44100, channels: int = 2) -> Path:
    soundfile.write(path, synth_song(seconds, sample_rate, channels).T, sample_rate)
    return path


def test_settings(data_dir: Path, **overrides: Any) -> Settings:
    """Settings of a test app: fast polling and retries, no rate limit in the way, fixed public base."""
    values: dict[str, Any] = {
        "data_dir": data_dir,
        "public_base_url": "http://testserver",
        "workers": 1,
        "poll_interval_seconds": 0.1,
        "lease_seconds": 10.0,
        "rate_limit": "100000/minute",
        "webhook_backoff_seconds": 0.05,
        # Songs made by tests are short (a test wanting a full-length song raises it).
        "max_song_seconds": 12.0,
    }
    values.update(overrides)
    return Settings(**values)


test_settings.__test__ = False  # type: ignore[attr-defined]  # not a test, despite its name


def key_maker(client: TestClient) -> Callable[..., str]:
    """A function that creates an account with `credits` and returns its Bearer key (sk-…)."""

    def _make(credits: float = 100.0, **limits: Any) -> str:
        services = client.app.state.services  # type: ignore[attr-defined]
        with services.db.session() as session:
            account = create_account(session, "test", credits_to_micros(credits))
            return issue_key(session, account, "test", **limits).key

    return _make


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return test_settings(tmp_path / "data")


@pytest.fixture
def client(settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(settings)) as test_client:
        yield test_client


@pytest.fixture
def make_key(client: TestClient) -> Callable[..., str]:
    """Create an account with `credits` and return its Bearer key (sk-…)."""
    return key_maker(client)


@pytest.fixture
def key(make_key: Callable[..., str]) -> str:
    return make_key()


def auth(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def wait_for_task(client: TestClient, key: str, task_id: str, timeout: float = 120.0) -> dict[str, Any]:
    """Poll the task until SUCCESS/FAILURE; returns the task object."""
    deadline = time.monotonic() + timeout
    while True:
        response = client.get(f"/suno/fetch/{task_id}", headers=auth(key))
        assert response.status_code == 200, response.text
        task: dict[str, Any] = response.json()["data"]
        if task["status"] in ("SUCCESS", "FAILURE"):
            return task
        if time.monotonic() > deadline:
            raise AssertionError(f"task {task_id} still {task['status']} after {timeout} s")
        time.sleep(0.1)


def upload_wav(client: TestClient, key: str, path: Path) -> dict[str, Any]:
    """Upload a file and wait for its task; returns the finished task object."""
    with path.open("rb") as handle:
        response = client.post(
            "/suno/uploads/audio", headers=auth(key), files={"file": (path.name, handle, "audio/wav")}
        )
    assert response.status_code == 200, response.text
    return wait_for_task(client, key, response.json()["data"])


def wav_url_when_ready(client: TestClient, key: str, clip_id: str, timeout: float = 30.0) -> str:
    """Ask for a clip's WAV until its URL is filled in (an empty URL means "being rendered", Part A §11)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        response = client.get(f"/suno/act/wav/{clip_id}", headers=auth(key))
        assert response.status_code == 200, response.text
        assert response.json()["code"] == "success", response.text
        url: str = response.json()["data"]["wav_file_url"]
        if url:
            return url
        time.sleep(0.1)
    raise AssertionError(f"the WAV of {clip_id} never became ready")
