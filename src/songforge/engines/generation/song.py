"""The song engine's one entry point: a request in, a finished song (master, exact stems, plan) out.

request → style → lyric form → plan (composer) → instruments (soundfont) → voices (eSpeak + WORLD) →
master. Each stage lives in its own module; this one only strings them together and shares out progress.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from songforge.core.stem_sets import TWELVE_STEMS
from songforge.core.styles import read_style
from songforge.engines.audio import waveform_data
from songforge.engines.generation.composer import compose
from songforge.engines.generation.errors import GenerationError
from songforge.engines.generation.form import read_lyric_form
from songforge.engines.generation.lyrics import Lyrics, write_lyrics
from songforge.engines.generation.mix import master
from songforge.engines.generation.render import render_instruments, soundfont_path
from songforge.engines.generation.score import (
    VOCALS,
    Plan,
    Song,
    SongRequest,
    Style,
)
from songforge.engines.generation.voice import sing
from songforge.engines.progress import ProgressCallback, no_progress

SAMPLE_RATE = 44100
# Every stem a song keeps, in the Twelve set's wire order.
SONG_STEMS: tuple[str, ...] = TWELVE_STEMS
ENGINE_NAME = "songforge-compose-1"

# Shares of the progress: composing is instant; instruments and voices take the time; the master is quick.
_COMPOSE_SHARE = 0.02
_INSTRUMENTS_SHARE = 0.45
_VOICES_SHARE = 0.45


@dataclass(frozen=True)
class GenerationOptions:
    sample_rate: int = SAMPLE_RATE
    soundfont: Path | None = None  # a General MIDI soundfont; None or missing: TimGM6mb (pretty_midi ships it)
    target_lufs: float = -14.0


def style_of(request: SongRequest) -> Style:
    return read_style(
        request.tags,
        request.description,
        request.negative_tags,
        voice=request.voice,
        instrumental=request.instrumental,
    )


def lyrics_for(description: str, *, seed: int) -> Lyrics:
    """Words for an inspiration song: the lyrics writer on the description (a topic when it is empty)."""
    return write_lyrics(description.strip() or "a song about today", seed=seed)


def style_tags(style: Style) -> str:
    """The style as tags for a clip whose caller gave none (inspiration): the words read, or genre and mood."""
    words = style.words or tuple(word for word in (style.genre, style.mood) if word != "neutral")
    return ", ".join(words)


def generate_song(
    request: SongRequest,
    options: GenerationOptions | None = None,
    progress: ProgressCallback = no_progress,
) -> Song:
    """Make one song. `request.lyrics` are sung as given; without lyrics (and not instrumental) the song is an
    instrumental unless the caller wrote lyrics first (see `lyrics_for`)."""
    options = options or GenerationOptions()
    style = style_of(request)
    instrumental = request.instrumental or not style.has_vocals or not request.lyrics.strip()
    form = None if instrumental else read_lyric_form(request.lyrics)
    if form is not None and not any(line.syllable_count for section in form.sections for line in section.lines):
        form = None  # tags only, or "…": nothing to sing
    plan = compose(request, style, form, title=request.title, lyrics="" if form is None else request.lyrics)
    progress(_COMPOSE_SHARE, "composed")
    sample_rate = options.sample_rate

    def instruments_progress(fraction: float, stage: str) -> None:
        progress(_COMPOSE_SHARE + _INSTRUMENTS_SHARE * fraction, stage or "instruments")

    stems = render_instruments(
        plan.parts,
        duration=plan.duration,
        sample_rate=sample_rate,
        soundfont=soundfont_path(options.soundfont),
        seed=request.seed,
        progress=instruments_progress,
    )
    start = _COMPOSE_SHARE + _INSTRUMENTS_SHARE
    share = _VOICES_SHARE / max(1, len(plan.vocals))
    for index, part in enumerate(plan.vocals):
        base = start + share * index

        def voice_progress(fraction: float, stage: str, base: float = base) -> None:
            progress(base + share * fraction, stage or "singing")

        sung = sing(
            part,
            language=plan.language,
            duration=plan.duration,
            sample_rate=sample_rate,
            seed=request.seed,
            progress=voice_progress,
        )
        stems[part.stem] = stems[part.stem] + sung.audio if part.stem in stems else sung.audio
        if part.stem == VOCALS:
            plan = words_heard_at(plan, sung.word_onsets)
    if not stems:
        raise GenerationError(
            "the style leaves nothing to play or sing (every instrument removed by `negative_tags`); "
            "remove some of them"
        )
    progress(start + _VOICES_SHARE, "mastering")
    mastered = master(stems, sample_rate, target_lufs=options.target_lufs, in_place=True)
    samples = mastered.mix.shape[1]
    silence = np.zeros((2, samples), dtype=np.float32)
    all_stems = {name: mastered.stems.get(name, silence) for name in SONG_STEMS}
    progress(1.0, "mastered")
    return Song(sample_rate=sample_rate, mix=mastered.mix, stems=all_stems, plan=plan)


def words_heard_at(plan: Plan, onsets: dict[int, float]) -> Plan:
    """The plan with each word starting when it is first heard (its onset consonants come before its first
    note), which is what the timing route reports and what an onset detector finds in the vocal."""
    words = tuple(
        dataclasses.replace(word, start=round(onsets[index], 3)) if index in onsets else word
        for index, word in enumerate(plan.words)
    )
    return dataclasses.replace(plan, words=words)


def timing_as_dict(plan: Plan, vocals: np.ndarray, sample_rate: int) -> dict[str, Any]:
    """The timing route's body (B §15.1): the sung words at the times they are sung (exact: the engine
    placed them, so `p_align` is 1.0), and the vocal's loudness curve at ten points a second."""
    words = [
        {
            "word": word.text,
            "success": True,
            "start_s": round(word.start, 3),
            "end_s": round(word.end, 3),
            "p_align": 1.0,
        }
        for word in plan.words
    ]
    return timing_as_dict_of_words(words, vocals, sample_rate)


def timing_as_dict_of_words(words: list[dict[str, Any]], vocals: np.ndarray, sample_rate: int) -> dict[str, Any]:
    """The timing route's body from aligned-word entries and the audio its waveform curve is drawn from."""
    return {
        "aligned_words": words,
        "waveform_data": waveform_data(vocals, sample_rate),
        "hoot_cer": 0.0,
        "is_streamed": False,
    }
