"""GET /suno/act/wav/{clip_id}: a real WAV of a clip, rendered by a worker on first ask."""

import asyncio
from typing import Any

from fastapi import APIRouter, Depends, Request

from songforge.api.auth import current_caller
from songforge.api.state import services_of
from songforge.core.accounts import Caller
from songforge.core.renders import wav_of_clip

router = APIRouter(prefix="/suno/act", tags=["act"])


@router.get("/wav/{clip_id}", responses={400: {"description": "task_not_exist"}})
async def clip_wav(clip_id: str, request: Request, caller: Caller = Depends(current_caller)) -> dict[str, Any]:
    """`data.wav_file_url` is the WAV (same sample rate as the master), or "" while it is being rendered:
    the first ask starts the render and answers at once; ask again in a moment."""
    services = services_of(request)
    blob_name = await asyncio.to_thread(wav_of_clip, services, caller, clip_id)
    return {"code": "success", "message": "", "data": {"wav_file_url": services.signer.file_url(blob_name)}}
