"""Task and clip statuses agree at every step (issue 10 item 4, spec Part A §4), as a client reads them.

QUEUED ↔ clips `queued`; IN_PROGRESS ↔ clips `submitted` (handed to the engine, no audio yet: `streaming` needs
a playable audio_url); SUCCESS ↔ all `complete`; FAILURE ↔ all `error` (core/status.py CLIP_STATUS_WHILE).
"""

from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient

from songforge.api.app import create_app
from songforge.core.work import claim_next_job, fail_job
from tests.api.helpers import assert_submitted, assert_task_shape, fetch_task, poll_task
from tests.conftest import auth, key_maker, test_settings, write_wav

AGREEING_CLIP_STATUSES = {
    "QUEUED": {"queued"},
    "IN_PROGRESS": {"submitted", "streaming", "complete"},
    "SUCCESS": {"complete"},
    "FAILURE": {"error"},
}


def assert_statuses_agree(task: dict[str, Any]) -> None:
    assert_task_shape(task)
    clip_statuses = [clip["status"] for clip in task["data"]]
    assert set(clip_statuses) <= AGREEING_CLIP_STATUSES[task["status"]], (task["status"], clip_statuses)
    if task["status"] == "IN_PROGRESS":
        assert any(status != "queued" for status in clip_statuses), "IN_PROGRESS while every clip is still queued"
        for clip in task["data"]:
            assert clip["status"] != "streaming" or clip["audio_url"], "streaming without a playable audio_url"


def test_each_step_of_a_task_agrees_with_its_clips(tmp_path: Path) -> None:
    """Driven step by step: an app without job threads, the claim made as a worker makes it."""
    with TestClient(create_app(test_settings(tmp_path / "data", workers=0))) as client:
        key = key_maker(client)()
        services = client.app.state.services  # type: ignore[attr-defined]
        song = write_wav(tmp_path / "song.wav", seconds=1.0)
        with song.open("rb") as handle:
            response = client.post("/suno/uploads/audio", headers=auth(key), files={"file": ("song.wav", handle)})
        task_id = assert_submitted(response)

        queued = fetch_task(client, key, task_id)
        assert queued["status"] == "QUEUED" and [clip["status"] for clip in queued["data"]] == ["queued"]
        assert_statuses_agree(queued)

        claimed = claim_next_job(services, "test-host:1:worker")
        assert claimed is not None and claimed.task_id == task_id
        running = fetch_task(client, key, task_id)
        assert running["status"] == "IN_PROGRESS" and [clip["status"] for clip in running["data"]] == ["submitted"]
        assert running["data"][0]["audio_url"] == ""
        assert_statuses_agree(running)
        batch = client.post("/suno/fetch", headers=auth(key), json={"ids": [task_id]}).json()["data"]
        assert batch == [running]

        assert fail_job(services, task_id, "the test stopped this job.", "test_stop", "test-host:1:worker")
        failed = fetch_task(client, key, task_id)
        assert failed["status"] == "FAILURE" and [clip["status"] for clip in failed["data"]] == ["error"]
        assert_statuses_agree(failed)


def test_statuses_agree_in_every_snapshot_of_a_real_job(mclient: TestClient, mkey: str, source: dict[str, Any]) -> None:
    body = {
        "task": "gen_stem",
        "task_id": source["task"]["task_id"],
        "continue_clip_id": source["clip"]["id"],
        "stem_task": "two",
    }
    task_id = assert_submitted(mclient.post("/suno/submit/music", headers=auth(mkey), json=body))
    task, snapshots = poll_task(mclient, mkey, task_id)
    assert task["status"] == "SUCCESS", task["fail_reason"]
    for snapshot in snapshots:
        assert_statuses_agree(snapshot)
