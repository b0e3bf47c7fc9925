"""Dispatcher for a fleet: each submitted task is one Celery message on its queue in Redis.

A send never fails a submission: the task row is already committed and the sweeper sends again whatever no
worker took (core/fleet.py), so a broker that is down costs a delay, not a task, and never a hung request
(short connect and socket timeouts, no retries).
"""

import logging
import threading

from kombu.exceptions import OperationalError

from songforge.config import Settings
from songforge.queue.celery_app import RUN_JOB, broker_location, celery_app

log = logging.getLogger("songforge.dispatch")


class CeleryDispatcher:
    def __init__(self, settings: Settings) -> None:
        self.app = celery_app(settings)
        # One connection attempt per send (kombu's default retries for the whole connect timeout).
        self.app.conf.broker_transport_options = {**self.app.conf.broker_transport_options, "max_retries": 0}
        self.location = broker_location(settings.broker_url)
        # Job threads of an embedded pool, if any, poll the database; wake_all releases them at shutdown.
        self._stopping = threading.Condition()

    def wake(self, queue: str, task_id: str) -> None:
        """Send the task's message to `queue`; on failure log why and leave it to the sweeper."""
        try:
            self.app.send_task(RUN_JOB, args=[task_id], queue=queue, routing_key=queue, retry=False)
        except (OperationalError, OSError) as error:
            log.warning(
                "could not send task %s to queue %s on %s (%s); it is sent again once the broker answers",
                task_id,
                queue,
                self.location,
                error,
            )

    def wait_for_work(self, timeout: float) -> None:
        """Celery workers block on the broker; a polling job thread just waits its interval."""
        with self._stopping:
            self._stopping.wait(timeout)

    def wake_all(self) -> None:
        with self._stopping:
            self._stopping.notify_all()

    def health(self) -> str:
        try:
            with self.app.connection_for_write() as connection:
                connection.ensure_connection(max_retries=0)
        except (OperationalError, OSError) as error:
            return f"the broker at {self.location} does not answer: {error}"
        return f"ok ({self.location})"
