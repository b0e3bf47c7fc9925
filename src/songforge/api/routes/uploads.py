"""POST /suno/uploads/audio-url, the one-shot multipart upload, and the streaming multipart reader both upload
routes share (the direct upload and the six-step flow's upload target, api/routes/upload_flow.py)."""

import os
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO
from urllib.parse import unquote, urlsplit

from fastapi import APIRouter, Depends, Request
from python_multipart.exceptions import FormParserError
from python_multipart.multipart import MultipartParser, parse_options_header
from starlette.concurrency import run_in_threadpool

from songforge.api.auth import current_caller
from songforge.api.errors import TaskApiError, invalid_request
from songforge.api.routes.submit import SUBMIT_RESPONSES
from songforge.api.schemas import UploadUrlRequest
from songforge.api.state import services_of
from songforge.api.submission import check_length, notify_hook_of
from songforge.core import jobs
from songforge.core.accounts import Caller
from songforge.core.clock import new_id
from songforge.core.jobs import UploadParams
from songforge.core.services import Services
from songforge.core.submission import submit_task
from songforge.core.uploads import title_from_filename, upload_clip
from songforge.net import UrlRefused, describe_size, validate_url_syntax

if TYPE_CHECKING:
    from python_multipart.multipart import MultipartCallbacks

router = APIRouter(prefix="/suno/uploads", tags=["uploads"])

FILE_FIELD = "file"
FIELDS_LIMIT = 64 * 1024  # all parts but `file`, together


@router.post("/audio-url", responses=SUBMIT_RESPONSES)
def upload_by_url(body: UploadUrlRequest, request: Request, caller: Caller = Depends(current_caller)) -> dict[str, Any]:
    """Upload audio from a public URL; the task's single clip (`metadata.type: "upload"`) is the clip id to use."""
    services = services_of(request)
    try:
        url = validate_url_syntax(body.url)
    except UrlRefused as error:
        raise invalid_request(f"`url` is not usable: {error}") from error
    check_length("title", body.title, services.settings.max_title_chars)
    title = body.title or title_from_filename(unquote(urlsplit(url).path)) or "upload"
    task_id = submit_task(
        services,
        caller,
        jobs.UPLOAD,
        UploadParams(source="url", url=url),
        request_body=body.model_dump(exclude_unset=True),
        notify_hook=notify_hook_of(body),
        clips=[upload_clip(caller.account_id, title)],
    )
    return {"code": "success", "message": "", "data": task_id}


async def upload_direct(request: Request, caller: Caller) -> dict[str, Any]:
    """The one-shot upload (multipart/form-data, field `file`, optional `title`, `notify_hook`): a task envelope."""
    services = services_of(request)
    settings = services.settings
    form = await read_upload_form(request, settings.max_upload_bytes)
    try:
        title = form.fields.get("title")
        check_length("title", title, settings.max_title_chars)
        hook = notify_hook_of(
            UploadUrlRequest(
                url="", notify_hook=form.fields.get("notify_hook"), callBackUrl=form.fields.get("callBackUrl")
            )
        )
        if form.path is None:
            raise invalid_request("`file` is required: send the audio as multipart/form-data with a field `file`.")
        if form.size == 0:
            raise invalid_request("the uploaded `file` is empty.")
        task_id = await run_in_threadpool(_submit_direct, services, caller, form, title, hook)
    finally:
        form.discard()
    return {"code": "success", "message": "", "data": task_id}


def _submit_direct(services: Services, caller: Caller, form: "StagedForm", title: str | None, hook: str) -> str:
    assert form.path is not None
    staged = f"staged_{new_id()}.upload"
    services.blobs.put_file(staged, form.path)
    name = title or title_from_filename(form.filename) or "upload"
    try:
        return submit_task(
            services,
            caller,
            jobs.UPLOAD,
            UploadParams(source="file", staged_blob=staged, filename=form.filename),
            request_body={
                "filename": form.filename,
                "size": form.size,
                "title": title,
                "notify_hook": form.fields.get("notify_hook"),
            },
            notify_hook=hook,
            clips=[upload_clip(caller.account_id, name)],
        )
    except Exception:
        services.blobs.delete(staged)
        raise


# ------------------------------------------------------------------------------- streaming multipart


def file_too_large(max_bytes: int) -> TaskApiError:
    return TaskApiError(413, "file_too_large", f"the file is larger than the {describe_size(max_bytes)} limit.")


@dataclass
class StagedForm:
    """A multipart body as read: its text fields and the `file` part, spooled to a temporary file."""

    fields: dict[str, str] = field(default_factory=dict)
    path: Path | None = None
    filename: str = ""
    size: int = 0

    def discard(self) -> None:
        if self.path is not None:
            self.path.unlink(missing_ok=True)
            self.path = None


