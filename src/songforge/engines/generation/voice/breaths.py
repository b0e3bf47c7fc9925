"""Audible in-breaths before phrases: band-passed noise that swells and fades, ending just before the singing."""

from __future__ import annotations

import numpy as np
from pedalboard import HighpassFilter, LowpassFilter, Pedalboard

from songforge.engines.generation.voice.placement import BREATH_GAP_S, Placement

LONGEST_BREATH_S = 0.45
_GAP_SHARE = 0.6  # a breath fills at most this share of the silence before the phrase
_BREATH_TO_ONSET_S = 0.04  # the breath stops this long before the first consonant
BREATH_LEVEL = 0.02  # breath RMS relative to the sung voice's RMS (about −34 dB)
_BREATH_BAND = Pedalboard([HighpassFilter(cutoff_frequency_hz=900.0), LowpassFilter(cutoff_frequency_hz=5000.0)])


def add_breaths(
    voice: np.ndarray,
    phrases: list[tuple[Placement, ...]],
    sample_rate: int,
    rng: np.random.Generator,
) -> None:
    """Mix a breath into `voice` (in place) before every phrase that follows BREATH_GAP_S of silence."""
    loudness = float(np.sqrt(np.mean(voice[np.abs(voice) > 0] ** 2))) if np.any(voice) else 0.0
    previous_end = 0.0
    for phrase in phrases:
        silence = phrase[0].onset_start - previous_end
        previous_end = phrase[-1].coda_end
        if silence < BREATH_GAP_S:
            continue
        length = min(LONGEST_BREATH_S, _GAP_SHARE * silence)
        end = round((phrase[0].onset_start - _BREATH_TO_ONSET_S) * sample_rate)
        start = max(0, end - round(length * sample_rate))
        if end - start > 0:
            voice[start:end] += _breath(end - start, sample_rate, rng) * loudness * BREATH_LEVEL


def _breath(length: int, sample_rate: int, rng: np.random.Generator) -> np.ndarray:
    noise = _BREATH_BAND(rng.standard_normal(length).astype(np.float32), sample_rate).astype(np.float64)
    # Swells for 60 % of the breath, then falls away; normalised to unit RMS before the shape.
    position = np.linspace(0.0, 1.0, length)
    shape = np.where(position < 0.6, np.sin(np.pi / 2 * position / 0.6), np.cos(np.pi / 2 * (position - 0.6) / 0.4))
    spread = float(np.sqrt(np.mean(noise**2)))
    return noise / spread * shape if spread > 0 else noise
