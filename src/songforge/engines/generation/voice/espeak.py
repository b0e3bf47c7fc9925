"""Text to speech with the eSpeak built into praat-parselmouth, with the phoneme timings the singer needs."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from functools import cache

import numpy as np
import parselmouth
from parselmouth.praat import call

SPEECH_RATE = 16000  # Hz; the singer analyses and resynthesises at this rate to stay fast
_WORDS_PER_MINUTE = 140  # a little slower than talking: longer vowels need less stretching
_PHONEME_TIER = 4  # the TextGrid's tiers are sentence, clause, word, phoneme

# Praat is not thread-safe; song jobs may run on several threads.
PRAAT_LOCK = threading.Lock()


@dataclass(frozen=True)
class Speaker:
    """Who says it: an eSpeak language and voice variant, and a multiplier on that voice's speaking pitch."""

    language_name: str  # Praat's name, e.g. "English (America)"
    variant: str  # e.g. "Male2", "Female1"
    pitch: float = 1.0  # 0.5 … 2.0


@dataclass(frozen=True)
class Phone:
    label: str  # IPA, e.g. "h", "əʊ"
    start: float  # seconds into the speech
    end: float


@dataclass(frozen=True, eq=False)
class Speech:
    samples: np.ndarray  # float64 mono at SPEECH_RATE
    phones: tuple[Phone, ...]  # the sounding phonemes in order, pauses left out


def speak(text: str, speaker: Speaker) -> Speech:
    """Say `text` on one monotone pitch (the singer replaces the melody anyway) and return the phonemes' times."""
    with PRAAT_LOCK:
        grid, sound = call(_synthesizer(speaker), "To Sound", text, "yes")
        phones = []
        for index in range(1, call(grid, "Get number of intervals", _PHONEME_TIER) + 1):
            label = call(grid, "Get label of interval", _PHONEME_TIER, index).strip()
            if label:
                start = call(grid, "Get start time of interval", _PHONEME_TIER, index)
                end = call(grid, "Get end time of interval", _PHONEME_TIER, index)
                phones.append(Phone(label=label, start=start, end=end))
        samples = np.asarray(sound.values[0], dtype=np.float64)
    return Speech(samples=samples, phones=tuple(phones))


@cache
def _synthesizer(speaker: Speaker) -> parselmouth.Data:
    synthesizer = call("Create SpeechSynthesizer", speaker.language_name, speaker.variant)
    # sampling rate, gap between words, pitch multiplier, pitch range multiplier (0: monotone), speed, phoneme codes
    call(synthesizer, "Speech output settings", SPEECH_RATE, 0.0, speaker.pitch, 0.0, _WORDS_PER_MINUTE, "IPA")
    return synthesizer


def has_voice(speaker: Speaker) -> bool:
    """Whether this parselmouth's eSpeak knows the speaker's language and voice variant."""
    try:
        with PRAAT_LOCK:
            _synthesizer(speaker)
    except parselmouth.PraatError:
        return False
    return True
