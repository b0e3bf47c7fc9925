"""Sing a vocal part: eSpeak says each word, WORLD re-sings it on the melody, effects make it a stem."""

from __future__ import annotations

import math
import zlib
from dataclasses import dataclass

import numpy as np

from songforge.engines.generation.score import VocalPart
from songforge.engines.generation.voice.breaths import add_breaths
from songforge.engines.generation.voice.effects import finish
from songforge.engines.generation.voice.espeak import SPEECH_RATE, Speaker
from songforge.engines.generation.voice.frames import render_phrase
from songforge.engines.generation.voice.languages import espeak_language
from songforge.engines.generation.voice.library import SyllableSound, word_sounds
from songforge.engines.generation.voice.placement import phrases, place, sung_syllables, words_of
from songforge.engines.generation.voice.timbre import timbre_of
from songforge.engines.progress import ProgressCallback, no_progress

_STAGE = "vocals"
_SPEAKING_SHARE = 0.5  # of the progress bar: speaking and analysing words; the rest is singing them


@dataclass(frozen=True)
class SungPart:
    """A part as sung: the stem, and when each word (by `SungNote.word_index`) is first heard — its onset
    consonants start before the note, so a word is heard a little before its first note."""

    audio: np.ndarray
    word_onsets: dict[int, float]


def sing(
    part: VocalPart,
    *,
    language: str,
    duration: float,
    sample_rate: int,
    seed: int,
    progress: ProgressCallback = no_progress,
) -> SungPart:
    """The part sung: a float32 (2, round(duration · sample_rate)) stem, and when each word is first heard.
    Raises UnsupportedLanguage when no voice can read the language (languages without their own voice get the
    closest one)."""
    length = max(0, round(duration * sample_rate))
    espeak = espeak_language(language)
    syllables = sung_syllables(part.notes, duration)
    if not syllables:
        progress(1.0, _STAGE)
        return SungPart(np.zeros((2, length), dtype=np.float32), {})
    timbre = timbre_of(part.voice, part.timbre)
    speaker = Speaker(espeak.name, timbre.espeak_variant, timbre.speaking_pitch)
    words = words_of(syllables)
    sounds: list[SyllableSound] = []
    for index, word in enumerate(words):
        texts = tuple(syllable.text for syllable in word)
        sounds.extend(word_sounds(texts, speaker, espeak.speaks_syllables_alone))
        progress(_SPEAKING_SHARE * (index + 1) / len(words), _STAGE)
    rng = np.random.default_rng([seed, zlib.crc32(f"{part.stem}/{part.voice}/{part.timbre}".encode())])
    placements = place(syllables, tuple(sounds))
    word_onsets: dict[int, float] = {}
    for placement in placements:
        word_onsets.setdefault(placement.syllable.word_index, placement.onset_start)
    sung_phrases = phrases(placements)
    voice = np.zeros(math.ceil(duration * SPEECH_RATE) + 1)
    for index, phrase in enumerate(sung_phrases):
        offset, samples = render_phrase(phrase, timbre, rng)
        end = min(len(voice), offset + len(samples))
        voice[offset:end] += samples[: end - offset]
        progress(_SPEAKING_SHARE + (1.0 - _SPEAKING_SHARE) * 0.9 * (index + 1) / len(sung_phrases), _STAGE)
    add_breaths(voice, sung_phrases, SPEECH_RATE, rng)
    stem = finish(voice, SPEECH_RATE, part, sample_rate, length, rng)
    progress(1.0, _STAGE)
    return SungPart(stem, word_onsets)
