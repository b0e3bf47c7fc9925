"""Task wire objects: rendered from rows on every state change, read back as stored bytes on fetch."""

from functools import lru_cache
from typing import Any

from sqlalchemy import Connection, bindparam, select

from songforge.core.clock import is_id
from songforge.core.urls import UrlSigner
from songforge.core.wire import render_task
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

def render_task_object(connection: Connection, task_id: str, signer: UrlSigner) -> dict[str, Any] | None:
    """The task object as it is now in the database (URLs carry BASE_PLACEHOLDER)."""
    rows = connection.execute(_RENDER, {"task_id": task_id}).mappings().all()
    if not rows:
        return None
    clips = [row for row in rows if row["clip_id"] is not None]
    return render_task(rows[0], clips, signer)


@lru_cache(maxsize=64)
def _stored_sql(count: int, mark: str) -> str:
    return (
        f"SELECT id, action, wire_json FROM tasks WHERE account_id = {mark} "
        f"AND id IN ({', '.join([mark] * count)})"
    )


def fetch_stored_tasks(
    connection: Connection, account_id: str, task_ids: list[str], action: str | None = None
) -> list[bytes]:
    """Stored JSON of the caller's tasks in request order; unknown/foreign ids dropped, duplicates once.

    The hot path of the API: one indexed query through the DB-API cursor (no statement compilation,
    no row objects, no JSON parsing). URLs in the result still carry BASE_PLACEHOLDER.
    """
    wanted = [task_id for task_id in dict.fromkeys(task_ids) if is_id(task_id)]
    if not wanted:
        return []
    mark = "?" if connection.dialect.paramstyle == "qmark" else "%s"
    cursor = connection.connection.cursor()
    try:
        cursor.execute(_stored_sql(len(wanted), mark), (account_id, *wanted))
        rows = cursor.fetchall()
    finally:
        cursor.close()
    found = {task_id: bytes(wire) for task_id, task_action, wire in rows if action is None or task_action == action}
    return [found[task_id] for task_id in wanted if task_id in found]
