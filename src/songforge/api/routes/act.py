"""GET /suno/act/{wav,timing,midi}/{clip_id}: a clip's WAV (rendered by a worker on first ask), and a generated
song's word timing and MIDI notes."""

import asyncio
import uuid
from typing import Any

from fastapi import APIRouter, Depends, Request

from songforge.api.auth import current_caller
from songforge.api.schemas import TagsRequest
from songforge.api.state import services_of
from songforge.core.accounts import Caller
from songforge.core.renders import video_of_clip, wav_of_clip
from songforge.core.songs import midi_of, word_timing_of
from songforge.core.styles import upsample_tags

router = APIRouter(prefix="/suno/act", tags=["act"])


@router.get("/wav/{clip_id}", responses={400: {"description": "task_not_exist"}})
async def clip_wav(clip_id: str, request: Request, caller: Caller = Depends(current_caller)) -> dict[str, Any]:
    """`data.wav_file_url` is the WAV (same sample rate as the master), or "" while it is being rendered:
    the first ask starts the render and answers at once; ask again in a moment."""
    services = services_of(request)
    blob_name = await asyncio.to_thread(wav_of_clip, services, caller, clip_id)
    return {"code": "success", "message": "", "data": {"wav_file_url": services.signer.file_url(blob_name)}}


@router.get("/timing/{clip_id}", responses={400: {"description": "task_not_exist / invalid_request"}})
async def clip_timing(clip_id: str, request: Request, caller: Caller = Depends(current_caller)) -> dict[str, Any]:
    """The sung words with their start and end times (raw Suno alignment object, B §15.1). Exact for songs
    songforge generated (`p_align` 1.0): the engine placed every word."""
    return await asyncio.to_thread(word_timing_of, services_of(request), caller, clip_id)


@router.get("/midi/{clip_id}", responses={400: {"description": "task_not_exist / invalid_request"}})
async def clip_midi(clip_id: str, request: Request, caller: Caller = Depends(current_caller)) -> dict[str, Any]:
    """The notes each instrument plays (B §15.5): `{"state":"complete","instruments":[…]}`, or
    `{"state":"running"}` while the song is still being made."""
    return await asyncio.to_thread(midi_of, services_of(request), caller, clip_id)


@router.get("/mp4/{clip_id}", responses={400: {"description": "task_not_exist"}})
async def clip_video(clip_id: str, request: Request, caller: Caller = Depends(current_caller)) -> dict[str, Any]:
    """A music video of the clip (H.264 + AAC MP4: cover art, a moving waveform, the lyrics with the sung word
    lit). `data.mp4_file_url` is "" while it renders: the first ask starts it and answers at once (the clip's
    `is_video_pending` is true meanwhile); ask again, or poll the clip until `video_url` is filled."""
    services = services_of(request)
    blob_name = await asyncio.to_thread(video_of_clip, services, caller, clip_id)
    url = services.signer.file_url(blob_name)
    return {"code": "success", "message": "", "data": {"mp4_file_url": url, "video_url": url}, "mp4_file_url": url}


@router.post("/tags")
def expand_tags(body: TagsRequest, caller: Caller = Depends(current_caller)) -> dict[str, Any]:
    """A richer style description from a few style words (raw `{"upsampled_tags", "request_id"}`, B §15.4):
    the genre's tempo, instruments, drum feel, mood and production, the same for the same words; free."""
    upsampled = upsample_tags(body.original_tags, instrumental=body.is_instrumental)
    request_id = str(uuid.uuid5(uuid.NAMESPACE_URL, f"songforge-tags:{body.is_instrumental}:{body.original_tags}"))
    return {"upsampled_tags": upsampled, "request_id": request_id}
