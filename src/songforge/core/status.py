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


# What a task's clips say while the task is not finished, so that task and clips agree at every step
# (Part A §4). Part A §4 gives a clip two waiting statuses, `submitted` and `queued`, and `streaming` only
# while a playable `audio_url` exists. songforge's engines publish a clip's files when the clip is done
# (there is no live stream to point at), so an unfinished clip never streams; its two waiting statuses
# follow the task:
# - task QUEUED (waiting for a worker): clips `queued`, waiting in the queue;
# - task IN_PROGRESS (a worker runs the job): clips `submitted`, handed to the engine, no audio yet.
# A task whose clips are all still `queued` therefore never reports IN_PROGRESS. The task ends SUCCESS
# with every clip `complete`, or FAILURE with every clip `error`. (Suno's own feed, B §10.3, derives the
# task from the clips and has no "running without audio" state: its clips stream at once.)
CLIP_STATUS_WHILE: dict[str, ClipStatus] = {
    TaskStatus.QUEUED: ClipStatus.QUEUED,
    TaskStatus.IN_PROGRESS: ClipStatus.SUBMITTED,
}


ACTIVE_TASK_STATUSES: tuple[str, ...] = (
    TaskStatus.NOT_START,
    TaskStatus.SUBMITTED,
    TaskStatus.QUEUED,
    TaskStatus.IN_PROGRESS,
)


def format_progress(percent: int) -> str:
    return f"{max(0, min(100, int(percent)))}%"
