"""GET /suno/act/wav/{clip_id}: a real WAV of a clip, rendered by a worker on first ask."""

import asyncio
from typing import Any

from fastapi import APIRouter, Depends, Request
from sqlalchemy import select

from songforge.api.auth import current_caller
from songforge.api.errors import TaskApiError, invalid_request
from songforge.api.submission import submit
from songforge.core.accounts import Caller
from songforge.core.clock import is_id
from songforge.core.jobs import JobKind
from songforge.core.services import Services
from songforge.core.status import ACTIVE_TASK_STATUSES, ClipStatus
from songforge.db.models import Clip, Task

router = APIRouter(prefix="/suno/act", tags=["act"])

# How long the request waits for a fresh render before answering an empty URL (Part A §11).
WAV_WAIT_SECONDS = 3.0
WAV_POLL_SECONDS = 0.1


@router.get("/wav/{clip_id}", responses={400: {"description": "task_not_exist"}})
async def clip_wav(clip_id: str, request: Request, caller: Caller = Depends(current_caller)) -> dict[str, Any]:
    """`data.wav_file_url` is the WAV (same sample rate as the master), or "" while it is being rendered."""
    services: Services = request.app.state.services
    state = await asyncio.to_thread(_wav_state, services, caller, clip_id)
    waited = 0.0
    while state is None and waited < WAV_WAIT_SECONDS:
        await asyncio.sleep(WAV_POLL_SECONDS)
        waited += WAV_POLL_SECONDS
        state = await asyncio.to_thread(_wav_key, services, caller, clip_id)
    return {"code": "success", "message": "", "data": {"wav_file_url": services.signer.file_url(state)}}


def _wav_key(services: Services, caller: Caller, clip_id: str) -> str | None:
    with services.db.read_engine.connect() as connection:
        return connection.execute(
            select(Clip.wav_key).where(Clip.id == clip_id, Clip.account_id == caller.account_id)
        ).scalar_one_or_none()


def _wav_state(services: Services, caller: Caller, clip_id: str) -> str | None:
    """The WAV's blob name if rendered; otherwise make sure a render task exists and return None."""
    if not is_id(clip_id):
        raise TaskApiError(400, "task_not_exist", f"clip {clip_id} does not exist in this account.")
    with services.db.session() as session:
        clip = session.execute(
            select(Clip).where(Clip.id == clip_id, Clip.account_id == caller.account_id)
        ).scalar_one_or_none()
        if clip is None:
            raise TaskApiError(400, "task_not_exist", f"clip {clip_id} does not exist in this account.")
        if clip.wav_key:
            return clip.wav_key
        if clip.status != ClipStatus.COMPLETE or not clip.master_key:
            raise invalid_request(f"clip {clip_id} is not complete yet; ask for its WAV once its task is SUCCESS.")
        pending = session.execute(
            select(Task.id).where(
                Task.account_id == caller.account_id,
                Task.kind == JobKind.WAV,
                Task.status.in_(ACTIVE_TASK_STATUSES),
                Task.params_json.contains(clip_id),
            )
        ).first()
    if pending is None:
        submit(
            services,
            caller,
            JobKind.WAV,
            request_body={"clip_id": clip_id},
            params={"clip_id": clip_id},
            notify_hook="",
            clips=[],
        )
    return None
