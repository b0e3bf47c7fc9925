"""Where the harmony moves: chords change on the first beat of a bar far more often than anywhere else."""

from __future__ import annotations

import numpy as np


def chord_change_curve(chroma: np.ndarray, frame_rate: float, window_s: float) -> np.ndarray:
    """Per chroma frame, 1 − the cosine similarity of the mean chroma over `window_s` before and after it
    (0 where a whole window does not fit, or either side is silent)."""
    width = max(1, round(window_s * frame_rate))
    frames = chroma.shape[1]
    curve = np.zeros(frames)
    if frames <= 2 * width:
        return curve
    shares = chroma / np.maximum(chroma.sum(axis=0, keepdims=True), 1e-9)
    running = np.concatenate([np.zeros((12, 1)), np.cumsum(shares, axis=1)], axis=1)
    centres = np.arange(width, frames - width + 1)
    before = running[:, centres] - running[:, centres - width]
    after = running[:, centres + width] - running[:, centres]
    norms = np.linalg.norm(before, axis=0) * np.linalg.norm(after, axis=0)
    similarity = (before * after).sum(axis=0) / np.maximum(norms, 1e-12)
    curve[centres] = np.where(norms > 0.0, 1.0 - similarity, 0.0)
    return curve
