"""Task and clip statuses (Part A §4)."""

from enum import StrEnum


class TaskStatus(StrEnum):
    NOT_START = "NOT_START"
    SUBMITTED = "SUBMITTED"
    QUEUED = "QUEUED"
    IN_PROGRESS = "IN_PROGRESS"
    SUCCESS = "SUCCESS"
    FAILURE = "FAILURE"

    @property
    def is_terminal(self) -> bool:
        return self in (TaskStatus.SUCCESS, TaskStatus.FAILURE)


class ClipStatus(StrEnum):
    SUBMITTED = "submitted"
    QUEUED = "queued"
    STREAMING = "streaming"
    COMPLETE = "complete"
    ERROR = "error"


ACTIVE_TASK_STATUSES: tuple[str, ...] = (
    TaskStatus.NOT_START,
    TaskStatus.SUBMITTED,
    TaskStatus.QUEUED,
    TaskStatus.IN_PROGRESS,
)


def format_progress(percent: int) -> str:
    return f"{max(0, min(100, int(percent)))}%"
