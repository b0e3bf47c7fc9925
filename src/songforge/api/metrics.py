"""Prometheus metrics: request counts/latency (ASGI middleware) and task counts read at scrape time."""

import os
import time
from collections.abc import Iterator

from prometheus_client import CollectorRegistry, Counter, Histogram
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import Collector
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from songforge.core.services import Services
from songforge.core.stats import job_durations, queue_depths, task_counts, webhook_counts


class Metrics:
    def __init__(self, services: Services) -> None:
        self.registry = CollectorRegistry()
        request_registry: CollectorRegistry | None = self.registry
        if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
            # Several API processes (`serve --processes N`): each writes its counts to files in that
            # directory and a scrape, answered by any one of them, sums them all.
            MultiProcessCollector(self.registry)
            request_registry = None
        self.requests = Counter(
            "songforge_http_requests_total", "HTTP requests", ["method", "route", "status"], registry=request_registry
        )
        self.latency = Histogram(
            "songforge_http_request_duration_seconds",
            "HTTP request latency",
            ["route"],
            buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5),
            registry=request_registry,
        )
        self.registry.register(_TaskCollector(services))


class _TaskCollector(Collector):
    def __init__(self, services: Services) -> None:
        self._services = services

    def collect(self) -> Iterator[GaugeMetricFamily]:
        tasks = GaugeMetricFamily("songforge_tasks", "Tasks by kind and status", labels=["kind", "status"])
        webhooks = GaugeMetricFamily("songforge_webhook_deliveries", "Webhook deliveries by state", labels=["state"])
        for kind, status, count in task_counts(self._services):
            tasks.add_metric([kind, status], count)
        for state, count in webhook_counts(self._services):
            webhooks.add_metric([state], count)
        depth = GaugeMetricFamily("songforge_queue_depth", "Tasks waiting for a worker, per queue", labels=["queue"])
        for queue, count in queue_depths(self._services).items():
            depth.add_metric([queue], count)
        ran = GaugeMetricFamily(
            "songforge_jobs_ended", "Jobs that ran and ended, by kind and outcome", labels=["kind", "status"]
        )
        seconds = GaugeMetricFamily(
            "songforge_job_seconds_total",
            "Seconds from start to finish, summed, by kind and outcome",
            labels=["kind", "status"],
        )
        for kind, status, count, total in job_durations(self._services):
            ran.add_metric([kind, status], count)
            seconds.add_metric([kind, status], total)
        yield tasks
        yield webhooks
        yield depth
        yield ran
        yield seconds


class MetricsMiddleware:
    """Pure ASGI (no per-request task or body copy) so /healthz stays a fair ceiling."""

    def __init__(self, app: ASGIApp, metrics: Metrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def send_with_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_with_status)
        finally:
            route = scope.get("route")
            template = getattr(route, "path", "unmatched")
            self.metrics.requests.labels(scope["method"], template, str(status)).inc()
            self.metrics.latency.labels(template).observe(time.perf_counter() - started)
