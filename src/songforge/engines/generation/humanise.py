"""Small seeded timing and velocity variations, so a sequenced part sounds played rather than quantised."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from songforge.engines.generation.score import Note


@dataclass(frozen=True)
class Feel:
    """How loosely a part is played: timing spread (standard deviation, seconds) and velocity spread (fraction)."""

    timing_sd_s: float
    velocity_spread: float


# Drummers hold the grid tighter than the players around them; either way the jitter stays a few ms.
PLAYED_FEEL = Feel(timing_sd_s=0.004, velocity_spread=0.08)
DRUM_FEEL = Feel(timing_sd_s=0.0015, velocity_spread=0.08)
# A draw beyond this many standard deviations is cut back, so no note is ever audibly late.
MAX_DEVIATIONS = 2.5
MIN_NOTE_S = 0.01


def humanise(notes: Sequence[Note], rng: np.random.Generator, feel: Feel) -> tuple[Note, ...]:
    """The notes in time order, each nudged by a few ms and its velocity scaled within ±velocity_spread.
    Notes keep their order (a later note is never moved before an earlier one) and their lengths."""
    ordered = sorted(notes, key=lambda note: note.start)
    if not ordered:
        return ()
    spread = MAX_DEVIATIONS * feel.timing_sd_s
    shifts = np.clip(rng.normal(0.0, feel.timing_sd_s, len(ordered)), -spread, spread)
    written = np.array([note.start for note in ordered])
    starts = np.maximum.accumulate(np.maximum(0.0, written + shifts))
    scales = 1.0 + rng.uniform(-feel.velocity_spread, feel.velocity_spread, len(ordered))
    played: list[Note] = []
    for note, start, scale in zip(ordered, starts, scales, strict=True):
        length = max(MIN_NOTE_S, note.end - note.start)
        velocity = min(max(round(note.velocity * scale), 1), 127)
        played.append(Note(start=float(start), end=float(start) + length, pitch=note.pitch, velocity=velocity))
    return tuple(played)
