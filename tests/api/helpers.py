"""Assertions the API tests share: the envelopes of spec Part A §1–§2, ids, URLs, waiting."""

import importlib.util
import re
import time
import uuid
from collections.abc import Iterable, Mapping
from typing import Any, Protocol

import pytest
from fastapi.testclient import TestClient

from tests.conftest import auth

BASE_URL = "http://testserver"
TASK_FIELDS = {
    "task_id",
    "notify_hook",
    "action",
    "status",
    "fail_reason",
    "submit_time",
    "start_time",
    "finish_time",
    "progress",
    "data",
}
CLIP_FIELDS = {
    "id",
    "title",
    "status",
    "audio_url",
    "image_url",
    "image_large_url",
    "video_url",
    "model_name",
    "major_model_version",
    "metadata",
}
URL_FIELDS = ("audio_url", "image_url", "image_large_url", "video_url")
TASK_STATUS_ORDER = ("NOT_START", "SUBMITTED", "QUEUED", "IN_PROGRESS", "SUCCESS")
PROGRESS = re.compile(r"^(\d{1,3})%$")


class Response(Protocol):
    """What the assertions read of a response: TestClient's (httpx2) and httpx's both fit."""

    @property
    def status_code(self) -> int: ...
    @property
    def headers(self) -> Mapping[str, str]: ...
    @property
    def text(self) -> str: ...
    @property
    def content(self) -> bytes: ...
    def json(self, **kwargs: Any) -> Any: ...


def module_missing(name: str) -> bool:
    """True when an engine module has not landed yet (its task then FAILs; the test is expected to fail)."""
    try:
        return importlib.util.find_spec(name) is None
    except ModuleNotFoundError:
        return True


def engine_pending(module: str) -> pytest.MarkDecorator:
    return pytest.mark.xfail(module_missing(module), reason=f"engine module {module} has not landed yet", strict=True)


def is_uuid4(value: Any) -> bool:
    if not isinstance(value, str):
        return False
    try:
        parsed = uuid.UUID(value)
    except ValueError:
        return False
    return parsed.version == 4 and str(parsed) == value.lower()


def _json_of(response: Response) -> Any:
    content_type = response.headers.get("content-type", "")
    assert content_type.startswith("application/json"), (
        f"{response.status_code} answered {content_type!r}, not JSON: {response.text[:300]}"
    )
    text = response.text
    assert "Traceback" not in text and "<html" not in text.lower(), text[:500]
    return response.json()


def assert_submitted(response: Response) -> str:
    """A submit envelope `{"code":"success","message":"","data":"<uuid4>"}`; returns the task id."""
    assert response.status_code == 200, response.text
    body = _json_of(response)
    assert set(body) == {"code", "message", "data"}, body
    assert body["code"] == "success" and body["message"] == "", body
    task_id: str = body["data"]
    assert is_uuid4(task_id), body
    return task_id


def assert_success(response: Response) -> Any:
    """Any success envelope; returns `data`."""
    assert response.status_code == 200, response.text
    body = _json_of(response)
    assert body.get("code") == "success" and body.get("message") == "", body
    assert "data" in body, body
    return body["data"]


def assert_task_error(response: Response, status: int, code: str, *words: str) -> str:
    """The task-layer error envelope `{"code","message","data":null}`; returns the message.

    Every `words` entry must appear in the message (case-insensitive): the sentence names what was wrong.
    """
    assert response.status_code == status, f"expected {status}, got {response.status_code}: {response.text}"
    body = _json_of(response)
    assert set(body) == {"code", "message", "data"}, body
    assert body["code"] == code, body
    assert body["data"] is None, body
    message = body["message"]
    assert isinstance(message, str) and len(message) > 10, body
    for word in words:
        assert word.lower() in message.lower(), f"{word!r} not in message {message!r}"
    return message


def assert_auth_error(response: Response, status: int = 401) -> dict[str, Any]:
    """The gateway/auth error envelope `{"error":{"message","type","code"}}`."""
    assert response.status_code == status, response.text
    body = _json_of(response)
    assert set(body) == {"error"}, body
    error: dict[str, Any] = body["error"]
    assert set(error) >= {"message", "type", "code"}, error
    assert error["type"] == "songforge_error", error
    assert isinstance(error["message"], str) and error["message"], error
    assert isinstance(error["code"], str) and error["code"], error
    return error


def local_path_of(url: str) -> str:
    """A URL the server handed out, as a path the TestClient can GET."""
    assert url.startswith(BASE_URL + "/"), f"not an absolute URL on the public base: {url!r}"
    return url.removeprefix(BASE_URL)


def download(client: TestClient, url: str, **kwargs: Any) -> Response:
    response = client.get(local_path_of(url), **kwargs)
    assert response.status_code == 200, f"{url} → {response.status_code} {response.text[:200]}"
    assert response.content, f"{url} is empty"
    return response


def strip_query(url: str) -> str:
    return url.split("?", 1)[0]


def fetch_task(client: TestClient, key: str, task_id: str) -> dict[str, Any]:
    task: dict[str, Any] = assert_success(client.get(f"/suno/fetch/{task_id}", headers=auth(key)))
    return task


