"""What workers ask of the database: claim a job, keep its lease, finish or fail it, find its input."""

from dataclasses import dataclass
from typing import Any

import orjson
from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from songforge.core.clock import now
from songforge.core.lifecycle import AttachedFile, ClipOutput, claim_task, complete_task, fail_task, renew_lease
from songforge.core.services import Services
from songforge.core.status import TaskStatus
from songforge.db.models import Clip, Task

# Candidates looked at per claim: enough that a few lost races still find work (SQLite, where claims take
# turns on the write lock; PostgreSQL locks the candidates and other workers skip them).
_CLAIM_CANDIDATES = 8


@dataclass(frozen=True)
class ClaimedJob:
    """A task this worker holds the lease of, with what its handler needs."""

    task_id: str
    kind: str
    account_id: str
    params: dict[str, Any]  # as stored; the kind turns them into its typed parameters
    clip_ids: list[str]
    clip_data: list[dict[str, Any]]
    attempts: int


def claim_next_job(services: Services, worker_id: str) -> ClaimedJob | None:
    """Claim the oldest due job (QUEUED, or IN_PROGRESS with an expired lease); None when there is none."""
    moment = now()
    settings = services.settings
    with services.db.session() as session:
        candidates = session.execute(
            select(Task.id)
            .where(
                or_(
                    (Task.status == TaskStatus.QUEUED) & (Task.next_run_at <= moment),
                    (Task.status == TaskStatus.IN_PROGRESS) & (Task.lease_expires_at < moment),
                )
            )
            .order_by(Task.submit_time)
            .limit(_CLAIM_CANDIDATES)
            # PostgreSQL: rows another worker is claiming right now are skipped, not waited for (SQLite has no
            # row locks and renders nothing here: its BEGIN IMMEDIATE already serialises claims).
            .with_for_update(skip_locked=True)
        ).scalars()
        for task_id in candidates:
            if claim_task(session, task_id, worker_id, settings.lease_seconds, services.signer):
                # Read in the claim's own transaction (a second one would wait on its write lock).
                return _claimed(session, task_id)
    return None


def claim_job(services: Services, worker_id: str, task_id: str) -> ClaimedJob | None:
    """Claim exactly this task (a broker message named it); None when it is not claimable: finished, or
    another worker holds a live lease on it. That is why a message delivered twice runs its job once."""
    with services.db.session() as session:
        if claim_task(session, task_id, worker_id, services.settings.lease_seconds, services.signer):
            return _claimed(session, task_id)
    return None


def _claimed(session: Session, task_id: str) -> ClaimedJob:
    task = session.get(Task, task_id)
    if task is None:
        raise LookupError(f"task {task_id} vanished after it was claimed")
    clips = session.execute(
        select(Clip.id, Clip.data_json).where(Clip.task_id == task_id).order_by(Clip.position)
    ).all()
    return ClaimedJob(
        task_id=task.id,
        kind=task.kind,
        account_id=task.account_id,
        params=orjson.loads(task.params_json),
        clip_ids=[clip.id for clip in clips],
        clip_data=[orjson.loads(clip.data_json) for clip in clips],
        attempts=task.attempts,
    )


def keep_lease(services: Services, task_id: str, worker_id: str, progress: int | None) -> bool:
    """Renew the lease and store progress (never backwards); False: the job is not ours any more."""
    with services.db.session() as session:
        return renew_lease(session, task_id, worker_id, services.settings.lease_seconds, progress, services.signer)


def finish_job(
    services: Services,
    task_id: str,
    worker_id: str,
    *,
    clips: tuple[ClipOutput, ...] = (),
    attachments: tuple[AttachedFile, ...] = (),
    result: dict[str, Any] | None = None,
) -> bool:
    """SUCCESS with the job's outputs; False when the job was no longer ours (the result is discarded)."""
    with services.db.session() as session:
        return complete_task(
            session, task_id, worker_id, services.signer, clips=clips, attachments=attachments, result=result
        )


def fail_job(services: Services, task_id: str, reason: str, error_type: str, worker_id: str | None) -> bool:
    """FAILURE with a named reason, price refunded once; `worker_id` None: whoever holds it (the sweeper)."""
    with services.db.session() as session:
        return fail_task(session, task_id, reason, services.signer, error_type=error_type, worker_id=worker_id)


def master_of_clip(services: Services, clip_id: str, account_id: str) -> str | None:
    """The blob name of a clip's lossless master, if the account owns the clip and it has one."""
    with services.db.read_engine.connect() as connection:
        return connection.execute(
            select(Clip.master_key).where(Clip.id == clip_id, Clip.account_id == account_id)
        ).scalar_one_or_none()


def clip_data_of(services: Services, clip_id: str, account_id: str) -> dict[str, Any] | None:
    """The wire fields of a clip the account owns (title, metadata with its history), or None."""
    with services.db.read_engine.connect() as connection:
        stored = connection.execute(
            select(Clip.data_json).where(Clip.id == clip_id, Clip.account_id == account_id)
        ).scalar_one_or_none()
    if stored is None:
        return None
    data: dict[str, Any] = orjson.loads(stored)
    return data
