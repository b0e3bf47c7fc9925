"""The Celery app of songforge: one task, "songforge.run_job"(task_id), on the queues "cpu" and "gpu".

A message only names a task; the task row in the database is the truth and the job's lease decides who
runs it, so a message delivered twice, or sent again by the sweeper, runs its job once. That is also why
results are not stored (no result backend) and why a late acknowledgement is safe.
"""

from collections.abc import Callable
from urllib.parse import urlsplit

from celery import Celery

from songforge.config import Settings
from songforge.queue.acks import SettlingRequest

RUN_JOB = "songforge.run_job"
DEFAULT_QUEUE = "cpu"
# Time a job past its soft limit gets to give up cleanly (fail its task, remove its files) before the
# hard limit kills its process.
HARD_LIMIT_GRACE_SECONDS = 60.0
# A send that cannot reach the broker fails after this long instead of holding up the request.
CONNECT_TIMEOUT_SECONDS = 2.0
# A broker that accepted the connection but does not answer.
SOCKET_TIMEOUT_SECONDS = 10.0


def celery_app(settings: Settings, run_job: Callable[[str], None] | None = None) -> Celery:
    """The app on `settings.broker_url`; a worker passes `run_job`, the body of the one task (senders send
    it by name, so an API node loads no worker code)."""
    soft_limit = settings.job_deadline_seconds
    hard_limit = soft_limit + HARD_LIMIT_GRACE_SECONDS
    app = Celery("songforge", broker=settings.broker_url, set_as_current=False)
    app.conf.update(
        task_default_queue=DEFAULT_QUEUE,
        task_serializer="json",
        accept_content=["json"],
        result_backend=None,
        task_ignore_result=True,
        # Acknowledged after the job, so a worker that dies mid-job leaves its message to be delivered again.
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        # One message per free process: a long job never sits on messages other workers could take.
        worker_prefetch_multiplier=1,
        task_soft_time_limit=soft_limit,
        task_time_limit=hard_limit,
        # An unacknowledged message comes back only after this; no job runs longer than its hard limit.
        broker_transport_options={
            "visibility_timeout": hard_limit + HARD_LIMIT_GRACE_SECONDS,
            "socket_connect_timeout": CONNECT_TIMEOUT_SECONDS,
            "socket_timeout": SOCKET_TIMEOUT_SECONDS,
        },
        broker_connection_timeout=CONNECT_TIMEOUT_SECONDS,
        broker_connection_retry_on_startup=True,
        # A broker blip must not kill running jobs: their leases, not the connection, say whose they are.
        worker_cancel_long_running_tasks_on_connection_loss=False,
        worker_hijack_root_logger=False,
        worker_redirect_stdouts=False,
        worker_enable_remote_control=False,
        worker_send_task_events=False,
    )
    if run_job is not None:
        app.task(name=RUN_JOB, ignore_result=True, Request=SettlingRequest)(run_job)
    return app


def broker_location(broker_url: str) -> str:
    """The broker URL without its credentials, for logs and health reports."""
    parts = urlsplit(broker_url)
    host = parts.hostname or ""
    port = f":{parts.port}" if parts.port else ""
    return f"{parts.scheme}://{host}{port}{parts.path}"
