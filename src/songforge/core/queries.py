"""Task wire objects: rendered from rows on every state change, read back as stored bytes on fetch."""

from typing import Any

from sqlalchemy import Connection, bindparam, select

from songforge.core.urls import UrlSigner
from songforge.core.wire import render_task, with_base_url
from songforge.db.models import Clip, Task

_TASK = Task.__table__
_CLIP = Clip.__table__

_RENDER = (
    select(
        _TASK.c.id,
        _TASK.c.notify_hook,
        _TASK.c.action,
        _TASK.c.status,
        _TASK.c.fail_reason,
        _TASK.c.submit_time,
        _TASK.c.start_time,
        _TASK.c.finish_time,
        _TASK.c.progress,
        _TASK.c.result_json,
        _CLIP.c.id.label("clip_id"),
        _CLIP.c.status.label("clip_status"),
        _CLIP.c.data_json,
        _CLIP.c.audio_key,
        _CLIP.c.image_key,
        _CLIP.c.image_large_key,
        _CLIP.c.video_key,
        _CLIP.c.duration,
    )
    .select_from(_TASK.outerjoin(_CLIP, _CLIP.c.task_id == _TASK.c.id))
    .where(_TASK.c.id == bindparam("task_id"))
    .order_by(_CLIP.c.position)
)

# Fetch reads stored bytes only: one indexed query, no JSON parsing, whatever the number of clips.
_STORED = select(_TASK.c.id, _TASK.c.action, _TASK.c.wire_json).where(
    _TASK.c.account_id == bindparam("account_id"), _TASK.c.id.in_(bindparam("task_ids", expanding=True))
)


def render_task_object(connection: Connection, task_id: str, signer: UrlSigner) -> dict[str, Any] | None:
    """The task object as it is now in the database (URLs carry BASE_PLACEHOLDER)."""
    rows = connection.execute(_RENDER, {"task_id": task_id}).mappings().all()
    if not rows:
        return None
    clips = [row for row in rows if row["clip_id"] is not None]
    return render_task(rows[0], clips, signer)


def fetch_stored_tasks(
    connection: Connection, account_id: str, task_ids: list[str], base_url: str, action: str | None = None
) -> list[bytes]:
    """JSON of the caller's tasks in request order; unknown/foreign ids dropped, duplicates once."""
    wanted = list(dict.fromkeys(task_ids))
    if not wanted:
        return []
    found = {
        task_id: wire
        for task_id, task_action, wire in connection.execute(
            _STORED, {"account_id": account_id, "task_ids": wanted}
        )
        if action is None or task_action == action
    }
    return [with_base_url(found[task_id], base_url) for task_id in wanted if task_id in found]
