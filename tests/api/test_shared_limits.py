"""API nodes that share a broker share per-key rate limits and request metrics through Redis (a real
redis-server on loopback), and a Redis that is away neither takes the API down nor loses counts. /readyz and
`songforge doctor` name the broker and the store a node depends on, and what is wrong with them.
"""

import logging
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from songforge.api.app import create_app, fleet_redis
from songforge.api.metrics import FleetRequestMetrics
from songforge.api.ratelimit import RedisTokenBuckets, parse_rate
from songforge.config import Settings
from songforge.doctor import _broker, _store
from tests.conftest import auth, key_maker, test_settings
from tests.integration.moto_server import MotoServer, moto_with_credentials
from tests.integration.redis_server import RedisServer
from tests.integration.server_process import free_port

pytestmark = pytest.mark.integration

UNKNOWN_TASK = "/suno/fetch/00000000-0000-4000-8000-000000000000"


@pytest.fixture
def redis_server(tmp_path: Path) -> Iterator[RedisServer]:
    server = RedisServer(tmp_path / "redis").start()
    try:
        yield server
    finally:
        server.stop()


def node_settings(data_dir: Path, broker_url: str) -> Settings:
    """An API-only node of a fleet (jobs would run on worker nodes)."""
    return test_settings(data_dir, broker_url=broker_url, workers=0)


@pytest.fixture
def two_nodes(tmp_path: Path, redis_server: RedisServer) -> Iterator[tuple[TestClient, TestClient]]:
    """Two API nodes on one database and one broker."""
    settings = node_settings(tmp_path / "data", redis_server.url)
    with TestClient(create_app(settings)) as first, TestClient(create_app(settings)) as second:
        yield first, second


def healthz_requests(scrape: str) -> float:
    return sum(
        float(line.rsplit(" ", 1)[1])
        for line in scrape.splitlines()
        if line.startswith("songforge_http_requests_total{") and 'route="/healthz"' in line
    )


def test_the_second_node_refuses_a_key_the_first_used_up(two_nodes: tuple[TestClient, TestClient]) -> None:
    first, second = two_nodes
    key = key_maker(first)(1.0, rate_limit="4/minute")
    on_first = [first.get(UNKNOWN_TASK, headers=auth(key)).json()["code"] for _ in range(4)]
    on_second = second.get(UNKNOWN_TASK, headers=auth(key))
    assert on_first == ["task_not_exist"] * 4, "served (the task is just unknown)"
    assert on_second.status_code == 429, on_second.text
    assert on_second.json()["code"] == "rate_limited"
    other = key_maker(first)(1.0, rate_limit="4/minute")
    assert second.get(UNKNOWN_TASK, headers=auth(other)).json()["code"] == "task_not_exist", "a bucket per key"


def test_request_counts_and_latency_of_two_nodes_add_up(two_nodes: tuple[TestClient, TestClient]) -> None:
    first, second = two_nodes
    for _ in range(5):
        assert first.get("/healthz").status_code == 200
    for _ in range(7):
        assert second.get("/healthz").status_code == 200
    deadline = time.monotonic() + 10  # the second node sends its counts within about a second
    scrape = first.get("/metrics").text
    while healthz_requests(scrape) < 12 and time.monotonic() < deadline:
        time.sleep(0.2)
        scrape = first.get("/metrics").text
    assert healthz_requests(scrape) == 12, scrape
    assert "# TYPE songforge_http_requests_total counter" in scrape
    assert 'songforge_http_request_duration_seconds_count{route="/healthz"} 12.0' in scrape
    assert 'songforge_http_request_duration_seconds_bucket{le="+Inf",route="/healthz"} 12.0' in scrape
    assert healthz_requests(second.get("/metrics").text) == 12, "every node answers for the fleet"


def test_readyz_names_an_unreachable_broker_and_the_api_still_serves(tmp_path: Path) -> None:
    dead_broker = f"redis://127.0.0.1:{free_port()}/0"
    with TestClient(create_app(node_settings(tmp_path / "data", dead_broker))) as client:
        ready = client.get("/readyz")
        key = key_maker(client)(1.0, rate_limit="1/minute")
        started = time.monotonic()
        codes = [client.get(UNKNOWN_TASK, headers=auth(key)).json()["code"] for _ in range(3)]
        elapsed = time.monotonic() - started
        scrape = client.get("/metrics")
    assert ready.status_code == 503
    checks = ready.json()["checks"]
    assert checks["database"] == "ok" and checks["storage"] == "ok"
    assert "does not answer" in checks["broker"] and "127.0.0.1" in checks["broker"], checks
    assert codes == ["task_not_exist"] * 3, "rate limiting fails open while Redis is away"
    assert elapsed < 3, f"three requests took {elapsed:.1f} s with Redis away"
    assert scrape.status_code == 200 and "songforge_queue_depth" in scrape.text


def test_readyz_reports_a_broker_that_answers(two_nodes: tuple[TestClient, TestClient]) -> None:
    response = two_nodes[0].get("/readyz")
    assert response.status_code == 200, response.text
    assert response.json()["checks"]["broker"].startswith("ok")


