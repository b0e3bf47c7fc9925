"""Part B §14: upload by URL and the six-step file upload, replayed byte for byte, answers checked against the
types a GPT-Best/DeerAPI client decodes them into."""

import time
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from songforge.engines.audio import encode_mp3
from tests.api.conftest import audio_server, private_client  # noqa: F401
from tests.api.helpers import Response, assert_submitted
from tests.compat.conftest import load, replay
from tests.conftest import auth, key_maker, synth_song, wait_for_task

PART_B = load("partb.json")


def test_upload_by_url_example_gives_a_clip_id_to_work_on(
    private_client: TestClient,  # noqa: F811
    audio_server: dict[str, Any],  # noqa: F811
) -> None:
    key = key_maker(private_client)(10.0)
    response = replay(private_client, PART_B["upload_by_url"], key, audio_url=f"{audio_server['url']}/song.wav")
    assert response.status_code == 200, response.text
    envelope = response.json()
    assert envelope["code"] == "success" and isinstance(envelope["data"], str)
    task = wait_for_task(private_client, key, envelope["data"])
    assert (task["status"], task["action"]) == ("SUCCESS", "MUSIC"), task["fail_reason"]
    (clip,) = task["data"]
    assert clip["metadata"]["type"] == "upload" and clip["status"] == "complete"


def post_file_to_target(client: TestClient, target: dict[str, Any], content: bytes) -> Response:
    """Step 2 as a client does it: every field of step 1, then the file, as one multipart POST to `url`."""
    path = httpx.URL(target["url"]).path
    files = {"file": ("x.mp3", content, target["fields"].get("Content-Type", "audio/mpeg"))}
    response: Response = client.post(path, data=target["fields"], files=files)
    return response


@pytest.mark.parametrize("prefix", ["suno", "sunoi"])
def test_six_step_upload_example(mclient: TestClient, mkey: str, prefix: str, tmp_path: Path) -> None:
    mp3 = tmp_path / "x.mp3"
    encode_mp3(synth_song(1.0), 44100, mp3)
    # 1. the upload target
    target = replay(mclient, PART_B[f"six_step_1_{prefix}"], mkey).json()
    assert isinstance(target["id"], str) and isinstance(target["url"], str) and target["url"].startswith("http")
    assert isinstance(target["fields"], dict) and all(isinstance(v, str) for v in target["fields"].values())
    assert target["is_file_uploaded"] is False
    # 2. the file, to the target (no key: the signed fields are the permission)
    assert 200 <= post_file_to_target(mclient, target, mp3.read_bytes()).status_code < 300
    # 3. upload-finish
    finished = replay(mclient, PART_B[f"six_step_3_{prefix}"], mkey, upload_id=target["id"])
    assert finished.status_code == 200, finished.text
    # 4. poll until complete
    deadline = time.monotonic() + 30
    while True:
        status = replay(mclient, PART_B[f"six_step_4_{prefix}"], mkey, upload_id=target["id"]).json()
        assert set(status) >= {"id", "status", "error_message", "s3_id", "title", "image_url"}, status
        assert status["id"] == target["id"] and status["status"] in ("pending", "complete", "error")
        assert status["error_message"] is None or isinstance(status["error_message"], str)
        if status["status"] != "pending" or time.monotonic() > deadline:
            break
        time.sleep(0.1)
    assert status["status"] == "complete", status
    # 5. initialize-clip
    initialized = replay(mclient, PART_B[f"six_step_5_{prefix}"], mkey, upload_id=target["id"]).json()
    clip_id = initialized["clip_id"]
    assert isinstance(clip_id, str) and status["s3_id"] == f"m_{clip_id}"
    # 6. the clip is the caller's to work on once its task is done: a cover of it is accepted
    task = wait_for_task(mclient, mkey, initialized["task_id"])
    assert task["status"] == "SUCCESS" and task["data"][0]["id"] == clip_id, task["fail_reason"]
    cover = mclient.post(
        "/suno/submit/music", headers=auth(mkey), json={"task": "cover", "cover_clip_id": clip_id, "prompt": "x"}
    )
    assert_submitted(cover)
