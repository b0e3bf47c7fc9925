"""Read paths: fetch renders rows only, in one query, and never touches audio or workers."""

from typing import Any

from sqlalchemy import Connection, select

from songforge.core.urls import UrlSigner
from songforge.core.wire import render_task
from songforge.db.models import Clip, Task

_TASK = Task.__table__
_CLIP = Clip.__table__

_FETCH = (
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
    .order_by(_CLIP.c.position)
)


def fetch_task_objects(
    connection: Connection, account_id: str, task_ids: list[str], signer: UrlSigner
) -> list[dict[str, Any]]:
    """Task objects for the caller's ids, in request order, unknown/foreign ids dropped, duplicates once."""
    wanted = list(dict.fromkeys(task_ids))
    if not wanted:
        return []
    rows = connection.execute(
        _FETCH.where(_TASK.c.account_id == account_id, _TASK.c.id.in_(wanted))
    ).mappings()
    grouped: dict[str, tuple[Any, list[Any]]] = {}
    for row in rows:
        entry = grouped.get(row["id"])
        if entry is None:
            entry = grouped[row["id"]] = (row, [])
        if row["clip_id"] is not None:
            entry[1].append(row)
    return [render_task(grouped[t][0], grouped[t][1], signer) for t in wanted if t in grouped]
