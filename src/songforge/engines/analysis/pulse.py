"""Periodic combs: how strongly an envelope pulses with a given period at each phase."""

from __future__ import annotations

import numpy as np

PHASE_STEP_S = 0.005


def comb(envelope: np.ndarray, frame_rate: float, period: float, duration: float) -> tuple[np.ndarray, np.ndarray]:
    """(phases, strengths): phases 0, PHASE_STEP_S, … below `period` seconds, and for each the mean of the
    envelope (one value per frame at `frame_rate`) at phase + k·period over the whole `duration`."""
    phases = np.arange(0.0, period, PHASE_STEP_S)
    repeats = max(1, int(np.ceil(duration / period)))
    times = phases[:, None] + period * np.arange(repeats)[None, :]
    inside = times < duration
    values = np.interp(times * frame_rate, np.arange(envelope.size), envelope, right=0.0)
    strengths = np.where(inside, values, 0.0).sum(axis=1) / np.maximum(inside.sum(axis=1), 1)
    return phases, strengths


def normalised(values: np.ndarray) -> np.ndarray:
    """The values rescaled to 0 … 1 (all zeros when they are flat), so unlike cues can be added."""
    span = float(np.ptp(values))
    return (values - values.min()) / span if span > 0 else np.zeros_like(values)
