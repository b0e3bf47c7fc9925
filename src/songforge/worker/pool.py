"""The embedded worker pool: job threads, a lease heartbeat, the sweeper and webhook delivery."""

import functools
import logging
import os
import threading
from collections.abc import Callable

from songforge.core.services import Services
from songforge.worker.heartbeat import every
from songforge.worker.runner import DownloadLane, JobRunner, new_worker_id
from songforge.worker.sweeper import release_dead_local_leases, remove_leftover_files, sweep

log = logging.getLogger("songforge.worker")

SWEEP_INTERVAL_SECONDS = 2.0
LEFTOVER_INTERVAL_SECONDS = 3600.0


class WorkerPool:
    """`job_threads` 0: housekeeping only (a Celery worker's parent process, whose children run the jobs)."""

    def __init__(self, services: Services, job_threads: int, *, deliver_webhooks: bool = True) -> None:
        self.services = services
        self.job_threads = job_threads
        self.deliver_webhooks = deliver_webhooks
        self.stop_event = threading.Event()
        # Upload-by-URL jobs wait on remote servers: they get threads of their own (see DownloadLane).
        self.downloads = DownloadLane(services.settings.url_fetch_concurrency)
        self.runners = [JobRunner(services, new_worker_id(), self.downloads) for _ in range(job_threads)]
        self.threads: list[threading.Thread] = []
        self.webhook_sender: object | None = None

    def start(self) -> None:
        release_dead_local_leases(self.services)
        remove_leftover_files(self.services)
        for index, runner in enumerate(self.runners):
            self._spawn(f"songforge-job-{index}", functools.partial(self._job_loop, runner))
        if self.runners:
            interval = self.services.settings.lease_seconds / 3
            self._spawn("songforge-heartbeat", lambda: every(interval, self._heartbeat, self.stop_event))
        self._spawn("songforge-sweeper", lambda: every(SWEEP_INTERVAL_SECONDS, self._sweep, self.stop_event))
        self._spawn("songforge-files", lambda: every(LEFTOVER_INTERVAL_SECONDS, self._remove_files, self.stop_event))
        if self.deliver_webhooks:
            from songforge.worker.webhooks import WebhookSender

            sender = WebhookSender(self.services.db, self.services.settings)
            self.webhook_sender = sender
            self._spawn("songforge-webhooks", lambda: sender.run(self.stop_event))

    def stop(self, timeout: float = 10.0) -> None:
        self.stop_event.set()
        self.services.dispatcher.wake_all()
        for thread in self.threads:
            thread.join(timeout)
        self.downloads.join(timeout)

    def _spawn(self, name: str, target: Callable[[], None]) -> None:
        def run() -> None:
            self.services.db.mark_background_thread()
            target()

        thread = threading.Thread(target=run, name=name, daemon=True)
        thread.start()
        self.threads.append(thread)

    def _job_loop(self, runner: JobRunner) -> None:
        interval = self.services.settings.poll_interval_seconds
        while not self.stop_event.is_set():
            try:
                if not runner.run_one():
                    self.services.dispatcher.wait_for_work(interval)
            except Exception:  # keep the thread alive through database hiccups
                log.exception("worker loop error")
                self.stop_event.wait(interval)

    def _heartbeat(self) -> None:
        for runner in self.runners:
            runner.heartbeat_all()

    def _sweep(self) -> None:
        sweep(self.services)

    def _remove_files(self) -> None:
        remove_leftover_files(self.services)


def run_pool_until_signalled(services: Services, job_threads: int) -> None:
    """A worker process's life: run the pool until SIGINT/SIGTERM, then stop it cleanly."""
    import signal

    pool = WorkerPool(services, job_threads)
    stop = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stop.set())
    pool.start()
    log.info("worker process %s running %d job thread(s)", os.getpid(), job_threads)
    stop.wait()
    pool.stop()
