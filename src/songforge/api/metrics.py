"""Prometheus metrics: request counts and latency (ASGI middleware), and the fleet's tasks, jobs, workers and
webhooks read from the shared database at scrape time.

Request metrics live where the processes that serve requests can add them up: in this process, in the
prometheus_client multiprocess directory (`serve --processes N`), or in Redis when a broker joins API nodes
into a fleet.
"""

import bisect
import logging
import os
import threading
import time
from collections import Counter as Tally
from collections.abc import Iterator
from typing import Protocol

import orjson
from prometheus_client import CollectorRegistry, Counter, Histogram
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, HistogramMetricFamily, Metric
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import Collector
from prometheus_client.utils import floatToGoString
from redis import Redis, RedisError
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from songforge.core.services import Services
from songforge.core.stats import DURATION_BUCKETS, WorkerHeartbeat, fleet_stats
from songforge.core.status import TaskStatus

log = logging.getLogger("songforge")

LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5)
REQUESTS_NAME = "songforge_http_requests_total"
LATENCY_NAME = "songforge_http_request_duration_seconds"


class RequestMetrics(Protocol):
    def record(self, method: str, route: str, status: int, seconds: float) -> None:
        """Count one answered request and its latency."""

    def close(self) -> None:
        """Hand over what is still held in this process (the app stops)."""


class Metrics:
    """The registry /metrics renders: request metrics (`fleet`: summed over the API nodes through Redis)
    and the database's fleet figures."""

    def __init__(self, services: Services, fleet: Redis | None = None) -> None:
        self.registry = CollectorRegistry()
        self.requests: RequestMetrics
        if fleet is not None:
            shared = FleetRequestMetrics(fleet)
            self.registry.register(shared)
            self.requests = shared
        else:
            self.requests = ProcessRequestMetrics(self.registry)
        self.registry.register(_FleetCollector(services))

    def close(self) -> None:
        self.requests.close()


class ProcessRequestMetrics:
    """prometheus_client's own counters: one process, or the processes of one `serve --processes N`."""

    def __init__(self, registry: CollectorRegistry) -> None:
        request_registry: CollectorRegistry | None = registry
        if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
            # Several API processes (`serve --processes N`): each writes its counts to files in that
            # directory and a scrape, answered by any one of them, sums them all.
            MultiProcessCollector(registry)
            request_registry = None
        self._requests = Counter(
            REQUESTS_NAME, "HTTP requests", ["method", "route", "status"], registry=request_registry
        )
        self._latency = Histogram(
            LATENCY_NAME, "HTTP request latency", ["route"], buckets=LATENCY_BUCKETS, registry=request_registry
        )

    def record(self, method: str, route: str, status: int, seconds: float) -> None:
        self._requests.labels(method, route, str(status)).inc()
        self._latency.labels(route).observe(seconds)

    def close(self) -> None:
        """Nothing is held: the counters are written as they move."""


_REQUESTS_KEY = "songforge:http:requests"  # field [method, route, status] → count
_BUCKETS_KEY = "songforge:http:latency_buckets"  # field [route, le] → requests in that bucket (not cumulative)
_SECONDS_KEY = "songforge:http:latency_seconds"  # field route → summed seconds
_LATENCY_BOUNDS = [floatToGoString(bound) for bound in LATENCY_BUCKETS] + ["+Inf"]


