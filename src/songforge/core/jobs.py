"""Job kinds: the registry of what each kind of task is, costs, needs and which handler runs it.

A kind is declared once, here, by one registration line: its name (stored on the task row), the wire
action, the Settings field holding its price, the queue it runs on, the typed parameters it needs and the
worker module that handles it. The API validates and prices through this registry; the worker looks the
handler up by name (`songforge.worker.jobs.handler_for`). Handlers are named by module, not imported,
so the API process never loads an engine.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Literal

from songforge.config import Settings, credits_to_micros


class Queue(StrEnum):
    """Where a kind runs: any worker, or workers with an accelerator when the operator has them."""

    CPU = "cpu"
    GPU = "gpu"


@dataclass(frozen=True)
class LyricsParams:
    prompt: str
    seed: int | None = None


@dataclass(frozen=True)
class UploadParams:
    source: Literal["url", "file"]
    url: str = ""
    staged_blob: str = ""  # the uploaded file, staged in the blob store (source "file")
    filename: str = ""


@dataclass(frozen=True)
class WavParams:
    clip_id: str


@dataclass(frozen=True)
class StemParams:
    source_clip_id: str
    stem_set: str  # "two" | "twelve"


@dataclass(frozen=True)
class SongParams:
    """A new song (generate: inspiration, custom or instrumental). Both clips sing the same words; clip i uses
    `seed + i`, so they differ in melody and arrangement."""

    lyrics: str  # "" with `description`: written by the lyrics writer (inspiration mode)
    description: str
    tags: str
    negative_tags: str
    title: str
    instrumental: bool
    vocal_gender: str  # "m", "f" or "" (the style's usual voice)
    seed: int
    duration: float | None  # wanted length in seconds; None: as long as the lyrics need
    max_duration: float  # the cap (settings.max_song_seconds)
    timbre: int | None = None  # a persona's timbre (with its `vocal_gender`); None: chosen by seed


@dataclass(frozen=True)
class DerivedSongParams:
    """Two songs made from a clip the caller can see: its continuation (extend, upload_extend), a re-made
    window of it (infill), or its melody in another style (cover)."""

    source_clip_id: str
    lyrics: str  # the new words ("" for an instrumental piece; a cover sings the source's when empty)
    tags: str  # "" keeps the source's style
    negative_tags: str
    title: str
    vocal_gender: str
    seed: int
    max_duration: float
    continue_at: float | None = None  # extend: where the continuation starts (the next downbeat from here)
    window_start: float | None = None  # infill: the window re-made
    window_end: float | None = None
    duration: float | None = None  # wanted length of a continuation


@dataclass(frozen=True)
class ConcatParams:
    clip_id: str  # made by extend/upload_extend (joined with its ancestors) or infill (put back in its source)
    is_infill: bool


@dataclass(frozen=True)
class VideoParams:
    clip_id: str


@dataclass(frozen=True)
class MidiParams:
    clip_id: str  # a clip songforge did not generate: its notes are transcribed


JobParams = (
    LyricsParams
    | UploadParams
    | WavParams
    | StemParams
    | SongParams
    | DerivedSongParams
    | ConcatParams
    | VideoParams
    | MidiParams
)


@dataclass(frozen=True)
class JobKind:
    name: str
    action: Literal["MUSIC", "LYRICS"]
    price_setting: str  # the Settings field with this kind's price in credits
    queue: Queue
    params: type[JobParams]
    handler_module: str  # module under songforge.worker.jobs exposing `run(context, params)`
    # A render its source clip shows while it runs and after (a video: `is_video_pending`, `video_url`).
    shows_on_source: bool = False

    def queue_for(self, settings: Settings) -> Queue:
        """The queue this kind is sent to: its own when the operator runs GPU workers, else the CPU one."""
        return self.queue if settings.gpu_queue else Queue.CPU

    def price_micros(self, settings: Settings) -> int:
        return credits_to_micros(float(getattr(settings, self.price_setting)))

    def params_from_stored(self, stored: dict[str, Any]) -> JobParams:
        """The task's stored parameters as this kind's dataclass (unknown keys from older rows dropped)."""
        names = {field.name for field in dataclasses.fields(self.params)}
        return self.params(**{key: value for key, value in stored.items() if key in names})


GENERATE = JobKind("generate", "MUSIC", "price_music", Queue.GPU, SongParams, "generate")
EXTEND = JobKind("extend", "MUSIC", "price_music", Queue.GPU, DerivedSongParams, "extend")
INFILL = JobKind("infill", "MUSIC", "price_music", Queue.GPU, DerivedSongParams, "infill")
COVER = JobKind("cover", "MUSIC", "price_music", Queue.GPU, DerivedSongParams, "cover")
CONCAT = JobKind("concat", "MUSIC", "price_concat", Queue.CPU, ConcatParams, "concat")
MP4 = JobKind("mp4", "MUSIC", "price_mp4", Queue.CPU, VideoParams, "mp4", shows_on_source=True)
MIDI = JobKind("midi", "MUSIC", "price_midi", Queue.CPU, MidiParams, "midi")
LYRICS = JobKind("lyrics", "LYRICS", "price_lyrics", Queue.CPU, LyricsParams, "lyrics")
UPLOAD = JobKind("upload", "MUSIC", "price_upload", Queue.CPU, UploadParams, "upload")
WAV = JobKind("wav", "MUSIC", "price_wav", Queue.CPU, WavParams, "wav")
GEN_STEM_TWO = JobKind("gen_stem_two", "MUSIC", "price_stem_two", Queue.GPU, StemParams, "stems")
GEN_STEM_TWELVE = JobKind("gen_stem_twelve", "MUSIC", "price_stem_twelve", Queue.GPU, StemParams, "stems")

JOB_KINDS: dict[str, JobKind] = {
    kind.name: kind
    for kind in (
        GENERATE,
        EXTEND,
        INFILL,
        COVER,
        CONCAT,
        MP4,
        MIDI,
        LYRICS,
        UPLOAD,
        WAV,
        GEN_STEM_TWO,
        GEN_STEM_TWELVE,
    )
}


def job_kind(name: str) -> JobKind:
    """The registered kind called `name`; KeyError for a name no release of songforge wrote."""
    return JOB_KINDS[name]


# Kinds whose unfinished tasks mark their source clip as pending (queries render `is_video_pending` from them).
SHOWN_ON_SOURCE: tuple[str, ...] = tuple(name for name, kind in JOB_KINDS.items() if kind.shows_on_source)


def params_as_stored(params: JobParams) -> dict[str, Any]:
    return dataclasses.asdict(params)


# The `task` values of a music submit (absent: a new song).
KNOWN_MUSIC_TASKS: frozenset[str] = frozenset(
    {"extend", "upload_extend", "cover", "infill", "artist_consistency", "gen_stem"}
)
