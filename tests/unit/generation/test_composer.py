"""The composer's plan as a whole: key, tempo, form, length, chords by genre, energy, determinism, speed."""

from __future__ import annotations

import re
import time
from dataclasses import replace

import pytest

from songforge.engines.generation.composer.harmony import FLAT_NAMES, SHARP_NAMES, Key, parse_progression
from songforge.engines.generation.composer.progressions import GENRES, PRE_CHORUS
from songforge.engines.generation.score import LyricForm, LyricSection, Plan
from tests.unit.generation.test_composer_inputs import (
    BALLAD,
    BRIDGE,
    CHORUS,
    EDM,
    POP,
    ROCK,
    VERSE,
    VERSE_2,
    line,
    song,
)

CHORD_SYMBOL = re.compile(r"^[A-G][b#]?(m|5|7|maj7|m7|m7b5|dim|sus2|sus4|6|m6|add9|9|m9)?(/[A-G][b#]?)?$")


def pitch_class(name: str) -> int:
    return SHARP_NAMES.index(name) if name in SHARP_NAMES else FLAT_NAMES.index(name)


NUMERALS = ("I", "bII", "II", "bIII", "III", "IV", "#IV", "V", "bVI", "VI", "bVII", "VII")


def relative_chords(plan: Plan, kind: str) -> tuple[str, ...]:
    """A section's chords with roots as numerals of the key ("VIm", "bVII7"), so songs in other keys compare."""
    tonic = pitch_class(plan.key)
    section = next(section for section in plan.sections if section.kind == kind)
    relative = []
    for symbol in section.chords:
        root = re.match(r"[A-G][b#]?", symbol)
        assert root is not None
        relative.append(NUMERALS[(pitch_class(root[0]) - tonic) % 12] + symbol[len(root[0]) :].split("/")[0])
    return tuple(relative)


def test_key_mode_tempo_and_meter_follow_the_style() -> None:
    plans = [song(POP, seed=seed) for seed in range(20)]
    assert all(100 <= plan.tempo <= 120 and plan.tempo == int(plan.tempo) for plan in plans)
    majors = sum(plan.mode == "major" for plan in plans)
    assert 12 <= majors < 20, "a neutral style is mostly, not always, major"
    assert len({plan.key for plan in plans}) >= 4
    assert all(
        song(replace(POP, mood=mood), seed=seed).mode == "minor" for mood in ("sad", "dark") for seed in range(5)
    )
    assert all(song(EDM, seed=seed).mode == "minor" for seed in range(5))
    assert song(replace(POP, meter=(3, 4)), seed=1).time_signature == (3, 4)


def test_the_form_follows_the_lyrics_with_a_short_intro_and_outro_added() -> None:
    plan = song(POP, seed=3)
    assert plan.form == ("[Intro]", "[Verse]", "[Chorus]", "[Verse 2]", "[Chorus]", "[Bridge]", "[Chorus]", "[Outro]")
    assert 2 <= plan.sections[0].bars <= 4 and 2 <= plan.sections[-1].bars <= 4
    starts = [section.start for section in plan.sections]
    assert starts == sorted(starts) and plan.sections[0].start == 0.0
    assert all(a.end == pytest.approx(b.start) for a, b in zip(plan.sections, plan.sections[1:], strict=False))
    tagged = LyricForm((LyricSection("intro", "[Intro]", ()), VERSE, CHORUS), "en")
    assert song(POP, tagged, seed=3).form == ("[Intro]", "[Verse]", "[Chorus]", "[Outro]")


def test_each_sung_line_gets_two_or_four_bars_at_a_singable_rate() -> None:
    short = LyricForm((LyricSection("verse", "[Verse]", (line("I SEE you"), line("you SEE me"))),), "en")
    long_line = line("the MORN-ing COMES and PAINTS the ROOF-tops GOLD a-GAIN to-NIGHT")  # 16 syllables
    long = LyricForm((LyricSection("verse", "[Verse]", (long_line, long_line)),), "en")
    slow_short = song(replace(POP, tempo_range=(100, 100)), short).sections[1]
    fast_long = song(replace(POP, tempo_range=(160, 160)), long).sections[1]
    assert slow_short.bars == 4, "two short lines at 100 BPM: two bars each"
    assert fast_long.bars == 8, "two 16-syllable lines at 160 BPM: four bars each"
    for style, slowest in ((POP, 1.5), (ROCK, 1.5), (BALLAD, 0.7)):
        plan = song(style, seed=1)
        for section in plan.sections:
            if section.kind != "verse":
                continue
            notes = [note for note in plan.vocals[0].notes if section.start <= note.start < section.end]
            rate = len(notes) / (section.end - section.start)
            # A ballad's two bars are long: its lines are sung slowly, never crammed.
            assert slowest <= rate <= 5.0, (style.genre, rate)


def test_the_length_cap_drops_trailing_sections() -> None:
    plan = song(POP, seed=2, max_duration_s=60.0)
    assert plan.duration <= 60.0
    assert plan.form[:3] == ("[Intro]", "[Verse]", "[Chorus]")
    every_end = [note.end for part in plan.parts for note in part.notes]
    every_end += [note.end for vocal in plan.vocals for note in vocal.notes]
    assert max(every_end) <= plan.duration


@pytest.mark.parametrize("wanted", [45.0, 90.0, 150.0, 210.0])
def test_a_wanted_duration_is_honoured_approximately(wanted: float) -> None:
    instrumental = song(POP, None, seed=4, duration_s=wanted)
    assert abs(instrumental.duration - wanted) <= 0.15 * wanted
    if wanted >= 90:
        sung = song(POP, seed=4, duration_s=wanted)
        assert abs(sung.duration - wanted) <= 0.15 * wanted
        assert "[Verse 2]" in sung.form, "the lyrics are kept; choruses and breaks are what repeat or go"


