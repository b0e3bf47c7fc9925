"""Uploads arrive as engines pass audio, (channels, samples) at any rate; analysis reads one mono channel."""

from __future__ import annotations

import librosa
import numpy as np


def mono(audio: np.ndarray) -> np.ndarray:
    """float32 (samples,): the channels of a (channels, samples) array averaged, or a mono array as it is."""
    if audio.ndim not in (1, 2) or audio.shape[-1] == 0:
        raise ValueError(f"expected mono (samples,) or (channels, samples) audio, got shape {audio.shape}")
    signal = audio if audio.ndim == 1 else audio.mean(axis=0)
    return np.asarray(signal, dtype=np.float32)


def mono_at(audio: np.ndarray, sample_rate: int, rate: int) -> np.ndarray:
    """The audio as mono float32 at `rate` (librosa's soxr resampler, as librosa.load uses)."""
    signal = mono(audio)
    if sample_rate == rate:
        return signal
    return np.asarray(librosa.resample(signal, orig_sr=sample_rate, target_sr=rate), dtype=np.float32)
