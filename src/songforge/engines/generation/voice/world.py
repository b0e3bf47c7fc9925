"""WORLD vocoder analysis and synthesis (pyworld): speech in, spectral envelope and aperiodicity out, and back."""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import parselmouth

from songforge.engines.generation.voice.espeak import PRAAT_LOCK

with warnings.catch_warnings():
    # pyworld 0.3.5 imports the deprecated pkg_resources; the warning is noise for our users.
    warnings.simplefilter("ignore")
    import pyworld

FRAME_PERIOD_S = 0.005
_FRAME_PERIOD_MS = FRAME_PERIOD_S * 1000.0
_SPEECH_PITCH_FLOOR = 75.0  # Hz; the singers' speech is spoken between about 120 and 250 Hz
_SPEECH_PITCH_CEILING = 600.0
_SHORTEST_S = 0.1  # Praat's pitch tracker needs a few periods of its lowest pitch
_FALLBACK_PITCH = 150.0  # Hz, for a vowel in which no pitch was found at all
# 512 at 16 kHz: fine enough for formants, and half the cost per pulse of the default 1024 (which exists only to
# analyse pitches below 94 Hz; the singer's speech is spoken higher than that).
FFT_SIZE = 512
_SILENT_POWER = 1e-12  # an envelope this small renders as silence
SILENT_LOG_ENVELOPE = float(np.log(_SILENT_POWER))


@dataclass(frozen=True, eq=False)
class Analysis:
    """One utterance as WORLD frames (FRAME_PERIOD_S apart). Stored compactly because the cache keeps many."""

    log_envelope: np.ndarray  # (frames, bins) float16, natural log of the power spectral envelope
    aperiodicity: np.ndarray  # (frames, bins) float16, 0 periodic … 1 noise
    voiced: np.ndarray  # (frames,) bool, where the speech had a pitch

    @property
    def frame_count(self) -> int:
        return int(self.voiced.shape[0])


def analyse(samples: np.ndarray, sample_rate: int, vowels: tuple[tuple[float, float], ...] = ()) -> Analysis:
    """Analyse speech: Praat's pitch refined by StoneMask, CheapTrick's envelope and D4C's aperiodicity.

    `vowels` are (start, end) seconds that must come out voiced: where the tracker drops a vowel's pitch, the
    neighbouring pitch is carried over, or D4C would call the vowel noise and the singer would whisper it."""
    signal = np.pad(np.asarray(samples, dtype=np.float64), (0, max(0, round(_SHORTEST_S * sample_rate) - len(samples))))
    times = np.arange(len(signal) // round(sample_rate * FRAME_PERIOD_S) + 1) * FRAME_PERIOD_S
    f0 = _with_vowels_voiced(_speech_pitch(signal, sample_rate, times), times, vowels)
    f0 = pyworld.stonemask(signal, f0, times, sample_rate)
    envelope = pyworld.cheaptrick(signal, f0, times, sample_rate, fft_size=FFT_SIZE)
    aperiodicity = pyworld.d4c(signal, f0, times, sample_rate, fft_size=FFT_SIZE)
    return Analysis(
        log_envelope=np.log(np.maximum(envelope, _SILENT_POWER)).astype(np.float16),
        aperiodicity=aperiodicity.astype(np.float16),
        voiced=f0 > 0,
    )


def _speech_pitch(signal: np.ndarray, sample_rate: int, times: np.ndarray) -> np.ndarray:
    """F0 at `times` (0 = unvoiced). Praat's autocorrelation tracker, because WORLD's DIO often halves or drops
    the pitch of eSpeak's flat, buzzy vowels."""
    with PRAAT_LOCK:
        pitch = parselmouth.Sound(signal, sample_rate).to_pitch_ac(
            time_step=FRAME_PERIOD_S, pitch_floor=_SPEECH_PITCH_FLOOR, pitch_ceiling=_SPEECH_PITCH_CEILING
        )
        frequencies = pitch.selected_array["frequency"]
        first_time = pitch.xs()[0] if pitch.n_frames else 0.0
    if not len(frequencies):
        return np.zeros_like(times)
    nearest = np.rint((times - first_time) / FRAME_PERIOD_S).astype(int)
    inside = (nearest >= 0) & (nearest < len(frequencies))
    return np.where(inside, frequencies[nearest.clip(0, len(frequencies) - 1)], 0.0)


def _with_vowels_voiced(f0: np.ndarray, times: np.ndarray, vowels: tuple[tuple[float, float], ...]) -> np.ndarray:
    voiced = f0 > 0
    in_vowel = np.zeros_like(voiced)
    for start, end in vowels:
        in_vowel |= (times >= start) & (times < end)
    gaps = in_vowel & ~voiced
    if not np.any(gaps):
        return f0
    filled = f0.copy()
    filled[gaps] = np.interp(times[gaps], times[voiced], f0[voiced]) if np.any(voiced) else _FALLBACK_PITCH
    return filled


def synthesise(f0: np.ndarray, envelope: np.ndarray, aperiodicity: np.ndarray, sample_rate: int) -> np.ndarray:
    """Render WORLD frames (f0 in Hz, 0 = unvoiced; power envelope; aperiodicity) to float64 samples."""
    return np.asarray(
        pyworld.synthesize(
            np.ascontiguousarray(f0, dtype=np.float64),
            # WORLD takes the log of the envelope: a zero there would turn the whole phrase into NaN.
            np.ascontiguousarray(np.maximum(envelope, _SILENT_POWER), dtype=np.float64),
            np.ascontiguousarray(np.clip(aperiodicity, 0.0, 1.0), dtype=np.float64),
            sample_rate,
            _FRAME_PERIOD_MS,
        )
    )
