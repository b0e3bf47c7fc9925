"""The shortest path a new user takes: upload a file, get its WAV."""

from pathlib import Path

from fastapi.testclient import TestClient

from tests.conftest import upload_wav, wav_url_when_ready, write_wav


def test_upload_then_wav(client: TestClient, key: str, tmp_path: Path) -> None:
    task = upload_wav(client, key, write_wav(tmp_path / "song.wav", seconds=2.0))
    assert task["status"] == "SUCCESS", task["fail_reason"]
    clip = task["data"][0]
    assert clip["metadata"]["type"] == "upload"
    assert abs(clip["metadata"]["duration"] - 2.0) < 0.05
    wav = wav_url_when_ready(client, key, clip["id"])
    assert wav.startswith("http://testserver/files/")
    body = client.get(wav.removeprefix("http://testserver")).content
    assert body[:4] == b"RIFF"
