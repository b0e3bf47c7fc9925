"""infill task: two re-made versions of a window of a clip (new words, same key, tempo, meter and voice), each
exactly as long as the window; concat with `is_infill: true` puts one back into its source."""

from __future__ import annotations

from songforge.core.jobs import DerivedSongParams
from songforge.engines.generation.score import SongRequest
from songforge.worker.context import JobContext, JobFailed, JobResult
from songforge.worker.inputs import read_clip_data
from songforge.worker.jobs.extend import source_song
from songforge.worker.songs import SongClip, make_song_clips, voice_of


def run(context: JobContext, params: DerivedSongParams) -> JobResult:
    start, end = params.window_start, params.window_end
    if start is None or end is None or end <= start:
        raise JobFailed("the window to re-make needs `infill_start_s` < `infill_end_s`", error_type="invalid_request")
    source_data = read_clip_data(context, params.source_clip_id)
    source = source_song(context, params.source_clip_id)
    if source.duration and end > source.duration + 0.05:
        raise JobFailed(
            f"the window ends at {end} s, after the clip's end ({source.duration} s)", error_type="invalid_request"
        )
    context.progress(0.03, "analysed")
    history = [
        {
            "id": params.source_clip_id,
            "type": "gen",
            "source": "web",
            "infill": True,
            "infill_start_s": start,
            "infill_end_s": end,
        }
    ]
    songs = [
        SongClip(
            SongRequest(
                lyrics=params.lyrics,
                tags=params.tags or source_data.get("metadata", {}).get("tags", ""),
                negative_tags=params.negative_tags,
                title=params.title or source_data.get("title", ""),
                instrumental=not params.lyrics.strip(),
                voice=voice_of(params.vocal_gender) or source.voice,
                seed=params.seed + index,
                duration_s=end - start,
                max_duration_s=params.max_duration,
                anchor=source.anchor(intro=False, exact_duration=round(end - start, 3)),
            ),
            metadata={
                "task": "infill",
                "infill": True,
                "history": history,
                "infill_start_s": start,
                "infill_end_s": end,
                "edited_clip_id": params.source_clip_id,
            },
        )
        for index in range(len(context.job.clip_ids))
    ]
    return JobResult(clips=make_song_clips(context, songs))
