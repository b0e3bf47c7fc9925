"""The dispatcher is only a wake-up call: the task row in the database is the truth.

A task is claimable from the moment its submit transaction commits; workers also poll, so a lost
wake-up costs at most one poll interval and never a task.
"""

from typing import Protocol


class Dispatcher(Protocol):
    def wake(self, queue: str, task_id: str) -> None:
        """Tell a worker serving `queue` ("cpu" / "gpu") that task `task_id` is waiting (it may be told twice:
        whoever claims the task's lease first runs it)."""

    def wait_for_work(self, timeout: float) -> None:
        """Block a worker until something was enqueued or `timeout` passed."""

    def wake_all(self) -> None:
        """Release every waiting worker (shutdown)."""

    def health(self) -> str:
        """Either "ok …" when tasks can be sent now, or a sentence saying what is wrong (for /readyz and doctor)."""
