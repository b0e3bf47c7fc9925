"""generate task: two new songs (inspiration, custom lyrics or instrumental), each kept whole.

Both clips sing the same words (written once, for inspiration) with their own seed, so they differ in
melody and arrangement. Each clip publishes its mix (MP3, FLAC master, covers) and keeps its exact stems,
MIDI, word timing and plan as assets (core/songs.py reads them back).
"""

from __future__ import annotations

import contextlib
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
    style_of,
    style_tags,
    timing_as_dict,
)
from songforge.worker.context import JobContext, JobFailed, JobResult
from songforge.worker.publish import publish_clip_audio

# Of each clip's share of the progress: making the song, then publishing its files.
_SONG_SHARE = 0.9


def run(context: JobContext, params: SongParams) -> JobResult:
    settings = context.services.settings
    options = GenerationOptions(soundfont=settings.soundfont)
    lyrics, title = params.lyrics, params.title
    described = bool(params.description.strip()) and not params.lyrics.strip()
    if described and not params.instrumental:
        written = lyrics_for(params.description, seed=params.seed)
        lyrics, title = written.text, title or written.title
    title = title or _title_from(params)
    clips = list(zip(context.job.clip_ids, context.job.clip_data, strict=True))
    outputs: list[ClipOutput] = []
    share = 1.0 / len(clips)
    for index, (clip_id, data) in enumerate(clips):
        request = SongRequest(
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

        def song_progress(fraction: float, stage: str, base: float = index * share) -> None:
            context.progress(base + share * _SONG_SHARE * fraction, stage)

        try:
            song = generate_song(request, options, song_progress)
        except GenerationError as error:
            raise JobFailed(str(error), error_type=error.reason) from error
        files = publish_clip_audio(context.services.blobs, context.workdir, clip_id, song.mix, song.sample_rate, title)
        assets = _store_assets(context, clip_id, song)
        _fill_clip_data(data, song, request, params, duration=files.duration)
        outputs.append(ClipOutput(clip_id, data, files, assets))
        context.progress((index + 1) * share, "published")
    return JobResult(clips=outputs)


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
    data: dict[str, Any], song: Song, request: SongRequest, params: SongParams, *, duration: float
) -> None:
    lyrics = "" if request.instrumental else request.lyrics
    plan = song.plan
    metadata = data["metadata"]
    data["title"] = request.title
    has_vocal = bool(plan.vocals)
    metadata.update(
        {
            "tags": params.tags or style_tags(style_of(request)),
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
