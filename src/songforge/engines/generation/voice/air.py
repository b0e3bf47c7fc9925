"""Air above 8 kHz: the voice is sung at 16 kHz, which leaves nothing above 8 kHz and sounds muffled next to
44.1 kHz instruments. Noise shaped by the voice's own 4–8 kHz band (its sibilants and breath) fills that octave,
the way bandwidth extension in speech codecs does."""

from __future__ import annotations

import numpy as np
from pedalboard import HighpassFilter, LadderFilter, LowpassFilter, Pedalboard
from scipy.signal import lfilter

from songforge.engines.generation.voice.espeak import SPEECH_RATE

AIR_LEVEL = 0.3  # air amplitude relative to the 4–8 kHz band that drives it
_ROLL_OFF_HZ = 11000.0
_FOLLOW_S = 0.004  # the air follows the band's loudness this quickly (sibilants are short)
_SOURCE_BAND = Pedalboard([HighpassFilter(cutoff_frequency_hz=4000.0), LowpassFilter(cutoff_frequency_hz=7500.0)])


def add_air(voice: np.ndarray, sample_rate: int, rng: np.random.Generator) -> np.ndarray:
    """`voice` (mono float32 at `sample_rate`) with the missing octave above SPEECH_RATE / 2 filled in."""
    if sample_rate < 2.5 * SPEECH_RATE / 2:
        return voice  # no room above the voice's own band
    band = _SOURCE_BAND(voice, sample_rate)
    smoothing = np.exp(-1.0 / (_FOLLOW_S * sample_rate))
    loudness = lfilter([1.0 - smoothing], [1.0, -smoothing], np.abs(band)).astype(np.float32)
    # Above the voice's band only, falling off with frequency as a voice's spectrum does.
    above = Pedalboard(
        [
            LadderFilter(mode=LadderFilter.Mode.HPF24, cutoff_hz=SPEECH_RATE / 2, resonance=0.0),
            LowpassFilter(cutoff_frequency_hz=_ROLL_OFF_HZ),
        ]
    )
    noise = above(rng.standard_normal(len(voice)).astype(np.float32), sample_rate)
    # |band| averages to about 0.8 of the band's RMS, and the noise has unit RMS: this lands near AIR_LEVEL.
    aired: np.ndarray = voice + AIR_LEVEL * 1.25 * loudness * noise
    return aired
