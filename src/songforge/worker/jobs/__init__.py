"""Job handlers by kind: each takes a JobContext and returns a JobResult."""

from collections.abc import Callable

from songforge.core.jobs import JobKind
from songforge.worker.context import JobContext, JobResult

Handler = Callable[[JobContext], JobResult]


def handler_for(kind: str) -> Handler:
    # Imported lazily: a worker that never separates never loads torch.
    if kind == JobKind.LYRICS:
        from songforge.worker.jobs.lyrics import run_lyrics

        return run_lyrics
    if kind == JobKind.UPLOAD:
        from songforge.worker.jobs.upload import run_upload

        return run_upload
    if kind == JobKind.WAV:
        from songforge.worker.jobs.wav import run_wav

        return run_wav
    if kind in (JobKind.GEN_STEM_TWO, JobKind.GEN_STEM_TWELVE):
        from songforge.worker.jobs.stems import run_stems

        return run_stems
    raise ValueError(f"unknown job kind {kind!r}")
