"""Work a worker process repeats while it lives: lease renewals, housekeeping passes, its row in `workers`."""

import logging
import os
import socket
import threading
from collections.abc import Callable, Sequence
from typing import Self

from songforge.core.fleet import BEAT_SECONDS, WorkerBeat, beat, forget
from songforge.core.services import Services

log = logging.getLogger("songforge.worker")


def every(seconds: float, action: Callable[[], None], stop: threading.Event) -> None:
    """Call `action` every `seconds` until `stop` is set; a failed round is logged and the next one comes."""
    while not stop.wait(seconds):
        try:
            action()
        except Exception:
            log.exception("periodic task failed")


class Periodic:
    """`action` every `seconds` on a daemon thread of its own, until stopped."""

    def __init__(self, name: str, seconds: float, action: Callable[[], None]) -> None:
        self._stop = threading.Event()
        self._thread = threading.Thread(target=every, args=(seconds, action, self._stop), name=name, daemon=True)

    def start(self) -> Self:
        self._thread.start()
        return self

    def stop(self, timeout: float = 5.0) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout)


class FleetBeat:
    """This process's row in `workers` (what it serves, how many jobs it runs), written every few seconds
    and removed when it stops cleanly."""

    def __init__(
        self, services: Services, worker_id: str, queues: Sequence[str], jobs_running: Callable[[], int]
    ) -> None:
        self.services = services
        self.worker_id = worker_id
        self.queues = tuple(queues)
        self.jobs_running = jobs_running
        self._beats = Periodic("songforge-fleet", BEAT_SECONDS, self.beat)

    def beat(self) -> None:
        report = WorkerBeat(self.worker_id, socket.gethostname(), os.getpid(), self.queues, self.jobs_running())
        beat(self.services, report)

    def start(self) -> Self:
        self.beat()
        self._beats.start()
        return self

    def stop(self) -> None:
        self._beats.stop()
        forget(self.services, self.worker_id)
