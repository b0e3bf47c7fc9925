"""Making song clips, shared by every kind that makes songs (generate, extend, infill, cover, persona songs):
each clip's song made side by side with its siblings, its mix published, its exact stems, MIDI, word timing
and plan kept as assets, and its clip fields filled in."""

from __future__ import annotations

import threading
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import orjson

from songforge.core.clip_files import MIDI_ASSET, MIDI_NOTES_ASSET, PLAN_ASSET, TIMING_ASSET
from songforge.core.lifecycle import ClipOutput
from songforge.engines.generation.errors import GenerationError
from songforge.engines.generation.export import midi_notes_as_dict, plan_as_dict, plan_to_midi
from songforge.engines.generation.score import BACKING_VOCALS, VOCALS, Song, SongRequest, VoiceGender
from songforge.engines.generation.song import (
    ENGINE_NAME,
    GenerationOptions,
    generate_song,
    style_tags,
    timing_as_dict,
)
from songforge.engines.progress import ProgressCallback
from songforge.worker.assets import store_documents, store_stems
from songforge.worker.context import JobContext, JobFailed
from songforge.worker.publish import cores, publish_clip_audio

# Of each clip's share of the progress: making the song, then publishing its files.
_SONG_SHARE = 0.9


@dataclass(frozen=True)
class SongClip:
    """One clip of the task and the song to make for it; `metadata` is added to the clip's (e.g. history)."""

    request: SongRequest
    metadata: Mapping[str, Any]


def make_song_clips(context: JobContext, songs: Sequence[SongClip]) -> list[ClipOutput]:
    """Make the task's clips, one song each, side by side: the soundfont, effects, vocoder and encoders spend
    much of their time outside the GIL, so two clips on two cores take about 0.7 of the time of one after the
    other."""
    progress = ClipsProgress(context, len(songs))
    with ThreadPoolExecutor(max_workers=min(len(songs), cores()), thread_name_prefix="song") as pool:
        made = [
            pool.submit(_make_clip, context, index, song, progress.of_clip(index)) for index, song in enumerate(songs)
        ]
        return [future.result() for future in made]


class ClipsProgress:
    """The task's progress from its clips' progress, made at the same time on several threads."""

    def __init__(self, context: JobContext, clips: int) -> None:
        self._context = context
        self._done = [0.0] * clips
        self._lock = threading.Lock()

    def of_clip(self, index: int) -> ProgressCallback:
        def report(fraction: float, stage: str) -> None:
            with self._lock:
                self._done[index] = max(self._done[index], fraction)
                total = sum(self._done) / len(self._done)
            self._context.progress(total, stage)  # raises LeaseLost in every clip's thread once the job is lost

        return report


def voice_of(gender: str) -> VoiceGender | None:
    """A stored "m"/"f" as the engine's voice; anything else: the style's usual voice."""
    if gender == "m":
        return "m"
    if gender == "f":
        return "f"
    return None


def _make_clip(context: JobContext, index: int, song_clip: SongClip, progress: ProgressCallback) -> ClipOutput:
    clip_id, data = context.job.clip_ids[index], context.job.clip_data[index]
    request = song_clip.request
    options = GenerationOptions(soundfont=context.services.settings.soundfont)

    def song_progress(fraction: float, stage: str) -> None:
        progress(_SONG_SHARE * fraction, stage)

    try:
        song = generate_song(request, options, song_progress)
    except GenerationError as error:
        raise JobFailed(str(error), error_type=error.reason) from error
    tags = request.tags or style_tags(song.plan.style)
    files = publish_clip_audio(
        context.services.blobs, context.workdir, clip_id, song.mix, song.sample_rate, request.title, style=tags
    )
    assets = store_stems(context, clip_id, song.stems, song.sample_rate) + store_documents(
        context, clip_id, song_documents(song)
    )
    has_vocal = bool(song.plan.vocals)
    data["title"] = request.title
    data["display_tags"] = tags
    data["metadata"].update(
        {
            "tags": tags,
            "negative_tags": request.negative_tags,
            "prompt": song.plan.lyrics or ("" if request.instrumental else request.lyrics),
            "gpt_description_prompt": request.description or None,
            "duration": files.duration,
            "engine": ENGINE_NAME,
            "has_vocal": has_vocal,
            "make_instrumental": not has_vocal,
            "seed": request.seed,
            **song_clip.metadata,
        }
    )
    progress(1.0, "published")
    return ClipOutput(clip_id, data, files, assets)


def song_documents(song: Song) -> dict[str, bytes]:
    """A song's MIDI, MIDI notes (the MIDI route's body), word timing and plan, as stored."""
    sung = song.stems[VOCALS] + song.stems[BACKING_VOCALS]
    return {
        MIDI_ASSET: plan_to_midi(song.plan),
        MIDI_NOTES_ASSET: orjson.dumps(midi_notes_as_dict(song.plan)),
        TIMING_ASSET: orjson.dumps(timing_as_dict(song.plan, sung, song.sample_rate)),
        PLAN_ASSET: orjson.dumps(plan_as_dict(song.plan)),
    }
