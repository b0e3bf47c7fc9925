"""GET/HEAD /files/{name}: clip audio, WAV and images with Range support.

Access: a valid `sig` (the URLs songforge hands out carry one) or the owning account's Bearer key.
Anything else is a 404, so a file's existence is never revealed to another account.
"""

import re

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse
from starlette.types import Receive, Scope, Send

from songforge.api.auth import Authenticator
from songforge.api.errors import AuthError, TaskApiError
from songforge.core.accounts import key_secret_from_header
from songforge.core.files import account_of_clip
from songforge.core.services import Services
from songforge.core.urls import clip_id_of_blob

router = APIRouter(tags=["files"])

MEDIA_TYPES = {"mp3": "audio/mpeg", "wav": "audio/wav", "jpeg": "image/jpeg", "mp4": "video/mp4"}
_RANGE_SPEC = re.compile(r"^\s*(\d*)\s*-\s*(\d*)\s*$")


def _range_is_well_formed(header: str) -> bool:
    unit, _, specs = header.partition("=")
    if unit.strip().lower() != "bytes" or not specs:
        return False
    for spec in specs.split(","):
        match = _RANGE_SPEC.match(spec)
        if match is None or match.groups() == ("", ""):
            return False
        start, end = match.groups()
        if start and end and int(start) > int(end):
            return False
    return True


class _FileResponse(FileResponse):
    """A malformed Range header is ignored (RFC 9110 §14.2 allows it): the whole file, not a text/plain 400."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        headers = scope.get("headers", [])
        ranges = [value.decode("latin-1") for key, value in headers if key == b"range"]
        if ranges and not _range_is_well_formed(ranges[0]):
            scope = {**scope, "headers": [(key, value) for key, value in headers if key != b"range"]}
        await super().__call__(scope, receive, send)


def _not_found(name: str) -> TaskApiError:
    return TaskApiError(404, "file_not_found", f"file {name} does not exist or needs a signed URL.")


@router.get("/files/{name}", operation_id="get_file", responses={404: {"description": "no such file"}})
@router.head("/files/{name}", operation_id="head_file", include_in_schema=True)
def get_file(name: str, request: Request, sig: str | None = None) -> FileResponse:
    """Download a clip file (`Range` requests give 206 partial content)."""
    services: Services = request.app.state.services
    clip_id = clip_id_of_blob(name)
    if clip_id is None:
        raise _not_found(name)
    if not (sig and services.signer.is_valid(name, sig)) and not _owner_is_calling(services, request, clip_id):
        raise _not_found(name)
    try:
        path = services.blobs.local_path(name)
    except (FileNotFoundError, ValueError):
        raise _not_found(name) from None
    extension = name.rsplit(".", 1)[-1]
    return _FileResponse(
        path,
        media_type=MEDIA_TYPES[extension],
        headers={"Cache-Control": "private, max-age=31536000, immutable"},
    )


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