class FleetRequestMetrics(Collector):
    """Request counts and latency summed over every API node in three Redis hashes.

    Each process adds its requests up in memory and a background thread sends the increments every
    `flush_seconds` in one MULTI/EXEC, so a request never waits on Redis. A scrape sends this node's
    pending increments first, then renders the fleet's totals. While Redis is away the increments wait
    here and are sent once it answers again.
    """

    def __init__(self, client: Redis, flush_seconds: float = 1.0) -> None:
        self._client = client
        self._lock = threading.Lock()
        self._requests: Tally[tuple[str, str, str]] = Tally()
        self._buckets: Tally[tuple[str, str]] = Tally()
        self._seconds: dict[str, float] = {}
        self._stopped = threading.Event()
        self._flush_seconds = flush_seconds
        self._failing = False  # Redis refused the last exchange
        self._thread = threading.Thread(target=self._flush_until_stopped, name="songforge-metrics", daemon=True)
        self._thread.start()

    def record(self, method: str, route: str, status: int, seconds: float) -> None:
        bound = _LATENCY_BOUNDS[bisect.bisect_left(LATENCY_BUCKETS, seconds)]
        with self._lock:
            self._requests[(method, route, str(status))] += 1
            self._buckets[(route, bound)] += 1
            self._seconds[route] = self._seconds.get(route, 0.0) + seconds

    def close(self) -> None:
        self._stopped.set()
        self._thread.join(timeout=5)
        self.flush()

    def flush(self) -> None:
        """Send the increments gathered since the last flush (kept for the next one if Redis fails)."""
        with self._lock:
            requests, buckets, seconds = self._requests, self._buckets, self._seconds
            self._requests, self._buckets, self._seconds = Tally(), Tally(), {}
        if not requests:
            return
        try:
            with self._client.pipeline(transaction=True) as pipe:
                for labels, count in requests.items():
                    pipe.hincrby(_REQUESTS_KEY, _field(labels), count)
                for route_bound, count in buckets.items():
                    pipe.hincrby(_BUCKETS_KEY, _field(route_bound), count)
                for route, total in seconds.items():
                    pipe.hincrbyfloat(_SECONDS_KEY, route, total)
                pipe.execute()
        except RedisError as error:
            self._redis_failed(f"request metrics wait in this process: Redis did not take them ({error})")
            with self._lock:
                self._requests.update(requests)
                self._buckets.update(buckets)
                for route, total in seconds.items():
                    self._seconds[route] = self._seconds.get(route, 0.0) + total
            return
        self._failing = False

    def collect(self) -> Iterator[Metric]:
        self.flush()
        try:
            with self._client.pipeline(transaction=True) as pipe:
                for key in (_REQUESTS_KEY, _BUCKETS_KEY, _SECONDS_KEY):
                    pipe.hgetall(key)
                stored_requests, stored_buckets, stored_seconds = pipe.execute()
        except RedisError as error:
            self._redis_failed(f"/metrics has no request metrics: Redis did not answer ({error})")
            return
        requests = CounterMetricFamily(REQUESTS_NAME, "HTTP requests", labels=["method", "route", "status"])
        for field, count in stored_requests.items():
            requests.add_metric(orjson.loads(field), int(count))
        yield requests
        yield _latency_family(stored_buckets, stored_seconds)

    def _redis_failed(self, sentence: str) -> None:
        """Log the first failure of an outage only (a flush every second would repeat it)."""
        if not self._failing:
            log.warning(sentence)
        self._failing = True

    def _flush_until_stopped(self) -> None:
        while not self._stopped.wait(self._flush_seconds):
            self.flush()


def _field(labels: tuple[str, ...]) -> bytes:
    return orjson.dumps(labels)


def _latency_family(stored_buckets: dict[bytes, bytes], stored_seconds: dict[bytes, bytes]) -> HistogramMetricFamily:
    per_route: dict[str, dict[str, int]] = {}
    for field, count in stored_buckets.items():
        route, bound = orjson.loads(field)
        per_route.setdefault(route, {})[bound] = int(count)
    latency = HistogramMetricFamily(LATENCY_NAME, "HTTP request latency", labels=["route"])
    for route, counts in sorted(per_route.items()):
        cumulative, buckets = 0, []
        for bound in _LATENCY_BOUNDS:
            cumulative += counts.get(bound, 0)
            buckets.append((bound, cumulative))
        latency.add_metric([route], buckets, sum_value=float(stored_seconds.get(route.encode(), 0)))
    return latency


