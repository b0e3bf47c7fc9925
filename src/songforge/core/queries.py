"""Task wire objects: rendered from rows on every state change, read back as stored bytes on fetch."""

from functools import lru_cache
from typing import Any, NamedTuple

from sqlalchemy import Connection, bindparam, exists, select

from songforge.core.jobs import SHOWN_ON_SOURCE
from songforge.core.status import ACTIVE_TASK_STATUSES
from songforge.core.urls import UrlSigner
from songforge.core.wire import render_task
from songforge.db.models import Clip, Task, WireEpoch

_TASK = Task.__table__
_CLIP = Clip.__table__
_RENDER_OF_CLIP = Task.__table__.alias("render_of_clip")
# A clip's video is pending while a video task of it is unfinished.
_VIDEO_PENDING = exists().where(
    _RENDER_OF_CLIP.c.source_clip_id == _CLIP.c.id,
    _RENDER_OF_CLIP.c.kind.in_(SHOWN_ON_SOURCE),
    _RENDER_OF_CLIP.c.status.in_(ACTIVE_TASK_STATUSES),
)

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
        _VIDEO_PENDING.label("video_pending"),
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
    clips = [dict(row) for row in rows if row["clip_id"] is not None]
    return render_task(dict(rows[0]), clips, signer)


class StoredTask(NamedTuple):
    id: str
    action: str
    status: str
    wire_json: bytes


@lru_cache(maxsize=128)
def _stored_sql(count: int, mark: str) -> str:
    # Only placeholders are formatted in; every value is bound.
    return (
        f"SELECT id, action, status, wire_json FROM tasks WHERE account_id = {mark} "  # noqa: S608
        f"AND id IN ({', '.join([mark] * count)})"
    )


def load_stored_tasks(connection: Connection, account_id: str, task_ids: list[str]) -> list[StoredTask]:
    """The caller's tasks among `task_ids` (unordered; foreign and unknown ids are simply absent).

    One indexed query through the DB-API cursor: no statement compilation, no row objects, no JSON
    parsing. URLs in `wire_json` still carry BASE_PLACEHOLDER.
    """
    if not task_ids:
        return []
    mark = "?" if connection.dialect.paramstyle == "qmark" else "%s"
    cursor = connection.connection.cursor()
    try:
        cursor.execute(_stored_sql(len(task_ids), mark), (account_id, *task_ids))
        rows = cursor.fetchall()
    finally:
        cursor.close()
    return [StoredTask(task_id, action, status, bytes(wire)) for task_id, action, status, wire in rows]


def read_wire_epoch(connection: Connection) -> int:
    """The counter that moves whenever a finished task's wire object changes."""
    return int(connection.execute(select(WireEpoch.value).where(WireEpoch.id == 1)).scalar_one_or_none() or 0)
