"""Lyrics task: the offline writer, deterministic per task."""

import zlib

from songforge.core.jobs import LyricsParams
from songforge.engines.generation.lyrics import write_lyrics
from songforge.worker.context import JobContext, JobFailed, JobResult


def run(context: JobContext, params: LyricsParams) -> JobResult:
    seed = params.seed if params.seed is not None else zlib.crc32(context.job.task_id.encode())
    try:
        lyrics = write_lyrics(params.prompt, seed=int(seed))
    except ValueError as error:
        raise JobFailed(str(error), error_type="invalid_prompt") from error
    return JobResult(
        result={
            "id": context.job.task_id,
            "text": lyrics.text,
            "title": lyrics.title,
            "status": "complete",
            "tags": list(lyrics.tags),
        }
    )
