"""Claim a job, run its handler, persist the outcome: the heart of every worker."""

import logging
import os
import socket
import threading
import traceback
import uuid

import orjson
from sqlalchemy import or_, select, update

from songforge.core.clock import now
from songforge.core.lifecycle import claim_task, complete_task, fail_task
from songforge.core.services import Services
from songforge.core.status import TaskStatus
from songforge.db.models import Clip, Task
from songforge.worker.context import JobContext, JobFailed, JobResult, LeaseLost, TaskSnapshot
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
        task_id = self._claim_next()
        if task_id is None:
            return False
        self._execute(task_id)
        return True

    def _claim_next(self) -> str | None:
        moment = now()
        with self.services.db.session() as session:
            candidates = session.execute(
                select(Task.id)
                .where(
                    or_(
                        (Task.status == TaskStatus.QUEUED) & (Task.next_run_at <= moment),
                        (Task.status == TaskStatus.IN_PROGRESS) & (Task.lease_expires_at < moment),
                    )
                )
                .order_by(Task.submit_time)
                .limit(8)
            ).scalars()
            for task_id in candidates:
                if claim_task(
                    session, task_id, self.worker_id, self.services.settings.lease_seconds, self.services.signer
                ):
                    return task_id
        return None

    def _snapshot(self, task_id: str) -> TaskSnapshot:
        with self.services.db.session() as session:
            task = session.get(Task, task_id)
            assert task is not None
            clips = session.execute(
                select(Clip.id, Clip.data_json).where(Clip.task_id == task_id).order_by(Clip.position)
            ).all()
            return TaskSnapshot(
                id=task.id,
                kind=task.kind,
                account_id=task.account_id,
                params=orjson.loads(task.params_json),
                clip_ids=[clip.id for clip in clips],
                clip_data=[orjson.loads(clip.data_json) for clip in clips],
                attempts=task.attempts,
            )

    def _execute(self, task_id: str) -> None:
        settings = self.services.settings
        signer = self.services.signer
        snapshot = self._snapshot(task_id)
        if snapshot.attempts > settings.max_attempts:
            with self.services.db.session() as session:
                fail_task(
                    session,
                    task_id,
                    f"the job was interrupted {snapshot.attempts - 1} times (worker restarts) and was given up",
                    signer,
                    error_type="interrupted",
                    worker_id=self.worker_id,
                )
            return
        context = JobContext(self.services, snapshot, self.worker_id)
        with self._active_lock:
            self.active[task_id] = context
        try:
            result = handler_for(snapshot.kind)(context)
            self._finish(context, result)
        except LeaseLost:
            log.warning("task %s: lease lost (deadline passed or another worker took it)", task_id)
        except JobFailed as failure:
            self._fail(task_id, failure.reason, failure.error_type)
        except MemoryError:
            self._fail(task_id, "the job ran out of memory", "out_of_memory")
        except Exception as error:  # a bug must fail one task, never the worker
            log.error("task %s crashed:\n%s", task_id, traceback.format_exc())
            self._fail(task_id, f"internal error: {type(error).__name__}: {error}"[:500], "internal_error")
        finally:
            with self._active_lock:
                self.active.pop(task_id, None)
            context.close()

    def _finish(self, context: JobContext, result: JobResult) -> None:
        with self.services.db.session() as session:
            done = complete_task(
                session,
                context.task.id,
                self.worker_id,
                self.services.signer,
                clips=result.clips,
                result=result.result,
            )
            if done:
                for clip_id, columns in result.clip_patches.items():
                    session.execute(update(Clip).where(Clip.id == clip_id).values(**columns))
        if not done:
            log.warning("task %s finished but is no longer ours; result discarded", context.task.id)

    def _fail(self, task_id: str, reason: str, error_type: str) -> None:
        with self.services.db.session() as session:
            fail_task(session, task_id, reason, self.services.signer, error_type=error_type, worker_id=self.worker_id)

    def heartbeat_all(self) -> None:
        with self._active_lock:
            contexts = list(self.active.values())
        for context in contexts:
            try:
                context.heartbeat()
            except LeaseLost:
                pass
