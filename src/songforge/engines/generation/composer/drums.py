"""Drum kit patterns by drum feel (General MIDI drum keys), thinned or filled by section energy.

A groove is one 4/4 bar on a sixteenth grid written as text: "x" a hit, "o" a ghost (soft) hit, "." a rest.
Quiet sections keep only the kick's quarter notes and the hats' beats; loud ones get busier hats. The last
bar before a new section ends in a fill, and every new section starts with a crash.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from songforge.engines.generation.composer.progressions import genre_key
from songforge.engines.generation.composer.sketch import LOUD_ENERGY, QUIET_ENERGY, Section, Sketch, dynamics, rng_for
from songforge.engines.generation.composer.timeline import Timeline, beat_groups
from songforge.engines.generation.score import Note

KICK, RIM, SNARE, CLAP, CLOSED_HAT, PEDAL_HAT, OPEN_HAT = 36, 37, 38, 39, 42, 44, 46
LOW_TOM, MID_TOM, HIGH_TOM, CRASH, RIDE = 45, 47, 50, 49, 51
HIT_S = 0.1  # drum notes are triggers; the sample decides the length
ACCENT = {KICK: 108, SNARE: 104, CLAP: 100, RIM: 90, CLOSED_HAT: 78, PEDAL_HAT: 70, OPEN_HAT: 84, RIDE: 84}
BUSY_HAT_FEELS = frozenset({"backbeat", "four_on_the_floor", "breakbeat", "half_time"})


@dataclass(frozen=True)
class Groove:
    hits: tuple[tuple[int, str], ...]  # (drum key, one bar of sixteenths)


def groove(**lines: str) -> Groove:
    keys = {"kick": KICK, "snare": SNARE, "clap": CLAP, "rim": RIM, "hat": CLOSED_HAT, "open": OPEN_HAT}
    keys |= {"ride": RIDE, "pedal": PEDAL_HAT}
    return Groove(tuple((keys[name], pattern) for name, pattern in lines.items()))


EIGHTH_HATS = "x.x.x.x.x.x.x.x."
GROOVES: dict[str, tuple[Groove, ...]] = {
    "backbeat": (
        groove(kick="x.....x.x.......", snare="....x.......x...", hat=EIGHTH_HATS),
        groove(kick="x.......x.x.....", snare="....x.......x...", hat=EIGHTH_HATS),
        groove(kick="x.....x...x.....", snare="....x.......x..o", hat=EIGHTH_HATS),
    ),
    "four_on_the_floor": (
        groove(kick="x...x...x...x...", clap="....x.......x...", hat="..x...x...x...x."),
        groove(kick="x...x...x...x...", snare="....x.......x...", hat="x.x.x.x.x.x.x.x.", open="..x...x...x...x."),
    ),
    "half_time": (
        groove(kick="x.........x.....", snare="........x.......", hat=EIGHTH_HATS),
        groove(kick="x.....x...x.....", snare="........x.......", hat=EIGHTH_HATS),
    ),
    "double_kick": (
        groove(kick="xxxxxxxxxxxxxxxx", snare="....x.......x...", hat="x...x...x...x..."),
        groove(kick="xxxxxxxxxxxxxxxx", snare="....x.......x...", ride="x.x.x.x.x.x.x.x."),
    ),
    "trap": (
        groove(kick="x......x..x.....", clap="........x.......", hat="xxxxxxxxxxxxxxxx"),
        groove(kick="x.....x....x....", snare="........x.......", hat="x.x.xxx.x.x.xxx."),
    ),
    "one_drop": (
        groove(kick="........x.......", rim="........x.......", hat="x.x.x.x.x.x.x.x."),
        groove(kick="........x.......", snare="........x.......", hat="..x...x...x...x."),
    ),
    "bossa": (
        groove(kick="x..xx..xx..xx..x", rim="x..x..x...x..x..", hat="x.x.x.x.x.x.x.x."),
        groove(kick="x..xx..xx..xx..x", rim="x..x...x..x..x..", hat="xxxxxxxxxxxxxxxx"),
    ),
    "shuffle": (
        groove(kick="x.......x.......", snare="....x.......x...", hat=EIGHTH_HATS),
        groove(kick="x.....x.x.......", snare="....x.......x...", hat=EIGHTH_HATS),
    ),
    "swing": (groove(kick="o...o...o...o...", ride="x...x.x.x...x.x.", pedal="....x.......x..."),),
    "breakbeat": (
        groove(kick="x.........x.....", snare="....x.......x...", hat=EIGHTH_HATS),
        groove(kick="x.x.......xx....", snare="....x..o.o..x..o", hat=EIGHTH_HATS),
    ),
    "train": (groove(kick="x.......x.......", snare="oxoxoxoxoxoxoxox", hat="....x.......x..."),),
}
# Fills over the last beat (4 hits) or the last two beats (8 hits) of a bar.
SHORT_FILLS = ((SNARE, SNARE, MID_TOM, LOW_TOM), (HIGH_TOM, MID_TOM, LOW_TOM, LOW_TOM), (SNARE,) * 4)
LONG_FILLS = (
    (SNARE, SNARE, SNARE, SNARE, HIGH_TOM, HIGH_TOM, MID_TOM, LOW_TOM),
    (SNARE, SNARE, HIGH_TOM, HIGH_TOM, MID_TOM, MID_TOM, LOW_TOM, LOW_TOM),
    (SNARE,) * 8,
)


def feel_of(sketch: Sketch) -> str:
    feel = sketch.style.drum_feel
    if feel == "shuffle" and genre_key(sketch.style.genre) in ("jazz", "swing"):
        return "swing"  # jazz swings on the ride, not on a shuffled hat
    return feel


def write_drums(sketch: Sketch) -> tuple[Note, ...]:
    """The drum kit for the whole song; no notes at all when the feel is "none"."""
    feel = feel_of(sketch)
    if feel == "none" or not sketch.style.has_drums:
        return ()
    rng = rng_for(sketch.seed, "drums")
    chosen = GROOVES.get(feel, GROOVES["backbeat"])
    main = chosen[int(rng.integers(len(chosen)))]
    if sketch.timeline.meter != (4, 4):
        main = odd_meter_groove(sketch.timeline.meter)
    notes: list[Note] = []
    for index, section in enumerate(sketch.sections):
        following = sketch.sections[index + 1] if index + 1 < len(sketch.sections) else None
        for bar in range(section.first_bar, section.first_bar + section.bars):
            fill_from = fill_start(section, bar, following, sketch.timeline)
            notes += bar_of(main, section, bar, sketch.timeline, until=fill_from, feel=feel, rng=rng)
            if fill_from < sketch.timeline.beats_per_bar:
                notes += fill(bar, fill_from, section.energy, sketch.timeline, rng)
        if index > 0 or section.energy >= QUIET_ENERGY:
            notes.append(hit(sketch.timeline, section.first_bar, 0.0, CRASH, dynamics(100, section.energy)))
    return tuple(sorted(notes, key=lambda note: (note.start, note.pitch)))


def fill_start(section: Section, bar: int, following: Section | None, timeline: Timeline) -> float:
    """Beat where this bar's fill starts; the bar length when it has none (only a section's last bar does)."""
    beats = timeline.beats_per_bar
    if following is None or bar != section.last_bar:
        return float(beats)
    return float(beats - (2 if following.energy > section.energy and beats >= 4 else 1))


def bar_of(
    main: Groove, section: Section, bar: int, timeline: Timeline, *, until: float, feel: str, rng: np.random.Generator
) -> list[Note]:
    """One bar of the groove up to beat `until`, thinned or busied by the section's energy."""
    per_beat = len(main.hits[0][1]) // timeline.beats_per_bar
    notes = []
    roll = None
    if feel == "trap" and section.energy >= QUIET_ENERGY and bar % 2 == 1 and until >= timeline.beats_per_bar:
        roll = float(timeline.beats_per_bar - 1 - int(rng.integers(2)))
        notes += hat_roll(timeline, bar, roll, section.energy)
    for key, pattern in main.hits:
        for step, mark in enumerate(shaped(key, pattern, section.energy, feel, per_beat)):
            beat = step / per_beat
            if mark == "." or beat >= until or (key == CLOSED_HAT and roll is not None and roll <= beat < roll + 1):
                continue
            velocity = ACCENT.get(key, 90) if mark == "x" else ACCENT.get(key, 90) // 2
            if key in (CLOSED_HAT, RIDE) and step % per_beat:
                velocity -= 14  # off-beat hats lean back
            notes.append(hit(timeline, bar, beat, key, dynamics(velocity, section.energy)))
    return notes


