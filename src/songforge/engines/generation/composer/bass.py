"""Bass lines that follow the chords: roots on the downbeat, fifths and octaves between, approach notes into
the next chord; long 808 notes for trap, a walking line for jazz, a boogie for blues, off-beats for house."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from songforge.engines.generation.composer.harmony import QUALITY_INTERVALS, Chord
from songforge.engines.generation.composer.progressions import genre_key
from songforge.engines.generation.composer.sketch import QUIET_ENERGY, Section, Sketch, dynamics, rng_for
from songforge.engines.generation.score import Note

BASS_LOW = 33  # A1: roots sit in A1–G#2
SUB_LOW = 28  # E1: an 808 sits lower

# A step of a bass figure: (beat, length in beats, what to play). "R" root (the slash bass on the downbeat),
# "5" fifth, "8" octave, "3" the chord's third, "6" major sixth, "b7" minor seventh, "A" approach to the next chord.
Step = tuple[float, float, str]


def eighths_of(degrees: tuple[str, ...]) -> tuple[Step, ...]:
    return tuple((index * 0.5, 0.5, degree) for index, degree in enumerate(degrees))


FIGURES: dict[str, tuple[tuple[Step, ...], ...]] = {
    "pop": (
        ((0, 1.5, "R"), (1.5, 0.5, "R"), (2, 1, "5"), (3, 0.5, "R"), (3.5, 0.5, "A")),
        ((0, 1, "R"), (1, 0.5, "R"), (1.5, 1, "8"), (2.5, 1, "5"), (3.5, 0.5, "A")),
        ((0, 0.75, "R"), (0.75, 0.75, "R"), (1.5, 1, "R"), (2.5, 1, "5"), (3.5, 0.5, "A")),
    ),
    "eighths": ((*((beat * 0.5, 0.45, "R") for beat in range(7)), (3.5, 0.45, "A")),),
    "long": (((0, 4, "R"),), ((0, 2, "R"), (2, 2, "5"))),
    "808": (((0, 2.5, "R"), (2.75, 1.25, "R")), ((0, 3, "R"), (3.5, 0.5, "8")), ((0, 1.5, "R"), (1.5, 2.5, "R"))),
    "offbeat": (
        tuple((beat + 0.5, 0.4, "R") for beat in range(4)),
        ((0.5, 0.4, "R"), (1.5, 0.4, "8"), (2.5, 0.4, "R"), (3.5, 0.4, "8")),
    ),
    "reggae": (((0, 1.5, "R"), (1.5, 0.5, "R"), (2.5, 1, "5"), (3.5, 0.5, "8")),),
    "bossa": (((0, 1.5, "R"), (1.5, 0.5, "5"), (2, 1.5, "5"), (3.5, 0.5, "R")),),
    "octaves": (tuple((beat * 0.5, 0.4, "R" if beat % 2 == 0 else "8") for beat in range(8)),),
    "boogie": (
        eighths_of(("R", "R", "3", "3", "5", "5", "6", "6")),
        eighths_of(("R", "3", "5", "6", "b7", "6", "5", "3")),
    ),
}
GENRE_FIGURES = {
    "trap": "808", "hiphop": "808", "rap": "808",
    "jazz": "walking", "swing": "walking",
    "blues": "boogie",
    "reggae": "reggae", "ska": "reggae", "dancehall": "reggae",
    "bossa": "bossa", "bossanova": "bossa", "latin": "bossa", "samba": "bossa",
    "rock": "eighths", "metal": "eighths", "heavymetal": "eighths", "punk": "eighths", "poppunk": "eighths",
    "hardrock": "eighths", "grunge": "eighths",
    "ballad": "long", "ambient": "long", "cinematic": "long", "orchestral": "long", "classical": "long",
    "house": "offbeat", "techno": "offbeat", "trance": "offbeat", "edm": "offbeat",
    "funk": "octaves", "disco": "octaves",
}  # fmt: skip
FEEL_FIGURES = {"trap": "808", "four_on_the_floor": "offbeat", "one_drop": "reggae", "bossa": "bossa"}
FEEL_FIGURES |= {"double_kick": "eighths"}


@dataclass(frozen=True)
class BassLine:
    figure: str  # a key of FIGURES, or "walking"
    variant: int
    approach_from_below: bool


def figure_of(sketch: Sketch) -> str:
    genre = genre_key(sketch.style.genre)
    return GENRE_FIGURES.get(genre) or FEEL_FIGURES.get(sketch.style.drum_feel, "pop")


def write_bass(sketch: Sketch) -> tuple[Note, ...]:
    rng = rng_for(sketch.seed, "bass")
    figure = figure_of(sketch)
    variants = len(FIGURES.get(figure, ()))  # a walking line has no fixed figures
    line = BassLine(figure, int(rng.integers(variants)) if variants else 0, bool(rng.random() < 0.5))
    low = SUB_LOW if figure == "808" else BASS_LOW
    notes: list[Note] = []
    for section in sketch.sections:
        for offset, chord in enumerate(section.chords):
            bar = section.first_bar + offset
            following = next_chord(sketch, section, offset)
            notes += bass_bar(sketch, section, bar, chord, following, line, low, rng)
    return tuple(notes)


def next_chord(sketch: Sketch, section: Section, offset: int) -> Chord:
    if offset + 1 < len(section.chords):
        return section.chords[offset + 1]
    later = [candidate for candidate in sketch.sections if candidate.first_bar > section.first_bar]
    return later[0].chords[0] if later else section.chords[offset]


def bass_bar(
    sketch: Sketch,
    section: Section,
    bar: int,
    chord: Chord,
    following: Chord,
    line: BassLine,
    low: int,
    rng: np.random.Generator,
) -> list[Note]:
    timeline = sketch.timeline
    beats = timeline.beats_per_bar
    root = low + (chord.root - low) % 12
    if line.figure == "walking" and beats == 4 and section.energy >= QUIET_ENERGY:
        pitches = walking_bar(chord, following, root, low, rng)
        velocity = dynamics(92, section.energy)
        return [timeline.note(bar, beat, 0.95, pitch, velocity) for beat, pitch in enumerate(pitches)]
    if section.energy < QUIET_ENERGY or timeline.meter != (4, 4):
        figure = ((0.0, float(beats), "R"),) if section.energy < QUIET_ENERGY else odd_meter_figure(beats)
    else:
        figure = FIGURES[line.figure][line.variant]
    notes = []
    for beat, length, degree in figure:
        pitch = degree_pitch(degree, chord, following, root, low, line.approach_from_below, downbeat=beat == 0)
        accent = beat == 0 and section.energy >= QUIET_ENERGY  # a quiet section's held root is not pushed
        velocity = dynamics(100 if accent else 86, section.energy)
        notes.append(timeline.note(bar, beat, length, pitch, velocity))
    return notes


def odd_meter_figure(beats: int) -> tuple[Step, ...]:
    return ((0.0, beats - 1.0, "R"), (beats - 1.0, 1.0, "5"))


def degree_pitch(
    degree: str, chord: Chord, following: Chord, root: int, low: int, from_below: bool, *, downbeat: bool
) -> int:
    intervals = QUALITY_INTERVALS[chord.quality]
    if degree == "R":
        return low + (chord.bass_class - low) % 12 if downbeat else root
    if degree == "A":
        target = low + (following.bass_class - low) % 12
        if following.bass_class == chord.bass_class:
            return root + 7 if root + 7 <= low + 14 else root - 5
        return target - 1 if from_below else target + 1
    third = intervals[1] if len(intervals) > 2 else 7
    return root + {"5": 7, "8": 12, "3": third, "6": 9, "b7": 10}[degree]


def walking_bar(chord: Chord, following: Chord, root: int, low: int, rng: np.random.Generator) -> list[int]:
    """Four quarter notes: root, two chord tones climbing or falling, a chromatic step into the next root."""
    intervals = QUALITY_INTERVALS[chord.quality]
    tones = [root + interval for interval in (intervals[1:3] if len(intervals) > 2 else (7, 12))]
    if rng.random() < 0.5:
        tones.reverse()
    target = low + (following.root - low) % 12
    approach = target + (1 if rng.random() < 0.5 else -1)
    return [root, *tones, approach]