class _FormReader:
    """python-multipart callbacks: text fields to memory (capped), `file` to disk, refused once past the cap."""

    def __init__(self, max_bytes: int, before_file: Callable[[dict[str, str]], None] | None) -> None:
        self.form = StagedForm()
        self.ended = False
        self._max_bytes = max_bytes
        self._before_file = before_file
        self._header_name = b""
        self._header_value = b""
        self._disposition = b""
        self._name: str | None = None
        self._in_file = False
        self._value = bytearray()
        self._field_bytes = 0
        self._pending: list[bytes] = []
        self._handle: BinaryIO | None = None

    def callbacks(self) -> "MultipartCallbacks":
        return {
            "on_part_begin": self._part_begin,
            "on_part_data": self._part_data,
            "on_part_end": self._part_end,
            "on_header_field": self._header_field,
            "on_header_value": self._header_value_data,
            "on_header_end": self._header_end,
            "on_headers_finished": self._headers_finished,
            "on_end": self._end,
        }

    def _part_begin(self) -> None:
        self._disposition = b""
        self._name = None
        self._in_file = False
        self._value = bytearray()

    def _header_field(self, data: bytes, start: int, end: int) -> None:
        self._header_name += data[start:end]

    def _header_value_data(self, data: bytes, start: int, end: int) -> None:
        self._header_value += data[start:end]

    def _header_end(self) -> None:
        if self._header_name.strip().lower() == b"content-disposition":
            self._disposition = self._header_value
        self._header_name = b""
        self._header_value = b""

    def _headers_finished(self) -> None:
        _, options = parse_options_header(self._disposition)
        name = options.get(b"name")
        if name is None:
            raise invalid_request("a part of the multipart body has no `name` in its Content-Disposition header.")
        self._name = name.decode("utf-8", "replace")
        if self._name != FILE_FIELD:
            return
        if self.form.path is not None:
            raise invalid_request("send one `file` per request.")
        if self._before_file is not None:
            self._before_file(self.form.fields)
        self._in_file = True
        self.form.filename = options.get(b"filename", b"").decode("utf-8", "replace").replace("\x00", "")[:500]
        fd, temporary = tempfile.mkstemp(prefix="songforge-upload-")
        self._handle = os.fdopen(fd, "wb")
        self.form.path = Path(temporary)

    def _part_data(self, data: bytes, start: int, end: int) -> None:
        if self._in_file:
            self.form.size += end - start
            if self.form.size > self._max_bytes:
                raise file_too_large(self._max_bytes)
            self._pending.append(data[start:end])
            return
        self._field_bytes += end - start
        if self._field_bytes > FIELDS_LIMIT:
            raise invalid_request(
                f"the form fields besides `file` are larger than {describe_size(FIELDS_LIMIT)}; send the audio "
                "in the field `file`."
            )
        self._value.extend(data[start:end])

    def _part_end(self) -> None:
        if not self._in_file and self._name is not None:
            self.form.fields.setdefault(self._name, self._value.decode("utf-8", "replace").replace("\x00", ""))
        self._in_file = False

    def _end(self) -> None:
        self.ended = True

    async def flush(self) -> None:
        if self._pending and self._handle is not None:
            data = b"".join(self._pending)
            self._pending.clear()
            await run_in_threadpool(self._handle.write, data)

    async def close(self) -> None:
        await self.flush()
        if self._handle is not None:
            await run_in_threadpool(self._handle.close)
            self._handle = None

    def abort(self) -> None:
        if self._handle is not None:
            self._handle.close()
            self._handle = None
        self.form.discard()


async def read_upload_form(
    request: Request, max_bytes: int, before_file: Callable[[dict[str, str]], None] | None = None
) -> StagedForm:
    """Stream a multipart/form-data body: the `file` part goes to a temporary file and is refused (413) as soon as
    it passes `max_bytes`; `before_file` sees the fields sent before `file` (it may refuse by raising)."""
    media, params = parse_options_header(request.headers.get("content-type", ""))
    if media != b"multipart/form-data":
        raise invalid_request("`file` is required: send the audio as multipart/form-data with a field `file`.")
    boundary = params.get(b"boundary")
    if not boundary:
        raise invalid_request("the multipart/form-data body has no boundary in its Content-Type header.")
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and (len(declared) > 18 or int(declared) > max_bytes + 2 * FIELDS_LIMIT):
        raise file_too_large(max_bytes)
    reader = _FormReader(max_bytes, before_file)
    try:
        parser = MultipartParser(boundary, reader.callbacks())
        async for chunk in request.stream():
            parser.write(chunk)
            await reader.flush()
        parser.finalize()
        await reader.close()
    except FormParserError as error:
        reader.abort()
        raise invalid_request(
            "the multipart/form-data body is malformed; send it as a browser or HTTP library would."
        ) from error
    except BaseException:
        reader.abort()
        raise
    if not reader.ended:
        reader.abort()
        raise invalid_request("the multipart/form-data body ended before its closing boundary; send the whole body.")
    return reader.form
