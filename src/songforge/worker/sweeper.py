"""Housekeeping that keeps the promise "nothing is lost": stranded, orphaned and overdue tasks."""

import logging
import os
import socket

from sqlalchemy import select, update

from songforge.core.clock import now
from songforge.core.lifecycle import fail_task
from songforge.core.services import Services
from songforge.core.status import ACTIVE_TASK_STATUSES, TaskStatus
from songforge.db.models import Task

log = logging.getLogger("songforge.sweeper")

# A task still NOT_START after this long lost its enqueue (crash between commit and dispatch).
STRANDED_AFTER_SECONDS = 5.0


def release_dead_local_leases(services: Services) -> int:
    """Expire leases held by dead processes of this host, so a restart resumes their jobs at once."""
    prefix = socket.gethostname() + ":"
    released = 0
    with services.db.session() as session:
        rows = session.execute(
            select(Task.id, Task.lease_owner).where(
                Task.status == TaskStatus.IN_PROGRESS, Task.lease_owner.startswith(prefix)
            )
        ).all()
        for task_id, owner in rows:
            pid = int(owner.split(":")[1])
            if pid != os.getpid() and not _process_alive(pid):
                session.execute(
                    update(Task).where(Task.id == task_id, Task.lease_owner == owner).values(lease_expires_at=0.0)
                )
                released += 1
    if released:
        log.info("released %d job(s) left behind by a dead worker process", released)
    return released


def _process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def sweep(services: Services) -> None:
    """One pass: re-dispatch stranded tasks and fail tasks past their deadline."""
    moment = now()
    with services.db.session() as session:
        stranded = session.execute(
            select(Task.id).where(
                Task.status == TaskStatus.NOT_START, Task.submit_time < moment - STRANDED_AFTER_SECONDS
            )
        ).scalars().all()
        overdue = session.execute(
            select(Task.id).where(Task.status.in_(ACTIVE_TASK_STATUSES), Task.deadline_at < moment)
        ).scalars().all()
    for task_id in stranded:
        services.dispatcher.enqueue(task_id)
    for task_id in overdue:
        with services.db.session() as session:
            fail_task(
                session,
                task_id,
                f"time out: the job did not finish within its deadline of "
                f"{services.settings.job_deadline_seconds:.0f} s",
                services.signer,
                error_type="deadline_exceeded",
            )
