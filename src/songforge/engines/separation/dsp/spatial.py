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
    left, right = spec[0], spec[1]
    left_level, right_level = np.abs(left), np.abs(right)
    level_difference = (left_level - right_level) / (left_level + right_level + 1e-9)
    phase_agreement = np.real(left * np.conj(right)) / (left_level * right_level + 1e-9)  # cos of the phase difference
    mask = np.exp(-((level_difference / width) ** 2)) * np.clip((1.0 + phase_agreement) / 2.0, 0.0, 1.0) ** 2
    if smooth and (smooth[0] > 1 or smooth[1] > 1):
        power = (left_level * left_level + right_level * right_level).astype(np.float32)
        weighted = uniform_filter(mask.astype(np.float32) * power, size=smooth, mode="nearest")
        mask = weighted / (uniform_filter(power, size=smooth, mode="nearest") + 1e-12)
    clipped: np.ndarray = np.clip(mask, 0.0, 1.0).astype(np.float32)
    return clipped