def test_an_instrumental_without_a_duration_lasts_about_two_minutes_in_a_full_form() -> None:
    plan = song(ROCK, None, seed=1)
    assert 100 <= plan.duration <= 140
    assert plan.form[0] == "[Intro]" and plan.form[-1] == "[Outro]"
    assert {"verse", "chorus", "bridge"} <= {section.kind for section in plan.sections}


def test_chords_are_readable_symbols_one_per_bar_and_verse_differs_from_chorus() -> None:
    for style in (POP, ROCK, BALLAD, EDM):
        for seed in range(5):
            plan = song(style, seed=seed)
            for section in plan.sections:
                assert len(section.chords) == section.bars
                assert all(CHORD_SYMBOL.match(symbol) for symbol in section.chords), section.chords
            assert relative_chords(plan, "verse")[:4] != relative_chords(plan, "chorus")[:4]


def test_progressions_by_genre() -> None:
    for seed in range(6):
        rock = song(ROCK, seed=seed)
        assert all(symbol.endswith("5") for section in rock.sections for symbol in section.chords), "power chords"
        pop = song(replace(POP, mood="happy"), seed=seed)
        if pop.mode == "major":
            assert set(relative_chords(pop, "verse")) <= {"I", "V", "VIm", "IV", "IIIm", "IIm"}, "pop: I V vi IV iii ii"
        jazz = song(replace(POP, genre="jazz", drum_feel="shuffle"), seed=seed)
        symbols = [symbol for section in jazz.sections[1:-1] for symbol in section.chords]
        assert sum("7" in symbol or "6" in symbol for symbol in symbols) >= 0.8 * len(symbols), "jazz: sevenths"
        blues = song(replace(POP, genre="blues", drum_feel="shuffle"), seed=seed)
        roots = [re.sub(r"m?7$", "", symbol) for symbol in relative_chords(blues, "verse")]
        assert len(roots) == 12 and roots[4] == "IV" and roots[8] in ("V", "bVI"), "12 bars: IV in bar 5, V in 9"
        assert all("7" in symbol for symbol in blues.sections[1].chords), "dominant (or minor) sevenths"
        ballad = song(BALLAD, seed=seed)
        assert any("/" in symbol for symbol in ballad.sections[1].chords), "ballad: inversions"
        edm = song(EDM, seed=seed)
        assert set(relative_chords(edm, "chorus")) <= {"Im", "bVI", "bIII", "bVII", "IVm", "Vm"}, "i VI III VII loops"


def test_every_progression_in_the_tables_parses() -> None:
    for mode in ("major", "minor"):
        key = Key(0, mode)
        for harmony in GENRES.values():
            table = harmony.in_mode(mode)
            for numerals in (*table.verse, *table.chorus, *table.bridge, *PRE_CHORUS[mode]):
                assert len(parse_progression(numerals, key)) == len(numerals.split())
    c_major = Key(0, "major")
    assert [chord.symbol(c_major) for chord in parse_progression("I V/3 vi IV ii7 V7 bVII iiø7", c_major)] == [
        "C", "G/B", "Am", "F", "Dm7", "G7", "Bb", "Dm7b5",
    ]  # fmt: skip


def test_energy_rises_into_the_choruses() -> None:
    for style in (POP, ROCK, BALLAD):
        plan = song(style, seed=5)
        energy = {section.label: section.energy for section in plan.sections}
        assert energy["[Chorus]"] > energy["[Verse]"] > energy["[Intro]"]
        assert energy["[Verse]"] > energy["[Outro]"]
        choruses = [section.energy for section in plan.sections if section.kind == "chorus"]
        assert choruses == sorted(choruses), "each chorus at least as big as the one before"


def test_the_same_request_gives_the_same_plan() -> None:
    assert song(POP, seed=11) == song(POP, seed=11)
    assert song(ROCK, None, seed=11) == song(ROCK, None, seed=11)


def test_seeds_vary_the_arrangement_not_just_the_key() -> None:
    fixed = replace(POP, tempo_range=(110, 110))
    plans = [song(fixed, seed=seed) for seed in range(20)]
    assert len({relative_chords(plan, "verse") for plan in plans}) >= 3
    assert len({relative_chords(plan, "chorus") for plan in plans}) >= 3

    def drum_bar(plan: Plan) -> tuple[tuple[int, float], ...]:
        chorus = next(section for section in plan.sections if section.kind == "chorus")
        drums = next(part for part in plan.parts if part.instrument.role == "drums")
        bar = 60 / plan.tempo * 4
        return tuple(
            (note.pitch, round((note.start - chorus.start) / bar, 3))
            for note in drums.notes
            if chorus.start + bar <= note.start < chorus.start + 2 * bar
        )

    assert len({drum_bar(plan) for plan in plans}) >= 2


def test_a_four_minute_song_is_composed_in_well_under_half_a_second() -> None:
    long = LyricForm((VERSE, CHORUS, VERSE_2, CHORUS, BRIDGE, CHORUS, VERSE, CHORUS, CHORUS), "en")
    song(POP, long, seed=1)  # warm imports
    started = time.perf_counter()
    plan = song(POP, long, seed=7, duration_s=240.0)
    elapsed = time.perf_counter() - started
    assert plan.duration >= 200
    assert elapsed < 0.5, f"{elapsed:.3f} s"


def test_instrumental_requests_and_styles_have_no_vocals_or_words() -> None:
    for plan in (song(POP, None, seed=1), song(POP, seed=1, instrumental=True), song(replace(POP, has_vocals=False))):
        assert plan.vocals == () and plan.words == () and plan.lyrics == ""
        assert plan.parts
