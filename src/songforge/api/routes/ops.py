"""Operations: /healthz and /metrics."""

from fastapi import APIRouter, Request, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from songforge.api.responses import FastJSONResponse

router = APIRouter(tags=["operations"])


@router.get("/healthz", response_class=FastJSONResponse)
async def healthz() -> FastJSONResponse:
    """Liveness: the process answers (does not touch the database)."""
    return FastJSONResponse({"status": "ok"})


@router.get("/metrics", response_class=Response)
def metrics(request: Request) -> Response:
    """Prometheus text format."""
    return Response(generate_latest(request.app.state.metrics.registry), media_type=CONTENT_TYPE_LATEST)
