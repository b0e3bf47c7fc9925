"""Spatial cues: the lead vocal is mixed to the centre (equal level and phase in both channels), backing
vocals are doubled/panned wide. A soft time-frequency mask from the inter-channel level difference and
phase coherence splits a stereo vocal stem into centre (lead) and side (backing) parts.
"""

from __future__ import annotations

import numpy as np
from scipy.ndimage import uniform_filter


def centre_mask(spec: np.ndarray, width: float = 0.3, smooth: tuple[int, int] = (3, 3)) -> np.ndarray:
    """spec: complex (2, bins, frames) → mask (bins, frames) in [0, 1]: 1 for centre-panned energy.

    width: the level-difference index (|L|-|R|)/(|L|+|R|) at which the mask falls to 1/e. The mask is the
    energy-weighted average over a small neighbourhood (`smooth` bins × frames) to avoid musical noise.
    """
    if spec.shape[0] != 2:
        return np.ones(spec.shape[1:], dtype=np.float32)
    L, R = spec[0], spec[1]
    aL, aR = np.abs(L), np.abs(R)
    s = aL + aR + 1e-9
    level = (aL - aR) / s
    coh = np.real(L * np.conj(R)) / (aL * aR + 1e-9)  # cos of the phase difference
    m = np.exp(-((level / width) ** 2)) * np.clip((1.0 + coh) / 2.0, 0.0, 1.0) ** 2
    if smooth and (smooth[0] > 1 or smooth[1] > 1):
        e = (aL * aL + aR * aR).astype(np.float32)
        num = uniform_filter(m.astype(np.float32) * e, size=smooth, mode="nearest")
        den = uniform_filter(e, size=smooth, mode="nearest") + 1e-12
        m = num / den
    return np.clip(m, 0.0, 1.0).astype(np.float32)
