"""Things made on request for a finished clip (its WAV, its music video, its transcribed notes): answered at
once, never awaited — the first ask queues one render, later asks find it done or still running."""

from songforge.core import jobs
from songforge.core.accounts import Caller
from songforge.core.jobs import JobKind, JobParams, VideoParams, WavParams
from songforge.core.services import Services
from songforge.core.submission import SourceClip, find_visible_clip, require_complete, submit_task


def wav_of_clip(services: Services, caller: Caller, clip_id: str) -> str | None:
    """The blob name of the clip's WAV when it is rendered; otherwise make sure a render is queued and return
    None, meaning "ask again in a moment" (Part A §11)."""
    clip = find_visible_clip(services, caller, clip_id, "clip_id", None)
    if clip.wav_key:
        return clip.wav_key
    require_complete(clip, "ask for its WAV")
    queue_render(services, caller, clip, jobs.WAV, WavParams(clip_id=clip.id))
    return None


def video_of_clip(services: Services, caller: Caller, clip_id: str) -> str | None:
    """The blob name of the clip's music video when it is rendered; otherwise make sure a render is queued and
    return None. While it renders the clip shows `is_video_pending: true` (Part A §4, §11)."""
    clip = find_visible_clip(services, caller, clip_id, "clip_id", None)
    if clip.video_key:
        return clip.video_key
    require_complete(clip, "ask for its video")
    queue_render(services, caller, clip, jobs.MP4, VideoParams(clip_id=clip.id))
    return None


def queue_render(services: Services, caller: Caller, clip: SourceClip, kind: JobKind, params: JobParams) -> None:
    """One render of `kind` for the clip: an unfinished one (found by the indexed `tasks.source_clip_id`) is
    reused, so asking again never queues a second."""
    submit_task(
        services,
        caller,
        kind,
        params,
        request_body={"clip_id": clip.id},
        notify_hook="",
        clips=[],
        source_clip_id=clip.id,
        reuse_unfinished=True,
    )
