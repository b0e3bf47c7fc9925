"""songforge as a fleet on one machine, for the fleet test and bench/load.py: PostgreSQL, Redis and an
S3-compatible server (moto) on loopback, one API process and `songforge worker` processes, all real.

Every process gets the settings README "Running on several machines" lists; leases and re-sends are
short here so that a killed worker's job comes back within seconds.
"""

import os
import signal
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

from tests.integration.moto_server import MotoServer
from tests.integration.postgres_cluster import PostgresCluster
from tests.integration.redis_server import RedisServer
from tests.integration.server_process import SONGFORGE, ServerProcess

BUCKET = "songforge-fleet"
PREFIX = "files"


class WorkerNode:
    """One `songforge worker` process (a Celery worker with its prefork children)."""

    def __init__(self, data_dir: Path, env: dict[str, str], queues: str, concurrency: int) -> None:
        self.data_dir = data_dir
        self.env = {**env, "SONGFORGE_DATA_DIR": str(data_dir)}
        self.arguments = ["worker", "--queues", queues, "--concurrency", str(concurrency)]
        self.log_path = data_dir.parent / f"{data_dir.name}.log"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(
                [SONGFORGE, *self.arguments], env=self.env, stdout=log, stderr=subprocess.STDOUT
            )

    def kill(self) -> None:
        """SIGKILL of the worker's main process, as an OOM kill or a pulled plug would do it."""
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(10)

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.terminate()
        try:
            self.process.wait(30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(5)

    def log_tail(self, chars: int = 3000) -> str:
        return self.log_path.read_text(errors="replace")[-chars:] if self.log_path.exists() else ""


class Fleet:
    """PostgreSQL + Redis + moto S3, one API node and `workers` worker nodes, under `root`."""

    def __init__(self, root: Path, *, workers: int = 2, concurrency: int = 2, **settings: str) -> None:
        self.root = root
        self.worker_count = workers
        self.concurrency = concurrency
        self.settings = settings
        self.postgres = PostgresCluster()
        self.redis = RedisServer(root / "redis")
        self.s3 = MotoServer(bucket=BUCKET)
        self.env: dict[str, str] = {}
        self.api: ServerProcess | None = None
        self.workers: list[WorkerNode] = []

    def start(self) -> None:
        self.root.mkdir(parents=True, exist_ok=True)
        self.postgres.start()
        database_url = self.postgres.create_database("fleet")
        self.redis.start()
        self.s3.start()
        self.env = {
            **os.environ,
            **self.s3.env(PREFIX),
            "SONGFORGE_DATABASE_URL": database_url,
            "SONGFORGE_BROKER_URL": self.redis.url,
            "SONGFORGE_SECRET_KEY": "fleet-test-secret-shared-by-every-node",
            "SONGFORGE_LEASE_SECONDS": "4",
            "SONGFORGE_REQUEUE_AFTER_SECONDS": "5",
            "SONGFORGE_RATE_LIMIT": "1000000/minute",
            "SONGFORGE_MAX_CONCURRENT_TASKS_PER_KEY": "100000",
            "SONGFORGE_ALLOW_PRIVATE_URLS": "true",
            **self.settings,
        }
        self.api = ServerProcess(self.root / "api", environment=self.env)
        self.api.start(timeout=120)
        self.workers = [
            WorkerNode(self.root / f"worker-{index}", self.env, "cpu,gpu", self.concurrency)
            for index in range(self.worker_count)
        ]
        for worker in self.workers:
            worker.start()

    def add_worker(self) -> WorkerNode:
        worker = WorkerNode(self.root / f"worker-{len(self.workers)}", self.env, "cpu,gpu", self.concurrency)
        worker.start()
        self.workers.append(worker)
        return worker

    def stop(self) -> None:
        for worker in self.workers:
            worker.stop()
        if self.api is not None:
            self.api.stop()
        self.s3.stop()
        self.redis.stop()
        self.postgres.stop()

    def logs(self) -> str:
        """The tails of every songforge process's log, for a failing test's message."""
        parts = [f"--- api\n{self.api.log_path.read_text(errors='replace')[-3000:]}" if self.api else ""]
        parts += [f"--- {worker.data_dir.name}\n{worker.log_tail()}" for worker in self.workers]
        return "\n".join(parts)


def wait_until(condition: Callable[[], bool], timeout: float, interval: float = 0.2) -> bool:
    """Poll `condition` until it holds (True) or `timeout` seconds passed (its last answer)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(interval)
    return condition()
