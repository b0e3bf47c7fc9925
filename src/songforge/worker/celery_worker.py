"""`songforge worker` with a broker: a Celery worker whose prefork children run jobs, one at a time each.

The parent consumes the queues and keeps house (sweeper with the resend of lost messages, deadline
failures, leftover files, webhook delivery, its row in `workers`); each child builds its own Services
after the fork, so no database connection or storage client crosses a fork. Celery's pool children get
SIGKILL when the parent dies (PR_SET_PDEATHSIG in celery.concurrency.prefork.process_initializer), so a
killed worker leaves no job running: its unacknowledged message stays in Redis, its lease runs out, and a
sweeper sends the task again. Either way the lease decides, so nothing runs twice and nothing is lost.
"""

import logging
import os
import socket
from collections.abc import Sequence

from celery.exceptions import SoftTimeLimitExceeded
from celery.signals import worker_process_init, worker_process_shutdown, worker_ready
from celery.worker import state

from songforge.config import Settings
from songforge.core.services import build_services
from songforge.queue.celery_app import celery_app
from songforge.worker.heartbeat import FleetBeat, Periodic
from songforge.worker.pool import WorkerPool
from songforge.worker.runner import JobRunner, new_worker_id

log = logging.getLogger("songforge.worker")


class PoolChild:
    """What runs jobs inside one prefork child: its own Services, a JobRunner and the lease heartbeat of
    the job it runs. Created unstarted in the parent; each child starts its copy after the fork."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.runner: JobRunner | None = None
        self._leases: Periodic | None = None

    def start(self, **_signal: object) -> None:
        services = build_services(self.settings)
        self.runner = JobRunner(services, new_worker_id(), time_limit_errors=(SoftTimeLimitExceeded,))
        self._leases = Periodic("songforge-lease", self.settings.lease_seconds / 3, self.runner.heartbeat_all).start()

    def run_job(self, task_id: str) -> None:
        """The body of "songforge.run_job": claim that very task and run it, or return quietly."""
        assert self.runner is not None, "worker_process_init starts every pool child"
        if not self.runner.run_task(task_id):
            log.info("task %s is finished or another worker holds it; message dropped", task_id)

    def stop(self, **_signal: object) -> None:
        if self._leases is not None:
            self._leases.stop()
        if self.runner is not None:
            self.runner.services.close()


def run_celery_worker(settings: Settings, queues: Sequence[str], concurrency: int) -> int:
    """Consume `queues` with `concurrency` job processes until SIGTERM/SIGINT (warm shutdown: running jobs
    finish first); returns the exit code."""
    services = build_services(settings)
    child = PoolChild(settings)
    app = celery_app(settings, child.run_job)
    worker_process_init.connect(child.start, weak=False)
    worker_process_shutdown.connect(child.stop, weak=False)
    housekeeping = WorkerPool(services, 0)
    fleet = FleetBeat(services, new_worker_id(), queues, lambda: len(state.active_requests))

    def start_housekeeping(**_signal: object) -> None:
        # Threads start once the first children are forked: a fork copies no thread, only held locks.
        housekeeping.start()
        fleet.start()
        log.info("worker %s serving %s with %d job process(es)", fleet.worker_id, ",".join(queues), concurrency)

    worker_ready.connect(start_housekeeping, weak=False)
    worker = app.Worker(
        hostname=f"songforge-{os.getpid()}@{socket.gethostname()}",
        queues=list(queues),
        concurrency=concurrency,
        pool_cls="prefork",
        loglevel="INFO",
        quiet=True,
        without_mingle=True,
        without_gossip=True,
        without_heartbeat=True,
    )
    try:
        worker.start()
    finally:
        fleet.stop()
        housekeeping.stop()
        services.close()
    return int(worker.exitcode or 0)
