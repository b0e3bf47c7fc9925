"""Webhook delivery (Part A §13): sends the WebhookDelivery rows that the task state machine wrote.

The rows are an outbox: core/lifecycle.py writes one in the same transaction as each status change, and
this sender only delivers them. Everything it knows lives in those rows, so a restart loses nothing.

How a row is sent exactly once per attempt, even with several senders on one database: a sender claims
a due row with a compare-and-swap update that bumps ``attempts`` and pushes ``next_attempt_at`` past the
send's time limit (a lease). Only one sender's update can match the old ``attempts``; a sender that dies
mid-send leaves the row to be picked up again when the lease runs out. The result is written with the same
compare-and-swap, so a late sender never overwrites a newer attempt.

Per task, events arrive in order: a row is only due when no earlier row of the same task is still pending
(sending or waiting to retry). A row that failed for good no longer holds the later ones back.
"""

import hashlib
import hmac
import logging
import random
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from sqlalchemy import and_, exists, or_, select, update
from sqlalchemy.orm import aliased

from songforge.config import Settings
from songforge.core.clock import now
from songforge.db.models import ApiKey, WebhookDelivery
from songforge.db.session import Database
from songforge.net import FetchFailed, UrlRefused, post_json

log = logging.getLogger(__name__)

PENDING, DELIVERED, FAILED = "pending", "delivered", "failed"
USER_AGENT = "songforge-webhooks/0.1"
_MAX_ERROR_CHARS = 1000


