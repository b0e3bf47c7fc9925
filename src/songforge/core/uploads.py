"""The six-step file upload (spec B §14.2, Part A §12): upload sessions, their signed targets and the clip.

Step 1 creates a session row and a signed upload target (a songforge URL, in place of S3) that accepts one
multipart POST for an hour; the target stages the file in the blob store; upload-finish checks that the file
is audio songforge reads; the status step reports it; initialize-clip submits the upload task with the clip id
chosen at step 1 (so `s3_id` and `clip_id` agree, and a repeated or concurrent call finds the same clip).
Every session is scoped by account and kept in the database, so nothing is lost on a restart.
"""

import base64
import hashlib
import hmac
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import Any

import orjson
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from songforge.core import jobs
from songforge.core.accounts import Caller
from songforge.core.clip_data import UPLOAD_FAMILY, base_clip_data
from songforge.core.clock import is_id, new_id, now
from songforge.core.errors import InvalidInput, NotInAccount
from songforge.core.jobs import UploadParams
from songforge.core.lifecycle import NewClip
from songforge.core.services import Services
from songforge.core.status import TaskStatus
from songforge.core.submission import submit_task
from songforge.db.models import Clip, Task, UploadSession

TARGET_TTL_SECONDS = 3600

# The extensions step 1 accepts and the Content-Type its target asks for.
CONTENT_TYPES = {
    "mp3": "audio/mpeg",
    "wav": "audio/wav",
    "flac": "audio/flac",
    "ogg": "audio/ogg",
    "opus": "audio/ogg",
    "m4a": "audio/mp4",
    "mp4": "audio/mp4",
    "aac": "audio/aac",
    "webm": "audio/webm",
    "aiff": "audio/aiff",
    "aif": "audio/aiff",
}

# Status values of the status step (B §14.2; Suno's own include processing/passed_* on the way).
PENDING = "pending"
COMPLETE = "complete"
ERROR = "error"


@dataclass(frozen=True)
class UploadView:
    id: str
    extension: str
    content_type: str
    status: str
    staged_blob: str | None
    size: int
    filename: str
    error_message: str | None
    clip_id: str
    task_id: str | None
    expires_at: float

    @property
    def is_file_uploaded(self) -> bool:
        return self.staged_blob is not None

    @property
    def title(self) -> str:
        return title_from_filename(self.filename) or "upload"


def title_from_filename(name: str) -> str:
    return PurePosixPath(name.replace("\\", "/")).stem[:200]


def _view(row: UploadSession) -> UploadView:
    return UploadView(
        id=row.id,
        extension=row.extension,
        content_type=row.content_type,
        status=row.status,
        staged_blob=row.staged_blob,
        size=row.size,
        filename=row.filename,
        error_message=row.error_message,
        clip_id=row.clip_id,
        task_id=row.task_id,
        expires_at=row.expires_at,
    )


# ------------------------------------------------------------------------------------------ signed target


def target_key(upload_id: str, extension: str) -> str:
    return f"raw_uploads/{upload_id}.{extension}"


def target_signature(secret: bytes, upload_id: str, expires: int) -> str:
    message = f"songforge-upload-target\n{upload_id}\n{expires}".encode()
    return hmac.new(secret, message, hashlib.sha256).hexdigest()


def target_fields(secret: bytes, view: UploadView, max_bytes: int) -> dict[str, str]:
    """The form fields the client POSTs with its `file` (S3's shape: Content-Type, key, policy, signature)."""
    expires = int(view.expires_at)
    key = target_key(view.id, view.extension)
    policy = {
        "expiration": expires,
        "conditions": [{"key": key}, ["content-length-range", 1, max_bytes]],
    }
    return {
        "Content-Type": view.content_type,
        "key": key,
        "expires": str(expires),
        "policy": base64.b64encode(orjson.dumps(policy)).decode(),
        "signature": target_signature(secret, view.id, expires),
    }


def target_refusal(secret: bytes, upload_id: str, fields: dict[str, str], moment: float) -> str | None:
    """Why a POST to the upload target of `upload_id` with these form fields is refused, or None."""
    signature = fields.get("signature", "")
    expires_text = fields.get("expires", "")
    if not signature or not expires_text:
        return (
            "the upload target needs the `expires` and `signature` fields it was handed; send every field of `fields`."
        )
    if not expires_text.isdigit() or len(expires_text) > 12 or not is_id(upload_id):
        return "the upload target's signature does not match; use the `url` and `fields` exactly as handed out."
    expires = int(expires_text)
    if not hmac.compare_digest(target_signature(secret, upload_id, expires), signature):
        return "the upload target's signature does not match; use the `url` and `fields` exactly as handed out."
    key = fields.get("key")
    if key is not None and not key.startswith(f"raw_uploads/{upload_id}."):
        return "the `key` field names another upload; use the `fields` of this upload target."
    if moment > expires:
        return "this upload target has expired (it is valid for one hour); start a new upload."
    return None


