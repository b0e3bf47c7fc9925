"""Fixtures for the API tests: one app per test module (a real app, worker thread and SQLite file).

The function-scoped `client` of tests/conftest.py costs ~0.7 s per test (start + stop of the worker pool);
most API tests only need a fresh account, so they share one app per module and make their own keys.
"""

import functools
import http.server
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from songforge.api.app import create_app
from tests.conftest import key_maker, test_settings, upload_wav, write_wav


@pytest.fixture(scope="session")
def model_dir(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where engines keep derived caches (the Twelve pipeline's learned dictionary, ~10-40 s to learn).

    Kept in pytest's cache dir so only the first run on a machine pays for learning it (a fresh temp dir
    when the cache plugin is off).
    """
    cache = getattr(request.config, "cache", None)
    if cache is None:
        return tmp_path_factory.mktemp("models")
    return Path(cache.mkdir("songforge-models"))


@pytest.fixture(scope="module")
def mclient(tmp_path_factory: pytest.TempPathFactory, model_dir: Path) -> Iterator[TestClient]:
    """One app for the whole module (default settings: private URLs refused)."""
    data_dir = tmp_path_factory.mktemp("app") / "data"
    with TestClient(create_app(test_settings(data_dir, model_dir=model_dir))) as test_client:
        yield test_client


@pytest.fixture(scope="module")
def mmake_key(mclient: TestClient) -> Callable[..., str]:
    return key_maker(mclient)


@pytest.fixture(scope="module")
def mkey(mmake_key: Callable[..., str]) -> str:
    return mmake_key(1000.0)


@pytest.fixture(scope="module")
def source(mclient: TestClient, mkey: str, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """A finished upload of `mkey` (2 s, 44.1 kHz stereo, title "source song"): {"task", "clip"}."""
    path = write_wav(tmp_path_factory.mktemp("audio") / "source song.wav", seconds=2.0)
    task = upload_wav(mclient, mkey, path)
    assert task["status"] == "SUCCESS", task["fail_reason"]
    return {"task": task, "clip": task["data"][0]}


@pytest.fixture(scope="module")
def private_client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    """An app whose operator allowed private URLs (upload-by-URL from a server on 127.0.0.1)."""
    data_dir = tmp_path_factory.mktemp("private-app") / "data"
    with TestClient(create_app(test_settings(data_dir, allow_private_urls=True))) as test_client:
        yield test_client


class _Handler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:  # keep test output clean
        self.server.requests_seen.append(self.path)  # type: ignore[attr-defined]


@pytest.fixture(scope="module")
def audio_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """A local HTTP server on 127.0.0.1 serving a directory: {"url", "dir", "requests"}."""
    root = tmp_path_factory.mktemp("served")
    write_wav(root / "song.wav", seconds=1.5, sample_rate=32000, channels=1)
    write_wav(root / "my café song.wav", seconds=0.5, sample_rate=16000, channels=1)
    (root / "notes.txt").write_text("this is not audio\n" * 100)
    handler = functools.partial(_Handler, directory=str(root))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.requests_seen = []  # type: ignore[attr-defined]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield {
            "url": f"http://127.0.0.1:{server.server_address[1]}",
            "dir": root,
            "requests": server.requests_seen,  # type: ignore[attr-defined]
        }
    finally:
        server.shutdown()
        server.server_close()
