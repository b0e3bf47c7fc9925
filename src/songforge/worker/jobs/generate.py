"""generate task: two new songs (inspiration, custom lyrics or instrumental), each kept whole.

Both clips sing the same words (written once, for inspiration) with their own seed, so they differ in
melody and arrangement. Each clip publishes its mix (MP3, FLAC master, covers) and keeps its exact stems,
MIDI, word timing and plan as assets (core/songs.py reads them back).
"""

from __future__ import annotations

import contextlib
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import orjson

from songforge.core.clip_files import (
    MIDI_ASSET,
    MIDI_NOTES_ASSET,
    PLAN_ASSET,
    TIMING_ASSET,
    StoredAsset,
    stem_asset,
)
from songforge.core.jobs import SongParams
from songforge.core.lifecycle import ClipOutput
from songforge.core.urls import asset_blob_name
from songforge.engines.audio import encode_flac
from songforge.engines.generation.errors import GenerationError
from songforge.engines.generation.export import midi_notes_as_dict, plan_as_dict, plan_to_midi
from songforge.engines.generation.score import Song, SongRequest, VoiceGender
from songforge.engines.generation.song import (
    ENGINE_NAME,
    GenerationOptions,
    generate_song,
    lyrics_for,
    style_tags,
    timing_as_dict,
)
from songforge.engines.progress import ProgressCallback
from songforge.worker.context import JobContext, JobFailed, JobResult
from songforge.worker.publish import cores, publish_clip_audio

# Of each clip's share of the progress: making the song, then publishing its files.
_SONG_SHARE = 0.9


def run(context: JobContext, params: SongParams) -> JobResult:
    lyrics, title = params.lyrics, params.title
    described = bool(params.description.strip()) and not params.lyrics.strip()
    if described and not params.instrumental:
        written = lyrics_for(params.description, seed=params.seed)
        lyrics, title = written.text, title or written.title
    title = title or _title_from(params)
    requests = [
        SongRequest(
            lyrics=lyrics,
            description=params.description,
            tags=params.tags,
            negative_tags=params.negative_tags,
            title=title,
            instrumental=params.instrumental,
            voice=_voice(params.vocal_gender),
            seed=params.seed + index,
            duration_s=params.duration,
            max_duration_s=params.max_duration,
        )
        for index in range(len(context.job.clip_ids))
    ]
    progress = _ClipsProgress(context, len(requests))
    # The clips are made side by side: the soundfont, effects, vocoder and encoders spend much of their time
    # outside the GIL, so two clips on two cores take about 0.7 of the time of one after the other.
    with ThreadPoolExecutor(max_workers=min(len(requests), cores()), thread_name_prefix="song") as pool:
        made = [
            pool.submit(_make_clip, context, index, request, params, progress.of_clip(index))
            for index, request in enumerate(requests)
        ]
        return JobResult(clips=[future.result() for future in made])


class _ClipsProgress:
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


def _make_clip(
    context: JobContext, index: int, request: SongRequest, params: SongParams, progress: ProgressCallback
) -> ClipOutput:
    clip_id, data = context.job.clip_ids[index], context.job.clip_data[index]
    options = GenerationOptions(soundfont=context.services.settings.soundfont)

    def song_progress(fraction: float, stage: str) -> None:
        progress(_SONG_SHARE * fraction, stage)

    try:
        song = generate_song(request, options, song_progress)
    except GenerationError as error:
        raise JobFailed(str(error), error_type=error.reason) from error
    tags = params.tags or style_tags(song.plan.style)
    files = publish_clip_audio(
        context.services.blobs, context.workdir, clip_id, song.mix, song.sample_rate, request.title, style=tags
    )
    assets = _store_assets(context, clip_id, song)
    _fill_clip_data(data, song, request, params, tags=tags, duration=files.duration)
    progress(1.0, "published")
    return ClipOutput(clip_id, data, files, assets)


def _voice(gender: str) -> VoiceGender | None:
    if gender == "m":
        return "m"
    if gender == "f":
        return "f"
    return None


def _title_from(params: SongParams) -> str:
    words = (params.description or params.tags).strip()
    return words[:60].strip().title() if words else "Untitled"


def _store_assets(context: JobContext, clip_id: str, song: Song) -> tuple[StoredAsset, ...]:
    """The exact stems (24-bit FLAC), MIDI, MIDI notes, word timing and plan of one song."""
    blobs = context.services.blobs
    stored: list[StoredAsset] = []
    for stem, audio in song.stems.items():
        name = stem_asset(stem)
        blob = asset_blob_name(clip_id, name)
        path = context.workdir / f"{clip_id}-{len(stored)}.flac"
        encode_flac(audio, song.sample_rate, path)
        blobs.put_file(blob, path)
        with contextlib.suppress(FileNotFoundError):  # a hard link, or a copy the store made
            path.unlink()
        stored.append(StoredAsset(name, blob))
    documents: dict[str, bytes] = {
        MIDI_ASSET: plan_to_midi(song.plan),
        MIDI_NOTES_ASSET: orjson.dumps(midi_notes_as_dict(song.plan)),
        TIMING_ASSET: orjson.dumps(timing_as_dict(song.plan, _sung(song), song.sample_rate)),
        PLAN_ASSET: orjson.dumps(plan_as_dict(song.plan)),
    }
    for name, content in documents.items():
        blob = asset_blob_name(clip_id, name)
        blobs.put_bytes(blob, content)
        stored.append(StoredAsset(name, blob))
    return tuple(stored)


def _sung(song: Song) -> Any:
    return song.stems["Vocals"] + song.stems["Backing Vocals"]


def _fill_clip_data(
    data: dict[str, Any], song: Song, request: SongRequest, params: SongParams, *, tags: str, duration: float
) -> None:
    lyrics = "" if request.instrumental else request.lyrics
    plan = song.plan
    metadata = data["metadata"]
    data["title"] = request.title
    has_vocal = bool(plan.vocals)
    metadata.update(
        {
            "tags": tags,
            "negative_tags": params.negative_tags,
            "prompt": plan.lyrics or lyrics,
            "gpt_description_prompt": params.description or None,
            "duration": duration,
            "engine": ENGINE_NAME,
            "has_vocal": has_vocal,
            "make_instrumental": not has_vocal,
            "seed": request.seed,
        }
    )
    data["display_tags"] = metadata["tags"]
