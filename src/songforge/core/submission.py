"""Submitting work: limits, the clip a request names, and the task created QUEUED in one transaction."""

from dataclasses import dataclass
from typing import Any

import orjson
from sqlalchemy import select
from sqlalchemy.orm import Session

from songforge.core.accounts import Caller
from songforge.core.clock import is_id
from songforge.core.errors import InvalidInput, NotInAccount, NotReady, QueueFull, TooManyTasks
from songforge.core.jobs import JobKind, JobParams
from songforge.core.lifecycle import NewClip, count_active_tasks, create_task
from songforge.core.services import Services
from songforge.core.status import ACTIVE_TASK_STATUSES, ClipStatus
from songforge.db.models import Clip, Task


@dataclass(frozen=True)
class SourceClip:
    """A clip a request names as its input, as the caller may see it."""

    id: str
    task_id: str
    status: str
    duration: float | None
    has_audio: bool
    wav_key: str | None
    data: dict[str, Any]
    video_key: str | None = None

    @property
    def is_complete(self) -> bool:
        return self.status == ClipStatus.COMPLETE and self.has_audio

    @property
    def made_by(self) -> str:
        """The task that made the clip (`metadata.task`, else its `type`): gen, extend, infill, upload, …"""
        metadata = self.data.get("metadata", {})
        return str(metadata.get("task") or metadata.get("type") or "gen")


def find_visible_clip(
    services: Services, caller: Caller, clip_id: str | None, field: str, task_id: str | None
) -> SourceClip:
    """The clip, if the caller can see it (Part A §9); NotInAccount naming the id otherwise.

    With `task_id`, the clip must also have been produced by that task of the caller's.
    """
    if not clip_id:
        raise InvalidInput(f"`{field}` is required for this task.")
    with services.db.session() as session:
        clip = _owned_clip(session, caller, clip_id)
        if clip is None:
            raise NotInAccount(f"clip {clip_id} (`{field}`) does not exist in this account.")
        if task_id:
            if not _owns_task(session, caller, task_id):
                raise NotInAccount(f"task {task_id} (`task_id`) does not exist in this account.")
            if clip.task_id != task_id:
                raise NotInAccount(f"clip {clip_id} was not produced by task {task_id}; send the task that made it.")
        return SourceClip(
            id=clip.id,
            task_id=clip.task_id,
            status=clip.status,
            duration=clip.duration,
            has_audio=bool(clip.master_key),
            wav_key=clip.wav_key,
            data=orjson.loads(clip.data_json),
            video_key=clip.video_key,
        )


def require_complete(clip: SourceClip, what: str) -> None:
    """NotReady unless the clip's audio is published (`what`: the action, e.g. "separate it")."""
    if not clip.is_complete:
        raise NotReady(f"clip {clip.id} is not complete yet; {what} once its task is SUCCESS.")


def _owned_clip(session: Session, caller: Caller, clip_id: str) -> Clip | None:
    if not is_id(clip_id):
        return None
    return session.execute(
        select(Clip).where(Clip.id == clip_id, Clip.account_id == caller.account_id)
    ).scalar_one_or_none()


def _owns_task(session: Session, caller: Caller, task_id: str) -> bool:
    if not is_id(task_id):
        return False
    found = session.execute(
        select(Task.id).where(Task.id == task_id, Task.account_id == caller.account_id)
    ).scalar_one_or_none()
    return found is not None


def submit_task(
    services: Services,
    caller: Caller,
    kind: JobKind,
    params: JobParams,
    *,
    request_body: Any,
    notify_hook: str,
    clips: list[NewClip],
    source_clip_id: str | None = None,
    reuse_unfinished: bool = False,
) -> str:
    """Create the task QUEUED (reserving its price) and wake a worker; returns the task id.

    With `reuse_unfinished`, an unfinished task of the same kind on the same source clip in this account is
    answered instead of a new one (found by index, in the same transaction). Raises TooManyTasks,
    QueueFull or QuotaExceeded; nothing is written then.
    """
    settings = services.settings
    with services.db.session() as session:
        if reuse_unfinished and source_clip_id:
            unfinished = _unfinished_task_on(session, caller, kind, source_clip_id)
            if unfinished is not None:
                return unfinished
        _check_limits(session, caller, settings.max_concurrent_tasks_per_key, settings.max_queued_tasks)
        task = create_task(
            session,
            caller,
            kind,
            params,
            services.signer,
            price_micros=kind.price_micros(settings),
            request_body=request_body,
            notify_hook=notify_hook,
            clips=clips,
            deadline_seconds=settings.job_deadline_seconds,
            source_clip_id=source_clip_id,
        )
        # Sent right after this commits; if that message is lost, the sweeper sends it again (core/fleet.py).
        task.dispatched_at = task.next_run_at
        task_id = task.id
    services.dispatcher.wake(kind.queue_for(settings), task_id)
    return task_id


def _unfinished_task_on(session: Session, caller: Caller, kind: JobKind, source_clip_id: str) -> str | None:
    return session.execute(
        select(Task.id)
        .where(
            Task.source_clip_id == source_clip_id,
            Task.kind == kind.name,
            Task.status.in_(ACTIVE_TASK_STATUSES),
            Task.account_id == caller.account_id,
        )
        .limit(1)
    ).scalar_one_or_none()


def _check_limits(session: Session, caller: Caller, per_key_default: int, queue_bound: int) -> None:
    per_key = caller.max_concurrent_tasks or per_key_default
    active = count_active_tasks(session, api_key_id=caller.key_id)
    if active >= per_key:
        raise TooManyTasks(active, per_key)
    if count_active_tasks(session) >= queue_bound:
        raise QueueFull(queue_bound)
