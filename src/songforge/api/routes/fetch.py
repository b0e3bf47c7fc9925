"""GET /suno/fetch/{task_id} and POST /suno/fetch: stored task JSON (core/task_reader.py), never waits on a worker."""

from fastapi import APIRouter, Request, Response

from songforge.api.auth import current_caller
from songforge.api.errors import TaskApiError, invalid_request
from songforge.api.schemas import BatchFetchRequest, json_body_schema, parse_json_body
from songforge.api.state import services_of

router = APIRouter(prefix="/suno", tags=["fetch"])

TASK_ACTIONS = ("MUSIC", "LYRICS")
_ENVELOPE_HEAD = b'{"code":"success","message":"","data":'


def _json(body: bytes) -> Response:
    return Response(body, media_type="application/json")


@router.get(
    "/fetch/{task_id}",
    responses={400: {"description": "task_not_exist"}, 401: {"description": "missing or invalid API key"}},
)
async def fetch_one(task_id: str, request: Request) -> Response:
    """One task of the caller; an unknown or foreign id is 400 task_not_exist."""
    caller = await current_caller(request)
    services = services_of(request)
    found = services.task_reader.read(caller.account_id, [task_id])
    if not found:
        raise TaskApiError(400, "task_not_exist", f"task {task_id} does not exist in this account.")
    return _json(_ENVELOPE_HEAD + found[0] + b"}")


@router.post(
    "/fetch",
    responses={400: {"description": "invalid_request"}, 401: {"description": "missing or invalid API key"}},
    openapi_extra=json_body_schema(BatchFetchRequest),
)
async def fetch_many(request: Request) -> Response:
    """Many tasks at once, in request order; unknown or foreign ids are dropped, duplicates answered once."""
    # The busiest route: the key and the body are read here rather than through FastAPI's dependency
    # and body machinery, which cost about a tenth of each call (same checks, same error answers).
    caller = await current_caller(request)
    body = parse_json_body(BatchFetchRequest, await request.body())
    services = services_of(request)
    if len(body.ids) > services.settings.max_batch_ids:
        raise invalid_request(f"`ids` has {len(body.ids)} entries; at most {services.settings.max_batch_ids} per call.")
    action = (body.action or "").upper()
    # Any other action value is ignored (new-api parity), never an error.
    tasks = services.task_reader.read(caller.account_id, body.ids, action if action in TASK_ACTIONS else None)
    return _json(_ENVELOPE_HEAD + b"[" + b",".join(tasks) + b"]}")
