"""A log-linear frequency band map: linear (one band per STFT bin) at low frequencies, then
1/3-semitone bands. NMF runs on these ~230 bands instead of 2049 bins (10x cheaper) and the
resulting per-band masks are spread back onto the bins.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

from songforge.engines.separation.stft import MODEL_SAMPLE_RATE, N_FFT

F_MIN = 20.0
F_MAX = 18000.0
BANDS_PER_OCTAVE = 36


@lru_cache(maxsize=8)
def band_centres(n_fft: int = N_FFT, sample_rate: int = MODEL_SAMPLE_RATE) -> np.ndarray:
    """Centre frequency (Hz) of each band."""
    df = sample_rate / n_fft
    ratio = 2.0 ** (1.0 / BANDS_PER_OCTAVE) - 1.0
    centres = [F_MIN]
    while centres[-1] < min(F_MAX, sample_rate / 2 - df):
        f = centres[-1]
        centres.append(f + max(df, f * ratio))
    return np.asarray(centres)


@lru_cache(maxsize=8)
def band_matrix(n_fft: int = N_FFT, sample_rate: int = MODEL_SAMPLE_RATE) -> np.ndarray:
    """(bands, bins) non-negative triangular filterbank; each row sums to 1 (a band is the weighted
    average of its bins, so wide high bands do not outweigh narrow low ones).

    Each bin belongs to (at most two) neighbouring bands with linear weights, so the transpose
    (normalised per bin, `spread_matrix`) spreads band values back to bins smoothly.
    """
    n_bins = n_fft // 2 + 1
    df = sample_rate / n_fft
    freqs = np.arange(n_bins) * df
    centres_arr = band_centres(n_fft, sample_rate)
    n_bands = len(centres_arr)
    mat = np.zeros((n_bands, n_bins), dtype=np.float32)
    # piecewise-linear interpolation weights of each bin frequency between band centres
    idx = np.searchsorted(centres_arr, freqs) - 1
    for b in range(n_bins):
        i = idx[b]
        f = freqs[b]
        if i < 0:
            mat[0, b] = 1.0
        elif i >= n_bands - 1:
            mat[n_bands - 1, b] = 1.0
        else:
            w = (f - centres_arr[i]) / (centres_arr[i + 1] - centres_arr[i])
            mat[i, b] += 1.0 - w
            mat[i + 1, b] += w
    mat /= np.maximum(mat.sum(axis=1, keepdims=True), 1e-12)
    return mat


@lru_cache(maxsize=8)
def spread_matrix(n_fft: int = N_FFT, sample_rate: int = MODEL_SAMPLE_RATE) -> np.ndarray:
    """(bins, bands): interpolates band values back to bins (rows sum to 1)."""
    m = band_matrix(n_fft, sample_rate).T.copy()
    m /= np.maximum(m.sum(axis=1, keepdims=True), 1e-12)
    return m.astype(np.float32)
