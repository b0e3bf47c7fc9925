"""Harmony parts: chords and comping in the genre's rhythm, pads and arpeggios that join as the energy rises,
FX risers before each chorus and long texture notes; every chord voiced close to the one before."""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np

from songforge.engines.generation.composer.harmony import Chord, voice_chord
from songforge.engines.generation.composer.progressions import genre_key
from songforge.engines.generation.composer.sketch import QUIET_ENERGY, Section, Sketch, dynamics, rng_for
from songforge.engines.generation.composer.timeline import beat_groups
from songforge.engines.generation.score import InstrumentChoice, Note

STACCATO_BEATS = 0.3
# Comp rhythms: one 4/4 bar of sixteenths, "x" a chord.
RHYTHMS = {
    "whole": "x...............",
    "half": "x.......x.......",
    "quarters": "x...x...x...x...",
    "push": "x.....x.....x...",
    "eighths": "x.x.x.x.x.x.x.x.",
    "strum": "x...x.x..xx.x.x.",
    "skank": "....x.......x...",
    "offbeats": "..x...x...x...x.",
    "bossa": "x..x..x...x..x..",
    "charleston": "x.....x.........",
    "anticipation": "x.......x.....x.",
    "stabs": "x..x..x.x..x.x..",
}
STACCATO = frozenset({"skank", "offbeats", "charleston", "stabs"})
GENRE_CHORD_RHYTHMS = {
    "ballad": ("arpeggio",), "pianoballad": ("arpeggio",), "cinematic": ("arpeggio", "whole"),
    "orchestral": ("whole", "half"), "classical": ("arpeggio",), "ambient": ("whole",), "newage": ("whole",),
    "reggae": ("skank",), "ska": ("skank",), "dancehall": ("skank",),
    "bossa": ("bossa",), "bossanova": ("bossa",), "latin": ("bossa",), "samba": ("bossa",),
    "jazz": ("charleston", "anticipation"), "swing": ("charleston",),
    "funk": ("stabs",), "disco": ("offbeats", "eighths"),
    "edm": ("offbeats", "push"), "house": ("offbeats", "stabs"), "techno": ("offbeats",), "trance": ("offbeats",),
    "dnb": ("half", "whole"), "drumandbass": ("half", "whole"), "dubstep": ("whole",), "synthwave": ("eighths",),
    "rock": ("eighths",), "metal": ("eighths",), "heavymetal": ("eighths",), "punk": ("eighths",),
    "country": ("strum",), "folk": ("strum", "arpeggio"), "acoustic": ("strum",),
    "gospel": ("quarters", "push"), "blues": ("charleston", "quarters"),
    "hiphop": ("half", "push"), "trap": ("whole", "half"), "lofi": ("half", "anticipation"),
    "rnb": ("half", "anticipation"), "soul": ("push", "anticipation"),
}  # fmt: skip
POP_CHORD_RHYTHMS = ("push", "quarters", "half")
COMP_RHYTHMS = {"reggae": "skank", "ska": "skank", "funk": "stabs", "jazz": "charleston"}


@dataclass(frozen=True)
class Register:
    low: int
    high: int
    size: int  # notes per chord


def register_of(instrument: InstrumentChoice, *, driven: bool) -> Register:
    """Where an instrument voices its chords: a driven guitar's power chords low, pads and strings higher."""
    program = instrument.program
    if driven:
        return Register(40, 64, 3)
    if 24 <= program <= 31:
        return Register(48, 69, 4)
    if 40 <= program <= 55:
        return Register(55, 79, 4)
    if 56 <= program <= 79:
        return Register(58, 79, 3)
    if 80 <= program <= 103:
        return Register(53, 77, 4)
    if 16 <= program <= 23:
        return Register(48, 72, 4)
    return Register(52, 76, 4)


def shifted(register: Register, rng: np.random.Generator) -> Register:
    """The seed moves the voicing a few semitones, so two seeds voice the same chords differently."""
    shift = int(rng.integers(-3, 4))
    return Register(register.low + shift, register.high + shift, register.size)


def is_driven(sketch: Sketch, instrument: InstrumentChoice) -> bool:
    """A distorted guitar: it plays power chords low, in driving eighths."""
    return instrument.stem == "Guitar" and sketch.style.guitar_drive >= 0.5


def chord_rhythm(sketch: Sketch, instrument: InstrumentChoice, rng: np.random.Generator) -> str:
    genre = genre_key(sketch.style.genre)
    if is_driven(sketch, instrument):
        return "eighths"
    choices = GENRE_CHORD_RHYTHMS.get(genre, POP_CHORD_RHYTHMS)
    if genre not in GENRE_CHORD_RHYTHMS and instrument.program in (24, 25):
        choices = ("strum",)
    return str(choices[int(rng.integers(len(choices)))])


def write_chords(sketch: Sketch, instrument: InstrumentChoice, *, main: bool) -> tuple[Note, ...]:
    """The harmonic backbone: every section (a second chords instrument waits for the louder ones)."""
    rng = rng_for(sketch.seed, "chords", instrument.stem, instrument.program)
    register = shifted(register_of(instrument, driven=is_driven(sketch, instrument)), rng)
    rhythm = chord_rhythm(sketch, instrument, rng)
    sections = [section for section in sketch.sections if main or section.energy >= QUIET_ENERGY]
    if rhythm == "arpeggio":
        return arpeggiated(sketch, sections, register)
    return comped(sketch, sections, register, rhythm, velocity=86 if main else 74)


