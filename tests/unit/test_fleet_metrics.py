"""/metrics for a fleet: job counts, failure reasons, duration histograms, worker heartbeats and webhook attempts,
read from the database at scrape time, so they agree with the rows whoever wrote them.

Each test runs on SQLite and (marked integration) on a real PostgreSQL server: the figures come from SQL that
the two dialects must both answer.
"""

import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import orjson
import pytest
from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families
from prometheus_client.samples import Sample

from songforge.api.app import create_app
from songforge.core.accounts import create_account
from songforge.core.clock import new_id
from songforge.core.lifecycle import fail_task
from songforge.core.services import Services
from songforge.db.models import Clip, Task, WebhookDelivery, WorkerProcess
from tests.conftest import test_settings
from tests.integration.postgres_cluster import PostgresCluster


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.integration)])
def client(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[TestClient]:
    """An API-only node (no job threads, so seeded rows stay as written) on an empty database."""
    database_url = ""
    if request.param == "postgresql":
        cluster: PostgresCluster = request.getfixturevalue("pg_cluster")
        database_url = cluster.create_database(f"sf_metrics_{uuid.uuid4().hex[:10]}")
    with TestClient(create_app(test_settings(tmp_path / "data", workers=0, database_url=database_url))) as test_client:
        yield test_client


def services_of(client: TestClient) -> Services:
    return client.app.state.services  # type: ignore[attr-defined,no-any-return]


def scrape(client: TestClient) -> dict[str, list[Sample]]:
    """The samples of /metrics by sample name (songforge_x_bucket, songforge_x_total, …)."""
    response = client.get("/metrics")
    assert response.status_code == 200
    samples: dict[str, list[Sample]] = {}
    for family in text_string_to_metric_families(response.text):
        for sample in family.samples:
            samples.setdefault(sample.name, []).append(sample)
    return samples


def value(samples: dict[str, list[Sample]], name: str, **labels: str) -> float:
    found = [sample.value for sample in samples.get(name, []) if labels.items() <= sample.labels.items()]
    assert len(found) == 1, f"{name}{labels}: {found} in {samples.get(name)}"
    return found[0]


def seed_task(
    services: Services,
    kind: str,
    status: str,
    *,
    ran_seconds: int | None = None,
    with_clip: bool = False,
) -> str:
    """A task row as a worker leaves it: started `ran_seconds` before it finished (None: never started)."""
    moment = int(time.time())
    with services.db.session() as session:
        account = create_account(session, "metrics", 0)
        task = Task(
            id=new_id(),
            account_id=account.id,
            api_key_id=new_id(),
            action="LYRICS" if kind == "lyrics" else "MUSIC",
            kind=kind,
            status=status,
            submit_time=moment - 7200,
            start_time=0 if ran_seconds is None else moment - ran_seconds,
            finish_time=moment if status in ("SUCCESS", "FAILURE") else 0,
            request_json="{}",
            deadline_at=moment + 3600,
            updated_at=moment,
        )
        session.add(task)
        session.flush()  # the clip's foreign key needs the task row first
        if with_clip:
            data = orjson.dumps({"title": "x", "metadata": {"error_type": None}}).decode()
            session.add(
                Clip(
                    id=new_id(), task_id=task.id, account_id=account.id, position=0, status="submitted", data_json=data
                )
            )
        return task.id


def seed_failure(services: Services, kind: str, error_type: str, *, with_clip: bool = True) -> None:
    """A started task failed the way workers fail them (core.lifecycle.fail_task)."""
    task_id = seed_task(services, kind, "IN_PROGRESS", ran_seconds=3, with_clip=with_clip)
    with services.db.session() as session:
        failed = fail_task(session, task_id, f"it broke: {uuid.uuid4()}", services.signer, error_type=error_type)
    assert failed


def test_job_duration_histogram_counts_the_seeded_jobs(client: TestClient) -> None:
    services = services_of(client)
    for seconds in (0, 1, 3, 20, 700, 5000):
        seed_task(services, "upload", "SUCCESS", ran_seconds=seconds)
    seed_task(services, "upload", "FAILURE", ran_seconds=45)
    seed_task(services, "upload", "FAILURE")  # failed before it started: no duration
    seed_task(services, "upload", "IN_PROGRESS", ran_seconds=10)  # still running: no duration yet
    seed_task(services, "wav", "SUCCESS", ran_seconds=2)

    samples = scrape(client)
    expected_at_most = {
        "1.0": 2,
        "5.0": 3,
        "15.0": 3,
        "30.0": 4,
        "60.0": 5,
        "120.0": 5,
        "300.0": 5,
        "600.0": 5,
        "1800.0": 6,
        "3600.0": 6,
        "+Inf": 7,
    }
    buckets = {
        sample.labels["le"]: sample.value
        for sample in samples["songforge_job_duration_seconds_bucket"]
        if sample.labels["kind"] == "upload"
    }
    assert buckets == expected_at_most
    assert value(samples, "songforge_job_duration_seconds_count", kind="upload") == 7
    assert value(samples, "songforge_job_duration_seconds_sum", kind="upload") == 0 + 1 + 3 + 20 + 700 + 5000 + 45
    assert value(samples, "songforge_job_duration_seconds_bucket", kind="wav", le="5.0") == 1
    # The existing summed views agree with the histogram.
    assert value(samples, "songforge_jobs_ended", kind="upload", status="SUCCESS") == 6
    assert value(samples, "songforge_job_seconds_total", kind="upload", status="FAILURE") == 45


def test_started_finished_and_failed_jobs_by_kind_and_reason(client: TestClient) -> None:
    services = services_of(client)
    seed_task(services, "wav", "SUCCESS", ran_seconds=2)
    seed_task(services, "wav", "SUCCESS", ran_seconds=2)
    seed_task(services, "wav", "QUEUED")
    seed_failure(services, "wav", "invalid_audio")
    seed_failure(services, "wav", "invalid_audio")
    seed_failure(services, "wav", "deadline_exceeded")
    seed_failure(services, "lyrics", "invalid_prompt", with_clip=False)  # lyrics tasks keep no clip
    seed_failure(services, "wav", "Not A Label: with text")

    samples = scrape(client)
    assert value(samples, "songforge_jobs_started_total", kind="wav") == 6
    assert value(samples, "songforge_jobs_finished_total", kind="wav") == 2
    failed = {
        (sample.labels["kind"], sample.labels["reason"]): sample.value
        for sample in samples["songforge_jobs_failed_total"]
    }
    assert failed == {
        ("wav", "invalid_audio"): 2,
        ("wav", "deadline_exceeded"): 1,
        ("wav", "other"): 1,
        ("lyrics", "unknown"): 1,
    }
    assert not any("it broke" in label for key in failed for label in key), "free text never becomes a label"
    assert value(samples, "songforge_queue_depth", queue="cpu") == 1


def test_workers_are_alive_or_stale_by_their_heartbeats(client: TestClient) -> None:
    moment = time.time()
    with services_of(client).db.session() as session:
        for worker_id, seen_ago, running in (("gpu-1:10:a", 2.0, 1), ("cpu-1:11:b", 4.0, 0), ("cpu-2:12:c", 60.0, 2)):
            host = worker_id.split(":")[0]
            queues = "gpu" if host.startswith("gpu") else "cpu"
            session.add(
                WorkerProcess(
                    id=worker_id,
                    host=host,
                    pid=1,
                    queues=queues,
                    started_at=moment - 600,
                    last_seen_at=moment - seen_ago,
                    jobs_running=running,
                )
            )

    samples = scrape(client)
    assert value(samples, "songforge_workers", state="alive") == 2
    assert value(samples, "songforge_workers", state="stale") == 1
    stale_age = value(samples, "songforge_worker_last_seen_seconds", worker="cpu-2:12:c", host="cpu-2", queues="cpu")
    assert 60 <= stale_age < 70
    assert value(samples, "songforge_worker_last_seen_seconds", worker="gpu-1:10:a", queues="gpu") < 15
    assert value(samples, "songforge_worker_jobs_running", worker="cpu-2:12:c") == 2


def test_no_workers_reads_zero_of_each_state(client: TestClient) -> None:
    samples = scrape(client)
    assert value(samples, "songforge_workers", state="alive") == 0
    assert value(samples, "songforge_workers", state="stale") == 0


def test_webhook_attempts_are_summed_beside_the_delivery_counts(client: TestClient) -> None:
    moment = time.time()
    with services_of(client).db.session() as session:
        for state, attempts in (("delivered", 1), ("delivered", 3), ("failed", 8), ("pending", 0)):
            session.add(
                WebhookDelivery(
                    id=new_id(),
                    task_id=new_id(),
                    account_id=new_id(),
                    api_key_id=new_id(),
                    url="https://example.com/hook",
                    event="SUCCESS",
                    payload="{}",
                    state=state,
                    attempts=attempts,
                    next_attempt_at=moment,
                    created_at=moment,
                )
            )

    samples = scrape(client)
    assert value(samples, "songforge_webhook_deliveries", state="delivered") == 2
    assert value(samples, "songforge_webhook_attempts", state="delivered") == 4
    assert value(samples, "songforge_webhook_attempts", state="failed") == 8
    assert value(samples, "songforge_webhook_attempts", state="pending") == 0
