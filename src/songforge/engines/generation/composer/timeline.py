"""Musical time ↔ seconds: one tempo and one meter for the whole song, with swung off-beats.

Positions are (bar, beat) where `beat` is a float counted in the meter's beat unit (quarters in 4/4, eighths in
6/8). The tempo is in quarter notes per minute, as a MIDI file states it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from songforge.engines.generation.score import Note, Style

# A shuffle is swung even when the style says straight: the feel is the swing.
SHUFFLE_SWING = 0.3


@dataclass(frozen=True)
class Timeline:
    tempo: float  # quarter notes per minute
    meter: tuple[int, int]
    swing: float = 0.0  # 0 straight … 0.33 triplet swing of off-beat eighths

    @property
    def beats_per_bar(self) -> int:
        return self.meter[0]

    @property
    def seconds_per_beat(self) -> float:
        return 60.0 / self.tempo * 4.0 / self.meter[1]

    @property
    def bar_seconds(self) -> float:
        return self.beats_per_bar * self.seconds_per_beat

    def bar_start(self, bar: int) -> float:
        return bar * self.bar_seconds

    def time_at(self, bar: int, beat: float) -> float:
        """Seconds at `beat` of `bar`; off-beat eighths are delayed by the swing (quarter-note meters only)."""
        whole = math.floor(beat)
        return self.bar_start(bar) + (whole + self._swung(beat - whole)) * self.seconds_per_beat

    def note(self, bar: int, beat: float, beats: float, pitch: int, velocity: int) -> Note:
        """A note starting at `beat` of `bar` that lasts `beats` beats (it may run into later bars)."""
        return Note(self.time_at(bar, beat), self.time_at(bar, beat + beats), pitch, velocity)

    def _swung(self, fraction: float) -> float:
        if self.swing <= 0.0 or self.meter[1] != 4:
            return fraction
        # Piecewise-linear warp of one beat: its middle moves to 0.5 + swing/2, so sixteenths stay in order.
        middle = 0.5 + self.swing / 2.0
        if fraction <= 0.5:
            return fraction / 0.5 * middle
        return middle + (fraction - 0.5) / 0.5 * (1.0 - middle)

    def shortest_step(self, step_beats: float) -> float:
        """Seconds of the shortest grid step of `step_beats` once swing has squeezed the off-beats."""
        squeeze = 1.0 - self.swing if self.meter[1] == 4 else 1.0
        return step_beats * squeeze * self.seconds_per_beat


def strong_beats(meter: tuple[int, int]) -> tuple[int, ...]:
    """The beats a stressed syllable or a kick belongs on: 1 and 3 in 4/4, 1 in 3/4, 1 and 4 in 6/8."""
    starts = [0]
    for size in beat_groups(meter)[:-1]:
        starts.append(starts[-1] + size)
    return tuple(starts)


def beat_groups(meter: tuple[int, int]) -> tuple[int, ...]:
    """How the beats of a bar group: (2, 2) in 4/4, (3,) in 3/4, (3, 3) in 6/8, (3, 2) in 5/4."""
    beats = meter[0]
    if meter[1] == 8 and beats % 3 == 0:
        return (3,) * (beats // 3)
    if beats <= 3:
        return (beats,)
    if beats % 2 == 0:
        return (2,) * (beats // 2)
    return (3,) + (2,) * ((beats - 3) // 2)


def choose_tempo(style: Style, rng: np.random.Generator) -> float:
    """A whole-number BPM inside the style's range."""
    low, high = sorted(style.tempo_range)
    return float(round(rng.uniform(low, high)))


def song_swing(style: Style) -> float:
    return max(style.swing, SHUFFLE_SWING) if style.drum_feel == "shuffle" else style.swing
