"""Webhook delivery (Part A §13): sends the rows of the outbox that the task state machine wrote.

Everything the sender knows lives in those rows (core/outbox.py: claiming, leases, per-task order), so a
restart loses nothing; this module only signs, posts and decides what an answer means.
"""

import hashlib
import hmac
import logging
import random
import threading
from concurrent.futures import ThreadPoolExecutor

from songforge.config import Settings
from songforge.core.clock import now
from songforge.core.outbox import (
    DELIVERED,
    FAILED,
    PENDING,
    DeliveryClaim,
    DeliveryOutcome,
    claim_due_deliveries,
    record_delivery,
)
from songforge.core.services import Database
from songforge.net import FetchFailed, UrlRefused, post_json

log = logging.getLogger(__name__)

USER_AGENT = "songforge-webhooks/0.1"


def sign_body(secret: str, body: bytes) -> str:
    """The X-Songforge-Signature value: ``sha256=`` + hex HMAC-SHA256 of the exact body bytes."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


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
            with ThreadPoolExecutor(
                min(self.concurrency, len(claims)),
                thread_name_prefix="webhook",
                initializer=self.db.mark_background_thread,
            ) as pool:
                list(pool.map(self._send, claims))
        return len(claims)

    def _claim(self, limit: int) -> list[DeliveryClaim]:
        return claim_due_deliveries(
            self.db, limit=limit, max_attempts=self.settings.webhook_max_attempts, lease_seconds=self.lease_seconds
        )

    def _send(self, claim: DeliveryClaim) -> None:
        if claim.secret is None:
            error = "the API key that created the task no longer exists"
            self._record(claim, status_code=None, error=error, permanent=True)
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

    def _record(
        self, claim: DeliveryClaim, *, status_code: int | None, error: str | None, permanent: bool = False
    ) -> None:
        if error is None:
            outcome = DeliveryOutcome(DELIVERED, status_code, "")
        elif permanent or claim.attempt >= self.settings.webhook_max_attempts:
            outcome = DeliveryOutcome(FAILED, status_code, error)
        else:
            delay = self.settings.webhook_backoff_seconds * 2 ** (claim.attempt - 1)
            outcome = DeliveryOutcome(PENDING, status_code, error, retry_at=now() + delay * random.uniform(1.0, 1.1))  # noqa: S311 - jitter
        if not record_delivery(self.db, claim, outcome):
            log.warning("webhook %s: attempt %d outlived its lease; result not recorded", claim.id, claim.attempt)
        elif error is not None:
            log.info("webhook %s attempt %d to %s: %s", claim.id, claim.attempt, claim.url, error)
        if outcome.state != PENDING:
            self.wake()  # the task's next event may be due now
