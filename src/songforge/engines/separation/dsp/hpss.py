"""Harmonic / percussive soft masks by median filtering (Fitzgerald 2010; Driedger 2014 margins)."""

from __future__ import annotations

import numpy as np
from scipy.ndimage import median_filter


def hpss_masks(
    mag: np.ndarray, time_width: int = 17, freq_width: int = 17, power: float = 2.0
) -> tuple[np.ndarray, np.ndarray]:
    """mag: (bins, frames) magnitude → (harmonic mask, percussive mask), soft (Wiener, `power`), sum 1."""
    mag = mag.astype(np.float32, copy=False)
    harm = median_filter(mag, size=(1, time_width), mode="reflect")
    perc = median_filter(mag, size=(freq_width, 1), mode="reflect")
    hp = harm**power
    pp = perc**power
    total = hp + pp
    eps = np.float32(1e-12)
    mh = (hp + eps / 2) / (total + eps)
    return mh.astype(np.float32), (1.0 - mh).astype(np.float32)
