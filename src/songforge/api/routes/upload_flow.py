"""The six-step file upload of spec B §14.2 (Part A §12), under both `/suno/uploads` and `/sunoi/uploads`.

1. `POST …/audio {"extension":"mp3"}` → `{"id","url","fields","is_file_uploaded":false}`: `url` is songforge's own
   signed upload target (in place of S3), valid for an hour.
2. The client POSTs multipart/form-data (every `fields` entry, then `file`) to `url`: 204.
3. `POST …/audio/{id}/upload-finish {"upload_type":"file_upload","upload_filename":"x.mp3"}`.
4. `GET …/audio/{id}` → `{"id","status","error_message","s3_id","title","image_url"}`, `status` `complete` once
   the file is up, finished and readable as audio (`pending` before, `error` with a sentence otherwise).
5. `POST …/audio/{id}/initialize-clip {}` → `{"clip_id","task_id"}`: the upload task and its clip, at once.

`POST …/audio` with a multipart/form-data body stays the one-shot upload (a task envelope): the request's
Content-Type decides. These answers are raw (no envelope), as Suno's; errors use the task-error envelope.
"""

import time
from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, Depends, Request, Response
from starlette.concurrency import run_in_threadpool

from songforge.api.auth import current_caller
from songforge.api.errors import TaskApiError, invalid_request
from songforge.api.routes.submit import SUBMIT_RESPONSES
from songforge.api.routes.uploads import StagedForm, read_upload_form, upload_direct
from songforge.api.schemas import InitializeClipRequest, UploadAudioRequest, UploadFinishRequest, parse_json_body
from songforge.api.state import services_of
from songforge.api.submission import check_length, notify_hook_of
from songforge.core.accounts import Caller
from songforge.core.clock import new_id
from songforge.core.services import Services
from songforge.core.uploads import (
    UploadView,
    accept_file,
    finish_upload,
    initialize_clip,
    start_upload,
    target_fields,
    target_refusal,
    upload_status,
)

JSON_BODY_LIMIT = 64 * 1024
TARGET_PATH = "/suno/uploads/target/{upload_id}"

_STATUS_EXAMPLE = {
    "id": "c25a8c59-2d5a-4c8e-9a43-1f2b3c4d5e6f",
    "status": "complete",
    "error_message": None,
    "s3_id": "m_05c9b477-8a1f-4b3c-9d2e-7f6a5b4c3d2e",
    "title": "my song",
    "image_url": None,
}

_AUDIO_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {"schema": UploadAudioRequest.model_json_schema()},
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["file"],
                    "properties": {
                        "file": {"type": "string", "format": "binary"},
                        "title": {"type": "string"},
                        "notify_hook": {"type": "string"},
                    },
                }
            },
        },
    }
}

_TARGET_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["file"],
                    "properties": {
                        "Content-Type": {"type": "string"},
                        "key": {"type": "string"},
                        "expires": {"type": "string"},
                        "policy": {"type": "string"},
                        "signature": {"type": "string"},
                        "file": {"type": "string", "format": "binary"},
                    },
                }
            }
        },
    }
}


async def _small_json(request: Request) -> bytes:
    body = bytearray()
    async for chunk in request.stream():
        body.extend(chunk)
        if len(body) > JSON_BODY_LIMIT:
            raise invalid_request("the JSON body is larger than 64 KB; step 1 only needs `extension`.")
    return bytes(body)


def _target_answer(request: Request, view: UploadView) -> dict[str, Any]:
    services = services_of(request)
    settings = services.settings
    return {
        "id": view.id,
        "url": services.signer.base_url + TARGET_PATH.format(upload_id=view.id),
        "fields": target_fields(settings.resolved_secret_key, view, settings.max_upload_bytes),
        "is_file_uploaded": view.is_file_uploaded,
    }


async def upload_audio(request: Request, caller: Caller = Depends(current_caller)) -> Any:
    """Start a six-step upload (JSON `{"extension": "mp3"}`), or upload a file at once (multipart, field `file`)."""
    media = request.headers.get("content-type", "").split(";", 1)[0].strip().lower()
    if media in ("multipart/form-data", "application/x-www-form-urlencoded"):
        return await upload_direct(request, caller)
    body = parse_json_body(UploadAudioRequest, await _small_json(request))
    if not body.extension:
        raise invalid_request(
            '`extension` is required to start a file upload (e.g. {"extension": "mp3"}); or send the file itself '
            "as multipart/form-data with a field `file`."
        )
    view = await run_in_threadpool(start_upload, services_of(request), caller, body.extension)
    return _target_answer(request, view)


def get_upload(upload_id: str, request: Request, caller: Caller = Depends(current_caller)) -> dict[str, Any]:
    """Step 4: the upload's status; poll until `status` is `complete` (or `error`, with `error_message`)."""
    return upload_status(services_of(request), caller, upload_id)


