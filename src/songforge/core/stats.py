"""What /metrics reports for the whole fleet, read from the database at scrape time, and the checks of /readyz.

The database is shared by every node, so any API node answers a scrape for all of them; nothing here is
per-process state.
"""

import re
from dataclasses import dataclass

from sqlalchemy import JSON, ColumnElement, Connection, case, cast, func, select, type_coerce

from songforge.core.clock import new_id, now
from songforge.core.fleet import BEAT_SECONDS
from songforge.core.jobs import JOB_KINDS, Queue
from songforge.core.services import Services
from songforge.core.status import TaskStatus
from songforge.db.models import Clip, Task, WebhookDelivery, WorkerProcess
from songforge.storage.base import BlobStore

# Upper bounds (seconds) of the job duration histogram: from a lyrics job to a long separation.
DURATION_BUCKETS = (1.0, 5.0, 15.0, 30.0, 60.0, 120.0, 300.0, 600.0, 1800.0, 3600.0)
# Three missed beats and a worker is presumed gone.
STALE_AFTER_SECONDS = 3 * BEAT_SECONDS
# A failed task's `error_type` comes from code (JobFailed), but it is read from stored JSON: anything not
# shaped like one becomes "other", and a task without clips (lyrics) "unknown", so labels stay bounded.
_REASON_SHAPE = re.compile(r"[a-z][a-z0-9_]{0,47}")
UNKNOWN_REASON = "unknown"
OTHER_REASON = "other"


@dataclass(frozen=True)
class TaskCount:
    kind: str
    status: str
    count: int
    started: int  # of those, how many a worker ever started (start_time > 0)


@dataclass(frozen=True)
class EndedJobs:
    kind: str
    status: str
    count: int
    total_seconds: float


@dataclass(frozen=True)
class FailedJobs:
    kind: str
    reason: str
    count: int


@dataclass(frozen=True)
class DurationHistogram:
    """Jobs of one kind that ran and ended: how many took at most each of DURATION_BUCKETS (cumulative)."""

    kind: str
    at_most: tuple[int, ...]
    count: int
    total_seconds: float


@dataclass(frozen=True)
class WebhookState:
    state: str
    deliveries: int
    attempts: int


@dataclass(frozen=True)
class WorkerHeartbeat:
    id: str
    host: str
    queues: str
    seconds_since_seen: float
    jobs_running: int

    @property
    def stale(self) -> bool:
        return self.seconds_since_seen > STALE_AFTER_SECONDS


@dataclass(frozen=True)
class FleetStats:
    tasks: list[TaskCount]
    queue_depths: dict[str, int]
    ended: list[EndedJobs]
    failed: list[FailedJobs]
    durations: list[DurationHistogram]
    webhooks: list[WebhookState]
    workers: list[WorkerHeartbeat]


def fleet_stats(services: Services) -> FleetStats:
    """Everything /metrics reads from the database, on one connection."""
    with services.db.read_engine.connect() as connection:
        tasks = _task_counts(connection)
        return FleetStats(
            tasks=tasks,
            queue_depths=_queue_depths(services, tasks),
            ended=_ended_jobs(connection),
            failed=_failed_jobs(connection),
            durations=_duration_histograms(connection),
            webhooks=_webhook_states(connection),
            workers=_worker_heartbeats(connection),
        )


def task_counts(services: Services) -> list[tuple[str, str, int]]:
    """(kind, status, count) over all tasks."""
    with services.db.read_engine.connect() as connection:
        return [(row.kind, row.status, row.count) for row in _task_counts(connection)]


def _task_counts(connection: Connection) -> list[TaskCount]:
    started = func.sum(case((Task.start_time > 0, 1), else_=0))
    rows = connection.execute(select(Task.kind, Task.status, func.count(), started).group_by(Task.kind, Task.status))
    return [TaskCount(kind, status, int(count), int(ran or 0)) for kind, status, count, ran in rows]


def _queue_depths(services: Services, tasks: list[TaskCount]) -> dict[str, int]:
    """Tasks waiting for a worker (QUEUED), per queue of the job registry; every queue is listed."""
    depths = {queue.value: 0 for queue in Queue}
    for row in tasks:
        if row.status == TaskStatus.QUEUED and row.kind in JOB_KINDS:
            depths[JOB_KINDS[row.kind].queue_for(services.settings).value] += row.count
    return depths


def _ran_and_ended() -> ColumnElement[bool]:
    return Task.status.in_((TaskStatus.SUCCESS, TaskStatus.FAILURE)) & (Task.start_time > 0)


