"""A lead instrument: the tune of an instrumental, or in a sung song the answer between the singer's lines
(intros, instrumental breaks) and a high held line over the choruses."""

from __future__ import annotations

from dataclasses import replace

from songforge.engines.generation.composer.harmony import voice_chord
from songforge.engines.generation.composer.melody import sing_section
from songforge.engines.generation.composer.phrasing import line_capacity
from songforge.engines.generation.composer.sketch import Section, Sketch, dynamics, rng_for
from songforge.engines.generation.score import InstrumentChoice, LyricLine, Note, Word

HIGH_LEAD_RANGE = (62, 84)  # flutes, whistles and synth leads sit above a singer
LEAD_RANGE = (57, 79)
LINE_BARS = 2
FEWEST_NOTES = 3
MOST_NOTES = 9


def lead_range(instrument: InstrumentChoice) -> tuple[int, int]:
    return HIGH_LEAD_RANGE if 72 <= instrument.program <= 87 else LEAD_RANGE


def write_lead(sketch: Sketch, instrument: InstrumentChoice) -> tuple[Note, ...]:
    notes: list[Note] = []
    for section in sketch.sections:
        if sketch.sung and section.lines:
            if section.is_chorus:
                notes += held_line(sketch, section)
            continue
        if section.kind in ("intro", "outro") and (not sketch.sung or section.bars < 4):
            continue
        played = wordless(section, sketch)
        tune = sing_section(played, sketch, pitch_range=lead_range(instrument), first_word=0, topic="lead")
        notes += [Note(note.start, note.end, note.pitch, note.velocity) for note in tune]
    return tuple(notes)


def wordless(section: Section, sketch: Sketch) -> Section:
    """The section with made-up lines of stressed and unstressed "syllables", for the melody writer to play."""
    rng = rng_for(sketch.seed, "lead lines", section.kind, section.bars)
    line_bars = min(LINE_BARS, section.bars)
    most = min(MOST_NOTES, line_capacity(line_bars, sketch.timeline))
    lines = []
    for _ in range(section.bars // line_bars):
        count = int(rng.integers(min(FEWEST_NOTES, most), most + 1))
        stresses = tuple(int(rng.random() < 0.5) if index % 2 else 1 for index in range(count))
        lines.append(LyricLine(tuple(Word("la", ("la",), (stress,)) for stress in stresses)))
    return replace(section, lines=tuple(lines), line_bars=line_bars)


def held_line(sketch: Sketch, section: Section) -> list[Note]:
    """One chord tone per bar, high above the singer, moving as little as it can."""
    previous: tuple[int, ...] = ()
    notes = []
    beats = float(sketch.timeline.beats_per_bar)
    for offset, chord in enumerate(section.chords):
        previous = voice_chord(chord, previous, low=72, high=84, size=1)
        velocity = dynamics(62, section.energy)
        notes.append(sketch.timeline.note(section.first_bar + offset, 0.0, beats, previous[0], velocity))
    return notes