def finish(
    upload_id: str,
    request: Request,
    body: UploadFinishRequest | None = None,
    caller: Caller = Depends(current_caller),
) -> dict[str, Any]:
    """Step 3: the file is at the target; songforge checks it is audio (answers the status object of step 4)."""
    services = services_of(request)
    filename = (body.upload_filename if body else None) or ""
    check_length("upload_filename", filename, 500)
    finish_upload(services, caller, upload_id, filename)
    return upload_status(services, caller, upload_id)


def initialize(
    upload_id: str,
    request: Request,
    body: InitializeClipRequest | None = None,
    caller: Caller = Depends(current_caller),
) -> dict[str, Any]:
    """Step 5: create the upload task and its clip; `clip_id` can be extended, covered or split right away
    (it completes when the task `task_id` does)."""
    services = services_of(request)
    body = body or InitializeClipRequest()
    check_length("title", body.title, services.settings.max_title_chars)
    clip_id, task_id = initialize_clip(
        services,
        caller,
        upload_id,
        title=body.title,
        notify_hook=notify_hook_of(body),
        request_body=body.model_dump(exclude_unset=True),
    )
    return {"clip_id": clip_id, "task_id": task_id}


_FLOW_ROUTES: tuple[tuple[str, str, Callable[..., Any], dict[int | str, dict[str, Any]]], ...] = (
    (
        "POST",
        "/audio",
        upload_audio,
        {
            **SUBMIT_RESPONSES,
            200: {
                "description": "JSON body (six-step step 1): the raw upload target `{id, url, fields, "
                "is_file_uploaded}`. multipart/form-data body (one-shot upload): the task envelope."
            },
            413: {"description": "file too large"},
        },
    ),
    ("GET", "/audio/{upload_id}", get_upload, {400: {"description": "no such upload in this account"}}),
    ("POST", "/audio/{upload_id}/upload-finish", finish, {400: {"description": "no file yet, or no such upload"}}),
    (
        "POST",
        "/audio/{upload_id}/initialize-clip",
        initialize,
        {**SUBMIT_RESPONSES, 200: {"description": '`{"clip_id", "task_id"}`: the clip exists at once.'}},
    ),
)


def _flow_router(prefix: str) -> APIRouter:
    """The flow's routes under one prefix (in the routes' own paths: metrics label requests by route path), each
    also with Suno's trailing slash (`…/upload-finish/`), answered without a redirect."""
    flow = APIRouter(prefix=prefix, tags=["uploads"])
    for method, path, endpoint, responses in _FLOW_ROUTES:
        extra = _AUDIO_BODY if endpoint is upload_audio else None
        flow.add_api_route(path, endpoint, methods=[method], responses=responses, openapi_extra=extra)
        flow.add_api_route(path + "/", endpoint, methods=[method], include_in_schema=False)
    return flow


router = APIRouter()
for _prefix in ("/suno/uploads", "/sunoi/uploads"):
    router.include_router(_flow_router(_prefix))


@router.post(
    TARGET_PATH,
    tags=["uploads"],
    status_code=204,
    openapi_extra=_TARGET_BODY,
    responses={
        400: {"description": "no `file`, or a malformed body"},
        403: {"description": "the signature is wrong or the target expired"},
        413: {"description": "file too large"},
    },
)
async def upload_target(upload_id: str, request: Request) -> Response:
    """Step 2: songforge's signed upload target (in place of S3). POST the `fields` of step 1, then `file`;
    no API key is needed (the signature is the permission). Valid for an hour."""
    services = services_of(request)
    settings = services.settings
    checked = False

    def check(fields: dict[str, str]) -> None:
        nonlocal checked
        refusal = target_refusal(settings.resolved_secret_key, upload_id, fields, time.time())
        if refusal is not None:
            raise TaskApiError(403, "upload_target_refused", refusal)
        checked = True

    form: StagedForm = await read_upload_form(request, settings.max_upload_bytes, before_file=check)
    try:
        if not checked:
            check(form.fields)
        if form.path is None:
            raise invalid_request("`file` is required: POST the `fields` of the upload, then the audio as `file`.")
        if form.size == 0:
            raise invalid_request("the uploaded `file` is empty.")
        await run_in_threadpool(_store, services, upload_id, form)
    finally:
        form.discard()
    return Response(status_code=204)


def _store(services: Services, upload_id: str, form: StagedForm) -> None:
    assert form.path is not None
    staged = f"staged_{new_id()}.upload"
    services.blobs.put_file(staged, form.path)
    try:
        replaced = accept_file(services, upload_id, staged, form.size)
    except Exception:
        services.blobs.delete(staged)
        raise
    if replaced:
        services.blobs.delete(replaced)
