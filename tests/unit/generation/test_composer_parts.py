"""The band: drum feels, fills and crashes, percussion, risers, bass lines, voicings, energy and mix levels."""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import replace

import numpy as np
import pytest

from songforge.engines.generation.score import InstrumentChoice, Note, Part, Plan, SectionPlan, Style
from tests.unit.generation.test_composer import pitch_class
from tests.unit.generation.test_composer_inputs import AMBIENT, BALLAD, DRUMS, EDM, POP, ROCK, song

KICK, SNARE, RIM, CLOSED_HAT, CRASH = 36, 38, 37, 42, 49
TOMS = {45, 47, 50}


def part(plan: Plan, role: str) -> Part:
    return next(candidate for candidate in plan.parts if candidate.instrument.role == role)


def seconds_per_beat(plan: Plan) -> float:
    return 60.0 / plan.tempo * 4 / plan.time_signature[1]


def inner_bars(plan: Plan, kind: str) -> Iterable[tuple[float, list[Note]]]:
    """(bar start, drum notes in that bar) for the bars of every `kind` section but its first and last (crash,
    fill)."""
    bar = seconds_per_beat(plan) * plan.time_signature[0]
    drums = part(plan, "drums").notes
    for section in plan.sections:
        if section.kind != kind:
            continue
        for number in range(1, section.bars - 1):
            start = section.start + number * bar
            yield start, [note for note in drums if start - 1e-6 <= note.start < start + bar - 1e-6]


def beats_of(plan: Plan, start: float, notes: list[Note], key: int) -> list[float]:
    return [round((note.start - start) / seconds_per_beat(plan), 3) for note in notes if note.pitch == key]


def feel(name: str, **changes: object) -> Plan:
    return song(replace(POP, drum_feel=name, tempo_range=(120, 120), **changes), seed=3)  # type: ignore[arg-type]


def test_four_on_the_floor_has_a_kick_on_every_beat() -> None:
    plan = feel("four_on_the_floor")
    for start, notes in inner_bars(plan, "chorus"):
        assert beats_of(plan, start, notes, KICK) == [0.0, 1.0, 2.0, 3.0]


def test_backbeat_puts_the_snare_on_two_and_four() -> None:
    plan = feel("backbeat")
    for kind in ("verse", "chorus"):
        for start, notes in inner_bars(plan, kind):
            assert beats_of(plan, start, notes, SNARE) == [1.0, 3.0]
            assert 0.0 in beats_of(plan, start, notes, KICK)


def test_half_time_one_drop_breakbeat_double_kick_and_bossa_feels() -> None:
    half = feel("half_time")
    assert all(beats_of(half, start, notes, SNARE) == [2.0] for start, notes in inner_bars(half, "chorus"))
    drop = feel("one_drop")
    for start, notes in inner_bars(drop, "chorus"):
        assert beats_of(drop, start, notes, KICK) == [2.0], "one drop: the kick drops on three, not one"
    breaks = feel("breakbeat")
    for start, notes in inner_bars(breaks, "chorus"):
        assert 2.5 in beats_of(breaks, start, notes, KICK) and 2.0 not in beats_of(breaks, start, notes, KICK)
        assert {1.0, 3.0} <= set(beats_of(breaks, start, notes, SNARE))
    metal = feel("double_kick")
    for start, notes in inner_bars(metal, "chorus"):
        assert len(beats_of(metal, start, notes, KICK)) >= 16, "sixteenth-note double kick"
    bossa = feel("bossa")
    for start, notes in inner_bars(bossa, "chorus"):
        assert {0.0, 0.75, 1.0, 1.75} <= set(beats_of(bossa, start, notes, KICK))
        assert beats_of(bossa, start, notes, RIM)


def test_trap_hats_roll_and_shuffle_hats_swing() -> None:
    trap = feel("trap")
    hats = sorted(note.start for note in part(trap, "drums").notes if note.pitch == CLOSED_HAT)
    thirty_second = seconds_per_beat(trap) / 8
    assert np.min(np.diff(hats)) == pytest.approx(thirty_second, rel=0.01), "hat rolls in thirty-seconds"
    shuffle = feel("shuffle", swing=0.3)
    for start, notes in inner_bars(shuffle, "verse"):
        offbeats = [beat % 1 for beat in beats_of(shuffle, start, notes, CLOSED_HAT) if beat % 1]
        assert offbeats and all(0.6 < offbeat < 0.7 for offbeat in offbeats), "swung eighths land late"


