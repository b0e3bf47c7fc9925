"""Request bodies of the wire contract. Unknown fields are allowed and kept (Part A §8)."""

from typing import Any, TypeVar

from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator


class _Open(BaseModel):
    model_config = ConfigDict(extra="allow")

    @field_validator("*", mode="after")
    @classmethod
    def _text_is_valid_unicode(cls, value: Any) -> Any:
        # JSON may carry lone UTF-16 surrogates ("\ud800") that no UTF-8 file or database can hold.
        if isinstance(value, str):
            try:
                value.encode("utf-8")
            except UnicodeEncodeError:
                raise ValueError("contains invalid Unicode (a lone UTF-16 surrogate)") from None
        return value


class MusicSubmitRequest(_Open):
    prompt: str | None = Field(None, description="Lyrics (custom mode) or empty for instrumental/stems.")
    gpt_description_prompt: str | None = Field(None, description="Free-text description (inspiration mode).")
    make_instrumental: bool | None = None
    mv: str | None = Field(None, description="Model version, e.g. chirp-v4, chirp-auk, chirp-crow.")
    title: str | None = None
    tags: str | None = None
    negative_tags: str | None = None
    generation_type: str | None = None
    task: str | None = Field(
        None, description="extend, upload_extend, cover, infill, artist_consistency, gen_stem; absent = generate."
    )
    task_id: str | None = Field(None, description="The task that produced the source clip.")
    continue_clip_id: str | None = None
    continue_at: float | None = Field(None, ge=0)
    continued_aligned_prompt: str | None = None
    infill_start_s: float | None = Field(None, ge=0)
    infill_end_s: float | None = Field(None, ge=0)
    cover_clip_id: str | None = None
    persona_id: str | None = None
    artist_clip_id: str | None = None
    stem_type_id: int | None = None
    stem_type_group_name: str | None = Field(None, description="Two or Twelve.")
    stem_task: str | None = Field(None, description="two or twelve.")
    notify_hook: str | None = Field(None, description="Webhook URL (POSTed the task on every status change).")
    callBackUrl: str | None = Field(None, description="Alias of notify_hook.")
    metadata: dict[str, Any] | None = None
    vocal_gender: str | None = Field(None, description='"m" or "f" (also read from `metadata.vocal_gender`).')
    instrumental: bool | None = Field(None, description="Alias of make_instrumental (sunoapi.org-style clients).")
    seed: int | None = Field(
        None, ge=0, le=2**31 - 1, description="songforge: fixes the song (clip i uses seed + i); random if absent."
    )
    duration: float | None = Field(
        None, gt=0, description="songforge: wanted length in seconds (default: as long as the lyrics need)."
    )


class LyricsSubmitRequest(_Open):
    prompt: str = Field(..., description="Topic, theme or description of the song.")
    notify_hook: str | None = None
    callBackUrl: str | None = None
    seed: int | None = Field(
        None, ge=0, le=2**63 - 1, description="Fixes the writer's choices (same prompt + seed → same lyrics)."
    )


class ConcatSubmitRequest(_Open):
    clip_id: str = Field(..., description="A clip made by extend/upload_extend (or infill).")
    is_infill: bool | None = False
    notify_hook: str | None = None
    callBackUrl: str | None = None


class BatchFetchRequest(_Open):
    ids: list[str] = Field(default_factory=list, description="Task ids (answered in this order).")
    action: str | None = Field(None, description="MUSIC or LYRICS; a non-matching value is ignored.")


class UploadUrlRequest(_Open):
    url: str = Field(..., description="Publicly downloadable audio URL.")
    title: str | None = None
    notify_hook: str | None = None
    callBackUrl: str | None = None


class UploadAudioRequest(_Open):
    extension: str | None = Field(
        None, description="Six-step upload, step 1: the file's type (mp3, wav, flac, ogg, opus, m4a, aac, webm, aiff)."
    )


class UploadFinishRequest(_Open):
    upload_type: str | None = Field("file_upload", description="Six-step upload, step 3: always `file_upload`.")
    upload_filename: str | None = Field(None, description="The file's name; the clip's title is its stem.")


class InitializeClipRequest(_Open):
    title: str | None = Field(None, description="The clip's title (default: the uploaded file's name).")
    notify_hook: str | None = Field(None, description="Webhook URL for the upload task.")
    callBackUrl: str | None = Field(None, description="Alias of notify_hook.")


_Model = TypeVar("_Model", bound=BaseModel)


def parse_json_body(model: type[_Model], raw: bytes) -> _Model:
    """A JSON body as `model`, failing exactly as a FastAPI body parameter would (RequestValidationError)."""
    if not raw.strip():
        raise RequestValidationError([{"type": "missing", "loc": ("body",), "msg": "Field required", "input": None}])
    try:
        return model.model_validate_json(raw)
    except ValidationError as error:
        raise RequestValidationError(
            [{**item, "loc": ("body", *item["loc"])} for item in error.errors(include_url=False)]
        ) from None


def json_body_schema(model: type[BaseModel]) -> dict[str, Any]:
    """OpenAPI `requestBody` of a route that reads its body with `parse_json_body`."""
    schema = {"application/json": {"schema": model.model_json_schema()}}
    return {"requestBody": {"required": True, "content": schema}}


class PersonaCreateRequest(_Open):
    root_clip_id: str = Field(..., description="A complete clip songforge generated (not an upload).")
    name: str = Field(..., max_length=200, description="The persona's name.")
    description: str = Field("", max_length=2000)
    clips: list[str] | None = Field(None, description="Normally [root_clip_id].")
    is_public: bool = False


class TagsRequest(_Open):
    original_tags: str = Field(..., max_length=1000, description='Style words to expand, e.g. "student" or "lo-fi".')
    is_instrumental: bool = False
