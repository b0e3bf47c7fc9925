"""mp4 task: a clip's music video (cover art, a moving waveform, the sung line with its word lit), attached to
the clip as its `video_url`."""

from __future__ import annotations

from songforge.core.clip_files import TIMING_ASSET
from songforge.core.jobs import VideoParams
from songforge.core.lifecycle import AttachedFile
from songforge.core.urls import clip_blob_names
from songforge.core.work import master_of_clip
from songforge.engines.video import TimedWord, VideoError, render_music_video
from songforge.worker.context import JobContext, JobFailed, JobResult
from songforge.worker.inputs import read_clip_data, read_song_document


def run(context: JobContext, params: VideoParams) -> JobResult:
    clip = read_clip_data(context, params.clip_id)
    blobs = context.services.blobs
    master = master_of_clip(context.services, params.clip_id, context.job.account_id)
    names = clip_blob_names(params.clip_id)
    try:
        audio = blobs.local_path(master or "")
        cover = blobs.local_path(names["image_large"])
    except (FileNotFoundError, ValueError):
        raise JobFailed(
            f"the stored audio or cover of clip {params.clip_id} is missing, so no video can be made",
            error_type="audio_missing",
        ) from None
    timing = read_song_document(context, params.clip_id, TIMING_ASSET) or {}
    words = [
        TimedWord(str(word["word"]), float(word["start_s"]), float(word["end_s"]))
        for word in timing.get("aligned_words", [])
    ]
    out = context.workdir / names["video"]
    try:
        render_music_video(
            audio,
            cover,
            out,
            title=str(clip.get("title") or ""),
            words=words,
            duration=float(clip.get("metadata", {}).get("duration") or 0.0),
            progress=lambda fraction, stage: context.progress(0.97 * fraction, stage),
        )
    except VideoError as error:
        raise JobFailed(f"the video could not be rendered: {error}", error_type="render_failed") from error
    blobs.put_file(names["video"], out)
    return JobResult(attachments=[AttachedFile(params.clip_id, "video_key", names["video"])])
