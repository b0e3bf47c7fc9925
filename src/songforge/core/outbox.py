"""The webhook outbox's rows: claiming due deliveries and recording each attempt's outcome.

core/lifecycle.py writes one row per visible status change, in the same transaction as the change; the
sender (worker/webhooks.py) only delivers them. How a row is sent exactly once per attempt, even with
several senders on one database: a sender claims a due row with a compare-and-swap update that bumps
``attempts`` and pushes ``next_attempt_at`` past the send's time limit (a lease). Only one sender's update
can match the old ``attempts``; a sender that dies mid-send leaves the row to be picked up again when the
lease runs out. The outcome is written with the same compare-and-swap, so a late sender never overwrites a
newer attempt. Per task, events go out in order: a row is only due when no earlier row of the same task is
still pending; a row that failed for good no longer holds the later ones back.
"""

from dataclasses import dataclass

from sqlalchemy import and_, exists, or_, select, update
from sqlalchemy.orm import aliased

from songforge.core.clock import now
from songforge.db.models import ApiKey, WebhookDelivery
from songforge.db.session import Database

PENDING, DELIVERED, FAILED = "pending", "delivered", "failed"
MAX_ERROR_CHARS = 1000


@dataclass(frozen=True)
class DeliveryClaim:
    id: str
    attempt: int  # the attempts value this sender wrote when it claimed the row
    url: str
    event: str
    payload: str
    secret: str | None  # the webhook secret of the key that created the task; None if the key is gone


@dataclass(frozen=True)
class DeliveryOutcome:
    """How an attempt ended: delivered, failed for good, or to be retried at `retry_at`."""

    state: str  # DELIVERED | FAILED | PENDING (retry)
    status_code: int | None
    error: str
    retry_at: float | None = None


def claim_due_deliveries(db: Database, *, limit: int, max_attempts: int, lease_seconds: float) -> list[DeliveryClaim]:
    """Claim up to `limit` due rows (each leased for `lease_seconds`); rows whose attempts ran out while a
    sender died mid-send are marked failed instead."""
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
    claims: list[DeliveryClaim] = []
    with db.session() as session:
        due = session.execute(
            select(row.id, row.attempts, row.url, row.event, row.payload, row.api_key_id)
            .where(row.state == PENDING, row.next_attempt_at <= moment, ~held_back)
            .order_by(row.next_attempt_at, row.created_at)
            .limit(limit)
        ).all()
        for delivery_id, attempts, url, event, payload, api_key_id in due:
            unchanged = (row.id == delivery_id) & (row.state == PENDING) & (row.attempts == attempts)
            if attempts >= max_attempts:
                # Only after a sender died during the last attempt: nothing is left to try.
                error = f"gave up after {attempts} attempts (the last one did not report back)"
                session.execute(update(row).where(unchanged).values(state=FAILED, last_error=error[:MAX_ERROR_CHARS]))
                continue
            taken = session.execute(
                update(row).where(unchanged).values(attempts=attempts + 1, next_attempt_at=moment + lease_seconds)
            )
            if taken.rowcount != 1:  # type: ignore[attr-defined]  # another sender was first
                continue
            secret = session.scalar(select(ApiKey.webhook_secret).where(ApiKey.id == api_key_id))
            claims.append(DeliveryClaim(delivery_id, attempts + 1, url, event, payload, secret))
    return claims


def record_delivery(db: Database, claim: DeliveryClaim, outcome: DeliveryOutcome) -> bool:
    """Store the attempt's outcome; False when the attempt outlived its lease (a newer one owns the row)."""
    row = WebhookDelivery
    values: dict[str, object] = {"last_status_code": outcome.status_code, "last_error": outcome.error[:MAX_ERROR_CHARS]}
    if outcome.state == DELIVERED:
        values.update(state=DELIVERED, delivered_at=now())
    elif outcome.state == FAILED:
        values.update(state=FAILED)
    else:
        values.update(next_attempt_at=outcome.retry_at)
    with db.session() as session:
        result = session.execute(
            update(row).where(row.id == claim.id, row.state == PENDING, row.attempts == claim.attempt).values(**values)
        )
    return bool(result.rowcount == 1)  # type: ignore[attr-defined]
