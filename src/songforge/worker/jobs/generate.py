"""generate task: two new songs (inspiration, custom lyrics, instrumental, or in a persona's voice).

Both clips sing the same words (written once, for inspiration) with their own seed, so they differ in
melody and arrangement (worker/songs.py makes, publishes and keeps them).
"""

from __future__ import annotations

from songforge.core.jobs import SongParams
from songforge.engines.generation.score import MusicalAnchor, SongRequest
from songforge.engines.generation.song import lyrics_for
from songforge.worker.context import JobContext, JobResult
from songforge.worker.songs import SongClip, make_song_clips, voice_of


def run(context: JobContext, params: SongParams) -> JobResult:
    lyrics, title = params.lyrics, params.title
    described = bool(params.description.strip()) and not params.lyrics.strip()
    if described and not params.instrumental:
        written = lyrics_for(params.description, seed=params.seed)
        lyrics, title = written.text, title or written.title
    title = title or _title_from(params)
    voice = voice_of(params.vocal_gender)
    anchor = MusicalAnchor(voice=voice, timbre=params.timbre) if params.timbre is not None else None
    songs = [
        SongClip(
            SongRequest(
                lyrics=lyrics,
                description=params.description,
                tags=params.tags,
                negative_tags=params.negative_tags,
                title=title,
                instrumental=params.instrumental,
                voice=voice,
                seed=params.seed + index,
                duration_s=params.duration,
                max_duration_s=params.max_duration,
                anchor=anchor,
            ),
            metadata={},
        )
        for index in range(len(context.job.clip_ids))
    ]
    return JobResult(clips=make_song_clips(context, songs))


def _title_from(params: SongParams) -> str:
    words = (params.description or params.tags).strip()
    return words[:60].strip().title() if words else "Untitled"
