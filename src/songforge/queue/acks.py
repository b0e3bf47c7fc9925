"""A Celery request whose acknowledgement outlives a broker outage.

Celery logs an ack (or reject) that fails on a connection error and moves on, but kombu's Redis channel
still counts that delivery against the prefetch limit. Once every slot is held by such a delivery the
worker never fetches again, even after Redis is back: its queue fills while it sits idle. So a settlement
that fails is tried again on the worker's event loop until the broker takes it or the channel is closed
(a consumer that reconnects opens a new channel, whose slots start free).
"""

import logging
from collections.abc import Callable

from celery.worker.request import Request
from kombu.asynchronous import get_event_loop

log = logging.getLogger("songforge.worker")

FIRST_RETRY_SECONDS = 0.5
LONGEST_RETRY_SECONDS = 5.0


class SettlingRequest(Request):
    """acks_late/reject_on_worker_lost as Celery does them, except that a failed settlement is retried."""

    acknowledged: bool = False

    def acknowledge(self) -> None:
        if not self.acknowledged:
            self.acknowledged = True
            self._settle("ack", self.message.ack, FIRST_RETRY_SECONDS)

    def reject(self, requeue: bool = False) -> None:
        if not self.acknowledged:
            self.acknowledged = True
            self._settle("reject", lambda: self.message.reject(requeue=requeue), FIRST_RETRY_SECONDS)

    def _settle(self, what: str, settle: Callable[[], None], delay: float) -> None:
        if self.message.acknowledged or getattr(self.message.channel, "closed", False):
            return
        try:
            settle()
        except self._connection_errors as error:
            loop = get_event_loop()
            if loop is None:  # no event loop to come back on (a solo pool): Celery's own behaviour
                log.error("could not %s task %s: %s", what, self.task_id, error)
                return
            log.warning("could not %s task %s (%s); trying again in %.1f s", what, self.task_id, error, delay)
            next_delay = min(delay * 2, LONGEST_RETRY_SECONDS)
            loop.call_later(delay, self._settle, what, settle, next_delay)
