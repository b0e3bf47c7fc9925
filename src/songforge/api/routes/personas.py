"""POST /suno/persona/create (also with a trailing slash): keep a generated clip's voice and style (B §16.1)."""

import asyncio
from typing import Any

from fastapi import APIRouter, Depends, Request

from songforge.api.auth import current_caller
from songforge.api.schemas import PersonaCreateRequest
from songforge.api.state import services_of
from songforge.core.accounts import Caller
from songforge.core.personas import create_persona

router = APIRouter(prefix="/suno/persona", tags=["persona"])
RESPONSES: dict[int | str, dict[str, Any]] = {
    400: {"description": "invalid_request (an upload, an instrumental) / task_not_exist"},
    403: {"description": "quota_not_enough"},
}


@router.post("/create", responses=RESPONSES)
@router.post("/create/", include_in_schema=False)
async def persona_create(
    body: PersonaCreateRequest, request: Request, caller: Caller = Depends(current_caller)
) -> dict[str, Any]:
    """The raw persona object (no envelope): its `id` is the `persona_id` of `task: "artist_consistency"`."""
    return await asyncio.to_thread(
        create_persona,
        services_of(request),
        caller,
        root_clip_id=body.root_clip_id,
        name=body.name,
        description=body.description,
        is_public=body.is_public,
    )
