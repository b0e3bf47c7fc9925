"""Analysed speech for each sung syllable, cached so backing voices and repeated choruses reuse it."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from songforge.engines.generation.voice.espeak import SPEECH_RATE, Speaker, Speech, speak
from songforge.engines.generation.voice.syllables import SyllableTiming, split_into_syllables
from songforge.engines.generation.voice.world import FRAME_PERIOD_S, Analysis, analyse

_MARGIN_S = 0.02  # speech kept around the phonemes, so the first and last frames are analysed whole
_VOCALISE = "ah"  # sung for a syllable with no letters eSpeak could read


@dataclass(frozen=True, eq=False)
class SyllableSound:
    """A syllable's analysed speech and, in frames of `analysis`, where its parts begin and end."""

    analysis: Analysis
    onset_start: float
    nucleus_start: float
    nucleus_end: float
    coda_end: float

    @property
    def onset_frames(self) -> float:
        return self.nucleus_start - self.onset_start

    @property
    def coda_frames(self) -> float:
        return self.coda_end - self.nucleus_end


def word_sounds(syllables: tuple[str, ...], speaker: Speaker, speak_syllables_alone: bool) -> tuple[SyllableSound, ...]:
    """The sounds of a word's syllables: from the whole word spoken at once where its vowels can be split
    among them (natural coarticulation), else from each syllable spoken on its own."""
    readable = tuple(_readable(syllable) for syllable in syllables)
    if not speak_syllables_alone and len(readable) > 1:
        whole = _whole_word(readable, speaker)
        if whole is not None:
            return whole
    return tuple(_syllable_alone(syllable, speaker) for syllable in readable)


def clear_cache() -> None:
    """Forget every analysed syllable (tests time the uncached path with this)."""
    _whole_word.cache_clear()
    _syllable_alone.cache_clear()


@lru_cache(maxsize=256)  # ~115 kB each, 30 MB at most; a song has about 100 different words
def _whole_word(syllables: tuple[str, ...], speaker: Speaker) -> tuple[SyllableSound, ...] | None:
    speech = speak("".join(syllables), speaker)
    timings = split_into_syllables(speech.phones, len(syllables))
    if timings is None:
        return None
    return _analysed(speech, timings)


@lru_cache(maxsize=512)  # 60 MB at most
def _syllable_alone(syllable: str, speaker: Speaker) -> SyllableSound:
    speech = speak(syllable, speaker)
    if not speech.phones:  # a symbol eSpeak cannot say: sing a vowel there rather than nothing
        speech = speak(_VOCALISE, speaker)
    # Where eSpeak hears several vowels, they become one long nucleus.
    timings = split_into_syllables(speech.phones, 1) or (_whole_speech(speech),)
    return _analysed(speech, timings)[0]


def _whole_speech(speech: Speech) -> SyllableTiming:
    end = len(speech.samples) / SPEECH_RATE
    return SyllableTiming(0.0, 0.0, end, end)


def _analysed(speech: Speech, timings: tuple[SyllableTiming, ...]) -> tuple[SyllableSound, ...]:
    first = max(0.0, timings[0].onset_start - _MARGIN_S)
    last = timings[-1].coda_end + _MARGIN_S
    vowels = tuple((timing.nucleus_start - first, timing.nucleus_end - first) for timing in timings)
    analysis = analyse(speech.samples[int(first * SPEECH_RATE) : int(last * SPEECH_RATE)], SPEECH_RATE, vowels)
    return tuple(
        SyllableSound(
            analysis=analysis,
            onset_start=(timing.onset_start - first) / FRAME_PERIOD_S,
            nucleus_start=(timing.nucleus_start - first) / FRAME_PERIOD_S,
            nucleus_end=(timing.nucleus_end - first) / FRAME_PERIOD_S,
            coda_end=(timing.coda_end - first) / FRAME_PERIOD_S,
        )
        for timing in timings
    )


def _readable(syllable: str) -> str:
    letters = "".join(character for character in syllable.lower() if character.isalpha() or character == "'")
    return letters.strip("'") or _VOCALISE
