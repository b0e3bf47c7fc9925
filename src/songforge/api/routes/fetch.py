"""GET /suno/fetch/{task_id} and POST /suno/fetch: rows only, one query, never waits on a worker."""

from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import ORJSONResponse

from songforge.api.auth import current_caller
from songforge.api.errors import TaskApiError, invalid_request
from songforge.api.schemas import BatchFetchRequest
from songforge.core.accounts import Caller
from songforge.core.queries import fetch_task_objects
from songforge.core.services import Services

router = APIRouter(prefix="/suno", tags=["fetch"])

TASK_ACTIONS = ("MUSIC", "LYRICS")


def _fetch(services: Services, caller: Caller, task_ids: list[str]) -> list[dict[str, Any]]:
    with services.db.read_engine.connect() as connection:
        return fetch_task_objects(connection, caller.account_id, task_ids, services.signer)


@router.get(
    "/fetch/{task_id}",
    response_class=ORJSONResponse,
    responses={400: {"description": "task_not_exist"}, 401: {"description": "missing or invalid API key"}},
)
async def fetch_one(task_id: str, request: Request, caller: Caller = Depends(current_caller)) -> ORJSONResponse:
    """One task of the caller; an unknown or foreign id is 400 task_not_exist."""
    found = _fetch(request.app.state.services, caller, [task_id])
    if not found:
        raise TaskApiError(400, "task_not_exist", f"task {task_id} does not exist in this account.")
    return ORJSONResponse({"code": "success", "message": "", "data": found[0]})


@router.post(
    "/fetch",
    response_class=ORJSONResponse,
    responses={400: {"description": "invalid_request"}, 401: {"description": "missing or invalid API key"}},
)
async def fetch_many(
    body: BatchFetchRequest, request: Request, caller: Caller = Depends(current_caller)
) -> ORJSONResponse:
    """Many tasks at once, in request order; unknown or foreign ids are dropped, duplicates answered once."""
    services: Services = request.app.state.services
    if len(body.ids) > services.settings.max_batch_ids:
        raise invalid_request(f"`ids` has {len(body.ids)} entries; at most {services.settings.max_batch_ids} per call.")
    tasks = _fetch(services, caller, body.ids)
    action = (body.action or "").upper()
    if action in TASK_ACTIONS:  # any other value is ignored (new-api parity), never an error
        tasks = [task for task in tasks if task["action"] == action]
    return ORJSONResponse({"code": "success", "message": "", "data": tasks})
