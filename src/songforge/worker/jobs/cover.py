"""cover task: two songs singing the source's melody and words in a new style (its tempo may change).

The melody of a song songforge made is its stored lead line; an upload's is the line one voice sings through
its vocals (separated at several pitches and united, then read by basic-pitch). Words: the request's, else the
source's, else a vocalise on the melody.
"""

from __future__ import annotations

from songforge.core.clip_files import PLAN_ASSET
from songforge.core.jobs import DerivedSongParams
from songforge.engines.analysis import analyse
from songforge.engines.analysis.basic_pitch_model import MODEL_RATE
from songforge.engines.analysis.melody import sung_melody
from songforge.engines.analysis.sung_vocals import sung_vocals
from songforge.engines.generation.score import MusicalAnchor, SongRequest
from songforge.engines.generation.sources import SourceSong, lead_pitches
from songforge.worker.context import JobContext, JobFailed, JobResult
from songforge.worker.inputs import read_clip_data, read_clip_master, read_song_document
from songforge.worker.separation_options import separation_options
from songforge.worker.songs import SongClip, make_song_clips, voice_of

# A line of the vocalise sung when neither the request nor the source has words.
VOCALISE_SYLLABLES_PER_LINE = 8


def run(context: JobContext, params: DerivedSongParams) -> JobResult:
    source_data = read_clip_data(context, params.source_clip_id)
    metadata = source_data.get("metadata", {})
    plan = read_song_document(context, params.source_clip_id, PLAN_ASSET)
    if plan is not None:
        source = SourceSong.from_plan(plan)
        melody = lead_pitches(plan)
    else:
        source, melody = _transcribed(context, params.source_clip_id)
    context.progress(0.1, "melody")
    lyrics = params.lyrics or str(metadata.get("prompt") or "")
    if not lyrics.strip() and melody:
        lyrics = vocalise(len(melody))
    anchor = MusicalAnchor(key=source.key, mode=source.mode, voice=source.voice, timbre=source.timbre, melody=melody)
    history = [{"id": params.source_clip_id, "type": "gen", "source": "web", "infill": False, "cover": True}]
    songs = [
        SongClip(
            SongRequest(
                lyrics=lyrics,
                tags=params.tags or str(metadata.get("tags") or ""),
                negative_tags=params.negative_tags,
                title=params.title or f"{source_data.get('title', '')} (Cover)".strip(),
                instrumental=not lyrics.strip(),
                voice=voice_of(params.vocal_gender) or source.voice,
                seed=params.seed + index,
                max_duration_s=params.max_duration,
                anchor=anchor,
            ),
            metadata={"task": "cover", "cover_clip_id": params.source_clip_id, "history": history},
        )
        for index in range(len(context.job.clip_ids))
    ]
    return JobResult(clips=make_song_clips(context, songs))


def vocalise(syllables: int) -> str:
    """Words for a melody nobody wrote words for: "la" on every note, in lines of eight."""
    lines = []
    for start in range(0, syllables, VOCALISE_SYLLABLES_PER_LINE):
        lines.append(" ".join(["la"] * min(VOCALISE_SYLLABLES_PER_LINE, syllables - start)))
    return "[Verse]\n" + "\n".join(lines)


def _transcribed(context: JobContext, clip_id: str) -> tuple[SourceSong, tuple[int, ...]]:
    """An upload's key and sung melody: its vocals separated, then the line one voice sings through them."""
    audio = read_clip_master(context, clip_id, "cover")
    found = analyse(audio.samples, audio.sample_rate)
    try:
        vocals = sung_vocals(
            audio.samples,
            audio.sample_rate,
            separation_options(context.services.settings),
            lambda fraction, stage: context.progress(0.08 * fraction, stage),
        )
    except ValueError as error:
        raise JobFailed(f"the source audio could not be separated: {error}", error_type="invalid_audio") from error
    melody = tuple(note.pitch for note in sung_melody(vocals, MODEL_RATE))
    source = SourceSong(
        tempo=found.tempo, key=found.key, mode=found.mode, time_signature=(4, 4), duration=found.duration
    )
    return source, melody
