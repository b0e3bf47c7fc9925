"""The sung melody, the backing harmony and the words: what a singer (and a karaoke display) would notice."""

from __future__ import annotations

import itertools
import re
from dataclasses import replace

import numpy as np

from songforge.engines.generation.composer.harmony import QUALITY_INTERVALS
from songforge.engines.generation.score import LyricForm, Plan, SungNote
from tests.unit.generation.test_composer import pitch_class
from tests.unit.generation.test_composer_inputs import BALLAD, CHINESE, CHORUS, ENGLISH, POP, ROCK, song

FEMALE, MALE = (57, 76), (45, 64)


def stresses_sung(plan: Plan, form: LyricForm = ENGLISH) -> list[int]:
    """The stress of each syllable in the order the plan sings them (all lines are sung in these plans)."""
    by_label = {section.label: section for section in form.sections}
    return [
        stress
        for section in plan.sections
        if section.label in by_label
        for lyric_line in by_label[section.label].lines
        for word in lyric_line.words
        for stress in word.stresses
    ]


def syllable_notes(plan: Plan) -> list[SungNote]:
    return [note for note in plan.vocals[0].notes if not note.slur]


def chord_tones(symbol: str) -> set[int]:
    match = re.match(r"([A-G][b#]?)([^/]*)", symbol)
    assert match is not None
    root = pitch_class(match[1])
    return {(root + interval) % 12 for interval in QUALITY_INTERVALS[match[2]]}


def chord_at(plan: Plan, seconds: float) -> str:
    bar = 60 / plan.tempo * 4 / plan.time_signature[1] * plan.time_signature[0]
    for section in plan.sections:
        if section.start - 1e-6 <= seconds < section.end - 1e-6:
            return section.chords[int((seconds - section.start) / bar + 1e-6)]
    raise AssertionError(seconds)


def lines_of(plan: Plan) -> list[list[SungNote]]:
    """The lead's notes grouped by sung line (a line ends with the word whose text ends in a newline)."""
    line_ends = {index for index, word in enumerate(plan.words) if word.text.endswith("\n")}
    lines: list[list[SungNote]] = [[]]
    for note, following in zip(plan.vocals[0].notes, [*plan.vocals[0].notes[1:], None], strict=True):
        lines[-1].append(note)
        if note.word_index in line_ends and (following is None or following.word_index != note.word_index):
            lines.append([])
    return lines[:-1]


def test_one_note_per_syllable_and_a_melisma_continues_its_syllable() -> None:
    melismas = 0
    for seed in range(8):
        plan = song(POP, seed=seed)
        notes = plan.vocals[0].notes
        assert len(syllable_notes(plan)) == len(stresses_sung(plan))
        for before, note in itertools.pairwise(notes):
            if note.slur:
                melismas += 1
                assert (note.syllable, note.word_index) == (before.syllable, before.word_index)
                assert note.start == before.end
    assert melismas > 0


def test_stressed_syllables_land_on_the_strong_beats() -> None:
    for style in (POP, ROCK, BALLAD):
        for seed in range(4):
            plan = song(style, seed=seed)
            beat = 60 / plan.tempo
            on_strong = []
            for note in syllable_notes(plan):
                position = (note.start / beat) % 4
                on_strong.append(min(abs(position - strong) for strong in (0, 2, 4)) < 1e-3)
            stresses = np.array(stresses_sung(plan)) > 0
            strong = np.array(on_strong)
            assert strong[stresses].mean() >= 0.6, (style.genre, seed, strong[stresses].mean())
            assert strong[~stresses].mean() <= 0.1


def test_each_line_ends_on_a_held_chord_tone_and_then_breathes() -> None:
    for style in (POP, BALLAD, ROCK):
        plan = song(style, seed=2)
        lines = lines_of(plan)
        assert len(lines) == sum(word.text.endswith("\n") for word in plan.words)
        for line, following in zip(lines, [*lines[1:], None], strict=True):
            last = line[-1]
            assert last.pitch % 12 in chord_tones(chord_at(plan, last.start)), (last, chord_at(plan, last.start))
            held = sum(note.end - note.start for note in line if note.word_index == last.word_index)
            others = [note.end - note.start for note in line if note.word_index != last.word_index]
            assert held >= 1.4 * float(np.median(others)) if others else True
            if following is not None:
                assert following[0].start - last.end >= 0.25, "a breath between lines"


def test_the_melody_fits_the_voice_moves_mostly_by_step_and_never_overlaps() -> None:
    steps = leaps = 0
    for style, voice_range in ((POP, FEMALE), (ROCK, MALE), (BALLAD, FEMALE)):
        for seed in range(5):
            plan = song(style, seed=seed)
            notes = plan.vocals[0].notes
            assert all(voice_range[0] <= note.pitch <= voice_range[1] for note in notes)
            assert all(note.end - note.start >= 0.12 for note in notes)
            assert all(following.start >= note.end - 1e-9 for note, following in itertools.pairwise(notes))
            for line in lines_of(plan):
                intervals = np.abs(np.diff([note.pitch for note in line]))
                assert intervals.max(initial=0) <= 9, "no leap wider than a sixth"
                steps += int(np.sum(intervals <= 2))
                leaps += int(np.sum(intervals > 2))
    assert steps / (steps + leaps) >= 0.6


def relative(notes: list[SungNote], origin: float) -> list[tuple[float, float, int, str]]:
    return [(round(n.start - origin, 6), round(n.end - origin, 6), n.pitch, n.syllable) for n in notes]


