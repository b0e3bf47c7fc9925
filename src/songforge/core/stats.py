"""Counts for /metrics, read at scrape time, and the readiness checks of /readyz."""

from sqlalchemy import func, select

from songforge.core.clock import new_id
from songforge.core.jobs import JOB_KINDS, Queue
from songforge.core.services import Services
from songforge.core.status import TaskStatus
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


def queue_depths(services: Services) -> dict[str, int]:
    """Tasks waiting for a worker (QUEUED), per queue of the job registry; every queue is listed."""
    depths = {queue.value: 0 for queue in Queue}
    with services.db.read_engine.connect() as connection:
        rows = connection.execute(
            select(Task.kind, func.count()).where(Task.status == TaskStatus.QUEUED).group_by(Task.kind)
        )
        for kind, count in rows:
            if kind in JOB_KINDS:
                depths[JOB_KINDS[kind].queue.value] += int(count)
    return depths


def job_durations(services: Services) -> list[tuple[str, str, int, float]]:
    """(kind, status, count, total seconds from start to finish) of the jobs that ran and ended."""
    ran = (Task.status.in_((TaskStatus.SUCCESS, TaskStatus.FAILURE))) & (Task.start_time > 0)
    with services.db.read_engine.connect() as connection:
        rows = connection.execute(
            select(Task.kind, Task.status, func.count(), func.sum(Task.finish_time - Task.start_time))
            .where(ran)
            .group_by(Task.kind, Task.status)
        )
        return [(kind, status, int(count), float(total or 0)) for kind, status, count, total in rows]


def readiness(services: Services) -> dict[str, str]:
    """What this node needs to work, each "ok" or a sentence: the database answers, the blob store takes a file."""
    checks: dict[str, str] = {}
    try:
        with services.db.read_engine.connect() as connection:
            connection.execute(select(1))
        checks["database"] = "ok"
    except Exception as error:  # noqa: BLE001 - a readiness probe reports, it does not raise
        checks["database"] = f"unreachable: {type(error).__name__}"
    probe = f"readyz-{new_id()}"
    try:
        services.blobs.put_bytes(probe, b"ok")
        services.blobs.delete(probe)
        checks["storage"] = "ok"
    except OSError as error:
        checks["storage"] = f"cannot store a file: {error.strerror or type(error).__name__}"
    checks["dispatcher"] = "ok (in-process)"
    return checks