def test_no_drum_feel_means_no_drum_notes_at_all() -> None:
    plan = feel("none")
    assert not [candidate for candidate in plan.parts if candidate.instrument.is_drum]
    assert not [candidate for candidate in song(AMBIENT, seed=1).parts if candidate.instrument.is_drum]


def test_a_fill_ends_each_section_and_a_crash_starts_the_next() -> None:
    for plan in (feel("backbeat"), song(ROCK, seed=2), song(EDM, seed=4)):
        drums = part(plan, "drums").notes
        beat = seconds_per_beat(plan)
        for section in plan.sections[1:]:
            last_beat = [note for note in drums if section.start - beat - 1e-6 <= note.start < section.start - 1e-6]
            assert len(last_beat) >= 4 and {note.pitch for note in last_beat} & (TOMS | {SNARE})
            assert any(note.pitch == CRASH and abs(note.start - section.start) < 1e-6 for note in drums)


def test_percussion_plays_hand_percussion_from_the_verses_on() -> None:
    plan = song(POP, seed=2)
    percussion = part(plan, "percussion")
    assert percussion.stem == "Percussion" and percussion.instrument.is_drum
    assert {note.pitch for note in percussion.notes} <= {70, 54, 62, 63, 64, 56}
    intro = plan.sections[0]
    assert not [note for note in percussion.notes if note.start < intro.end]
    tambourine = [note for note in percussion.notes if note.pitch == 54]
    assert tambourine and all(section_at(plan, note.start).energy >= 0.7 for note in tambourine)


def section_at(plan: Plan, seconds: float) -> SectionPlan:
    return next(section for section in plan.sections if section.start - 1e-6 <= seconds < section.end - 1e-6)


def test_an_fx_riser_swells_over_the_bar_before_each_chorus() -> None:
    plan = song(POP, seed=2)
    riser = part(plan, "riser")
    choruses = [section for section in plan.sections if section.kind == "chorus"]
    bar = seconds_per_beat(plan) * 4
    assert len(riser.notes) == len(choruses)
    for note, chorus in zip(riser.notes, choruses, strict=True):
        assert note.end == pytest.approx(chorus.start) and note.start == pytest.approx(chorus.start - bar)


def chord_bass(symbol: str) -> int:
    name = symbol.split("/")[-1] if "/" in symbol else symbol
    return pitch_class(name[:2] if len(name) > 1 and name[1] in "b#" else name[0])


def test_the_bass_plays_each_chord_on_its_downbeat_in_a_bass_register() -> None:
    for plan in (song(POP, seed=1), song(ROCK, seed=1), song(BALLAD, seed=1), feel("trap")):
        bass = part(plan, "bass").notes
        bar = seconds_per_beat(plan) * 4
        for section in plan.sections:
            for number, symbol in enumerate(section.chords):
                start = section.start + number * bar
                downbeat = [note for note in bass if abs(note.start - start) < 1e-6]
                assert downbeat and downbeat[0].pitch % 12 == chord_bass(symbol), (section.label, symbol)
        assert all(24 <= note.pitch <= 52 for note in bass)


def test_trap_808s_are_long_and_low_and_jazz_bass_walks() -> None:
    trap = part(feel("trap"), "bass").notes
    assert np.mean([note.end - note.start for note in trap]) >= seconds_per_beat(feel("trap"))
    assert max(note.pitch for note in trap) <= 40
    jazz = song(replace(POP, genre="jazz", drum_feel="shuffle", tempo_range=(140, 140)), seed=1)
    for section in jazz.sections:
        if section.kind in ("verse", "chorus"):
            beat = seconds_per_beat(jazz)
            notes = [note for note in part(jazz, "bass").notes if section.start <= note.start < section.end]
            assert len(notes) == 4 * section.bars, "one bass note per beat"
            assert all(abs(note.start / beat - round(note.start / beat)) < 1e-6 for note in notes)


def test_voicings_sit_in_sensible_registers() -> None:
    piano = part(song(POP, seed=1), "chords").notes
    assert all(45 <= note.pitch <= 84 for note in piano)
    guitar = part(song(ROCK, seed=1), "chords").notes
    assert all(38 <= note.pitch <= 67 for note in guitar)
    by_start: dict[float, list[int]] = {}
    for note in guitar:
        by_start.setdefault(note.start, []).append(note.pitch)
    for pitches in by_start.values():
        assert {(pitch - min(pitches)) % 12 for pitch in pitches} <= {0, 7}, "power chords: root and fifth"


