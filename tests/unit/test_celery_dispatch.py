"""Jobs through Celery on a real redis-server, run by real `songforge worker` processes (SQLite file database).

What an operator relies on: a submitted task reaches SUCCESS on a worker node; a message delivered twice runs
its job once; a message lost (Redis down at submit) or held by a killed worker is sent again by a sweeper,
and a killed worker leaves no job process behind; routing sends GPU kinds to "gpu" only when asked. Leases
and the resend delay are short here so recovery takes seconds.
"""

import base64
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
from sqlalchemy import select

from songforge.config import Settings, credits_to_micros
from songforge.core import jobs
from songforge.core.accounts import Caller, create_account, find_caller, issue_key
from songforge.core.fleet import resend_lost_tasks
from songforge.core.jobs import LyricsParams, SongParams
from songforge.core.services import Services, build_services
from songforge.core.submission import submit_task
from songforge.core.work import claim_job, claim_next_job
from songforge.db.models import Task, WorkerProcess
from songforge.processes import process_is_alive
from songforge.queue.celery_app import celery_app
from songforge.queue.celery_dispatcher import CeleryDispatcher
from tests.integration.postgres_cluster import PostgresCluster
from tests.integration.redis_server import RedisServer
from tests.integration.server_process import free_port
from tests.task_factory import create_lyrics_task

pytestmark = pytest.mark.integration

SONGFORGE = str(Path(sys.executable).parent / "songforge")
SECRET = "celery-test-secret-" + "x" * 20
LEASE_SECONDS = 2.0
REQUEUE_AFTER_SECONDS = 1.0


# ------------------------------------------------------------------------------------------ fixtures


@pytest.fixture
def redis_server(tmp_path: Path) -> Iterator[RedisServer]:
    server = RedisServer(tmp_path / "redis").start()
    yield server
    server.stop()


def fleet_settings(data_dir: Path, broker_url: str, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "data_dir": data_dir,
        "broker_url": broker_url,
        "secret_key": SECRET,
        "lease_seconds": LEASE_SECONDS,
        "requeue_after_seconds": REQUEUE_AFTER_SECONDS,
        "public_base_url": "http://testserver",
        **overrides,
    }
    return Settings(**values)


@pytest.fixture
def api_node(tmp_path: Path, redis_server: RedisServer) -> Iterator[Services]:
    """What an API node holds: the database and a Celery dispatcher (no job threads)."""
    services = build_services(fleet_settings(tmp_path / "data", redis_server.url))
    yield services
    services.close()


@pytest.fixture
def caller(api_node: Services) -> Caller:
    with api_node.db.session() as session:
        key = issue_key(session, create_account(session, "fleet", credits_to_micros(100)), "fleet").key
    with api_node.db.session() as session:
        found = find_caller(session, key.removeprefix("sk-"))
    assert found is not None
    return found


