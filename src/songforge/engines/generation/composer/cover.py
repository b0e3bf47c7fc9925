"""A cover's tune: the source's sung pitches, one per syllable, moved by whole octaves into the new singer's range.

Each pitch keeps its pitch class; only its octave is chosen. A Viterbi path over one octave shift per note keeps
the whole tune in range while changing the shift (a leap the source did not have) as rarely as the range allows,
and sits the tune as near the range's middle as it can.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

OCTAVE_SHIFTS = np.arange(-5, 6)
OUT_OF_RANGE_COST = 100.0  # per semitone outside the voice: the singer's range comes first
NEW_LEAP_COST = 10.0  # per octave of shift changed between neighbours: an interval the source did not sing
OFF_CENTRE_COST = 0.01  # per semitone from the middle of the range: only decides between equal fits


def cover_melody(source: Sequence[int], pitch_range: tuple[int, int]) -> tuple[int, ...]:
    """The source's pitches in the singer's range, its intervals kept wherever the range allows."""
    if not source:
        return ()
    low, high = pitch_range
    candidates = np.asarray(source, dtype=float)[:, None] + 12 * OCTAVE_SHIFTS[None, :]
    outside = np.maximum(low - candidates, 0) + np.maximum(candidates - high, 0)
    local = outside * OUT_OF_RANGE_COST + np.abs(candidates - (low + high) / 2) * OFF_CENTRE_COST
    moves = np.abs(OCTAVE_SHIFTS[:, None] - OCTAVE_SHIFTS[None, :]) * NEW_LEAP_COST  # [from, to]
    totals = local[0].copy()
    came_from = np.zeros(local.shape, dtype=int)
    for index in range(1, len(source)):
        through = totals[:, None] + moves
        came_from[index] = np.argmin(through, axis=0)
        totals = through[came_from[index], np.arange(len(OCTAVE_SHIFTS))] + local[index]
    path = [int(np.argmin(totals))]
    for index in range(len(source) - 1, 0, -1):
        path.append(int(came_from[index][path[-1]]))
    shifts = OCTAVE_SHIFTS[path[::-1]]
    return tuple(int(pitch + 12 * shift) for pitch, shift in zip(source, shifts, strict=True))


def cycled(tune: Sequence[int], start: int, count: int) -> tuple[int, ...]:
    """`count` pitches of the tune from its `start`th syllable on, from its beginning again when it runs out."""
    return tuple(tune[(start + offset) % len(tune)] for offset in range(count))