def sounding(plan: Plan, section: SectionPlan) -> set[str]:
    """The parts playing in a section before its last bar (where the riser and the fill lead on)."""
    end = section.end - seconds_per_beat(plan) * plan.time_signature[0]
    return {p.name for p in plan.parts if any(section.start <= n.start < end for n in p.notes)}


def test_more_parts_play_and_harder_in_the_choruses() -> None:
    for plan in (song(POP, seed=4), song(EDM, seed=4), song(ROCK, seed=4)):
        verse = next(section for section in plan.sections if section.kind == "verse")
        chorus = next(section for section in plan.sections if section.kind == "chorus")
        assert len(sounding(plan, chorus)) > len(sounding(plan, verse)) > len(sounding(plan, plan.sections[0])) - 1
        for role, key in (("drums", KICK), ("bass", None), ("chords", None)):
            notes = [note for note in part(plan, role).notes if key in (None, note.pitch)]

            def loudness(section: SectionPlan, notes: list[Note] = notes) -> int:
                """The accents: the loudest note of the part in the section."""
                return max(note.velocity for note in notes if section.start <= note.start < section.end)

            assert loudness(chorus) > loudness(verse) > loudness(plan.sections[0]), role


def test_pads_join_in_the_big_sections_unless_they_carry_the_harmony() -> None:
    plan = song(POP, seed=1)
    for note in part(plan, "pad").notes:
        assert section_at(plan, note.start).kind in ("chorus", "bridge", "instrumental")
    ambient = song(AMBIENT, seed=1)
    assert all(sounding(ambient, section) >= {"Pad 2 (warm) (pad)"} for section in ambient.sections)


def test_an_unknown_role_is_played_as_a_pad() -> None:
    strange = InstrumentChoice("Strings", 48, "swell")
    plan = song(replace(POP, instruments=(*POP.instruments, strange)), seed=1)
    swell = next(candidate for candidate in plan.parts if candidate.instrument is strange)
    bar = seconds_per_beat(plan) * 4
    assert all(note.end - note.start == pytest.approx(bar) for note in swell.notes)


def level(candidate: Part) -> float:
    """Summed note velocity times the part's gain: how much of the mix a part takes."""
    return sum(note.velocity for note in candidate.notes) * 10 ** (candidate.gain_db / 20)


def test_the_main_harmonic_instrument_sits_on_top_of_the_mix() -> None:
    for seed in range(5):
        plan = song(BALLAD, seed=seed)
        keyboard = next(candidate for candidate in plan.parts if candidate.stem == "Keyboard")
        others = [candidate for candidate in plan.parts if candidate is not keyboard]
        assert all(keyboard.gain_db > other.gain_db for other in others)
        assert all(level(keyboard) > level(other) for other in others)


def test_guitars_are_driven_as_the_style_says_and_parts_spread_across_the_stereo_field() -> None:
    rock = song(ROCK, seed=1)
    assert all(c.drive == 0.8 for c in rock.parts if c.stem == "Guitar")
    assert all(c.drive == 0.0 for c in rock.parts if c.stem != "Guitar")
    plan = song(POP, seed=1)
    pans = [candidate.pan for candidate in plan.parts]
    assert part(plan, "drums").pan == 0.0 and part(plan, "bass").pan == 0.0
    assert min(pans) < -0.2 and max(pans) > 0.2 and len(set(pans)) >= 4
    wet = song(replace(POP, reverb=0.9), seed=1)
    assert part(wet, "pad").reverb > part(plan, "pad").reverb > part(plan, "bass").reverb


def test_a_style_without_instruments_still_gets_a_band_and_no_drums_means_none() -> None:
    plan = song(Style(), seed=1)
    assert {"Drums", "Bass", "Keyboard"} <= {candidate.stem for candidate in plan.parts}
    quiet = song(replace(POP, has_drums=False), seed=1)
    assert not [candidate for candidate in quiet.parts if candidate.instrument.is_drum]
    assert DRUMS in POP.instruments


def test_odd_meters_still_get_every_part_in_time() -> None:
    for meter in ((3, 4), (6, 8)):
        plan = song(replace(POP, meter=meter), seed=2)
        bar = seconds_per_beat(plan) * meter[0]
        for candidate in plan.parts:
            assert candidate.notes
            assert all(math.isfinite(note.start) and note.end > note.start for note in candidate.notes)
        for section in plan.sections:
            assert section.end - section.start == pytest.approx(section.bars * bar)
