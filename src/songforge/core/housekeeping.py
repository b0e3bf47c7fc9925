"""Housekeeping that keeps the promise "nothing is lost": orphaned leases and overdue tasks."""

from collections.abc import Callable

from sqlalchemy import select, update

from songforge.core.clock import now
from songforge.core.lifecycle import fail_task
from songforge.core.services import Services
from songforge.core.status import ACTIVE_TASK_STATUSES, TaskStatus
from songforge.db.models import Task


def release_leases_of_dead_processes(services: Services, host: str, is_alive: Callable[[int], bool]) -> int:
    """Expire the leases that dead processes of `host` hold (owners are `host:pid:…`), so a restarted
    worker resumes their jobs at once instead of after the lease time; returns how many."""
    prefix = host + ":"
    released = 0
    with services.db.session() as session:
        rows = session.execute(
            select(Task.id, Task.lease_owner).where(
                Task.status == TaskStatus.IN_PROGRESS, Task.lease_owner.startswith(prefix)
            )
        ).all()
        for task_id, owner in rows:
            pid = int(str(owner).split(":")[1])
            if not is_alive(pid):
                session.execute(
                    update(Task).where(Task.id == task_id, Task.lease_owner == owner).values(lease_expires_at=0.0)
                )
                released += 1
    return released


def fail_overdue_tasks(services: Services) -> int:
    """FAILURE (`time out: …`, refunded) for every unfinished task past its deadline; returns how many."""
    with services.db.session() as session:
        overdue = (
            session.execute(select(Task.id).where(Task.status.in_(ACTIVE_TASK_STATUSES), Task.deadline_at < now()))
            .scalars()
            .all()
        )
    reason = f"time out: the job did not finish within its deadline of {services.settings.job_deadline_seconds:.0f} s"
    failed = 0
    for task_id in overdue:
        with services.db.session() as session:
            failed += fail_task(session, task_id, reason, services.signer, error_type="deadline_exceeded")
    return failed