def _ended_jobs(connection: Connection) -> list[EndedJobs]:
    rows = connection.execute(
        select(Task.kind, Task.status, func.count(), func.sum(Task.finish_time - Task.start_time))
        .where(_ran_and_ended())
        .group_by(Task.kind, Task.status)
    )
    return [EndedJobs(kind, status, int(count), float(total or 0)) for kind, status, count, total in rows]


def _duration_histograms(connection: Connection) -> list[DurationHistogram]:
    """One grouped query: a SUM(CASE …) per bucket bound gives the cumulative counts directly."""
    seconds = Task.finish_time - Task.start_time
    at_most = [func.sum(case((seconds <= bound, 1), else_=0)) for bound in DURATION_BUCKETS]
    rows = connection.execute(
        select(Task.kind, func.count(), func.sum(seconds), *at_most).where(_ran_and_ended()).group_by(Task.kind)
    )
    return [
        DurationHistogram(kind, tuple(int(value or 0) for value in buckets), int(count), float(total or 0))
        for kind, count, total, *buckets in rows
    ]


def _failed_jobs(connection: Connection) -> list[FailedJobs]:
    """Failed tasks by kind and the `error_type` fail_task wrote into their clips (the first clip's)."""
    error_type = _stored_error_type(connection)
    rows = connection.execute(
        select(Task.kind, error_type, func.count())
        .select_from(Task)
        .outerjoin(Clip, (Clip.task_id == Task.id) & (Clip.position == 0))
        .where(Task.status == TaskStatus.FAILURE)
        .group_by(Task.kind, error_type)
    )
    counts: dict[tuple[str, str], int] = {}
    for kind, stored, count in rows:
        label = (kind, reason_label(stored))
        counts[label] = counts.get(label, 0) + int(count)
    return [FailedJobs(kind, reason, count) for (kind, reason), count in counts.items()]


def reason_label(stored: str | None) -> str:
    """A stored error type as a metric label: itself when it looks like one, else a fixed word."""
    if not stored:
        return UNKNOWN_REASON
    return stored if _REASON_SHAPE.fullmatch(stored) else OTHER_REASON


def _stored_error_type(connection: Connection) -> ColumnElement[str]:
    """The clip JSON's metadata.error_type. PostgreSQL needs the text cast to json before `#>>`; SQLite's
    JSON_EXTRACT reads the text as it is (a CAST there would give it numeric affinity: 0)."""
    as_json = type_coerce(Clip.data_json, JSON) if connection.dialect.name == "sqlite" else cast(Clip.data_json, JSON)
    value: ColumnElement[str] = as_json[("metadata", "error_type")].as_string()
    return value


def _webhook_states(connection: Connection) -> list[WebhookState]:
    rows = connection.execute(
        select(WebhookDelivery.state, func.count(), func.sum(WebhookDelivery.attempts)).group_by(WebhookDelivery.state)
    )
    return [WebhookState(state, int(count), int(attempts or 0)) for state, count, attempts in rows]


def _worker_heartbeats(connection: Connection) -> list[WorkerHeartbeat]:
    moment = now()
    rows = connection.execute(
        select(
            WorkerProcess.id,
            WorkerProcess.host,
            WorkerProcess.queues,
            WorkerProcess.last_seen_at,
            WorkerProcess.jobs_running,
        ).order_by(WorkerProcess.id)
    )
    return [
        WorkerHeartbeat(worker_id, host, queues, max(moment - last_seen, 0.0), int(running))
        for worker_id, host, queues, last_seen, running in rows
    ]


def readiness(services: Services) -> dict[str, str]:
    """What this node needs to work, each "ok…" or a sentence: the database answers, the broker takes
    messages, the blob store takes a file."""
    checks: dict[str, str] = {}
    try:
        with services.db.read_engine.connect() as connection:
            connection.execute(select(1))
        checks["database"] = "ok"
    except Exception as error:  # noqa: BLE001 - a readiness probe reports, it does not raise
        checks["database"] = f"unreachable: {type(error).__name__}"
    try:
        checks["broker"] = services.dispatcher.health()
    except Exception as error:  # noqa: BLE001 - health() should not raise; if it does, it is still a report
        checks["broker"] = f"unreachable: {type(error).__name__}"
    checks["storage"] = probe_store(services.blobs)
    return checks


def probe_store(blobs: BlobStore) -> str:
    """ "ok" when the store takes and deletes a small file, else a sentence saying why not."""
    probe = f"readyz-{new_id()}"
    try:
        blobs.put_bytes(probe, b"ok")
        blobs.delete(probe)
    except OSError as error:  # local disks and the S3 store (its errors are OSError subclasses) say why
        return f"cannot store a file: {error.strerror or str(error) or type(error).__name__}"
    except Exception as error:  # noqa: BLE001 - any other failure of a store is a report, never a 500
        return f"cannot store a file: {type(error).__name__}"
    return "ok"
