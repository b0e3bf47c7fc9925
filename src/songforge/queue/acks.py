"""A Celery request whose acknowledgement outlives a broker outage.

Celery logs an ack (or reject) that fails on a connection error and moves on, but kombu's Redis channel
still counts that delivery against the prefetch limit. Once every slot is held by such a delivery the
worker never fetches again, even after Redis is back: its queue fills while it sits idle. So after Celery's
own attempt (which also drives its prefetch bookkeeping), a settlement that did not go through is tried
again on the worker's event loop until the broker takes it or the channel is closed (a consumer that
reconnects opens a new channel, whose slots start free).
"""

import logging
from collections.abc import Callable

from celery.worker.request import Request
from kombu.asynchronous import get_event_loop

log = logging.getLogger("songforge.worker")

# Celery's own attempt runs on the next turn of the event loop; look again well after it.
FIRST_CHECK_SECONDS = 2.0
LONGEST_RETRY_SECONDS = 10.0


class SettlingRequest(Request):
    """acks_late/reject_on_worker_lost as Celery does them, then again until they go through."""

    acknowledged: bool = False

    def acknowledge(self) -> None:
        if not self.acknowledged:
            super().acknowledge()
            self._check_later("ack", self.message.ack)

    def reject(self, requeue: bool = False) -> None:
        if not self.acknowledged:
            super().reject(requeue)
            self._check_later("reject", lambda: self.message.reject(requeue=requeue))

    def _check_later(self, what: str, settle: Callable[[], None]) -> None:
        loop = get_event_loop()
        if loop is not None:  # none in a solo pool: Celery's attempt is all there is
            loop.call_later(FIRST_CHECK_SECONDS, self._settle, what, settle, FIRST_CHECK_SECONDS)

    def _settle(self, what: str, settle: Callable[[], None], delay: float) -> None:
        if self.message.acknowledged or getattr(self.message.channel, "closed", False):
            return
        try:
            settle()
        except self._connection_errors as error:
            loop = get_event_loop()
            if loop is None:
                return
            log.warning("could not %s task %s (%s); trying again in %.0f s", what, self.task_id, error, delay)
            loop.call_later(delay, self._settle, what, settle, min(2 * delay, LONGEST_RETRY_SECONDS))
        else:
            log.info("task %s: %s went through on a later try", self.task_id, what)
