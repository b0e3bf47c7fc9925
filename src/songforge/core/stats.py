"""Counts for /metrics, read at scrape time."""

from sqlalchemy import func, select

from songforge.core.services import Services
from songforge.db.models import Task, WebhookDelivery


def task_counts(services: Services) -> list[tuple[str, str, int]]:
    """(kind, status, count) over all tasks."""
    with services.db.read_engine.connect() as connection:
        rows = connection.execute(select(Task.kind, Task.status, func.count()).group_by(Task.kind, Task.status))
        return [(kind, status, int(count)) for kind, status, count in rows]


def webhook_counts(services: Services) -> list[tuple[str, int]]:
    """(state, count) over all webhook deliveries."""
    with services.db.read_engine.connect() as connection:
        rows = connection.execute(select(WebhookDelivery.state, func.count()).group_by(WebhookDelivery.state))
        return [(state, int(count)) for state, count in rows]
