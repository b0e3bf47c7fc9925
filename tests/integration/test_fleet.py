"""A fleet on one machine under trouble: 200 jobs through one API node and two Celery worker processes on real
Redis, PostgreSQL and S3 (moto), while one worker is SIGKILLed mid-job and Redis is restarted mid-run.

What a user would notice is checked: every task reaches SUCCESS; each one's SUCCESS webhook arrives once (the
outbox holds one SUCCESS event per task, and the receiver got one); each task made exactly its clips and was
charged once; a task submitted while Redis was down still ran; every file comes back through the API
byte-identical to the object in S3, whole and by Range.
"""

import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import psycopg
import pytest
import soundfile

from tests.integration.fleet import BUCKET, PREFIX, Fleet, wait_until
from tests.integration.webhook_receiver import WebhookCounts, webhook_receiver

pytestmark = [pytest.mark.integration, pytest.mark.slow]

UPLOADS = 60
STEMS = 20
LYRICS_BEFORE_KILL = 60
LYRICS_WHILE_REDIS_DOWN = 20
LYRICS_AFTER = 40
TOTAL = UPLOADS + STEMS + LYRICS_BEFORE_KILL + LYRICS_WHILE_REDIS_DOWN + LYRICS_AFTER
FINISHED = ("SUCCESS", "FAILURE")


@pytest.fixture
def hooks() -> Iterator[WebhookCounts]:
    with webhook_receiver() as counts:
        yield counts


@pytest.fixture
def fleet(tmp_path: Path) -> Iterator[Fleet]:
    fleet = Fleet(tmp_path / "fleet", workers=2, concurrency=2)
    fleet.start()
    yield fleet
    fleet.stop()


def distinct_wav(index: int) -> bytes:
    """One second of a chord no other upload of the run has (so every file's bytes differ)."""
    sample_rate = 22050
    t = np.arange(sample_rate) / sample_rate
    tone = 0.2 * np.sin(2 * np.pi * (110 + 7 * index) * t) + 0.1 * np.sin(2 * np.pi * (440 + 11 * index) * t)
    buffer = io.BytesIO()
    soundfile.write(buffer, np.stack([tone, tone * 0.8]).T.astype(np.float32), sample_rate, format="WAV")
    return buffer.getvalue()


def statuses(client: httpx.Client, ids: list[str]) -> dict[str, dict[str, Any]]:
    tasks: list[dict[str, Any]] = client.post("/suno/fetch", json={"ids": ids}).json()["data"]
    return {task["task_id"]: task for task in tasks}


def lease_holder_pid(database_url: str, task_id: str) -> int | None:
    with psycopg.connect(database_url.replace("postgresql+psycopg", "postgresql")) as connection:
        row = connection.execute("SELECT lease_owner FROM tasks WHERE id = %s", (task_id,)).fetchone()
    owner = row[0] if row else None
    return int(owner.split(":")[1]) if owner else None


def parent_of(pid: int) -> int | None:
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return None
    return next(int(line.split()[1]) for line in status.splitlines() if line.startswith("PPid:"))


