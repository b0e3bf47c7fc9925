"""STFT helpers (Hann 4096 / hop 1024 at 44.1 kHz, centred), on torch for speed."""

from __future__ import annotations

from functools import lru_cache

import numpy as np
import torch

from songforge.engines.separation.dsp.bands import HOP, N_FFT


@lru_cache(maxsize=4)
def _window(n_fft: int) -> torch.Tensor:
    return torch.hann_window(n_fft, dtype=torch.float32)


def stft(x: np.ndarray, n_fft: int = N_FFT, hop: int = HOP) -> np.ndarray:
    """x: float32 (channels, samples) → complex64 (channels, bins, frames)."""
    t = torch.from_numpy(np.ascontiguousarray(x, dtype=np.float32))
    spec = torch.stft(t, n_fft, hop, window=_window(n_fft), center=True, return_complex=True, pad_mode="constant")
    return spec.numpy()


def istft(spec: np.ndarray, length: int, n_fft: int = N_FFT, hop: int = HOP) -> np.ndarray:
    """complex (channels, bins, frames) → float32 (channels, length)."""
    t = torch.from_numpy(np.ascontiguousarray(spec, dtype=np.complex64))
    y = torch.istft(t, n_fft, hop, window=_window(n_fft), center=True, length=length)
    return y.numpy().astype(np.float32, copy=False)
