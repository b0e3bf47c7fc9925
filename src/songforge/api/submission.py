"""What every submit route shares: input caps, source-clip lookup, limits, create + enqueue."""

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from songforge.api.errors import TaskApiError, invalid_request
from songforge.core.accounts import Caller
from songforge.core.clock import is_id
from songforge.core.jobs import JobKind, job_spec
from songforge.core.lifecycle import NewClip, QuotaExceeded, count_active_tasks, create_task
from songforge.core.services import Services
from songforge.db.models import Clip, Task
from songforge.net import UrlRefused, validate_url_syntax


def check_length(field: str, value: str | None, limit: int) -> None:
    if value is not None and len(value) > limit:
        raise invalid_request(f"`{field}` is {len(value)} characters long; the limit is {limit}.")


def notify_hook_of(body: Any) -> str:
    hook = getattr(body, "notify_hook", None) or getattr(body, "callBackUrl", None) or ""
    if not hook:
        return ""
    try:
        return validate_url_syntax(hook)
    except UrlRefused as error:
        raise invalid_request(f"`notify_hook` is not usable: {error}") from error


def find_visible_clip(session: Session, caller: Caller, clip_id: str | None, field: str, task_id: str | None) -> Clip:
    """The clip, if the caller can see it (Part A §9); 400 task_not_exist naming the id otherwise."""
    if not clip_id:
        raise invalid_request(f"`{field}` is required for this task.")
    clip = (
        session.execute(select(Clip).where(Clip.id == clip_id, Clip.account_id == caller.account_id)).scalar_one_or_none()
        if is_id(clip_id)
        else None
    )
    if clip is None:
        raise TaskApiError(400, "task_not_exist", f"clip {clip_id} (`{field}`) does not exist in this account.")
    if task_id:
        owner_task = (
            session.execute(
                select(Task.id).where(Task.id == task_id, Task.account_id == caller.account_id)
            ).scalar_one_or_none()
            if is_id(task_id)
            else None
        )
        if owner_task is None:
            raise TaskApiError(400, "task_not_exist", f"task {task_id} (`task_id`) does not exist in this account.")
        if clip.task_id != task_id:
            raise TaskApiError(
                400, "task_not_exist", f"clip {clip_id} was not produced by task {task_id}; send the task that made it."
            )
    return clip


def submit(
    services: Services,
    caller: Caller,
    kind: JobKind,
    *,
    request_body: Any,
    params: dict[str, Any],
    notify_hook: str,
    clips: list[NewClip],
) -> str:
    """Create the task (reserving its price) and hand it to the dispatcher; returns the task id."""
    settings = services.settings
    spec = job_spec(kind, settings)
    with services.db.session() as session:
        _check_limits(session, caller, settings.max_concurrent_tasks_per_key, settings.max_queued_tasks)
        try:
            task = create_task(
                session,
                caller,
                spec,
                services.signer,
                request_body=request_body,
                params=params,
                notify_hook=notify_hook,
                clips=clips,
                deadline_seconds=settings.job_deadline_seconds,
            )
        except QuotaExceeded:
            raise TaskApiError(
                403, "quota_not_enough", "user quota is not enough: this account's credits do not cover the task's price"
            ) from None
        task_id = task.id
    services.dispatcher.enqueue(task_id)
    return task_id


def _check_limits(session: Session, caller: Caller, per_key_default: int, queue_bound: int) -> None:
    per_key = caller.max_concurrent_tasks or per_key_default
    active = count_active_tasks(session, api_key_id=caller.key_id)
    if active >= per_key:
        raise TaskApiError(
            429,
            "too_many_tasks",
            f"this key already has {active} unfinished tasks (limit {per_key}); wait for one to finish",
            headers={"Retry-After": "10"},
        )
    if count_active_tasks(session) >= queue_bound:
        raise TaskApiError(
            429,
            "queue_full",
            f"the job queue is full ({queue_bound} unfinished tasks); retry in about 30 seconds",
            headers={"Retry-After": "30"},
        )
