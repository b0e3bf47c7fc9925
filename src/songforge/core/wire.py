"""Rows → the wire objects of the spec (task object B §10, clip object B §11)."""

from collections.abc import Iterable, Mapping
from typing import Any

import orjson

from songforge.core.status import format_progress
from songforge.core.urls import UrlSigner

# Columns the fetch query selects, in order (see core/queries.py).
TASK_COLUMNS = (
    "id",
    "notify_hook",
    "action",
    "status",
    "fail_reason",
    "submit_time",
    "start_time",
    "finish_time",
    "progress",
    "result_json",
)
CLIP_COLUMNS = (
    "clip_id",
    "clip_status",
    "data_json",
    "audio_key",
    "image_key",
    "image_large_key",
    "video_key",
    "duration",
)


def render_clip(row: Mapping[str, Any], signer: UrlSigner) -> dict[str, Any]:
    clip: dict[str, Any] = {"id": row["clip_id"], **orjson.loads(row["data_json"])}
    clip["status"] = row["clip_status"]
    clip["audio_url"] = signer.file_url(row["audio_key"])
    clip["image_url"] = signer.file_url(row["image_key"])
    clip["image_large_url"] = signer.file_url(row["image_large_key"])
    clip["video_url"] = signer.file_url(row["video_key"])
    clip["is_video_pending"] = False
    metadata = clip.setdefault("metadata", {})
    metadata["duration"] = row["duration"]
    return clip


def render_task(task: Mapping[str, Any], clips: Iterable[Mapping[str, Any]], signer: UrlSigner) -> dict[str, Any]:
    data: Any
    if task["action"] == "LYRICS":
        data = orjson.loads(task["result_json"]) if task["result_json"] else None
    else:
        data = [render_clip(clip, signer) for clip in clips]
    return {
        "task_id": task["id"],
        "notify_hook": task["notify_hook"],
        "action": task["action"],
        "status": task["status"],
        "fail_reason": task["fail_reason"],
        "submit_time": task["submit_time"],
        "start_time": task["start_time"],
        "finish_time": task["finish_time"],
        "progress": format_progress(task["progress"]),
        "data": data,
    }