def test_redis_buckets_refill_and_expire_once_full(redis_server: RedisServer) -> None:
    client = redis_server.client()
    limiter = RedisTokenBuckets(fleet_redis(redis_server.url))
    rate = parse_rate("4/second")
    assert [limiter.hit(rate, "key") for _ in range(6)] == [True] * 4 + [False] * 2
    assert 0 < client.pttl("songforge:ratelimit:key") <= 1001, "the bucket expires when it would be full"
    time.sleep(0.6)  # 4/second refills at least 2 tokens
    assert sum(limiter.hit(rate, "key") for _ in range(4)) >= 2
    time.sleep(1.1)
    assert not client.exists("songforge:ratelimit:key"), "a full bucket is no bucket"


def test_nodes_hitting_one_key_at_once_get_exactly_the_limit(redis_server: RedisServer) -> None:
    limiters = [RedisTokenBuckets(fleet_redis(redis_server.url)) for _ in range(2)]
    rate = parse_rate("50/hour")
    allowed: list[int] = []

    def hammer(limiter: RedisTokenBuckets) -> None:
        allowed.append(sum(limiter.hit(rate, "shared") for _ in range(40)))

    threads = [threading.Thread(target=hammer, args=(limiter,)) for limiter in limiters * 2]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert sum(allowed) == 50, allowed


def test_a_redis_that_goes_away_lets_requests_through_quickly(
    redis_server: RedisServer, caplog: pytest.LogCaptureFixture
) -> None:
    limiter = RedisTokenBuckets(fleet_redis(redis_server.url))
    rate = parse_rate("1/minute")
    assert limiter.hit(rate, "key") and not limiter.hit(rate, "key")
    redis_server.kill()
    started = time.monotonic()
    with caplog.at_level(logging.WARNING, logger="songforge"):
        assert all(limiter.hit(rate, "key") for _ in range(20))
    assert time.monotonic() - started < 1.0
    warnings = [record for record in caplog.records if "rate limits are off" in record.message]
    assert len(warnings) == 1, "one warning per outage, not one per request"


def test_request_counts_wait_while_redis_is_away(redis_server: RedisServer) -> None:
    metrics = FleetRequestMetrics(fleet_redis(redis_server.url), flush_seconds=3600)
    try:
        metrics.record("GET", "/healthz", 200, 0.002)
        redis_server.stop()
        metrics.flush()  # refused: the count stays here
        metrics.record("GET", "/healthz", 200, 0.002)
        redis_server.start()
        metrics.flush()
        stored = redis_server.client().hgetall("songforge:http:requests")
    finally:
        metrics.close()
    assert stored == {b'["GET","/healthz","200"]': b"2"}


# ------------------------------------------------------------------------------- readiness and doctor rows


@pytest.fixture
def stoppable_moto() -> Iterator[MotoServer]:
    """A server of this test's own: the test stops it."""
    with moto_with_credentials() as server:
        yield server


def test_readyz_says_why_an_s3_store_that_went_down_takes_no_files(tmp_path: Path, stoppable_moto: MotoServer) -> None:
    moto = stoppable_moto
    settings = test_settings(
        tmp_path / "data", workers=0, storage_url=moto.storage_url("clips"), s3_endpoint_url=moto.endpoint_url
    )
    with TestClient(create_app(settings)) as client:
        assert client.get("/readyz").json()["checks"]["storage"] == "ok"
        moto.stop()
        response = client.get("/readyz")
    assert response.status_code == 503
    storage = response.json()["checks"]["storage"]
    assert storage.startswith("cannot store a file: S3 could not"), storage
    assert "Traceback" not in storage


def test_doctor_names_the_broker(tmp_path: Path, redis_server: RedisServer) -> None:
    unset = _broker(Settings(data_dir=tmp_path))
    assert (unset.ok, unset.required, unset.detail) == (True, False, "not configured (jobs run in this server)")
    working = _broker(Settings(data_dir=tmp_path, broker_url=redis_server.url))
    assert working.ok and working.detail == f"ok redis://127.0.0.1:{redis_server.port}/0"
    redis_server.kill()
    dead = _broker(Settings(data_dir=tmp_path, broker_url=redis_server.url))
    assert not dead.ok and dead.required and "does not answer" in dead.detail, dead.detail


def test_doctor_names_the_store(tmp_path: Path, moto: MotoServer) -> None:
    local = _store(Settings(data_dir=tmp_path))
    assert local.ok and not local.required and local.detail == f"local disk {(tmp_path / 'blobs').resolve()}"
    s3 = Settings(data_dir=tmp_path, storage_url=moto.storage_url("clips"), s3_endpoint_url=moto.endpoint_url)
    assert _store(s3).detail == f"s3://{moto.bucket}/clips at {moto.endpoint_url}: ok"
    missing = _store(s3.model_copy(update={"storage_url": "s3://no-such-bucket/clips"}))
    assert not missing.ok and missing.required
    assert missing.detail.startswith(f"s3://no-such-bucket/clips at {moto.endpoint_url}: the S3 bucket"), missing.detail