def shaped(key: int, pattern: str, energy: float, feel: str, per_beat: int) -> str:
    """The pattern for this energy: quiet keeps kick and hats on the beats only, loud busies the hats."""
    if energy < QUIET_ENERGY:
        if key in (KICK, CLOSED_HAT, RIDE, PEDAL_HAT):
            return "".join(mark if step % per_beat == 0 else "." for step, mark in enumerate(pattern))
        return "." * len(pattern)
    if energy >= LOUD_ENERGY and key == CLOSED_HAT and feel in BUSY_HAT_FEELS:
        return "x" * len(pattern)
    return pattern


def hat_roll(timeline: Timeline, bar: int, beat: float, energy: float) -> list[Note]:
    """Trap hi-hat roll: thirty-second notes over one beat, rising."""
    return [
        hit(timeline, bar, beat + 0.125 * index, CLOSED_HAT, dynamics(60 + 5 * index, energy)) for index in range(8)
    ]


def fill(bar: int, from_beat: float, energy: float, timeline: Timeline, rng: np.random.Generator) -> list[Note]:
    beats = timeline.beats_per_bar - from_beat
    choices = LONG_FILLS if beats >= 2 else SHORT_FILLS
    drums = choices[int(rng.integers(len(choices)))]
    step = beats / len(drums)
    notes = [
        hit(timeline, bar, from_beat + step * index, drum, dynamics(82 + 3 * index, energy))
        for index, drum in enumerate(drums)
    ]
    notes.append(hit(timeline, bar, from_beat, KICK, dynamics(100, energy)))
    return notes


def odd_meter_groove(meter: tuple[int, int]) -> Groove:
    """Kick on the first group of the bar, snare on the others (one soft snare per beat in 3/4), hats on beats."""
    per_beat = 4 if meter[1] == 4 else 2
    steps = meter[0] * per_beat
    kick, snare = ["."] * steps, ["."] * steps
    groups = beat_groups(meter)
    start = 0
    for index, size in enumerate(groups):
        (kick if index % 2 == 0 else snare)[start * per_beat] = "x"
        start += size
    if len(groups) == 1:
        for beat in range(1, meter[0]):
            snare[beat * per_beat] = "o"
    hats = "".join("x" if step % 2 == 0 else "." for step in range(steps))
    return groove(kick="".join(kick), snare="".join(snare), hat=hats)


def hit(timeline: Timeline, bar: int, beat: float, key: int, velocity: int) -> Note:
    start = timeline.time_at(bar, beat)
    return Note(start, start + HIT_S, key, velocity)
