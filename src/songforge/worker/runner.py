"""Claim a job, run its handler, persist the outcome: the heart of every worker."""

import contextlib
import functools
import logging
import os
import socket
import threading
import time
import traceback
import uuid
from collections.abc import Callable

from songforge.core import jobs
from songforge.core.files import blobs_to_keep, task_has_failed
from songforge.core.jobs import job_kind
from songforge.core.services import Services
from songforge.core.urls import clip_of_blob
from songforge.core.work import ClaimedJob, claim_job, claim_next_job, fail_job, finish_job
from songforge.worker.context import JobContext, JobFailed, JobResult, LeaseLost
from songforge.worker.jobs import handler_for

log = logging.getLogger("songforge.worker")


def new_worker_id() -> str:
    """host:pid:random — the pid lets a restarted server reclaim its dead predecessor's leases."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


class DownloadLane:
    """Threads of their own for jobs that mostly wait on a remote server (upload by URL), at most `size` at once.

    A job thread that claims such a job hands it here and goes back to claiming, so two slow URLs cannot
    hold both job threads while other jobs wait. When every slot is taken, the job runs on the job thread
    that claimed it (its download is still bounded by `url_fetch_timeout_seconds`).
    """

    def __init__(self, size: int) -> None:
        self.size = size
        self._slots = threading.BoundedSemaphore(size) if size > 0 else None
        self._threads: set[threading.Thread] = set()
        self._lock = threading.Lock()

    def try_run(self, work: Callable[[], None]) -> bool:
        """Start `work` on a thread of the lane; False (nothing started) when no slot is free."""
        if self._slots is None or not self._slots.acquire(blocking=False):
            return False
        slots = self._slots

        def run() -> None:
            try:
                work()
            except Exception:  # _execute fails the task itself; this is a database hiccup: keep the lane alive
                log.exception("download lane job failed")
            finally:
                with self._lock:
                    self._threads.discard(threading.current_thread())
                slots.release()

        thread = threading.Thread(target=run, name="songforge-download", daemon=True)
        with self._lock:
            self._threads.add(thread)
        thread.start()
        return True

    def join(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        with self._lock:
            threads = list(self._threads)
        for thread in threads:
            thread.join(max(0.0, deadline - time.monotonic()))


def waits_on_a_remote_server(job: ClaimedJob) -> bool:
    """Jobs whose time is mostly a download from someone else's server."""
    return job.kind == jobs.UPLOAD.name and job.params.get("source") == "url"


class JobRunner:
    def __init__(
        self,
        services: Services,
        worker_id: str,
        downloads: DownloadLane | None = None,
        *,
        time_limit_errors: tuple[type[BaseException], ...] = (),
    ) -> None:
        """`time_limit_errors`: what the process raises into a job that ran out of time (Celery's soft limit)."""
        self.services = services
        self.worker_id = worker_id
        self.downloads = downloads
        self.time_limit_errors = time_limit_errors
        self.active: dict[str, JobContext] = {}
        self._active_lock = threading.Lock()

    def run_one(self) -> bool:
        """Claim and run (or hand to the download lane) one due job; False when nothing was claimable."""
        job = claim_next_job(self.services, self.worker_id)
        if job is None:
            return False
        lane = self.downloads
        if lane is not None and waits_on_a_remote_server(job) and lane.try_run(functools.partial(self._execute, job)):
            return True
        self._execute(job)
        return True

    def run_task(self, task_id: str) -> bool:
        """Claim exactly this task and run it here; False when it was not claimable (finished, or another
        worker holds its lease): a duplicate message ends here without running anything."""
        job = claim_job(self.services, self.worker_id, task_id)
        if job is None:
            return False
        self._execute(job)
        return True

    def _execute(self, job: ClaimedJob) -> None:
        if job.attempts > self.services.settings.max_attempts:
            reason = f"the job was interrupted {job.attempts - 1} times (worker restarts) and was given up"
            fail_job(self.services, job.task_id, reason, "interrupted", self.worker_id)
            return
        context = JobContext(self.services, job, self.worker_id)
        with self._active_lock:
            self.active[job.task_id] = context
        try:
            kind = job_kind(job.kind)
            result = handler_for(kind.name)(context, kind.params_from_stored(job.params))
            self._finish(context, result)
        except LeaseLost:
            log.warning("task %s: lease lost (deadline passed or another worker took it)", job.task_id)
            self._remove_orphans(context, lease_lost=True)
        except JobFailed as failure:
            self._give_up(context, failure.reason, failure.error_type)
        except MemoryError:
            self._give_up(context, "the job ran out of memory", "out_of_memory")
        except self.time_limit_errors:
            deadline = self.services.settings.job_deadline_seconds
            reason = f"time out: the job did not finish within its deadline of {deadline:.0f} s"
            self._give_up(context, reason, "deadline_exceeded")
        except Exception:  # noqa: BLE001 - a bug must fail one task, never the worker; its text stays in the log
            log.error("task %s crashed:\n%s", job.task_id, traceback.format_exc())
            reason = "internal error: the job failed unexpectedly; the operator's log has the details"
            self._give_up(context, reason, "internal_error")
        finally:
            with self._active_lock:
                self.active.pop(job.task_id, None)
            context.close()

    def _finish(self, context: JobContext, result: JobResult) -> None:
        done = finish_job(
            self.services,
            context.job.task_id,
            self.worker_id,
            clips=tuple(result.clips),
            attachments=tuple(result.attachments),
            result=result.result,
        )
        if not done:
            log.warning("task %s finished but is no longer ours; result discarded", context.job.task_id)
            self._remove_orphans(context, lease_lost=True)

    def _give_up(self, context: JobContext, reason: str, error_type: str) -> None:
        self._remove_orphans(context)
        fail_job(self.services, context.job.task_id, reason, error_type, self.worker_id)

    def _remove_orphans(self, context: JobContext, *, lease_lost: bool = False) -> None:
        """Delete the files a job that gave up stored, which no clip points to (nothing else, ever).

        While the job still holds its lease (renewed first, so no other worker can claim the task and store
        the same names meanwhile), everything it wrote that no clip points to goes. After the lease was lost,
        another worker may be storing the same names: only once the task has failed for good, and only its
        own clips' files.
        """
        written = list(context.blobs.written)
        if not written:
            return
        task_id = context.job.task_id
        try:
            if lease_lost:
                if not task_has_failed(self.services, task_id):
                    return
                own = set(context.job.clip_ids)
                written = [name for name in written if (found := clip_of_blob(name)) is not None and found[0] in own]
            else:
                context.heartbeat()
            keep = blobs_to_keep(self.services, written)
            garbage = [name for name in written if name not in keep]
            for name in garbage:
                self.services.blobs.delete(name)
            if garbage:
                log.info("task %s: removed %d file(s) of the failed job", task_id, len(garbage))
        except LeaseLost:
            log.warning("task %s: lease lost while giving up; its files are left to the new holder", task_id)
        except Exception:  # cleanup is best effort: failing the task matters more
            log.exception("task %s: could not remove the files of the failed job", task_id)

    def heartbeat_all(self) -> None:
        with self._active_lock:
            contexts = list(self.active.values())
        for context in contexts:
            with contextlib.suppress(LeaseLost):
                context.heartbeat()
