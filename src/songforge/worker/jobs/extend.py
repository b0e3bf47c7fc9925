"""extend / upload_extend task: two continuations of a clip, each holding only the new music.

The continuation starts on the source's first downbeat at or after `continue_at` and keeps its tempo, key,
meter and voice: read from the plan of a song songforge made, measured from the audio of an upload. Concat
joins it to its source.
"""

from __future__ import annotations

from songforge.core.clip_files import PLAN_ASSET
from songforge.core.jobs import DerivedSongParams
from songforge.engines.analysis import analyse
from songforge.engines.generation.score import SongRequest
from songforge.engines.generation.sources import SourceSong
from songforge.worker.context import JobContext, JobFailed, JobResult
from songforge.worker.inputs import read_clip_data, read_clip_master, read_song_document
from songforge.worker.songs import SongClip, make_song_clips, voice_of

# An instrumental continuation (no new words) lasts this long unless the request says otherwise.
INSTRUMENTAL_CONTINUATION_S = 30.0


def run(context: JobContext, params: DerivedSongParams) -> JobResult:
    source_data = read_clip_data(context, params.source_clip_id)
    source = source_song(context, params.source_clip_id)
    if params.continue_at is None:
        raise JobFailed("`continue_at` is missing: say where the continuation starts", error_type="invalid_request")
    join = source.downbeat_at_or_after(params.continue_at)
    context.progress(0.03, "analysed")
    upload = source_data.get("metadata", {}).get("type") == "upload"
    tags = params.tags or source_data.get("metadata", {}).get("tags", "")
    title = params.title or source_data.get("title", "")
    history = [
        {
            "id": params.source_clip_id,
            "continue_at": join,
            "type": "upload" if upload else "gen",
            "source": "web",
            "infill": False,
        }
    ]
    songs = [
        SongClip(
            SongRequest(
                lyrics=params.lyrics,
                tags=tags,
                negative_tags=params.negative_tags,
                title=title,
                instrumental=not params.lyrics.strip(),
                voice=voice_of(params.vocal_gender) or source.voice,
                seed=params.seed + index,
                duration_s=params.duration or (None if params.lyrics.strip() else INSTRUMENTAL_CONTINUATION_S),
                max_duration_s=params.max_duration,
                anchor=source.anchor(intro=False),
            ),
            metadata={
                "task": "upload_extend" if upload else "extend",
                "history": history,
                "continue_at": join,
                "edited_clip_id": params.source_clip_id,
            },
        )
        for index in range(len(context.job.clip_ids))
    ]
    return JobResult(clips=make_song_clips(context, songs))


def source_song(context: JobContext, clip_id: str) -> SourceSong:
    """The source's tempo, key, meter, bar grid and voice: its plan, or (an upload) measured from its audio."""
    plan = read_song_document(context, clip_id, PLAN_ASSET)
    if plan is not None:
        return SourceSong.from_plan(plan)
    audio = read_clip_master(context, clip_id, "continue")
    found = analyse(audio.samples, audio.sample_rate)
    return SourceSong(
        tempo=found.tempo,
        key=found.key,
        mode=found.mode,
        time_signature=(4, 4),
        duration=found.duration,
        first_downbeat=found.downbeat_times[0] if len(found.downbeat_times) else 0.0,
    )
