"""Claim a job, run its handler, persist the outcome: the heart of every worker."""

import contextlib
import logging
import os
import socket
import threading
import traceback
import uuid

from songforge.core.jobs import job_kind
from songforge.core.services import Services
from songforge.core.work import ClaimedJob, claim_next_job, fail_job, finish_job
from songforge.worker.context import JobContext, JobFailed, JobResult, LeaseLost
from songforge.worker.jobs import handler_for

log = logging.getLogger("songforge.worker")


def new_worker_id() -> str:
    """host:pid:random — the pid lets a restarted server reclaim its dead predecessor's leases."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


class JobRunner:
    def __init__(self, services: Services, worker_id: str) -> None:
        self.services = services
        self.worker_id = worker_id
        self.active: dict[str, JobContext] = {}
        self._active_lock = threading.Lock()

    def run_one(self) -> bool:
        """Claim and run one due job; False when nothing was claimable."""
        job = claim_next_job(self.services, self.worker_id)
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
        except JobFailed as failure:
            fail_job(self.services, job.task_id, failure.reason, failure.error_type, self.worker_id)
        except MemoryError:
            fail_job(self.services, job.task_id, "the job ran out of memory", "out_of_memory", self.worker_id)
        except Exception:  # noqa: BLE001 - a bug must fail one task, never the worker; its text stays in the log
            log.error("task %s crashed:\n%s", job.task_id, traceback.format_exc())
            reason = "internal error: the job failed unexpectedly; the operator's log has the details"
            fail_job(self.services, job.task_id, reason, "internal_error", self.worker_id)
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

    def heartbeat_all(self) -> None:
        with self._active_lock:
            contexts = list(self.active.values())
        for context in contexts:
            with contextlib.suppress(LeaseLost):
                context.heartbeat()
