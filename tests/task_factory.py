"""Tasks written straight through the lifecycle (no HTTP): for tests of claiming, sweeping and reading."""

from __future__ import annotations

from songforge.core import jobs
from songforge.core.accounts import Caller
from songforge.core.jobs import LyricsParams
from songforge.core.lifecycle import create_task
from songforge.core.services import Services


def create_lyrics_task(
    services: Services, caller: Caller, *, hook: str = "", deadline_seconds: float | None = None
) -> str:
    """A QUEUED lyrics task owned by caller (credits reserved, clips none); returns its id."""
    with services.db.session() as session:
        task = create_task(
            session,
            caller,
            jobs.LYRICS,
            LyricsParams(prompt="x"),
            services.signer,
            price_micros=jobs.LYRICS.price_micros(services.settings),
            request_body={"prompt": "x"},
            notify_hook=hook,
            clips=[],
            deadline_seconds=deadline_seconds or services.settings.job_deadline_seconds,
        )
        return task.id
