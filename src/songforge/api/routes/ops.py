"""Operations: /healthz, /readyz and /metrics."""

import asyncio
from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, Request, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from songforge.api.responses import FastJSONResponse
from songforge.api.state import services_of
from songforge.core.stats import readiness

router = APIRouter(tags=["operations"])

# Under `serve --processes N`: reads the worker process's state from the supervisor's shared memory.
_worker_state: Callable[[], dict[str, Any]] | None = None


def report_workers(read_state: Callable[[], dict[str, Any]]) -> None:
    """Make /healthz of this process include `workers` (called once by a supervised HTTP process)."""
    global _worker_state  # one per process, set before it serves
    _worker_state = read_state


@router.get("/healthz", response_class=FastJSONResponse)
async def healthz() -> FastJSONResponse:
    """Liveness: the process answers (does not touch the database or a file). Always 200 with
    `"status": "ok"` while this process serves. Under `serve --processes N` it adds the separate worker
    process's state, `"workers": {"state": "ok" | "restarting", "restarts": n, "last_exit": …}`: while
    the worker restarts, fetches are still served and queued tasks wait for it."""
    if _worker_state is None:
        return FastJSONResponse({"status": "ok"})
    return FastJSONResponse({"status": "ok", "workers": _worker_state()})


@router.get("/readyz", response_class=FastJSONResponse, responses={503: {"description": "a check failed"}})
async def readyz(request: Request) -> FastJSONResponse:
    """Readiness: 200 `{"status": "ready", "checks": {"database", "broker", "storage"}}` when the database
    answers, the broker takes messages (or jobs run in this server) and the blob store takes a file; 503
    `"status": "not ready"` naming what failed (a load balancer stops sending work here)."""
    checks = await asyncio.to_thread(readiness, services_of(request))
    ready = all(value.startswith("ok") for value in checks.values())
    return FastJSONResponse(
        {"status": "ready" if ready else "not ready", "checks": checks}, status_code=200 if ready else 503
    )


@router.get("/metrics", response_class=Response)
def metrics(request: Request) -> Response:
    """Prometheus text format: this fleet's requests (summed over the API nodes when they share a broker),
    tasks, jobs, queues, workers and webhooks, read at scrape time."""
    return Response(generate_latest(request.app.state.metrics.registry), media_type=CONTENT_TYPE_LATEST)
