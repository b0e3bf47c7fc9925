"""A job that gives up after storing some files removes them — and never a file a completed clip points to
(issue 10, "files of a job that gave up stay on disk with no clip pointing to them")."""

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from songforge.core.urls import clip_blob_names
from songforge.core.work import fail_job
from songforge.worker import runner
from songforge.worker.context import JobContext, JobFailed, LeaseLost
from songforge.worker.jobs import handler_for
from tests.api.helpers import assert_submitted
from tests.conftest import auth, upload_wav, wait_for_task, write_wav

PUBLISHED = ("audio", "master", "image", "image_large")


def stored(client: TestClient, clip_id: str) -> dict[str, bool]:
    blobs = client.app.state.services.blobs  # type: ignore[attr-defined]
    return {role: blobs.exists(clip_blob_names(clip_id)[role]) for role in PUBLISHED}


def submit_upload(client: TestClient, key: str, path: Path) -> str:
    with path.open("rb") as handle:
        response = client.post(
            "/suno/uploads/audio", headers=auth(key), files={"file": (path.name, handle, "audio/wav")}
        )
    return assert_submitted(response)


@pytest.fixture
def kept_clip(client: TestClient, key: str, tmp_path: Path) -> dict[str, Any]:
    """A completed upload, made with the real handler before any test patches it."""
    task = upload_wav(client, key, write_wav(tmp_path / "kept.wav", seconds=1.0))
    assert task["status"] == "SUCCESS", task["fail_reason"]
    clip: dict[str, Any] = task["data"][0]
    assert all(stored(client, clip["id"]).values())
    return clip


def patch_upload_handler(monkeypatch: pytest.MonkeyPatch, then: Callable[[JobContext], None]) -> None:
    """Upload jobs publish their clip for real, then `then(context)` makes them give up."""
    real = handler_for("upload")

    def publish_then_give_up(context: JobContext, params: Any) -> Any:
        real(context, params)
        then(context)
        raise AssertionError("`then` must raise")

    monkeypatch.setattr(
        runner, "handler_for", lambda name: publish_then_give_up if name == "upload" else handler_for(name)
    )


def overwrite_kept_clip(context: JobContext, kept: dict[str, Any]) -> None:
    """Also store a file under a completed clip's name (as a retried render would): it must stay."""
    name = clip_blob_names(kept["id"])["audio"]
    path = context.workdir / "again.mp3"
    path.write_bytes(context.services.blobs.local_path(name).read_bytes())
    context.services.blobs.put_file(name, path)


def test_a_job_that_fails_after_publishing_removes_its_files(
    client: TestClient, key: str, kept_clip: dict[str, Any], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def give_up(context: JobContext) -> None:
        overwrite_kept_clip(context, kept_clip)
        raise JobFailed("the job gave up after publishing", error_type="test")

    patch_upload_handler(monkeypatch, give_up)
    task = wait_for_task(client, key, submit_upload(client, key, write_wav(tmp_path / "doomed.wav", seconds=1.0)))
    assert task["status"] == "FAILURE" and task["fail_reason"] == "the job gave up after publishing"
    assert stored(client, task["data"][0]["id"]) == dict.fromkeys(PUBLISHED, False)
    assert all(stored(client, kept_clip["id"]).values()), "a completed clip's file was deleted"
    assert client.get(kept_clip["audio_url"].removeprefix("http://testserver")).status_code == 200


def test_a_crash_after_publishing_removes_its_files(
    client: TestClient, key: str, kept_clip: dict[str, Any], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def crash(context: JobContext) -> None:
        overwrite_kept_clip(context, kept_clip)
        raise RuntimeError("a bug")

    patch_upload_handler(monkeypatch, crash)
    task = wait_for_task(client, key, submit_upload(client, key, write_wav(tmp_path / "doomed.wav", seconds=1.0)))
    assert task["status"] == "FAILURE" and task["fail_reason"].startswith("internal error")
    assert stored(client, task["data"][0]["id"]) == dict.fromkeys(PUBLISHED, False)
    assert all(stored(client, kept_clip["id"]).values())


def test_a_lost_lease_removes_files_only_once_the_task_has_failed(
    client: TestClient, key: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    services = client.app.state.services  # type: ignore[attr-defined]
    outcome: list[str] = []

    def lose_lease(context: JobContext) -> None:
        if not outcome:  # first job: the sweeper failed it (deadline) while it ran
            fail_job(
                services, context.job.task_id, "time out: the task ran past its deadline", "deadline_exceeded", None
            )
        outcome.append(context.job.clip_ids[0])
        raise LeaseLost(context.job.task_id)

    patch_upload_handler(monkeypatch, lose_lease)
    failed = wait_for_task(client, key, submit_upload(client, key, write_wav(tmp_path / "late.wav", seconds=1.0)))
    assert failed["status"] == "FAILURE"
    for _ in range(50):  # the runner removes the files just after the job returns
        if not any(stored(client, outcome[0]).values()):
            break
        time.sleep(0.1)
    assert stored(client, outcome[0]) == dict.fromkeys(PUBLISHED, False)

    # Lease lost while the task is still running elsewhere: the other holder stores the same names; keep them.
    task_id = submit_upload(client, key, write_wav(tmp_path / "taken.wav", seconds=1.0))
    for _ in range(100):
        if len(outcome) == 2:
            break
        time.sleep(0.1)
    time.sleep(0.5)
    assert all(stored(client, outcome[1]).values()), "files of a task another worker may complete were deleted"
    fail_job(services, task_id, "stopped by the test", "test", None)
