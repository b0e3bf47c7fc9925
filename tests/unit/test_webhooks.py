"""Webhook delivery against a real SQLite database and a real local HTTP receiver."""

import hashlib
import hmac
import threading
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from sqlalchemy import select, update

from songforge.config import Settings
from songforge.core.clock import new_id, now
from songforge.db.models import Account, ApiKey, Base, WebhookDelivery
from songforge.db.session import Database
from songforge.worker.webhooks import WebhookSender, sign_body

SECRET = "whsec_test_secret"


class Receiver:
    """Records every POST; ``fail_first[path]`` answers 500 that many times before answering 200."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.requests: list[dict] = []
        self.fail_first: dict[str, int] = defaultdict(int)
        self.hits: dict[str, int] = defaultdict(int)

    def handle(self, path: str, headers: dict[str, str], body: bytes) -> int:
        with self.lock:
            self.requests.append({"path": path, "headers": headers, "body": body})
            self.hits[path] += 1
            if path.startswith("/down"):
                return 503
            if self.hits[path] <= self.fail_first[path]:
                return 500
            return 200


@pytest.fixture
def receiver() -> Iterator[tuple[Receiver, str]]:
    state = Receiver()

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: object) -> None:
            pass

        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            status = state.handle(self.path, {k.lower(): v for k, v in self.headers.items()}, body)
            self.send_response(status)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"ok")

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    httpd.daemon_threads = True
    threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
    yield state, f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture
def db(tmp_path: Path) -> Iterator[Database]:
    database = Database(f"sqlite:///{tmp_path / 'songforge.db'}")
    Base.metadata.create_all(database.engine)
    with database.session() as session:
        session.add(Account(id="acct-1", name="test", balance_micros=0, is_admin=False, created_at=now()))
        session.flush()
        session.add(
            ApiKey(
                id="key-1",
                account_id="acct-1",
                name="test key",
                key_hash="0" * 64,
                key_prefix="sk-test",
                webhook_secret=SECRET,
                created_at=now(),
            )
        )
    yield database
    database.dispose()


def make_settings(tmp_path: Path, **overrides: object) -> Settings:
    options: dict[str, object] = {
        "data_dir": tmp_path,
        "allow_private_urls": True,
        "webhook_backoff_seconds": 0.05,
        "webhook_timeout_seconds": 5.0,
        "webhook_max_attempts": 5,
    }
    options.update(overrides)
    return Settings(**options)  # type: ignore[arg-type]


_sequence = iter(range(1, 1_000_000))


def add_delivery(db: Database, url: str, *, task_id: str = "task-1", event: str = "SUCCESS") -> str:
    delivery_id = new_id()
    moment = now() + next(_sequence) * 1e-3  # strictly increasing, as status changes are
    payload = f'{{"task_id":"{task_id}","status":"{event}","data":[{{"title":"caf\\u00e9"}}]}}'
    with db.session() as session:
        session.add(
            WebhookDelivery(
                id=delivery_id,
                task_id=task_id,
                account_id="acct-1",
                api_key_id="key-1",
                url=url,
                event=event,
                payload=payload,
                state="pending",
                attempts=0,
                next_attempt_at=moment - 1,
                created_at=moment,
            )
        )
    return delivery_id


def row(db: Database, delivery_id: str) -> WebhookDelivery:
    with db.session() as session:
        found = session.get(WebhookDelivery, delivery_id)
        assert found is not None
        return found


def deliver_until(senders: list[WebhookSender], done: Callable[[], bool], limit_s: float = 20.0) -> None:
    """Run delivery rounds until ``done`` (the limit only guards against a hang; it is not a speed check)."""
    give_up = time.monotonic() + limit_s
    while not done():
        assert time.monotonic() < give_up, "deliveries did not finish"
        for sender in senders:
            sender.deliver_due()
        time.sleep(0.01)


def test_signature_is_hmac_sha256_of_the_body() -> None:
    expected = hmac.new(b"k", b'{"a":1}', hashlib.sha256).hexdigest()
    assert sign_body("k", b'{"a":1}') == f"sha256={expected}"


def test_delivered_with_valid_signature_and_headers(
    db: Database, receiver: tuple[Receiver, str], tmp_path: Path
) -> None:
    state, base = receiver
    delivery_id = add_delivery(db, f"{base}/hook", event="SUCCESS")
    sender = WebhookSender(db, make_settings(tmp_path))

    assert sender.deliver_due() == 1

    assert len(state.requests) == 1
    request = state.requests[0]
    stored = row(db, delivery_id)
    assert request["body"] == stored.payload.encode()
    headers = request["headers"]
    assert headers["content-type"] == "application/json"
    assert headers["x-songforge-event"] == "SUCCESS"
    assert headers["x-songforge-delivery"] == delivery_id
    digest = hmac.new(SECRET.encode(), request["body"], hashlib.sha256).hexdigest()
    assert hmac.compare_digest(headers["x-songforge-signature"], f"sha256={digest}")
    assert stored.state == "delivered"
    assert stored.attempts == 1
    assert stored.last_status_code == 200
    assert stored.delivered_at is not None
    assert sender.deliver_due() == 0  # nothing is sent twice


def test_receiver_failing_twice_gets_the_event_on_attempt_three(
    db: Database, receiver: tuple[Receiver, str], tmp_path: Path
) -> None:
    state, base = receiver
    state.fail_first["/flaky"] = 2
    delivery_id = add_delivery(db, f"{base}/flaky")
    sender = WebhookSender(db, make_settings(tmp_path))

    assert sender.deliver_due() == 1
    first = row(db, delivery_id)
    assert (first.state, first.attempts, first.last_status_code) == ("pending", 1, 500)
    assert first.last_error == "the receiver answered 500"
    assert first.next_attempt_at > now() - 0.01  # a retry is scheduled, not immediate

    deliver_until([sender], lambda: row(db, delivery_id).state != "pending")

    final = row(db, delivery_id)
    assert (final.state, final.attempts, final.last_status_code) == ("delivered", 3, 200)
    assert final.last_error == ""
    assert [r["headers"]["x-songforge-delivery"] for r in state.requests] == [delivery_id] * 3


def test_events_of_one_task_stay_in_order_while_an_earlier_one_retries(
    db: Database, receiver: tuple[Receiver, str], tmp_path: Path
) -> None:
    state, base = receiver
    state.fail_first["/slow-task"] = 2
    ids = [
        add_delivery(db, f"{base}/slow-task", task_id="task-A", event=event)
        for event in ("QUEUED", "IN_PROGRESS", "SUCCESS")
    ]
    other = add_delivery(db, f"{base}/other", task_id="task-B", event="SUCCESS")
    sender = WebhookSender(db, make_settings(tmp_path))

    sender.deliver_due()
    # Another task is not held back by task A's retries; task A's later events are.
    assert row(db, other).state == "delivered"
    assert [row(db, i).attempts for i in ids] == [1, 0, 0]

    deliver_until([sender], lambda: all(row(db, i).state == "delivered" for i in ids))

    seen = [r["headers"]["x-songforge-event"] for r in state.requests if r["path"] == "/slow-task"]
    assert seen == ["QUEUED", "QUEUED", "QUEUED", "IN_PROGRESS", "SUCCESS"]


def test_an_event_that_failed_for_good_no_longer_holds_back_later_ones(
    db: Database, receiver: tuple[Receiver, str], tmp_path: Path
) -> None:
    state, base = receiver
    first = add_delivery(db, f"{base}/down", task_id="task-A", event="IN_PROGRESS")
    second = add_delivery(db, f"{base}/hook", task_id="task-A", event="SUCCESS")
    sender = WebhookSender(db, make_settings(tmp_path, webhook_max_attempts=2))

    deliver_until([sender], lambda: row(db, second).state != "pending")

    assert row(db, first).state == "failed"
    assert row(db, second).state == "delivered"
    assert [r["path"] for r in state.requests] == ["/down", "/down", "/hook"]


def test_gives_up_after_max_attempts_and_records_the_error(
    db: Database, receiver: tuple[Receiver, str], tmp_path: Path
) -> None:
    state, base = receiver
    delivery_id = add_delivery(db, f"{base}/down")
    sender = WebhookSender(db, make_settings(tmp_path, webhook_max_attempts=3))

    deliver_until([sender], lambda: row(db, delivery_id).state != "pending")

    final = row(db, delivery_id)
    assert final.state == "failed"
    assert final.attempts == 3
    assert final.last_status_code == 503
    assert final.last_error == "the receiver answered 503"
    assert final.delivered_at is None
    assert len(state.requests) == 3
    assert sender.deliver_due() == 0


def test_unreachable_receiver_records_the_network_error(db: Database, tmp_path: Path) -> None:
    with socket_closed_port() as port:
        delivery_id = add_delivery(db, f"http://127.0.0.1:{port}/hook")
    sender = WebhookSender(db, make_settings(tmp_path, webhook_max_attempts=1))

    sender.deliver_due()

    final = row(db, delivery_id)
    assert final.state == "failed"
    assert final.last_status_code is None
    assert "could not connect to 127.0.0.1" in final.last_error


def test_private_url_is_refused_and_recorded(db: Database, receiver: tuple[Receiver, str], tmp_path: Path) -> None:
    state, base = receiver
    delivery_id = add_delivery(db, f"{base}/hook")
    sender = WebhookSender(db, make_settings(tmp_path, allow_private_urls=False))

    assert sender.deliver_due() == 1

    final = row(db, delivery_id)
    assert final.state == "failed"  # a refusal is final: retrying cannot change the answer
    assert final.attempts == 1
    assert "loopback address (127.0.0.1)" in final.last_error
    assert "SONGFORGE_ALLOW_PRIVATE_URLS" in final.last_error
    assert state.requests == []


def test_two_senders_never_send_the_same_attempt_twice(
    db: Database, receiver: tuple[Receiver, str], tmp_path: Path
) -> None:
    state, base = receiver
    ids = [
        add_delivery(db, f"{base}/hook", task_id=f"task-{t}", event=e)
        for e in ("QUEUED", "IN_PROGRESS", "SUCCESS")
        for t in range(8)
    ]
    settings = make_settings(tmp_path)
    other_db = Database(db.url)  # a second process: its own engine and connections
    senders = [WebhookSender(one, settings, poll_interval_s=0.05) for one in (db, other_db)]
    stop = threading.Event()
    threads = [threading.Thread(target=s.run, args=(stop,), daemon=True) for s in senders]
    for thread in threads:
        thread.start()
    try:
        give_up = time.monotonic() + 30
        while not all(row(db, i).state == "delivered" for i in ids):
            assert time.monotonic() < give_up, "deliveries did not finish"
            time.sleep(0.02)
    finally:
        stop.set()
        for thread in threads:
            thread.join(5)
        other_db.dispose()

    delivered = [r["headers"]["x-songforge-delivery"] for r in state.requests]
    assert sorted(delivered) == sorted(ids)  # each exactly once
    for t in range(8):
        events = [r["headers"]["x-songforge-event"] for r in state.requests if f'"task-{t}"' in r["body"].decode()]
        assert events == ["QUEUED", "IN_PROGRESS", "SUCCESS"]


def test_a_claim_lost_in_a_crash_is_retried_after_its_lease(
    db: Database, receiver: tuple[Receiver, str], tmp_path: Path
) -> None:
    state, base = receiver
    delivery_id = add_delivery(db, f"{base}/hook")
    crashed = WebhookSender(db, make_settings(tmp_path))
    assert len(crashed._claim(10)) == 1  # claimed, then the process "died" before sending

    restarted = WebhookSender(db, make_settings(tmp_path))
    assert restarted.deliver_due() == 0  # still leased to the dead sender
    with db.session() as session:  # the lease runs out
        session.execute(update(WebhookDelivery).values(next_attempt_at=now() - 1))
    assert restarted.deliver_due() == 1

    final = row(db, delivery_id)
    assert (final.state, final.attempts) == ("delivered", 2)
    assert len(state.requests) == 1


def test_run_loop_delivers_when_woken_and_stops(db: Database, receiver: tuple[Receiver, str], tmp_path: Path) -> None:
    _, base = receiver
    sender = WebhookSender(db, make_settings(tmp_path), poll_interval_s=30.0)  # only a wake gets it going soon
    stop = threading.Event()
    thread = threading.Thread(target=sender.run, args=(stop,), daemon=True)
    thread.start()
    time.sleep(0.05)
    delivery_id = add_delivery(db, f"{base}/hook")
    sender.wake()
    give_up = time.monotonic() + 10
    while row(db, delivery_id).state != "delivered":
        assert time.monotonic() < give_up, "wake() did not start a delivery round"
        time.sleep(0.02)
    stop.set()
    sender.wake()
    thread.join(5)
    assert not thread.is_alive()
    with db.session() as session:
        assert session.scalars(select(WebhookDelivery.state)).all() == ["delivered"]


class socket_closed_port:
    """A local port with nothing listening on it."""

    def __enter__(self) -> int:
        import socket

        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        port: int = self.sock.getsockname()[1]
        return port

    def __exit__(self, *exc: object) -> None:
        self.sock.close()