def write_comp(sketch: Sketch, instrument: InstrumentChoice) -> tuple[Note, ...]:
    rng = rng_for(sketch.seed, "comp", instrument.stem, instrument.program)
    register = shifted(register_of(instrument, driven=False), rng)
    rhythm = COMP_RHYTHMS.get(genre_key(sketch.style.genre), "offbeats" if rng.random() < 0.5 else "stabs")
    sections = [section for section in sketch.sections if section.energy >= QUIET_ENERGY]
    return comped(sketch, sections, Register(register.low + 5, register.high + 5, 3), rhythm, velocity=74)


def write_pad(sketch: Sketch, instrument: InstrumentChoice, *, alone: bool) -> tuple[Note, ...]:
    """Sustained chords: the whole song when nothing else holds the harmony, else only the big sections."""
    rng = rng_for(sketch.seed, "pad", instrument.stem, instrument.program)
    register = shifted(register_of(instrument, driven=False), rng)
    sections = [section for section in sketch.sections if alone or big(section)]
    return comped(sketch, sections, register, "whole", velocity=72)


def big(section: Section) -> bool:
    return section.is_chorus or section.kind in ("bridge", "instrumental")


def write_arp(sketch: Sketch, instrument: InstrumentChoice) -> tuple[Note, ...]:
    """Chord tones one after another, up or up-and-down, from the verses on."""
    rng = rng_for(sketch.seed, "arp", instrument.stem, instrument.program)
    register = shifted(Register(60, 84, 4), rng)
    timeline = sketch.timeline
    step = 0.5 if timeline.tempo > 140 or timeline.meter[1] != 4 else 0.25
    updown = bool(rng.random() < 0.5)
    notes: list[Note] = []
    previous: tuple[int, ...] = ()
    for section in sketch.sections:
        if section.energy < QUIET_ENERGY or section.kind in ("intro", "outro"):
            continue
        for offset, chord in enumerate(section.chords):
            previous = voice_chord(chord, previous, low=register.low, high=register.high, size=register.size)
            order = list(previous) + (list(previous[-2:0:-1]) if updown else [])
            bar = section.first_bar + offset
            velocity = dynamics(72, section.energy)
            for index in range(int(timeline.beats_per_bar / step)):
                notes.append(timeline.note(bar, index * step, step, order[index % len(order)], velocity))
    return tuple(notes)


def write_riser(sketch: Sketch) -> tuple[Note, ...]:
    """One swelling FX note over the bar before each chorus."""
    pitch = 60 + sketch.key.tonic
    notes = []
    for previous, section in itertools.pairwise(sketch.sections):
        if section.is_chorus:
            notes.append(sketch.timeline.note(previous.last_bar, 0.0, sketch.timeline.beats_per_bar, pitch, 96))
    return tuple(notes)


def write_texture(sketch: Sketch) -> tuple[Note, ...]:
    """A quiet held tonic under each section: atmosphere, not harmony."""
    pitch = 48 + sketch.key.tonic
    beats = sketch.timeline.beats_per_bar
    return tuple(
        sketch.timeline.note(section.first_bar, 0.0, section.bars * beats, pitch, dynamics(56, section.energy))
        for section in sketch.sections
    )


def comped(
    sketch: Sketch, sections: list[Section], register: Register, rhythm: str, *, velocity: int
) -> tuple[Note, ...]:
    """Block chords on the rhythm's hits; quiet sections hold one chord per bar instead."""
    timeline = sketch.timeline
    notes: list[Note] = []
    previous: tuple[int, ...] = ()
    for section in sections:
        for offset, chord in enumerate(section.chords):
            previous = voice_chord(chord, previous, low=register.low, high=register.high, size=register.size)
            played = "whole" if section.energy < QUIET_ENERGY else rhythm
            for beat, length in hits_of(played, timeline.meter, rhythm in STACCATO and played != "whole"):
                level = dynamics(velocity if beat == 0 else velocity - 8, section.energy)
                notes += [timeline.note(section.first_bar + offset, beat, length, pitch, level) for pitch in previous]
    return tuple(notes)


def hits_of(rhythm: str, meter: tuple[int, int], staccato: bool) -> list[tuple[float, float]]:
    """(beat, length) of each chord in a bar: the rhythm's hits in 4/4, the beat groups in other meters."""
    beats = meter[0]
    if meter == (4, 4):
        onsets = [step / 4 for step, mark in enumerate(RHYTHMS[rhythm]) if mark == "x"]
    elif rhythm == "whole":
        onsets = [0.0]
    else:
        onsets = [float(sum(beat_groups(meter)[:index])) for index in range(len(beat_groups(meter)))]
    ends = [*onsets[1:], float(beats)]
    return [(onset, STACCATO_BEATS if staccato else end - onset) for onset, end in zip(onsets, ends, strict=True)]


def arpeggiated(sketch: Sketch, sections: list[Section], register: Register) -> tuple[Note, ...]:
    """Broken chords in eighths over a low root, each note ringing on like a sustained piano."""
    notes: list[Note] = []
    previous: tuple[int, ...] = ()
    for section in sections:
        for offset, chord in enumerate(section.chords):
            bar = section.first_bar + offset
            previous = voice_chord(chord, previous, low=register.low, high=register.high, size=register.size)
            notes += broken_chord(sketch, section, bar, chord, previous)
    return tuple(notes)


def broken_chord(sketch: Sketch, section: Section, bar: int, chord: Chord, voicing: tuple[int, ...]) -> list[Note]:
    timeline = sketch.timeline
    beats = float(timeline.beats_per_bar)
    bass = 40 + (chord.bass_class - 40) % 12
    figure = [bass, *voicing, *voicing[-2:0:-1]]
    count = int(beats * 2)
    notes = []
    for index in range(count):
        beat = index * 0.5
        length = min(2.0, beats - beat) if index else beats
        velocity = dynamics(88 if index == 0 else 74, section.energy)
        notes.append(timeline.note(bar, beat, length, figure[index % len(figure)], velocity))
    return notes