def sign_body(secret: str, body: bytes) -> str:
    """The X-Songforge-Signature value: ``sha256=`` + hex HMAC-SHA256 of the exact body bytes."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


@dataclass(frozen=True)
class _Claim:
    id: str
    attempt: int  # the attempts value this sender wrote when it claimed the row
    url: str
    event: str
    payload: str
    secret: str | None


class WebhookSender:
    """Delivers due webhook rows; ``run`` in a thread of its own so that no task ever waits on a receiver."""

    def __init__(
        self,
        db: Database,
        settings: Settings,
        *,
        poll_interval_s: float = 0.5,
        concurrency: int = 8,
    ) -> None:
        self.db = db
        self.settings = settings
        self.poll_interval_s = poll_interval_s
        self.concurrency = max(1, concurrency)
        self._wake = threading.Event()

    @property
    def lease_seconds(self) -> float:
        # Longer than one send can take (DNS + connect + answer all fit in the timeout), with room to spare.
        return 2 * self.settings.webhook_timeout_seconds + 30.0

    def wake(self) -> None:
        """Nudge the running loop to look for due rows now (e.g. right after a status change)."""
        self._wake.set()

    def run(self, stop: threading.Event) -> None:
        """Deliver until ``stop`` is set; errors are logged and the loop goes on."""
        while not stop.is_set():
            sent = 0
            try:
                sent = self.deliver_due()
            except Exception:  # a database hiccup must not end the loop
                log.exception("webhook delivery round failed")
            if sent:
                continue  # there may be more due right away (a batch limit, or the next event of a task)
            self._wake.wait(self.poll_interval_s)
            self._wake.clear()

    def deliver_due(self, limit: int = 50) -> int:
        """Claim up to ``limit`` due rows and send them; returns how many were attempted."""
        claims = self._claim(limit)
        if not claims:
            return 0
        if len(claims) == 1:
            self._send(claims[0])
        else:
            with ThreadPoolExecutor(min(self.concurrency, len(claims)), thread_name_prefix="webhook") as pool:
                list(pool.map(self._send, claims))
        return len(claims)

    def _claim(self, limit: int) -> list[_Claim]:
        moment = now()
        row = WebhookDelivery
        earlier = aliased(WebhookDelivery)
        held_back = exists().where(
            earlier.task_id == row.task_id,
            earlier.state == PENDING,
            or_(
                earlier.created_at < row.created_at,
                and_(earlier.created_at == row.created_at, earlier.id < row.id),
            ),
        )
        claims: list[_Claim] = []
        with self.db.session() as session:
            due = session.execute(
                select(row.id, row.attempts, row.url, row.event, row.payload, row.api_key_id)
                .where(row.state == PENDING, row.next_attempt_at <= moment, ~held_back)
                .order_by(row.next_attempt_at, row.created_at)
                .limit(limit)
            ).all()
            for delivery_id, attempts, url, event, payload, api_key_id in due:
                if attempts >= self.settings.webhook_max_attempts:
                    # Only after a sender died during the last attempt: nothing is left to try.
                    session.execute(
                        update(row)
                        .where(row.id == delivery_id, row.state == PENDING, row.attempts == attempts)
                        .values(
                            state=FAILED,
                            last_error=_clip(
                                f"gave up after {attempts} attempts (the last one did not report back)"
                            ),
                        )
                    )
                    continue
                taken = session.execute(
                    update(row)
                    .where(row.id == delivery_id, row.state == PENDING, row.attempts == attempts)
                    .values(attempts=attempts + 1, next_attempt_at=moment + self.lease_seconds)
                )
                if taken.rowcount != 1:  # type: ignore[attr-defined]  # another sender was first
                    continue
                secret = session.scalar(select(ApiKey.webhook_secret).where(ApiKey.id == api_key_id))
                claims.append(_Claim(delivery_id, attempts + 1, url, event, payload, secret))
        return claims

    def _send(self, claim: _Claim) -> None:
        if claim.secret is None:
            self._record(claim, status_code=None, error="the API key that created the task no longer exists",
                         permanent=True)
            return
        body = claim.payload.encode()
        headers = {
            "User-Agent": USER_AGENT,
            "X-Songforge-Event": claim.event,
            "X-Songforge-Delivery": claim.id,
            "X-Songforge-Signature": sign_body(claim.secret, body),
        }
        try:
            status = post_json(
                claim.url,
                body,
                headers,
                timeout_s=self.settings.webhook_timeout_seconds,
                allow_private=self.settings.allow_private_urls,
            )
        except UrlRefused as exc:
            self._record(claim, status_code=None, error=str(exc), permanent=True)
        except FetchFailed as exc:
            self._record(claim, status_code=None, error=str(exc))
        except Exception as exc:  # never let one receiver break the round
            log.exception("webhook %s to %s failed unexpectedly", claim.id, claim.url)
            self._record(claim, status_code=None, error=f"unexpected error: {exc}")
        else:
            if 200 <= status < 300:
                self._record(claim, status_code=status, error=None)
            else:
                self._record(claim, status_code=status, error=f"the receiver answered {status}")

    def _record(self, claim: _Claim, *, status_code: int | None, error: str | None, permanent: bool = False) -> None:
        moment = now()
        row = WebhookDelivery
        values: dict[str, object] = {"last_status_code": status_code}
        if error is None:
            values.update(state=DELIVERED, delivered_at=moment, last_error="")
        elif permanent or claim.attempt >= self.settings.webhook_max_attempts:
            values.update(state=FAILED, last_error=_clip(error))
        else:
            delay = self.settings.webhook_backoff_seconds * 2 ** (claim.attempt - 1)
            values.update(next_attempt_at=moment + delay * random.uniform(1.0, 1.1), last_error=_clip(error))
        with self.db.session() as session:
            result = session.execute(
                update(row)
                .where(row.id == claim.id, row.state == PENDING, row.attempts == claim.attempt)
                .values(**values)
            )
        if result.rowcount != 1:  # type: ignore[attr-defined]
            log.warning("webhook %s: attempt %d outlived its lease; result not recorded", claim.id, claim.attempt)
        elif error is not None:
            log.info("webhook %s attempt %d to %s: %s", claim.id, claim.attempt, claim.url, error)
        if error is None or values.get("state") == FAILED:
            self.wake()  # the task's next event may be due now


def _clip(text: str) -> str:
    return text[:_MAX_ERROR_CHARS]