# ------------------------------------------------------------------------------------------------ steps


def normalize_extension(extension: str) -> str:
    value = extension.strip().lower().removeprefix(".")
    if value not in CONTENT_TYPES:
        accepted = ", ".join(CONTENT_TYPES)
        raise InvalidInput(
            f"`extension` {extension[:40]!r} is not an audio type songforge accepts; use one of {accepted}."
        )
    return value


def start_upload(services: Services, caller: Caller, extension: str) -> UploadView:
    """Step 1: a new upload session whose target is valid for TARGET_TTL_SECONDS."""
    value = normalize_extension(extension)
    moment = now()
    row = UploadSession(
        id=new_id(),
        account_id=caller.account_id,
        api_key_id=caller.key_id,
        extension=value,
        content_type=CONTENT_TYPES[value],
        status=PENDING,
        staged_blob=None,
        size=0,
        filename="",
        error_message=None,
        clip_id=new_id(),
        task_id=None,
        created_at=moment,
        expires_at=float(int(moment + TARGET_TTL_SECONDS)),
    )
    with services.db.session() as session:
        session.add(row)
    return _view(row)


def _owned(session: Session, caller: Caller, upload_id: str, *, for_update: bool = False) -> UploadSession:
    if not is_id(upload_id):
        raise NotInAccount(f"upload {upload_id[:80]} does not exist in this account.")
    query = select(UploadSession).where(UploadSession.id == upload_id, UploadSession.account_id == caller.account_id)
    if for_update:
        query = query.with_for_update()
    row = session.execute(query).scalar_one_or_none()
    if row is None:
        raise NotInAccount(f"upload {upload_id} does not exist in this account.")
    return row


def find_upload(services: Services, caller: Caller, upload_id: str) -> UploadView:
    with services.db.session() as session:
        return _view(_owned(session, caller, upload_id))


def accept_file(services: Services, upload_id: str, staged_blob: str, size: int) -> str | None:
    """Step 2 (the target, already signature-checked): record the staged file; returns a replaced blob to delete.

    The target takes a file until upload-finish; a second POST replaces the first (as S3 would).
    """
    with services.db.session() as session:
        row = session.execute(
            select(UploadSession).where(UploadSession.id == upload_id).with_for_update()
        ).scalar_one_or_none()
        if row is None:
            raise NotInAccount(f"upload {upload_id} does not exist.")
        if row.status != PENDING:
            raise InvalidInput("this upload is already finished; start a new upload to send another file.")
        replaced = row.staged_blob
        row.staged_blob = staged_blob
        row.size = size
        row.uploaded_at = now()
        return replaced


def finish_upload(services: Services, caller: Caller, upload_id: str, filename: str) -> UploadView:
    """Step 3: the client says the file is up; check that it is audio songforge reads (complete or error)."""
    with services.db.session() as session:
        row = _owned(session, caller, upload_id, for_update=True)
        if row.status != PENDING:
            return _view(row)  # finishing twice changes nothing
        if row.staged_blob is None:
            raise InvalidInput(
                f"no file has been posted to upload {upload_id}'s target yet: POST its `fields` and the `file` "
                "to its `url` first."
            )
        row.filename = filename.replace("\x00", "")[:500] or f"upload.{row.extension}"
        container = _sniff(services, row.staged_blob)
        if container is None:
            row.status = ERROR
            row.error_message = (
                "the uploaded file is not audio songforge can read: it does not start as a usable MP3, WAV, FLAC, "
                "Ogg, MP4/M4A, AAC, WebM or AIFF file."
            )
        else:
            row.status = COMPLETE
        row.finished_at = now()
        return _view(row)


def _sniff(services: Services, blob: str) -> str | None:
    """The audio container the file's first bytes name, or None (decoding happens in the upload task)."""
    try:
        # A range read: on an API node with S3 storage, local_path would download the whole upload.
        head = b"".join(services.blobs.read_range(blob, 0, 4095))
    except FileNotFoundError:
        return None
    return sniff_container(head)


def sniff_container(head: bytes) -> str | None:
    """The container the first bytes of a file name (a WAV also needs a usable `fmt ` chunk), or None."""
    if head[:4] in (b"RIFF", b"RF64", b"BW64") and head[8:12] == b"WAVE":
        return "wav" if _wav_format_is_usable(head) else None
    if head[:4] == b"fLaC":
        return "flac"
    if head[:4] == b"OggS":
        return "ogg"
    if head[:4] == b"FORM" and head[8:12] in (b"AIFF", b"AIFC"):
        return "aiff"
    if head[4:8] == b"ftyp":
        return "mp4"
    if head[:4] == b"\x1a\x45\xdf\xa3":
        return "webm"
    if head[:3] == b"ID3":
        return "mp3"
    if len(head) >= 2 and head[0] == 0xFF and head[1] & 0xE0 == 0xE0:
        return "aac" if head[1] & 0xF6 == 0xF0 else "mp3"
    return None


