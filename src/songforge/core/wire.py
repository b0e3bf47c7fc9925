"""Rows → the wire objects of the spec (task object B §10, clip object B §11).

A task's wire object is rendered once per state change and stored as JSON on the task row, so a fetch
only reads stored bytes. Stored URLs start with BASE_PLACEHOLDER, replaced by the configured public base
URL when served, so changing `SONGFORGE_PUBLIC_BASE_URL` needs no rewrite of stored rows.
"""

from collections.abc import Iterable, Mapping
from typing import Any

import orjson

from songforge.core.status import format_progress
from songforge.core.urls import UrlSigner

BASE_PLACEHOLDER = "@@songforge-base@@"
_BASE_PLACEHOLDER_BYTES = BASE_PLACEHOLDER.encode()


def with_base_url(stored: bytes, base_url: str) -> bytes:
    return stored.replace(_BASE_PLACEHOLDER_BYTES, base_url.encode())


def _stored_url(signer: UrlSigner, blob_name: str | None) -> str:
    return BASE_PLACEHOLDER + signer.file_path(blob_name) if blob_name else ""


def render_clip(row: Mapping[str, Any], signer: UrlSigner) -> dict[str, Any]:
    clip: dict[str, Any] = {"id": row["clip_id"], **orjson.loads(row["data_json"])}
    clip["status"] = row["clip_status"]
    clip["audio_url"] = _stored_url(signer, row["audio_key"])
    clip["image_url"] = _stored_url(signer, row["image_key"])
    clip["image_large_url"] = _stored_url(signer, row["image_large_key"])
    clip["video_url"] = _stored_url(signer, row["video_key"])
    clip["is_video_pending"] = bool(row.get("video_pending"))
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
