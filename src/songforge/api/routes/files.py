"""GET/HEAD /files/{name}: clip audio, WAV and images with Range support.

On the local disk Starlette's FileResponse serves the file; with S3 storage the bytes are streamed from S3 through
this node, or (SONGFORGE_S3_REDIRECT) a GET is redirected to a presigned S3 URL made for this request, so the
URLs clients hold stay songforge's own.

Access: a valid `sig` (the URLs songforge hands out carry one) or the owning account's Bearer key.
Anything else is a 404, so a file's existence is never revealed to another account.
"""

import os
import re
from email.utils import formatdate
from typing import Any

import anyio
from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, RedirectResponse, Response, StreamingResponse
from starlette.types import Receive, Scope, Send

from songforge.api.auth import Authenticator
from songforge.api.errors import AuthError, TaskApiError, task_error_body
from songforge.api.responses import FastJSONResponse
from songforge.api.state import services_of
from songforge.core.accounts import key_secret_from_header
from songforge.core.files import account_of_clip
from songforge.core.services import Services
from songforge.core.urls import clip_id_of_blob

router = APIRouter(tags=["files"])

MEDIA_TYPES = {"mp3": "audio/mpeg", "wav": "audio/wav", "jpeg": "image/jpeg", "mp4": "video/mp4"}
# One byte-range spec: "first-last", "first-" or "-suffix" (RFC 9110 §14.1.2). Numbers of any length are
# matched here and sized without int() (a 5,000-digit number must not reach int(): Python refuses it).
_RANGE_SPEC = re.compile(r"^[ \t]*([0-9]*)[ \t]*-[ \t]*([0-9]*)[ \t]*$")
# More specs than this in one header: the header is ignored and the whole file is sent.
MAX_RANGES = 16
# Bigger than any file: numbers with more digits than this are "past the end" without being converted.
_HUGE = 1 << 62
_MAX_DIGITS = 18


def _number(digits: str) -> int:
    significant = digits.lstrip("0")
    return _HUGE if len(significant) > _MAX_DIGITS else int(significant or "0")


def plan_range(header: str, size: int) -> list[tuple[int, int]] | None:
    """What a Range header asks of a file of `size` bytes: the satisfiable (first, last) byte positions,
    [] when none is satisfiable (answer 416), or None when the header is malformed or absurd (ignore it
    and send the whole file, as RFC 9110 §14.2 allows)."""
    unit, equals, specs = header.partition("=")
    if not equals or unit.strip().lower() != "bytes":
        return None
    parts = [part for part in specs.split(",") if part.strip()]
    if not parts or len(parts) > MAX_RANGES:
        return None
    ranges: list[tuple[int, int]] = []
    for part in parts:
        match = _RANGE_SPEC.match(part)
        if match is None:
            return None
        first_digits, last_digits = match.groups()
        if not first_digits and not last_digits:
            return None
        if not first_digits:  # "-N": the last N bytes
            suffix = _number(last_digits)
            if suffix > 0 and size > 0:
                ranges.append((max(size - suffix, 0), size - 1))
            continue
        first = _number(first_digits)
        last = _number(last_digits) if last_digits else _HUGE
        if first > last:
            return None
        if first < size:
            ranges.append((first, min(last, size - 1)))
    return ranges


class _FileResponse(FileResponse):
    """Range requests decided here, so every answer is 200, 206 or a 416 in songforge's envelope.

    A malformed or absurd Range header is ignored (the whole file); a header whose ranges all lie past the
    end is 416; otherwise Starlette serves the satisfiable ranges, handed to it in a form it always accepts.
    """

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        headers = scope.get("headers", [])
        ranges = [value.decode("latin-1") for key, value in headers if key == b"range"]
        if ranges:
            try:
                stat_result = self.stat_result
                if stat_result is None:
                    stat_result = await anyio.to_thread.run_sync(os.stat, self.path)
            except FileNotFoundError:  # deleted since the route found it
                gone = task_error_body("file_not_found", f"file {os.path.basename(self.path)} does not exist.")
                await FastJSONResponse(gone, status_code=404)(scope, receive, send)
                return
            self.stat_result = stat_result
            self.set_stat_headers(stat_result)
            planned = plan_range(ranges[0], stat_result.st_size) if len(ranges) == 1 else None
            if_range = next((value.decode("latin-1") for key, value in headers if key == b"if-range"), None)
            if if_range is not None and not self._should_use_range(if_range):
                planned = None  # the file changed since the client's copy: the whole file, as Starlette does
            kept = [(key, value) for key, value in headers if key != b"range"]
            if planned == []:
                await _range_not_satisfiable(stat_result.st_size)(scope, receive, send)
                return
            if planned is not None:
                canonical = "bytes=" + ",".join(f"{first}-{last}" for first, last in planned)
                kept.append((b"range", canonical.encode("latin-1")))
            scope = {**scope, "headers": kept}
        await super().__call__(scope, receive, send)