def _wav_format_is_usable(head: bytes) -> bool:
    """A WAV's `fmt ` chunk (when it lies in `head`) names channels, a sample rate and a sample size."""
    position = 12
    while position + 8 <= len(head):
        chunk, size = head[position : position + 4], int.from_bytes(head[position + 4 : position + 8], "little")
        if chunk == b"fmt ":
            body = head[position + 8 : position + 24]
            if len(body) < 16:
                return True  # past what was read: the upload task decides
            channels = int.from_bytes(body[2:4], "little")
            rate = int.from_bytes(body[4:8], "little")
            bits = int.from_bytes(body[14:16], "little")
            return channels > 0 and rate > 0 and bits > 0
        position += 8 + size + (size & 1)
    return True


def upload_status(services: Services, caller: Caller, upload_id: str) -> dict[str, Any]:
    """Step 4, the raw object of B §14.2: `complete` once finished and readable; `error` (with a sentence)
    when the file is not audio or its upload task failed; `pending` before upload-finish."""
    with services.db.session() as session:
        row = _owned(session, caller, upload_id)
        view = _view(row)
        status, error_message, image_key = view.status, view.error_message, None
        if view.task_id:
            task = session.execute(select(Task.status, Task.fail_reason).where(Task.id == view.task_id)).one_or_none()
            if task is not None and task.status == TaskStatus.FAILURE:
                status, error_message = ERROR, task.fail_reason
            image_key = session.execute(select(Clip.image_key).where(Clip.id == view.clip_id)).scalar_one_or_none()
    return {
        "id": view.id,
        "status": status,
        "error_message": error_message,
        "s3_id": f"m_{view.clip_id}",
        "title": view.title,
        "image_url": services.signer.file_url(image_key) or None,
    }


def upload_clip(account_id: str, title: str, clip_id: str | None = None) -> NewClip:
    """The single clip of an upload task (`metadata.type: "upload"`)."""
    data = base_clip_data(
        title=title,
        family=UPLOAD_FAMILY,
        account_id=account_id,
        batch_index=0,
        metadata={"type": "upload", "is_audio_upload_tos_accepted": True},
    )
    if clip_id is None:
        return NewClip(title=title, data=data)
    return NewClip(title=title, data=data, id=clip_id)


def initialize_clip(
    services: Services, caller: Caller, upload_id: str, *, title: str | None, notify_hook: str, request_body: Any
) -> tuple[str, str]:
    """Step 5: submit the upload task with the session's clip; returns (clip_id, task_id).

    Idempotent: a repeated (or concurrent) call answers the same clip and task; the clip id is the key.
    """
    view = find_upload(services, caller, upload_id)
    if view.task_id:
        return view.clip_id, view.task_id
    if view.status == PENDING:
        raise InvalidInput(f"upload {upload_id} is not finished: POST upload-finish first, then poll its status.")
    if view.status == ERROR or view.staged_blob is None:
        raise InvalidInput(f"upload {upload_id} cannot become a clip: {view.error_message or 'it has no file'}")
    try:
        task_id = submit_task(
            services,
            caller,
            jobs.UPLOAD,
            UploadParams(source="file", staged_blob=view.staged_blob, filename=view.filename),
            request_body={"upload_id": upload_id, "filename": view.filename, "size": view.size, **request_body},
            notify_hook=notify_hook,
            clips=[upload_clip(caller.account_id, title or view.title, view.clip_id)],
        )
    except IntegrityError:
        # Another call created the clip first: answer its task.
        with services.db.session() as session:
            found = session.execute(
                select(Clip.task_id).where(Clip.id == view.clip_id, Clip.account_id == caller.account_id)
            ).scalar_one_or_none()
        if found is None:
            raise
        task_id = found
    with services.db.session() as session:
        session.execute(
            update(UploadSession)
            .where(UploadSession.id == upload_id, UploadSession.task_id.is_(None))
            .values(task_id=task_id)
        )
    return view.clip_id, task_id


# A session nobody initialized this long after its target expired is abandoned.
ABANDONED_AFTER_SECONDS = 24 * 3600


def discard_abandoned_uploads(services: Services) -> int:
    """Delete upload sessions never turned into a clip a day after their target expired, with their staged
    files (the upload task deletes its staged file itself once it has published the clip); returns how many."""
    cutoff = now() - ABANDONED_AFTER_SECONDS
    with services.db.session() as session:
        rows = (
            session.execute(
                select(UploadSession).where(UploadSession.task_id.is_(None), UploadSession.expires_at < cutoff)
            )
            .scalars()
            .all()
        )
        staged = [row.staged_blob for row in rows if row.staged_blob]
        for row in rows:
            session.delete(row)
    for blob in staged:
        services.blobs.delete(blob)
    return len(rows)
