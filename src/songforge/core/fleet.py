"""Workers on several machines: their heartbeat rows, and sending again the tasks whose message was lost.

With a broker a task reaches a worker only through its message. Messages can be lost (Redis restarted before
its append-only file was synced, a send that failed while Redis was down) and a worker that dies keeps its
message unacknowledged until the broker's visibility timeout; the row in the database stays the truth, so
the sweeper sends such tasks again. A duplicate costs one failed claim: the lease decides who runs a job.
"""

from dataclasses import dataclass

from sqlalchemy import delete, or_, select, update

from songforge.core.clock import now
from songforge.core.jobs import JOB_KINDS
from songforge.core.services import Services
from songforge.core.status import TaskStatus
from songforge.db.models import Task, WorkerProcess

# How often a worker process writes its row: readers of the rows (core/stats.py) judge staleness by it.
BEAT_SECONDS = 5.0
# Tasks sent again per sweep pass, so one pass stays one short transaction after a broker lost everything.
_RESEND_BATCH = 500
# A worker row not written for this long belongs to a process that died without saying goodbye.
_FORGET_SILENT_WORKERS_SECONDS = 3600.0


@dataclass(frozen=True)
class WorkerBeat:
    """What a worker process reports about itself every few seconds."""

    worker_id: str  # host:pid:random, as on leases
    host: str
    pid: int
    queues: tuple[str, ...]
    jobs_running: int


def beat(services: Services, worker: WorkerBeat) -> None:
    """Write this worker's row (created on its first beat), and drop rows of workers long silent."""
    moment = now()
    with services.db.session() as session:
        written = session.execute(
            update(WorkerProcess)
            .where(WorkerProcess.id == worker.worker_id)
            .values(last_seen_at=moment, jobs_running=worker.jobs_running)
        )
        if written.rowcount == 0:  # type: ignore[attr-defined]
            session.add(
                WorkerProcess(
                    id=worker.worker_id,
                    host=worker.host,
                    pid=worker.pid,
                    queues=",".join(worker.queues),
                    started_at=moment,
                    last_seen_at=moment,
                    jobs_running=worker.jobs_running,
                )
            )
        session.execute(
            delete(WorkerProcess).where(WorkerProcess.last_seen_at < moment - _FORGET_SILENT_WORKERS_SECONDS)
        )


def forget(services: Services, worker_id: str) -> None:
    """Remove a worker's row when it stops cleanly."""
    with services.db.session() as session:
        session.execute(delete(WorkerProcess).where(WorkerProcess.id == worker_id))


def resend_lost_tasks(services: Services) -> int:
    """Send again what no worker took: QUEUED tasks sent more than `requeue_after_seconds` ago, and
    IN_PROGRESS tasks whose lease ran out (their worker died) not sent since their last claim. Returns how
    many were sent.

    Each send is claimed first by a compare-and-swap on `dispatched_at`, so sweepers on several workers never
    send the same task twice in one round.
    """
    moment = now()
    settings = services.settings
    stale = moment - settings.requeue_after_seconds
    with services.db.session() as session:
        due = session.execute(
            select(Task.id, Task.kind, Task.dispatched_at)
            .where(
                or_(
                    (Task.status == TaskStatus.QUEUED) & (Task.next_run_at <= moment) & (Task.dispatched_at < stale),
                    (Task.status == TaskStatus.IN_PROGRESS)
                    & (Task.lease_expires_at < moment)
                    # A claim sets updated_at: sent before it means this message was used up by that claim.
                    & ((Task.dispatched_at < Task.updated_at) | (Task.dispatched_at < stale)),
                )
            )
            .order_by(Task.submit_time)
            .limit(_RESEND_BATCH)
        ).all()
        won: list[tuple[str, str]] = []
        for task_id, kind, dispatched_at in due:
            swapped = session.execute(
                update(Task).where(Task.id == task_id, Task.dispatched_at == dispatched_at).values(dispatched_at=moment)
            )
            if swapped.rowcount == 1:  # type: ignore[attr-defined]
                won.append((task_id, kind))
    for task_id, kind in won:
        services.dispatcher.wake(JOB_KINDS[kind].queue_for(settings), task_id)
    return len(won)