def test_two_hundred_jobs_survive_a_killed_worker_and_a_redis_restart(fleet: Fleet, hooks: WebhookCounts) -> None:
    webhook_url = hooks.url
    assert fleet.api is not None and fleet.api.admin_key
    database_url = fleet.env["SONGFORGE_DATABASE_URL"]
    headers = {"Authorization": f"Bearer {fleet.api.admin_key}"}
    client = httpx.Client(base_url=fleet.api.base_url, headers=headers, timeout=30)
    ids: list[str] = []

    def submit_lyrics(count: int, label: str) -> list[str]:
        made = []
        for index in range(count):
            body = {"prompt": f"{label} song number {index}", "notify_hook": webhook_url}
            response = client.post("/suno/submit/lyrics", json=body)
            assert response.status_code == 200, response.text
            made.append(response.json()["data"])
        return made

    upload_ids = []
    for index in range(UPLOADS):
        response = client.post(
            "/suno/uploads/audio",
            files={"file": (f"take-{index}.wav", distinct_wav(index), "audio/wav")},
            data={"notify_hook": webhook_url},
        )
        assert response.status_code == 200, response.text
        upload_ids.append(response.json()["data"])
    ids += upload_ids
    ids += submit_lyrics(LYRICS_BEFORE_KILL, "before")

    # SIGKILL the first worker while one of its children holds a job's lease.
    victim = fleet.workers[0]
    assert victim.process is not None
    held: list[str] = []

    def victim_holds_a_job() -> bool:
        for task_id, task in statuses(client, ids).items():
            if task["status"] == "IN_PROGRESS":
                holder = lease_holder_pid(database_url, task_id)
                if holder is not None and parent_of(holder) == victim.process.pid:  # type: ignore[union-attr]
                    held.append(task_id)
                    return True
        return False

    assert wait_until(victim_holds_a_job, timeout=120, interval=0.05), fleet.logs()
    victim.kill()

    # Restart Redis with tasks in flight; submissions while it is down still succeed and still run.
    fleet.redis.stop()
    ids += submit_lyrics(LYRICS_WHILE_REDIS_DOWN, "offline")
    fleet.redis.start()
    ids += submit_lyrics(LYRICS_AFTER, "after")

    def uploads_done() -> bool:
        return all(task["status"] in FINISHED for task in statuses(client, upload_ids).values())

    assert wait_until(uploads_done, timeout=300, interval=0.5), fleet.logs()
    uploads = statuses(client, upload_ids)
    stem_ids = []
    for task_id in upload_ids[:STEMS]:
        clip = uploads[task_id]["data"][0]
        body = {
            "task": "gen_stem",
            "task_id": task_id,
            "continue_clip_id": clip["id"],
            "stem_task": "two",
            "prompt": "",
            "notify_hook": webhook_url,
        }
        response = client.post("/suno/submit/music", json=body)
        assert response.status_code == 200, response.text
        stem_ids.append(response.json()["data"])
    ids += stem_ids
    assert len(ids) == TOTAL == len(set(ids))

    def all_done() -> bool:
        return all(task["status"] in FINISHED for task in statuses(client, ids).values())

    assert wait_until(all_done, timeout=600, interval=1.0), fleet.logs()
    final = statuses(client, ids)
    failed = {task_id: task["fail_reason"] for task_id, task in final.items() if task["status"] != "SUCCESS"}
    assert not failed, f"{len(failed)} task(s) failed: {list(failed.values())[:5]}\n{fleet.logs()}"

    # The killed job ran again elsewhere, and finished once.
    with psycopg.connect(database_url.replace("postgresql+psycopg", "postgresql")) as connection:
        attempts = connection.execute("SELECT attempts FROM tasks WHERE id = %s", (held[0],)).fetchone()
        success_events: dict[str, int] = dict(
            connection.execute(
                "SELECT task_id, count(*) FROM webhook_deliveries WHERE event = 'SUCCESS' GROUP BY task_id"
            ).fetchall()
        )
        charges: dict[str, int] = dict(
            connection.execute("SELECT task_id, count(*) FROM ledger WHERE kind = 'charge' GROUP BY task_id").fetchall()
        )
        refunds = connection.execute("SELECT count(*) FROM ledger WHERE kind = 'refund'").fetchone()
        clips: dict[str, int] = dict(
            connection.execute("SELECT task_id, count(*) FROM clips GROUP BY task_id").fetchall()
        )
    assert attempts is not None and attempts[0] >= 2
    assert {task_id: success_events.get(task_id, 0) for task_id in ids} == dict.fromkeys(ids, 1)
    assert refunds is not None and refunds[0] == 0
    assert all(charges.get(task_id, 0) <= 1 for task_id in ids)
    for task_id in upload_ids:
        assert clips.get(task_id) == 1
    for task_id in stem_ids:
        assert clips.get(task_id) == 2
        assert [clip["title"] for clip in final[task_id]["data"]] and len(final[task_id]["data"]) == 2

    def every_hook_arrived() -> bool:
        return all(hooks.count(task_id, "SUCCESS") >= 1 for task_id in ids)

    assert wait_until(every_hook_arrived, timeout=120, interval=0.5)
    assert all(hooks.count(task_id, "SUCCESS") == 1 for task_id in ids)

    # Files come back through the API byte-identical to what the store holds, whole and by Range.
    s3 = fleet.s3.client()
    served = [clip["audio_url"] for task_id in upload_ids + stem_ids for clip in final[task_id]["data"]]
    assert len(served) == UPLOADS + 2 * STEMS
    with httpx.Client(timeout=30, follow_redirects=True) as anonymous:
        for url in served:
            name = url.split("/files/")[1].split("?")[0]
            stored = s3.get_object(Bucket=BUCKET, Key=f"{PREFIX}/{name}")["Body"].read()
            whole = anonymous.get(url)
            assert whole.status_code == 200
            assert whole.content == stored
            part = anonymous.get(url, headers={"Range": "bytes=100-1099"})
            assert part.status_code == 206
            assert part.content == stored[100:1100]
