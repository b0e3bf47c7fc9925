"""What every part writer reads: the song's key, time and sections, with their chords, lines and energy."""

from __future__ import annotations

import zlib
from dataclasses import dataclass

import numpy as np

from songforge.engines.generation.composer.harmony import Chord, Key
from songforge.engines.generation.composer.timeline import Timeline
from songforge.engines.generation.score import LyricLine, Style

# Section kinds that have the song's biggest moment: the most parts, the riser before them, backing vocals.
CHORUS_KINDS = frozenset({"chorus", "hook"})
# Section energy below QUIET_ENERGY plays like an intro (sparse, held), from LOUD_ENERGY on like a chorus.
QUIET_ENERGY = 0.4
LOUD_ENERGY = 0.7


@dataclass(frozen=True)
class Section:
    kind: str
    label: str
    bars: int
    lines: tuple[LyricLine, ...] = ()  # sung lines; empty for an instrumental section
    line_bars: int = 0  # bars each sung line gets
    first_bar: int = 0
    energy: float = 0.5
    chords: tuple[Chord, ...] = ()  # one per bar

    @property
    def last_bar(self) -> int:
        return self.first_bar + self.bars - 1

    @property
    def is_chorus(self) -> bool:
        return self.kind in CHORUS_KINDS


@dataclass(frozen=True)
class Sketch:
    style: Style
    key: Key
    timeline: Timeline
    sections: tuple[Section, ...]
    seed: int
    sung: bool  # a singer carries the melody; a lead instrument then only answers

    @property
    def bars(self) -> int:
        return sum(section.bars for section in self.sections)

    @property
    def end(self) -> float:
        return self.timeline.bar_start(self.bars)

    def chord_at(self, seconds: float) -> Chord:
        bar = min(max(int(seconds / self.timeline.bar_seconds + 1e-6), 0), self.bars - 1)
        for section in self.sections:
            if section.first_bar <= bar <= section.last_bar:
                return section.chords[bar - section.first_bar]
        return self.sections[-1].chords[-1]


def dynamics(velocity: int, energy: float) -> int:
    """A MIDI velocity scaled by section energy: quieter in an intro, harder in a chorus."""
    return int(min(max(round(velocity * (0.72 + 0.4 * energy)), 1), 127))


def rng_for(seed: int, *topic: object) -> np.random.Generator:
    """An independent random stream per topic, so a change in one part's choices never shifts another's."""
    return np.random.default_rng([seed % 2**64, zlib.crc32(repr(topic).encode())])