def _range_not_satisfiable(size: int) -> FastJSONResponse:
    return FastJSONResponse(
        task_error_body("range_not_satisfiable", f"the requested range is outside the file, which has {size} bytes"),
        status_code=416,
        headers={"Content-Range": f"bytes */{size}"},
    )


def _not_found(name: str) -> TaskApiError:
    return TaskApiError(404, "file_not_found", f"file {name} does not exist or needs a signed URL.")


def _storage_unavailable() -> TaskApiError:
    return TaskApiError(
        503, "storage_unavailable", "file storage is not answering right now; try again shortly.", {"Retry-After": "5"}
    )


FILE_RESPONSES: dict[int | str, dict[str, Any]] = {
    206: {"description": "the requested byte range(s)"},
    307: {"description": "with S3 storage and SONGFORGE_S3_REDIRECT: a short-lived presigned URL of the file"},
    404: {"description": "file_not_found: no such file, or no valid signature or owner key"},
    416: {"description": "range_not_satisfiable: every requested range starts past the end of the file"},
    429: {"description": "rate_limited: the owner key sent too many requests"},
    503: {"description": "storage_unavailable: the file store (S3) is not answering"},
}
IMMUTABLE = "private, max-age=31536000, immutable"


@router.get("/files/{name}", operation_id="get_file", responses=FILE_RESPONSES)
@router.head("/files/{name}", operation_id="head_file", include_in_schema=True, responses=FILE_RESPONSES)
def get_file(name: str, request: Request, sig: str | None = None) -> Response:
    """Download a clip file (`Range` requests give 206 partial content)."""
    services = services_of(request)
    clip_id = clip_id_of_blob(name)
    if clip_id is None:
        raise _not_found(name)
    if not (sig and services.signer.is_valid(name, sig)) and not _owner_is_calling(services, request, clip_id):
        raise _not_found(name)
    media_type = MEDIA_TYPES[name.rsplit(".", 1)[-1]]
    if services.settings.storage_url:
        return _remote_file(services, request, name, media_type)
    try:
        path = services.blobs.local_path(name)
    except (FileNotFoundError, ValueError):
        raise _not_found(name) from None
    return _FileResponse(path, media_type=media_type, headers={"Cache-Control": IMMUTABLE})


def _remote_file(services: Services, request: Request, name: str, media_type: str) -> Response:
    """A file of a remote store (S3): a redirect to a presigned URL, or its bytes streamed through this node."""
    try:
        stat = services.blobs.stat(name)
        if request.method == "GET" and services.settings.s3_redirect:
            url = services.blobs.presigned_url(name, services.settings.s3_presign_seconds)
            if url is not None:  # the URL expires: clients keep the songforge URL, never this one
                return RedirectResponse(url, status_code=307, headers={"Cache-Control": "no-store"})
        headers = {
            "Accept-Ranges": "bytes",
            "Cache-Control": IMMUTABLE,
            "ETag": stat.etag,
            "Last-Modified": formatdate(stat.modified, usegmt=True),
        }
        first, last = 0, stat.size - 1
        planned = _planned_range(request, headers, stat.size)
        if planned == []:
            return _range_not_satisfiable(stat.size)
        status = 200
        if planned is not None and len(planned) == 1:  # several ranges: the whole file, which RFC 9110 allows
            (first, last), status = planned[0], 206
            headers["Content-Range"] = f"bytes {first}-{last}/{stat.size}"
        headers["Content-Length"] = str(last - first + 1)
        if request.method == "HEAD":
            return Response(status_code=status, headers=headers, media_type=media_type)
        chunks = services.blobs.read_range(name, first, last)
    except (FileNotFoundError, ValueError):
        raise _not_found(name) from None
    except OSError:
        raise _storage_unavailable() from None
    return StreamingResponse(chunks, status_code=status, headers=headers, media_type=media_type)


def _planned_range(request: Request, headers: dict[str, str], size: int) -> list[tuple[int, int]] | None:
    """The ranges to send (see plan_range), or None for the whole file (no or several Range headers, or an
    If-Range naming another version of the file)."""
    values = request.headers.getlist("range")
    if len(values) != 1:
        return None
    if_range = request.headers.get("if-range")
    if if_range is not None and if_range not in (headers["ETag"], headers["Last-Modified"]):
        return None
    return plan_range(values[0], size)


def _owner_is_calling(services: Services, request: Request, clip_id: str) -> bool:
    authorization = request.headers.get("authorization")
    if key_secret_from_header(authorization) is None:
        return False
    authenticator: Authenticator = request.app.state.authenticator
    try:
        caller = authenticator.authenticate(authorization)
    except AuthError:  # an unknown key learns nothing more than "not found"
        return False
    return account_of_clip(services, clip_id) == caller.account_id