class _FleetCollector(Collector):
    """What every node of the fleet shares: read from the database on each scrape."""

    def __init__(self, services: Services) -> None:
        self._services = services

    def collect(self) -> Iterator[Metric]:
        stats = fleet_stats(self._services)
        tasks = GaugeMetricFamily("songforge_tasks", "Tasks by kind and status", labels=["kind", "status"])
        started = CounterMetricFamily("songforge_jobs_started", "Jobs a worker started, by kind", labels=["kind"])
        finished = CounterMetricFamily("songforge_jobs_finished", "Jobs that succeeded, by kind", labels=["kind"])
        started_per_kind: Tally[str] = Tally()
        for row in stats.tasks:
            tasks.add_metric([row.kind, row.status], row.count)
            started_per_kind[row.kind] += row.started
            if row.status == TaskStatus.SUCCESS:
                finished.add_metric([row.kind], row.count)
        for kind, count in sorted(started_per_kind.items()):
            started.add_metric([kind], count)
        yield from (tasks, started, finished)

        failed = CounterMetricFamily(
            "songforge_jobs_failed", "Tasks that failed, by kind and error type", labels=["kind", "reason"]
        )
        for failure in stats.failed:
            failed.add_metric([failure.kind, failure.reason], failure.count)
        yield failed

        depth = GaugeMetricFamily("songforge_queue_depth", "Tasks waiting for a worker, per queue", labels=["queue"])
        for queue, count in stats.queue_depths.items():
            depth.add_metric([queue], count)
        yield depth

        ended = GaugeMetricFamily(
            "songforge_jobs_ended", "Jobs that ran and ended, by kind and outcome", labels=["kind", "status"]
        )
        seconds = GaugeMetricFamily(
            "songforge_job_seconds_total",
            "Seconds from start to finish, summed, by kind and outcome",
            labels=["kind", "status"],
        )
        for job in stats.ended:
            ended.add_metric([job.kind, job.status], job.count)
            seconds.add_metric([job.kind, job.status], job.total_seconds)
        yield from (ended, seconds)

        durations = HistogramMetricFamily(
            "songforge_job_duration_seconds", "Seconds from start to finish of jobs that ended", labels=["kind"]
        )
        for histogram in stats.durations:
            bounds = [floatToGoString(bound) for bound in DURATION_BUCKETS]
            buckets = [*zip(bounds, histogram.at_most, strict=True), ("+Inf", histogram.count)]
            durations.add_metric([histogram.kind], buckets, sum_value=histogram.total_seconds)
        yield durations

        yield from _worker_families(stats.workers)

        webhooks = GaugeMetricFamily("songforge_webhook_deliveries", "Webhook deliveries by state", labels=["state"])
        attempts = GaugeMetricFamily(
            "songforge_webhook_attempts", "Delivery attempts made, summed, by delivery state", labels=["state"]
        )
        for state in stats.webhooks:
            webhooks.add_metric([state.state], state.deliveries)
            attempts.add_metric([state.state], state.attempts)
        yield from (webhooks, attempts)


def _worker_families(workers: list[WorkerHeartbeat]) -> Iterator[Metric]:
    last_seen = GaugeMetricFamily(
        "songforge_worker_last_seen_seconds",
        "Seconds since the worker process's last heartbeat",
        labels=["worker", "host", "queues"],
    )
    running = GaugeMetricFamily("songforge_worker_jobs_running", "Jobs the worker is running", labels=["worker"])
    states: Tally[str] = Tally({"alive": 0, "stale": 0})
    for worker in workers:
        last_seen.add_metric([worker.id, worker.host, worker.queues], worker.seconds_since_seen)
        running.add_metric([worker.id], worker.jobs_running)
        states["stale" if worker.stale else "alive"] += 1
    by_state = GaugeMetricFamily(
        "songforge_workers", "Worker processes: alive, or stale (no heartbeat for 3 beats)", labels=["state"]
    )
    for state, count in states.items():
        by_state.add_metric([state], count)
    yield from (last_seen, running, by_state)


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
            self.metrics.requests.record(scope["method"], template, status, time.perf_counter() - started)
