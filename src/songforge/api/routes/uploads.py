"""POST /suno/uploads/audio-url and POST /suno/uploads/audio (multipart `file`)."""

import os
import tempfile
from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import unquote, urlsplit

from fastapi import APIRouter, Depends, Form, Request, UploadFile

from songforge.api.auth import current_caller
from songforge.api.errors import TaskApiError, invalid_request
from songforge.api.routes.submit import SUBMIT_RESPONSES
from songforge.api.schemas import UploadUrlRequest
from songforge.api.submission import check_length, notify_hook_of
from songforge.core import jobs
from songforge.core.accounts import Caller
from songforge.core.clip_data import UPLOAD_FAMILY, base_clip_data
from songforge.core.clock import new_id
from songforge.core.jobs import UploadParams
from songforge.core.lifecycle import NewClip
from songforge.core.services import Services
from songforge.core.submission import submit_task
from songforge.net import UrlRefused, describe_size, validate_url_syntax

router = APIRouter(prefix="/suno/uploads", tags=["uploads"])

COPY_CHUNK = 1024 * 1024


def _upload_clip(caller: Caller, title: str) -> NewClip:
    data = base_clip_data(
        title=title,
        family=UPLOAD_FAMILY,
        account_id=caller.account_id,
        batch_index=0,
        metadata={"type": "upload", "is_audio_upload_tos_accepted": True},
    )
    return NewClip(title=title, data=data)


def _title_from_name(name: str) -> str:
    return PurePosixPath(name).stem[:200]


@router.post("/audio-url", responses=SUBMIT_RESPONSES)
def upload_by_url(body: UploadUrlRequest, request: Request, caller: Caller = Depends(current_caller)) -> dict[str, Any]:
    """Upload audio from a public URL; the task's single clip (`metadata.type: "upload"`) is the clip id to use."""
    services: Services = request.app.state.services
    try:
        url = validate_url_syntax(body.url)
    except UrlRefused as error:
        raise invalid_request(f"`url` is not usable: {error}") from error
    check_length("title", body.title, services.settings.max_title_chars)
    title = body.title or _title_from_name(unquote(urlsplit(url).path)) or "upload"
    task_id = submit_task(
        services,
        caller,
        jobs.UPLOAD,
        UploadParams(source="url", url=url),
        request_body=body.model_dump(exclude_unset=True),
        notify_hook=notify_hook_of(body),
        clips=[_upload_clip(caller, title)],
    )
    return {"code": "success", "message": "", "data": task_id}


@router.post("/audio", responses={**SUBMIT_RESPONSES, 413: {"description": "file too large"}})
def upload_file(
    request: Request,
    file: UploadFile,
    title: str | None = Form(None),
    notify_hook: str | None = Form(None),
    caller: Caller = Depends(current_caller),
) -> dict[str, Any]:
    """Upload an audio file from disk (multipart/form-data, field `file`); answered like audio-url."""
    services: Services = request.app.state.services
    settings = services.settings
    check_length("title", title, settings.max_title_chars)
    hook = notify_hook_of(UploadUrlRequest(url="", notify_hook=notify_hook))
    staged = f"staged_{new_id()}.upload"
    size = _stage(services, file, staged, settings.max_upload_bytes)
    if size == 0:
        services.blobs.delete(staged)
        raise invalid_request("the uploaded `file` is empty.")
    name = title or _title_from_name(file.filename or "") or "upload"
    try:
        task_id = submit_task(
            services,
            caller,
            jobs.UPLOAD,
            UploadParams(source="file", staged_blob=staged, filename=file.filename or ""),
            request_body={"filename": file.filename, "size": size, "title": title, "notify_hook": notify_hook},
            notify_hook=hook,
            clips=[_upload_clip(caller, name)],
        )
    except Exception:
        services.blobs.delete(staged)
        raise
    return {"code": "success", "message": "", "data": task_id}


def _stage(services: Services, file: UploadFile, staged: str, max_bytes: int) -> int:
    """Copy the upload into the blob store, refusing it as soon as it passes the size cap."""
    fd, temporary = tempfile.mkstemp(prefix="songforge-upload-")
    size = 0
    try:
        with os.fdopen(fd, "wb") as handle:
            while chunk := file.file.read(COPY_CHUNK):
                size += len(chunk)
                if size > max_bytes:
                    raise TaskApiError(
                        413, "file_too_large", f"the file is larger than the {describe_size(max_bytes)} limit."
                    )
                handle.write(chunk)
        if size:
            services.blobs.put_file(staged, Path(temporary))
    finally:
        os.unlink(temporary)
    return size
