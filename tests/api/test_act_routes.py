"""Act routes answer at once: a WAV that is not rendered yet is an empty URL and one queued render, never a wait."""

import time
from pathlib import Path

from fastapi.testclient import TestClient

from songforge.api.app import create_app
from songforge.core.stats import task_counts
from tests.conftest import auth, key_maker, test_settings, upload_wav, wav_url_when_ready, write_wav


def wav_tasks(client: TestClient) -> dict[str, int]:
    services = client.app.state.services  # type: ignore[attr-defined]
    return {status: count for kind, status, count in task_counts(services) if kind == "wav"}


def test_a_wav_not_rendered_yet_is_answered_at_once_and_queued_once(tmp_path: Path) -> None:
    settings = test_settings(tmp_path / "data")
    with TestClient(create_app(settings)) as client:
        key = key_maker(client)()
        clip = upload_wav(client, key, write_wav(tmp_path / "song.wav", seconds=2.0))["data"][0]
    # The same database served by a node with no workers: nothing can render while we ask.
    with TestClient(create_app(test_settings(settings.data_dir, workers=0))) as api:
        started = time.monotonic()
        answers = [api.get(f"/suno/act/wav/{clip['id']}", headers=auth(key)).json() for _ in range(3)]
        elapsed = time.monotonic() - started
        assert [answer["data"]["wav_file_url"] for answer in answers] == ["", "", ""]
        assert elapsed < 2.0, f"three asks took {elapsed:.1f} s: the route waited on a worker"
        assert wav_tasks(api) == {"QUEUED": 1}, "asking again must reuse the queued render"
    with TestClient(create_app(settings)) as client:  # a node with workers renders it
        url = wav_url_when_ready(client, key, clip["id"])
        assert url.startswith("http://testserver/files/") and wav_tasks(client) == {"SUCCESS": 1}
        assert client.get(url.removeprefix("http://testserver")).content[:4] == b"RIFF"