def poll_task(
    client: TestClient, key: str, task_id: str, timeout: float = 150.0
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """Poll until terminal; returns the final task and every snapshot seen on the way."""
    deadline = time.monotonic() + timeout
    seen: list[dict[str, Any]] = []
    while True:
        task = fetch_task(client, key, task_id)
        seen.append(task)
        if task["status"] in ("SUCCESS", "FAILURE"):
            return task, seen
        if time.monotonic() > deadline:
            raise AssertionError(f"task {task_id} still {task['status']} after {timeout} s")
        time.sleep(0.05)


def assert_task_shape(task: dict[str, Any]) -> None:
    """The task object of spec B §10.1 with the types and rules of Part A §3–§4."""
    assert set(task) >= TASK_FIELDS, set(TASK_FIELDS) - set(task)
    assert is_uuid4(task["task_id"])
    assert isinstance(task["notify_hook"], str)
    assert task["action"] in ("MUSIC", "LYRICS")
    assert task["status"] in ("NOT_START", "SUBMITTED", "QUEUED", "IN_PROGRESS", "SUCCESS", "FAILURE")
    assert isinstance(task["fail_reason"], str)
    for field in ("submit_time", "start_time", "finish_time"):
        assert type(task[field]) is int and task[field] >= 0, (field, task[field])
    assert task["submit_time"] > 1_600_000_000  # Unix seconds, not milliseconds and not 0
    assert task["submit_time"] < 10_000_000_000
    match = PROGRESS.match(task["progress"])
    assert match and 0 <= int(match.group(1)) <= 100, task["progress"]
    terminal = task["status"] in ("SUCCESS", "FAILURE")
    if terminal:
        assert task["progress"] == "100%", task
        assert task["finish_time"] >= task["submit_time"] > 0
    else:
        assert task["finish_time"] == 0, task
        assert task["progress"] != "100%", task
    if task["status"] == "FAILURE":
        assert task["fail_reason"], "a FAILURE must say why"
    else:
        assert task["fail_reason"] == ""
    if task["start_time"]:
        assert task["start_time"] >= task["submit_time"]
    if task["status"] in ("IN_PROGRESS", "SUCCESS"):
        assert task["start_time"] > 0
    if task["action"] == "MUSIC":
        assert isinstance(task["data"], list)
        for clip in task["data"]:
            assert_clip_shape(clip)
        if task["status"] == "SUCCESS":
            assert task["data"] and all(clip["status"] == "complete" for clip in task["data"])


def assert_clip_shape(clip: dict[str, Any]) -> None:
    assert set(clip) >= CLIP_FIELDS, CLIP_FIELDS - set(clip)
    assert is_uuid4(clip["id"])
    assert isinstance(clip["title"], str)
    assert clip["status"] in ("submitted", "queued", "streaming", "complete", "error")
    assert isinstance(clip["model_name"], str) and isinstance(clip["major_model_version"], str)
    assert isinstance(clip["metadata"], dict)
    for field in URL_FIELDS:
        url = clip[field]
        assert isinstance(url, str), (field, url)
        assert url == "" or url.startswith(BASE_URL + "/files/"), (field, url)
    if clip["status"] in ("submitted", "queued", "error"):
        assert clip["audio_url"] == "", f"placeholder audio_url on a {clip['status']} clip: {clip['audio_url']}"
    if clip["status"] == "complete":
        assert clip["audio_url"] and clip["image_url"] and clip["image_large_url"], clip
        assert isinstance(clip["metadata"].get("duration"), (int, float)) and clip["metadata"]["duration"] > 0
    if clip["status"] == "error":
        assert clip["metadata"].get("error_type"), clip["metadata"]
        assert clip["metadata"].get("error_message"), clip["metadata"]


def assert_urls_download(client: TestClient, clip: dict[str, Any]) -> None:
    """Every non-empty URL of a clip serves a non-empty file of the right type (Part A §4, §16)."""
    expected = {"audio_url": "audio/mpeg", "image_url": "image/jpeg", "image_large_url": "image/jpeg"}
    for field in URL_FIELDS:
        if not clip[field]:
            continue
        response = download(client, clip[field])
        if field in expected:
            assert response.headers["content-type"].startswith(expected[field]), (field, response.headers)
        if field.startswith("image"):
            assert response.content[:2] == b"\xff\xd8", f"{field} is not a JPEG"


def assert_status_sequence(snapshots: Iterable[dict[str, Any]]) -> None:
    """Statuses only move forward and progress never goes back (Part A §3–§4)."""
    last_rank = -1
    last_progress = -1
    for task in snapshots:
        assert_task_shape(task)
        status = task["status"]
        rank = len(TASK_STATUS_ORDER) if status == "FAILURE" else TASK_STATUS_ORDER.index(status)
        assert rank >= last_rank, f"status went back to {status}"
        progress = int(task["progress"].rstrip("%"))
        assert progress >= last_progress, f"progress went back from {last_progress}% to {progress}%"
        last_rank, last_progress = rank, progress
