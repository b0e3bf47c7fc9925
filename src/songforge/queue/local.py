"""Dispatcher for one machine: workers are threads of this process, or of a sibling worker process."""

import threading
from typing import Protocol


class Wakeups(Protocol):
    """A counting semaphore: threading.Semaphore, or multiprocessing's across processes."""

    def acquire(self, block: bool = True, timeout: float | None = None) -> bool: ...

    def release(self) -> None: ...


# More than any worker pool has threads: wake_all must reach every waiting thread.
_WAKE_ALL = 256


class LocalDispatcher:
    """Every local worker serves every queue, so a wake-up is one semaphore release whatever the queue."""

    def __init__(self, wakeups: Wakeups | None = None) -> None:
        self._wakeups: Wakeups = wakeups if wakeups is not None else threading.Semaphore(0)

    def wake(self, queue: str, task_id: str) -> None:
        self._wakeups.release()

    def wait_for_work(self, timeout: float) -> None:
        self._wakeups.acquire(True, timeout)

    def wake_all(self) -> None:
        for _ in range(_WAKE_ALL):
            self._wakeups.release()

    def health(self) -> str:
        return "ok (in-process)"
