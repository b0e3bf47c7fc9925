"""The dispatcher is only a wake-up call: the task row in the database is the truth."""

from typing import Protocol


class Dispatcher(Protocol):
    def enqueue(self, task_id: str) -> None:
        """Move the task NOT_START → QUEUED and wake a worker."""

    def wait_for_work(self, timeout: float) -> None:
        """Block a worker until something was enqueued or `timeout` passed."""

    def wake_all(self) -> None: ...
