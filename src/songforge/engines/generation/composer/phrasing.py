"""The rhythm of a sung line: where each syllable starts, so stressed syllables fall on strong beats.

A line owns a whole number of bars and ends with a breath. Syllables sit on a grid (sixteenths when they are
long enough to sing, else eighths); a small dynamic programme picks the grid positions that put stresses on
strong beats, keep the spacing even and leave the last syllable a long note.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from songforge.engines.generation.composer.timeline import Timeline, strong_beats

SHORTEST_NOTE_S = 0.125  # a sung note shorter than this is a blip, not a syllable
BREATH_S = 0.3  # silence before the next line (the renderer puts the breath in it)
FASTEST_SYLLABLES_PER_S = 4.5
LINE_BAR_CHOICES = (2, 4)
FINAL_HOLD_SLOTS = 2.0  # a phrase's last syllable is held about twice as long as the others
LONGEST_INNER_NOTE_BEATS = 2.0
RHYTHM_JITTER = 0.25  # seeded noise on the costs: different seeds phrase the same words differently

# Costs of the dynamic programme, in arbitrary units against each other.
STRESS_OFF_STRONG = (0.0, 1.5, 3.0, 4.5)  # stressed syllable at metric weight 3, 2, 1, 0
UNSTRESSED_ON_STRONG = 0.8
ON_SIXTEENTH = 0.4
UNEVEN_SPACING = 1.0
LATE_START_PER_BEAT = 0.3
SHORT_FINAL_PER_BEAT = 6.0


@dataclass(frozen=True)
class LineRhythm:
    """Beats from the line's first downbeat: one start and one end per syllable."""

    starts: tuple[float, ...]
    ends: tuple[float, ...]


def grid_step(timeline: Timeline) -> float:
    """The finest grid, in beats, whose swung steps are still long enough to sing."""
    for step in (0.25, 0.5, 1.0):
        if timeline.shortest_step(step) >= SHORTEST_NOTE_S:
            return step
    return 2.0


def breath_beats(timeline: Timeline) -> float:
    step = grid_step(timeline)
    # Divided by the swing squeeze: a swung off-beat ending must still leave the full breath.
    squeeze = 1.0 - timeline.swing if timeline.meter[1] == 4 else 1.0
    wanted = max(BREATH_S / (timeline.seconds_per_beat * squeeze), 0.5)
    return math.ceil(wanted / step - 1e-9) * step


def line_capacity(bars: int, timeline: Timeline) -> int:
    """How many syllables fit on the grid of `bars` bars before the breath."""
    span = bars * timeline.beats_per_bar - breath_beats(timeline)
    return max(int(span / grid_step(timeline) + 1e-9), 1)


def bars_for_line(syllables: int, timeline: Timeline) -> int:
    """2 or 4 bars: the fewer that sings the syllables at a singable rate (more only for a very long line)."""
    bars = LINE_BAR_CHOICES[0]
    while True:
        sung_seconds = bars * timeline.bar_seconds - BREATH_S
        roomy = syllables <= 0.75 * line_capacity(bars, timeline)
        if bars >= LINE_BAR_CHOICES[-1] and syllables <= line_capacity(bars, timeline):
            roomy = True
        if roomy and syllables / sung_seconds <= FASTEST_SYLLABLES_PER_S:
            return bars
        bars += 2


def metric_weights(positions: np.ndarray, meter: tuple[int, int]) -> np.ndarray:
    """3 on a strong beat, 2 on another beat, 1 on an off-beat eighth, 0 on a sixteenth."""
    in_bar = np.mod(positions, meter[0])
    on_beat = np.isclose(in_bar, np.round(in_bar))
    on_eighth = np.isclose(in_bar * 2, np.round(in_bar * 2))
    strong = on_beat & np.isin(np.round(in_bar).astype(int), strong_beats(meter))
    return np.where(strong, 3, np.where(on_beat, 2, np.where(on_eighth, 1, 0)))


def phrase_rhythm(stresses: Sequence[int], bars: int, timeline: Timeline, rng: np.random.Generator) -> LineRhythm:
    """Place one note per syllable in `bars` bars; the last note is held up to the breath."""
    count = len(stresses)
    step = grid_step(timeline)
    span = bars * timeline.beats_per_bar - breath_beats(timeline)
    slots = line_capacity(bars, timeline)
    if count > slots:
        raise ValueError(f"{count} syllables do not fit in {bars} bars")
    positions = np.arange(slots) * step
    weights = metric_weights(positions, timeline.meter)
    local = np.empty((count, slots))
    for index, stress in enumerate(stresses):
        if stress > 0:
            # Secondary stress (2) cares half as much where it lands.
            local[index] = np.take(STRESS_OFF_STRONG, 3 - weights) * (1.0 if stress == 1 else 0.5)
        else:
            local[index] = (weights == 3) * UNSTRESSED_ON_STRONG
        local[index] += (weights == 0) * ON_SIXTEENTH
    local += rng.normal(0.0, RHYTHM_JITTER, size=local.shape)
    local[0] += positions * LATE_START_PER_BEAT
    # The line's time split into count + 1 even slots, two of them for the held last syllable.
    even_gap = max(span / (count + FINAL_HOLD_SLOTS - 1), step) * rng.uniform(0.9, 1.05)
    hold = min(FINAL_HOLD_SLOTS * even_gap, max(span - (count - 1) * step, step))
    local[-1] += np.maximum(hold - (span - positions), 0.0) * SHORT_FINAL_PER_BEAT

    gaps = positions[None, :] - positions[:, None]  # [from, to]
    moves = np.where(gaps > 0, np.abs(gaps - even_gap) / even_gap * UNEVEN_SPACING, np.inf)
    moves[gaps > 2 * LONGEST_INNER_NOTE_BEATS] = np.inf

    totals = local[0].copy()
    choices = np.zeros((count, slots), dtype=int)
    for index in range(1, count):
        through = totals[:, None] + moves
        choices[index] = np.argmin(through, axis=0)
        totals = through[choices[index], np.arange(slots)] + local[index]
    picked = [int(np.argmin(totals))]
    for index in range(count - 1, 0, -1):
        picked.append(int(choices[index][picked[-1]]))
    starts = tuple(float(positions[slot]) for slot in reversed(picked))
    ends = tuple(min(following, start + LONGEST_INNER_NOTE_BEATS) for start, following in itertools.pairwise(starts))
    return LineRhythm(starts=starts, ends=(*ends, span))
