"""Tasks written straight through the lifecycle (no HTTP): for tests of claiming, sweeping and reading."""

from __future__ import annotations

from songforge.core.accounts import Caller
from songforge.core.jobs import JobKind, job_spec
from songforge.core.lifecycle import create_task
from songforge.core.services import Services


def create_lyrics_task(
    services: Services, caller: Caller, *, hook: str = "", deadline_seconds: float | None = None
) -> str:
    """A PENDING lyrics task owned by caller (credits reserved, clips none); returns its id."""
    with services.db.session() as session:
        task = create_task(
            session,
            caller,
            job_spec(JobKind.LYRICS, services.settings),
            services.signer,
            request_body={"prompt": "x"},
            params={"prompt": "x"},
            notify_hook=hook,
            clips=[],
            deadline_seconds=deadline_seconds or services.settings.job_deadline_seconds,
        )
        return task.id
