"""The progress callback every engine accepts."""

from collections.abc import Callable

# Called with the fraction of the work done (0.0–1.0) and a short stage name ("vocals", "drums", …).
# The worker maps it to the task's progress and may raise from inside it to cancel the job.
ProgressCallback = Callable[[float, str], None]


def no_progress(fraction: float, stage: str) -> None:
    """Default callback for callers that do not track progress."""
