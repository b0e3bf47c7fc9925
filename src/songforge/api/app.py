"""The FastAPI application factory."""

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from redis import Redis
from redis.backoff import NoBackoff
from redis.retry import Retry

from songforge import __version__
from songforge.api.auth import Authenticator
from songforge.api.errors import install_error_handlers
from songforge.api.metrics import Metrics, MetricsMiddleware
from songforge.api.ratelimit import RateLimiter, RedisTokenBuckets
from songforge.api.responses import FastJSONResponse
from songforge.api.routes import act, fetch, files, ops, personas, submit, upload_flow, uploads
from songforge.config import Settings
from songforge.core.services import Services, Wakeups, build_services

log = logging.getLogger("songforge")

# A rate-limit check waits at most this long on Redis (twice: one retry for a connection Redis dropped)
# before it lets the request through.
FLEET_REDIS_TIMEOUT_SECONDS = 0.25

DESCRIPTION = """A self-hosted music API server speaking the Suno task API (DeerAPI / new-api flavour).

Submit work, get a task id at once, poll `GET /suno/fetch/{id}` or `POST /suno/fetch` until the task is
`SUCCESS` or `FAILURE` (or receive a signed webhook). Authenticate with `Authorization: Bearer sk-…`.
"""


def create_app(
    settings: Settings | None = None,
    *,
    start_workers: bool | None = None,
    wakeups: Wakeups | None = None,
    limiter: RateLimiter | None = None,
) -> FastAPI:
    """The app; `wakeups` and `limiter` are shared with sibling processes under `serve --processes N`."""
    settings = settings or Settings()
    services = build_services(settings, wakeups=wakeups)
    run_workers = settings.job_threads > 0 if start_workers is None else start_workers

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        pool = None
        if run_workers:
            from songforge.worker.pool import WorkerPool

            pool = WorkerPool(services, settings.job_threads)
            pool.start()
        app.state.worker_pool = pool
        try:
            yield
        finally:
            if pool is not None:
                pool.stop()
            app.state.metrics.close()
            services.close()

    app = FastAPI(
        title="songforge",
        version=__version__,
        description=DESCRIPTION,
        default_response_class=FastJSONResponse,
        lifespan=lifespan,
    )
    attach_services(app, services, limiter)
    install_error_handlers(app)
    for module in (submit, fetch, uploads, upload_flow, act, personas, files, ops):
        app.include_router(module.router)
    app.add_middleware(MetricsMiddleware, metrics=app.state.metrics)
    app.add_middleware(submit.SubmitActionCase)  # outermost: /suno/submit/MUSIC is /suno/submit/music
    return app


def attach_services(app: FastAPI, services: Services, limiter: RateLimiter | None = None) -> None:
    """With a broker, rate limits and request metrics are the fleet's, in Redis (in place of `limiter`)."""
    fleet = fleet_redis(services.settings.broker_url) if services.settings.broker_url else None
    if fleet is not None:
        limiter = RedisTokenBuckets(fleet)
    app.state.services = services
    app.state.authenticator = Authenticator(services, limiter)
    app.state.metrics = Metrics(services, fleet)


def fleet_redis(broker_url: str) -> Redis:
    """The Redis connection API nodes share limits and request metrics through: short timeouts, one retry."""
    return Redis.from_url(
        broker_url,
        socket_timeout=FLEET_REDIS_TIMEOUT_SECONDS,
        socket_connect_timeout=FLEET_REDIS_TIMEOUT_SECONDS,
        retry=Retry(NoBackoff(), retries=1),
    )
