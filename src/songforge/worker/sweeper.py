"""Housekeeping passes the worker pool runs: leases of dead local processes, tasks past their deadline,
messages a broker lost."""

import logging
import shutil
import socket
import time

from songforge.core.fleet import resend_lost_tasks
from songforge.core.housekeeping import fail_overdue_tasks, release_leases_of_dead_processes
from songforge.core.services import Services
from songforge.core.uploads import discard_abandoned_uploads
from songforge.processes import process_is_alive

log = logging.getLogger("songforge.sweeper")


def release_dead_local_leases(services: Services) -> int:
    """Expire leases held by dead processes of this host, so a restart resumes their jobs at once."""
    released = release_leases_of_dead_processes(services, socket.gethostname(), process_is_alive)
    if released:
        log.info("released %d job(s) left behind by a dead worker process", released)
    return released


def remove_stale_scratch(services: Services) -> int:
    """Delete job scratch dirs older than the job deadline: a crash left them, no running job owns them."""
    root = services.settings.scratch_dir
    if not root.is_dir():
        return 0
    cutoff = time.time() - services.settings.job_deadline_seconds
    removed = 0
    for entry in root.iterdir():
        if entry.is_dir() and entry.stat().st_mtime < cutoff:
            shutil.rmtree(entry, ignore_errors=True)
            removed += 1
    return removed


def remove_leftover_files(services: Services) -> None:
    """Files nothing will use again: scratch of crashed jobs, uploads abandoned before they became a clip."""
    scratch = remove_stale_scratch(services)
    uploads = discard_abandoned_uploads(services)
    if scratch or uploads:
        log.info("removed %d stale scratch dir(s) and %d abandoned upload(s)", scratch, uploads)


def sweep(services: Services) -> None:
    """One pass: fail tasks past their deadline; with a broker, send again the tasks no worker took (without
    one, workers poll the database and need no message)."""
    failed = fail_overdue_tasks(services)
    if failed:
        log.info("failed %d task(s) past their deadline", failed)
    if services.settings.broker_url:
        resent = resend_lost_tasks(services)
        if resent:
            log.info("sent %d task(s) again that no worker had taken (message lost, or its worker died)", resent)