class SongforgeWorker:
    """`songforge worker` as a subprocess, with the API node's settings in its environment."""

    def __init__(self, services: Services, *args: str) -> None:
        settings = services.settings
        self.services = services
        self.log_path = settings.data_dir.parent / f"worker-{time.monotonic_ns()}.log"
        env = {
            **os.environ,
            "SONGFORGE_DATA_DIR": str(settings.data_dir),
            "SONGFORGE_BROKER_URL": settings.broker_url,
            "SONGFORGE_SECRET_KEY": SECRET,
            "SONGFORGE_LEASE_SECONDS": str(LEASE_SECONDS),
            "SONGFORGE_REQUEUE_AFTER_SECONDS": str(REQUEUE_AFTER_SECONDS),
            # Every node routes alike: a worker's sweeper sends lost tasks to the queues its settings name.
            "SONGFORGE_GPU_QUEUE": str(settings.gpu_queue).lower(),
        }
        with self.log_path.open("w") as log:
            self.process = subprocess.Popen([SONGFORGE, "worker", *args], env=env, stdout=log, stderr=log)

    def wait_until_ready(self, timeout: float = 30.0) -> None:
        """Until its row in `workers` appears (written once Celery consumes)."""
        deadline = time.monotonic() + timeout
        while not self.row():
            assert self.process.poll() is None, f"songforge worker exited:\n{self.log()}"
            assert time.monotonic() < deadline, f"songforge worker not ready in {timeout} s:\n{self.log()}"
            time.sleep(0.05)

    def row(self) -> WorkerProcess | None:
        with self.services.db.session() as session:
            return session.execute(
                select(WorkerProcess).where(WorkerProcess.pid == self.process.pid)
            ).scalar_one_or_none()

    def children(self) -> list[int]:
        """The job processes (Celery's prefork children)."""
        pids: list[int] = []
        for task in Path(f"/proc/{self.process.pid}/task").iterdir():
            pids += [int(pid) for pid in (task / "children").read_text().split()]
        return pids

    def stop(self) -> int:
        """SIGTERM: Celery's warm shutdown; returns the exit code."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        try:
            return self.process.wait(20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(5)
            raise AssertionError(f"songforge worker ignored SIGTERM:\n{self.log()}") from None

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")[-4000:]


@pytest.fixture
def start_worker(api_node: Services) -> Iterator[Callable[..., SongforgeWorker]]:
    started: list[SongforgeWorker] = []

    def start(*args: str, node: Services = api_node) -> SongforgeWorker:
        worker = SongforgeWorker(node, *args)
        started.append(worker)
        worker.wait_until_ready()
        return worker

    yield start
    for worker in started:
        if worker.process.poll() is None:
            worker.process.kill()
            worker.process.wait(5)


def task_row(services: Services, task_id: str) -> Task:
    with services.db.session() as session:
        task = session.get(Task, task_id)
    assert task is not None
    return task


def wait_until_finished(services: Services, task_id: str, timeout: float = 20.0) -> Task:
    deadline = time.monotonic() + timeout
    while (task := task_row(services, task_id)).status not in ("SUCCESS", "FAILURE"):
        assert time.monotonic() < deadline, f"task {task_id} still {task.status} after {timeout} s"
        time.sleep(0.02)
    return task


def submit_lyrics(services: Services, caller: Caller, prompt: str = "rain on a tin roof") -> str:
    return submit_task(
        services, caller, jobs.LYRICS, LyricsParams(prompt=prompt), request_body={}, notify_hook="", clips=[]
    )


def submit_song(services: Services, caller: Caller) -> str:
    """A generate task (a GPU kind); no test here lets it run."""
    song = SongParams(
        lyrics="",
        description="a song about queues",
        tags="",
        negative_tags="",
        title="",
        instrumental=True,
        vocal_gender="",
        seed=0,
        duration=None,
        max_duration=10.0,
    )
    return submit_task(services, caller, jobs.GENERATE, song, request_body={}, notify_hook="", clips=[])


def messages_on(redis_server: RedisServer, queue: str) -> list[list[Any]]:
    """The args of every Celery message waiting on `queue` (oldest first)."""
    with redis_server.client() as client:
        raw = client.lrange(queue, 0, -1)
    bodies = [json.loads(base64.b64decode(json.loads(message)["body"])) for message in reversed(raw)]
    return [body[0] for body in bodies]


# ------------------------------------------------------------------------------------------ tests


def test_a_submitted_task_reaches_success_on_a_worker_node_and_gpu_kinds_wait_for_gpu_workers(
    api_node: Services, caller: Caller, redis_server: RedisServer, start_worker: Callable[..., SongforgeWorker]
) -> None:
    gpu_node = build_services(api_node.settings.model_copy(update={"gpu_queue": True}))
    worker = start_worker("--queues", "cpu", "--concurrency", "1", node=gpu_node)
    row = worker.row()
    assert row is not None and row.queues == "cpu" and row.host == socket.gethostname()

    latencies = []
    for attempt in range(3):
        started = time.monotonic()
        task_id = submit_lyrics(gpu_node, caller, f"rain number {attempt}")
        task = wait_until_finished(api_node, task_id)
        latencies.append(time.monotonic() - started)
        assert task.status == "SUCCESS" and task.attempts == 1
        assert json.loads(task.result_json or "{}")["text"]
    print(f"submit → SUCCESS through Celery: {', '.join(f'{s * 1000:.0f} ms' for s in latencies)}")

    # generate is a GPU kind: with gpu_queue its message goes to "gpu", which this worker does not serve.
    song = submit_song(gpu_node, caller)
    gpu_node.close()
    time.sleep(2.5)  # past the resend delay and a sweep: it is sent again to "gpu", never to "cpu"
    assert task_row(api_node, song).status == "QUEUED"
    assert messages_on(redis_server, "gpu")[0] == [song]

    assert worker.stop() == 0
    assert worker.row() is None, "a worker that stopped cleanly removes its row"


def test_without_gpu_queue_every_kind_goes_to_cpu(
    api_node: Services, caller: Caller, redis_server: RedisServer
) -> None:
    song = submit_song(api_node, caller)
    lyrics = submit_lyrics(api_node, caller)
    assert messages_on(redis_server, "cpu") == [[song], [lyrics]]
    assert messages_on(redis_server, "gpu") == []


def test_a_message_delivered_twice_runs_its_job_once(
    api_node: Services, caller: Caller, redis_server: RedisServer, start_worker: Callable[..., SongforgeWorker]
) -> None:
    task_id = submit_lyrics(api_node, caller)
    for _ in range(3):
        api_node.dispatcher.wake("cpu", task_id)  # four messages for one task, before any worker runs
    assert messages_on(redis_server, "cpu") == [[task_id]] * 4

    worker = start_worker("--concurrency", "2")
    task = wait_until_finished(api_node, task_id)
    assert task.status == "SUCCESS" and task.attempts == 1
    deadline = time.monotonic() + 10
    while messages_on(redis_server, "cpu") and time.monotonic() < deadline:
        time.sleep(0.05)
    assert messages_on(redis_server, "cpu") == [], "the duplicates were taken and dropped"
    assert task_row(api_node, task_id).finish_time == task.finish_time, "the result was written once"
    assert worker.log().count("message dropped") == 3


def test_a_task_submitted_while_redis_is_down_is_sent_again_by_the_sweeper(
    tmp_path: Path, api_node: Services, caller: Caller, start_worker: Callable[..., SongforgeWorker]
) -> None:
    dead_broker = f"redis://:hunter2@127.0.0.1:{free_port()}/0"
    cut_off = build_services(fleet_settings(api_node.settings.data_dir, dead_broker))
    try:
        started = time.monotonic()
        task_id = submit_lyrics(cut_off, caller)
        submit_seconds = time.monotonic() - started
        health = cut_off.dispatcher.health()
    finally:
        cut_off.close()
    assert submit_seconds < 1.0, "a broker that is down must not hold up the submission"
    assert task_row(api_node, task_id).status == "QUEUED"
    assert "does not answer" in health and "hunter2" not in health

    start_worker()
    task = wait_until_finished(api_node, task_id, timeout=15)
    assert task.status == "SUCCESS" and task.attempts == 1


def test_a_killed_worker_leaves_no_job_process_and_its_task_is_finished_by_the_next_one(
    api_node: Services, caller: Caller, start_worker: Callable[..., SongforgeWorker]
) -> None:
    first = start_worker("--concurrency", "2")
    children = first.children()
    assert len(children) == 2
    # A job process took a task (as if from its message) when its worker is killed.
    task_id = create_lyrics_task(api_node, caller)
    assert claim_job(api_node, f"{socket.gethostname()}:{children[0]}:job", task_id) is not None

    first.process.send_signal(signal.SIGKILL)
    first.process.wait(5)
    deadline = time.monotonic() + 5
    while any(process_is_alive(pid) for pid in children):
        assert time.monotonic() < deadline, "job processes outlived their killed worker"
        time.sleep(0.05)

    start_worker()  # releases the dead process's lease at start; its sweeper sends the task again
    task = wait_until_finished(api_node, task_id, timeout=15)
    assert task.status == "SUCCESS" and task.attempts == 2


def test_sweepers_send_a_lost_task_again_once_per_round(
    api_node: Services, caller: Caller, redis_server: RedisServer
) -> None:
    """Two sweepers at once send each lost task once: a queued one whose message is overdue, and one whose
    worker on another machine stopped renewing its lease; a live lease is left alone."""
    queued = create_lyrics_task(api_node, caller)  # never sent
    abandoned = create_lyrics_task(api_node, caller)
    running = create_lyrics_task(api_node, caller)
    assert claim_job(api_node, "elsewhere:1:gone", abandoned) is not None
    time.sleep(LEASE_SECONDS + 0.1)
    assert claim_job(api_node, "elsewhere:2:alive", running) is not None

    counts: list[int] = []
    sweepers = [threading.Thread(target=lambda: counts.append(resend_lost_tasks(api_node))) for _ in range(2)]
    for sweeper in sweepers:
        sweeper.start()
    for sweeper in sweepers:
        sweeper.join(10)
    assert sum(counts) == 2
    assert sorted(messages_on(redis_server, "cpu")) == sorted([[queued], [abandoned]])
    assert resend_lost_tasks(api_node) == 0, "not again before requeue_after_seconds"


def test_time_limits_follow_the_job_deadline(api_node: Services) -> None:
    settings = api_node.settings.model_copy(update={"job_deadline_seconds": 600.0})
    conf = celery_app(settings).conf
    assert conf.task_soft_time_limit == 600.0
    assert conf.task_time_limit > 600.0
    assert conf.broker_transport_options["visibility_timeout"] >= conf.task_time_limit
    assert conf.task_acks_late and conf.task_reject_on_worker_lost and conf.worker_prefetch_multiplier == 1


def test_health_names_the_broker_without_its_password(redis_server: RedisServer, tmp_path: Path) -> None:
    dispatcher = CeleryDispatcher(fleet_settings(tmp_path / "data", redis_server.url))
    assert dispatcher.health() == f"ok (redis://127.0.0.1:{redis_server.port}/0)"
    redis_server.stop()
    assert dispatcher.health().startswith(f"the broker at redis://127.0.0.1:{redis_server.port}/0 does not answer")
    started = time.monotonic()
    dispatcher.wake("cpu", "a-task-id")  # logged, never raised
    assert time.monotonic() - started < 1.0


# ------------------------------------------------------------------------------------------ PostgreSQL


def test_on_postgresql_a_claim_skips_a_task_another_worker_is_claiming(
    pg_cluster: PostgresCluster, tmp_path: Path
) -> None:
    url = pg_cluster.create_database("skip_locked")
    services = build_services(Settings(data_dir=tmp_path / "data", database_url=url, workers=0, secret_key=SECRET))
    try:
        with services.db.session() as session:
            account = create_account(session, "pg", credits_to_micros(10))
            key = issue_key(session, account, "pg").key
        with services.db.session() as session:
            pg_caller = find_caller(session, key.removeprefix("sk-"))
        assert pg_caller is not None
        oldest = create_lyrics_task(services, pg_caller)
        time.sleep(1.1)  # submit_time has whole seconds: the order is certain
        next_one = create_lyrics_task(services, pg_caller)

        claimed: list[str | None] = []
        with psycopg.connect(pg_cluster.dsn("skip_locked")) as other_worker:
            other_worker.execute("select id from tasks where id = %s for update", (oldest,))  # mid-claim
            claimer = threading.Thread(
                target=lambda: claimed.append(getattr(claim_next_job(services, "pg-host:1:w"), "task_id", None))
            )
            started = time.monotonic()
            claimer.start()
            claimer.join(5)
            waited = time.monotonic() - started
            other_worker.rollback()
        claimer.join(5)
        assert claimed == [next_one] and waited < 2.0, f"claimed {claimed} after {waited:.1f} s"
    finally:
        services.close()
