"""GET /files/{name}: clip audio, WAV and images with Range support.

Access: a valid `sig` (the URLs songforge hands out carry one) or the owning account's Bearer key.
Anything else is a 404, so a file's existence is never revealed to another account.
"""

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse
from sqlalchemy import select

from songforge.api.errors import TaskApiError
from songforge.core.accounts import key_secret_from_header
from songforge.core.services import Services
from songforge.core.urls import clip_id_of_blob
from songforge.db.models import Clip

router = APIRouter(tags=["files"])

MEDIA_TYPES = {"mp3": "audio/mpeg", "wav": "audio/wav", "jpeg": "image/jpeg", "mp4": "video/mp4"}


def _not_found(name: str) -> TaskApiError:
    return TaskApiError(404, "file_not_found", f"file {name} does not exist or needs a signed URL.")


@router.api_route("/files/{name}", methods=["GET", "HEAD"], responses={404: {"description": "no such file"}})
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
    return FileResponse(
        path,
        media_type=MEDIA_TYPES[extension],
        headers={"Cache-Control": "private, max-age=31536000, immutable"},
    )


def _owner_is_calling(services: Services, request: Request, clip_id: str) -> bool:
    if key_secret_from_header(request.headers.get("authorization")) is None:
        return False
    caller = request.app.state.authenticator.authenticate(request.headers.get("authorization"))
    with services.db.read_engine.connect() as connection:
        owner = connection.execute(select(Clip.account_id).where(Clip.id == clip_id)).scalar_one_or_none()
    return owner == caller.account_id
