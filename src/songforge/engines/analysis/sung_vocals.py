"""The singing in a mix, for transcribing it: Two-stem vocals separated at several pitches and united.

Spleeter's vocal model misses some voices outright (a low synthetic male voice comes back near silent), and which
ones depends on the pitch it hears: the same mix separated a few semitones higher or lower gives that voice back.
The separator hears a mix higher when told it was recorded at a higher rate (pitch and tempo move together); the
vocals still come back on the mix's own samples, at its own pitch. The separations are united cell by cell of a
spectrogram, each cell taken from the loudest: whatever any of them heard as singing. Meant for transcription,
not for listening (the union keeps every separation's bleed too).
"""

from __future__ import annotations

import librosa
import numpy as np

from songforge.engines.analysis.basic_pitch_model import MODEL_RATE
from songforge.engines.analysis.signal import mono_at
from songforge.engines.progress import ProgressCallback, no_progress
from songforge.engines.separation import SeparationOptions, StemSet, separate

# Semitones the separator hears the mix moved by; the unmoved one first.
SEPARATION_SHIFTS = (0, 3, -3, 5, 7)
UNION_FFT = 2048  # at MODEL_RATE: 93 ms, a few harmonics of a low voice apart
UNION_HOP = 512


def sung_vocals(
    mix: np.ndarray,
    sample_rate: int,
    options: SeparationOptions | None = None,
    progress: ProgressCallback = no_progress,
    *,
    mix_vocals: np.ndarray | None = None,
) -> np.ndarray:
    """Mono float32 vocals at MODEL_RATE (basic-pitch's rate) of a (channels, samples) mix; ValueError for audio
    the separator cannot use. `mix_vocals`: the mix's own Two vocal stem, when the caller has separated it
    already (the unmoved pass is then not run again)."""
    if mix_vocals is None:
        first = vocals_heard_at(mix, sample_rate, SEPARATION_SHIFTS[0], options)
    else:
        first = mono_at(mix_vocals, sample_rate, MODEL_RATE)
    united = spectrum_of(first)
    progress(1 / len(SEPARATION_SHIFTS), "separation")
    for done, semitones in enumerate(SEPARATION_SHIFTS[1:], start=2):
        spectrum = spectrum_of(vocals_heard_at(mix, sample_rate, semitones, options))
        united = np.where(np.abs(spectrum) > np.abs(united), spectrum, united)
        progress(done / len(SEPARATION_SHIFTS), "separation")
    return np.asarray(librosa.istft(united, hop_length=UNION_HOP, n_fft=UNION_FFT, length=first.size), dtype=np.float32)


def vocals_heard_at(mix: np.ndarray, sample_rate: int, semitones: int, options: SeparationOptions | None) -> np.ndarray:
    """The Two vocal stem of the mix as the separator makes it hearing the mix `semitones` higher, as mono at
    MODEL_RATE and the mix's own pitch."""
    heard_rate = round(sample_rate * 2.0 ** (semitones / 12.0))
    vocals = separate(mix, heard_rate, StemSet.TWO, options=options)[0].audio
    return mono_at(vocals, sample_rate, MODEL_RATE)


def spectrum_of(signal: np.ndarray) -> np.ndarray:
    return np.asarray(librosa.stft(signal, n_fft=UNION_FFT, hop_length=UNION_HOP))