def test_a_repeated_chorus_sings_the_same_melody() -> None:
    for style in (POP, ROCK):
        plan = song(style, seed=6)
        choruses = [section for section in plan.sections if section.label == "[Chorus]"]
        tunes = [
            relative([note for note in plan.vocals[0].notes if chorus.start <= note.start < chorus.end], chorus.start)
            for chorus in choruses
        ]
        assert len(tunes) == 3 and tunes[0] and tunes[0] == tunes[1] == tunes[2]


def test_twenty_seeds_give_twenty_different_melodies() -> None:
    fixed = replace(POP, tempo_range=(112, 112))
    melodies = set()
    rhythms = set()
    for seed in range(20):
        notes = song(fixed, seed=seed).vocals[0].notes
        melodies.add(tuple((note.pitch, round(note.start, 3), round(note.end, 3)) for note in notes))
        rhythms.add(tuple(round(note.start, 3) for note in notes))
    assert len(melodies) == 20
    assert len(rhythms) >= 5, "the rhythms vary too, not only the pitches"


def test_backing_vocals_harmonise_the_choruses_on_the_same_words() -> None:
    for seed in range(4):
        plan = song(POP, seed=seed)
        lead, backing = plan.vocals
        assert backing.stem == "Backing Vocals" and backing.voice == lead.voice and backing.timbre != lead.timbre
        assert backing.gain_db == -6.0 and backing.pan != 0.0
        choruses = [section for section in plan.sections if section.kind == "chorus"]
        sung = [n for n in lead.notes if any(c.start <= n.start < c.end for c in choruses)]
        assert [(n.start, n.end, n.syllable, n.word_index, n.slur) for n in sung] == [
            (n.start, n.end, n.syllable, n.word_index, n.slur) for n in backing.notes
        ]
        gaps = [low.pitch - high.pitch for high, low in zip(sung, backing.notes, strict=True)]
        assert all(0 < abs(gap) <= 12 for gap in gaps)
        sides = np.sign(gaps)
        assert max(np.mean(sides > 0), np.mean(sides < 0)) >= 0.8, "the harmony mostly stays on one side"
        on_chord = [note.pitch % 12 in chord_tones(chord_at(plan, note.start)) for note in backing.notes]
        assert np.mean(on_chord) >= 0.9
        assert all(FEMALE[0] <= note.pitch <= FEMALE[1] for note in backing.notes)


def test_words_carry_section_tags_and_line_breaks_and_span_their_notes() -> None:
    plan = song(POP, seed=1)
    assert plan.words[0].text == "[Verse]\nthe "
    chorus_start = next(word for word in plan.words if word.text.startswith("[Chorus]"))
    assert chorus_start.text == "[Chorus]\nso "
    assert sum(word.text.startswith("[") for word in plan.words) == 6
    assert sum(word.text.endswith("\n") for word in plan.words) == 4 + 4 + 4 + 4 + 2 + 4
    assert all(word.text.endswith((" ", "\n")) for word in plan.words)
    for index, word in enumerate(plan.words):
        notes = [note for note in plan.vocals[0].notes if note.word_index == index]
        assert notes and word.start == notes[0].start and word.end == notes[-1].end
    assert plan.lyrics.startswith("[Verse]\nthe winter wind is calling out my name\ni walk alone")
    assert "\n\n[Chorus]\nso come home tonight\n" in plan.lyrics
    assert plan.lyrics.count("[Chorus]") == 3


def test_chinese_lyrics_sing_one_note_per_character() -> None:
    plan = song(POP, CHINESE, seed=3)
    characters = "月亮代表我的心你问我爱你有多深我爱你中国我的家乡在远方"
    assert "".join(note.syllable for note in syllable_notes(plan)) == characters
    assert plan.language == "zh" and len(plan.words) == len(characters)
    assert plan.words[0].text == "[主歌]\n月" and plan.words[6].text == "心\n", "no spaces between characters"
    assert plan.lyrics.startswith("[主歌]\n月亮代表我的心\n你问我爱你有多深\n\n[副歌]\n")
    assert all(note.end - note.start >= 0.12 for note in plan.vocals[0].notes)


def test_the_voice_is_the_styles_unless_the_request_names_one() -> None:
    assert song(ROCK, seed=1).vocals[0].voice == "m"
    assert song(ROCK, seed=1, voice="f").vocals[0].voice == "f"
    assert all(FEMALE[0] <= note.pitch <= FEMALE[1] for note in song(ROCK, seed=1, voice="f").vocals[0].notes)
    assert {song(POP, seed=seed).vocals[0].timbre for seed in (0, 1)} == {0, 1}


def test_an_instrumental_lead_plays_the_tune_and_a_sung_song_keeps_it_out_of_the_singers_way() -> None:
    instrumental = song(POP, None, seed=2)
    lead = next(part for part in instrumental.parts if part.instrument.role == "lead")
    for section in instrumental.sections:
        playing = [note for note in lead.notes if section.start <= note.start < section.end]
        assert bool(playing) == (section.kind not in ("intro", "outro"))
    sung = song(POP, seed=2)
    lead = next(part for part in sung.parts if part.instrument.role == "lead")
    verses = [section for section in sung.sections if section.kind == "verse"]
    assert not [note for note in lead.notes if any(v.start <= note.start < v.end for v in verses)]
    assert CHORUS.lines
