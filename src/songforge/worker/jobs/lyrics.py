"""Lyrics task: the offline writer, deterministic per task."""

import zlib

from songforge.engines.generation.lyrics import write_lyrics
from songforge.worker.context import JobContext, JobFailed, JobResult


def run_lyrics(context: JobContext) -> JobResult:
    prompt: str = context.task.params["prompt"]
    seed = context.task.params.get("seed")
    if seed is None:
        seed = zlib.crc32(context.task.id.encode())
    try:
        lyrics = write_lyrics(prompt, seed=int(seed))
    except ValueError as error:
        raise JobFailed(str(error), error_type="invalid_prompt") from error
    return JobResult(
        result={
            "id": context.task.id,
            "text": lyrics.text,
            "title": lyrics.title,
            "status": "complete",
            "tags": list(lyrics.tags),
        }
    )
