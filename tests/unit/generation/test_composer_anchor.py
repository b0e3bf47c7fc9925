"""Pieces made from another song: what the anchor keeps (tempo, key, meter, voice, melody) is what a listener
hears again; no intro for a continuation; an infill fills its window exactly; a cover sings the source's tune."""

from __future__ import annotations

import itertools
from dataclasses import replace

import pytest

from songforge.engines.generation.composer.cover import cover_melody
from songforge.engines.generation.composer.harmony import key_named
from songforge.engines.generation.score import BACKING_VOCALS, LyricForm, LyricSection, MusicalAnchor, Plan, SungNote
from tests.unit.generation.test_composer_inputs import AMBIENT, BALLAD, EDM, ENGLISH, POP, ROCK, line, song

FEMALE, MALE = (57, 76), (45, 64)
# "Twinkle, twinkle" and its answer: 20 pitches around middle C, a sixth wide.
SOURCE_TUNE = (60, 60, 67, 67, 69, 69, 67, 65, 65, 64, 64, 62, 62, 60, 67, 67, 65, 65, 64, 62)


def bar_seconds(plan: Plan) -> float:
    return 60.0 / plan.tempo * 4.0 / plan.time_signature[1] * plan.time_signature[0]


def lead_syllables(plan: Plan) -> list[SungNote]:
    return [note for note in plan.vocals[0].notes if not note.slur]


def every_note_end(plan: Plan) -> list[float]:
    return [note.end for part in plan.parts for note in part.notes] + [
        note.end for part in plan.vocals for note in part.notes
    ]


def test_an_empty_anchor_changes_nothing() -> None:
    for style, seed in ((POP, 1), (ROCK, 2), (BALLAD, 3)):
        assert song(style, seed=seed, anchor=MusicalAnchor()) == song(style, seed=seed)


def test_tempo_key_mode_and_meter_are_kept_as_given() -> None:
    anchor = MusicalAnchor(tempo=97.5, key="Bb", mode="minor", time_signature=(6, 8))
    for seed in range(4):
        plan = song(POP, seed=seed, anchor=anchor)
        assert (plan.tempo, plan.key, plan.mode, plan.time_signature) == (97.5, "Bb", "minor", (6, 8))
        verse = plan.sections[1]
        assert verse.end - verse.start == pytest.approx(verse.bars * 60 / 97.5 * 4 / 8 * 6)
        assert plan.sections[-1].chords[-1] == "Bbm", "the song resolves to the kept key's tonic"
        scale = {(10 + step) % 12 for step in (0, 2, 3, 5, 7, 8, 10)}
        sung = [note.pitch % 12 in scale for note in plan.vocals[0].notes]
        assert sum(sung) / len(sung) >= 0.9, "the tune is written in the kept key"


def test_a_key_without_a_mode_takes_the_styles_mode_and_sharps_name_the_same_key() -> None:
    sad = song(replace(POP, mood="sad"), seed=5, anchor=MusicalAnchor(key="A#"))
    assert (sad.key, sad.mode) == ("Bb", "minor")
    assert song(POP, seed=5, anchor=MusicalAnchor(key="f#", mode="major")).key == "F#"
    assert song(POP, seed=5, anchor=MusicalAnchor(mode="minor")).mode == "minor"
    assert [key_named(name, "major").tonic for name in ("C", "Db", "c#", "B♭", "Cb", "E#")] == [0, 1, 1, 10, 11, 5]
    with pytest.raises(ValueError):
        key_named("H", "major")


def test_the_kept_voice_and_timbre_sing_the_lead() -> None:
    plan = song(POP, seed=2, anchor=MusicalAnchor(voice="m", timbre=1))
    lead, backing = plan.vocals
    assert (lead.voice, lead.timbre) == ("m", 1)
    assert backing.stem == BACKING_VOCALS and backing.timbre == 0
    assert all(MALE[0] <= note.pitch <= MALE[1] for note in lead.notes), "a male lead sings in a male range"
    persona = song(ROCK, seed=3, voice="m", anchor=MusicalAnchor(voice="f", timbre=0))
    assert (persona.vocals[0].voice, persona.vocals[0].timbre) == ("f", 0), "the source's voice wins"


def test_a_continuation_starts_at_once_on_a_downbeat_and_still_ends_with_an_outro() -> None:
    for style, seed in itertools.product((POP, ROCK, BALLAD, EDM), range(6)):
        plan = song(style, seed=seed, anchor=MusicalAnchor(intro=False))
        assert plan.form[0] == "[Verse]" and plan.sections[0].start == 0.0
        assert plan.sections[-1].kind == "outro"
        assert lead_syllables(plan)[0].start < bar_seconds(plan), "the first word comes within the first bar"
    instrumental = song(POP, None, seed=1, duration_s=60.0, anchor=MusicalAnchor(intro=False))
    assert instrumental.sections[0].kind != "intro" and instrumental.sections[-1].kind == "outro"


@pytest.mark.parametrize("window", [7.3, 31.234, 60.0, 95.5, 140.0])
def test_an_infill_lasts_exactly_its_window(window: float) -> None:
    plan = song(POP, seed=3, anchor=MusicalAnchor(intro=False, exact_duration=window, tempo=97.0))
    assert plan.duration == round(window, 3)
    assert plan.sections[-1].end == pytest.approx(window) and plan.sections[-1].kind != "outro"
    assert max(every_note_end(plan)) <= window + 1e-9, "nothing plays past the window"
    assert max(every_note_end(plan)) == pytest.approx(window), "the music plays up to the window's end"
    assert all(word.end <= window for word in plan.words)
    written = {" ".join(word.text for word in lyric.words) for section in ENGLISH.sections for lyric in section.lines}
    sung_lines = [text for text in plan.lyrics.splitlines() if text and not text.startswith("[")]
    assert set(sung_lines) <= written, "whole lines only"
    assert sum(len(text.split()) for text in sung_lines) == len(plan.words)


def test_a_short_window_drops_the_lines_that_do_not_fit_and_a_long_one_stretches() -> None:
    short = song(POP, seed=3, anchor=MusicalAnchor(intro=False, exact_duration=7.3, tempo=97.0))
    assert short.form == ("[Verse]",) and len(short.lyrics.splitlines()) == 2, "one line fits in 7.3 s"
    long = song(POP, seed=3, anchor=MusicalAnchor(intro=False, exact_duration=140.0, tempo=97.0))
    everything = song(POP, seed=3, anchor=MusicalAnchor(intro=False, tempo=97.0))
    assert long.lyrics == everything.lyrics, "a long window sings every line once, no chorus repeated"
    assert long.sections[-1].kind == "instrumental"
    instrumental = song(AMBIENT, None, seed=4, anchor=MusicalAnchor(exact_duration=45.0))
    assert instrumental.duration == 45.0 and max(every_note_end(instrumental)) <= 45.0


def test_a_cover_sings_the_source_tune_one_pitch_per_syllable_in_order() -> None:
    for seed in range(3):
        plan = song(POP, seed=seed, anchor=MusicalAnchor(melody=SOURCE_TUNE))
        syllables = lead_syllables(plan)
        expected = [SOURCE_TUNE[index % len(SOURCE_TUNE)] % 12 for index in range(len(syllables))]
        matches = sum(note.pitch % 12 == wanted for note, wanted in zip(syllables, expected, strict=True))
        assert matches / len(syllables) >= 0.9
        notes = plan.vocals[0].notes
        assert all(after.pitch == before.pitch for before, after in itertools.pairwise(notes) if after.slur)
        assert any(part.stem == BACKING_VOCALS for part in plan.vocals), "backing harmony as usual"


def test_a_cover_moves_the_tune_by_octaves_into_the_singers_range_and_keeps_its_intervals() -> None:
    high_source = tuple(pitch + 12 for pitch in SOURCE_TUNE)  # sung an octave up by the source's singer
    plan = song(ROCK, seed=1, anchor=MusicalAnchor(melody=high_source, voice="m"))
    syllables = lead_syllables(plan)
    assert all(MALE[0] <= note.pitch <= MALE[1] for note in plan.vocals[0].notes)
    source_steps = [b - a for a, b in itertools.pairwise(SOURCE_TUNE)]
    sung_steps = [b.pitch - a.pitch for a, b in itertools.pairwise(syllables[: len(SOURCE_TUNE)])]
    assert sung_steps == source_steps, "within one pass of the tune every interval is the source's"
    wide = (48, 55, 60, 64, 67, 72, 76, 79, 84, 79, 72, 67, 60, 55, 48)  # three octaves: too wide for any voice
    fitted = cover_melody(wide, FEMALE)
    assert all(FEMALE[0] <= pitch <= FEMALE[1] for pitch in fitted)
    assert [pitch % 12 for pitch in fitted] == [pitch % 12 for pitch in wide]
    changed = [
        (b - a) - (d - c) for (a, b), (c, d) in zip(itertools.pairwise(fitted), itertools.pairwise(wide), strict=False)
    ]
    # Climbing three octaves in a 19-semitone range needs two octave moves, and coming down two more.
    assert sum(change != 0 for change in changed) == 4


def test_a_cover_with_fewer_syllables_than_its_tune_sings_the_tune_from_the_start() -> None:
    form = LyricForm((LyricSection("verse", "[Verse]", (line("I SEE you NOW"),)),), "en")
    plan = song(POP, form, seed=2, anchor=MusicalAnchor(melody=SOURCE_TUNE))
    assert [note.pitch % 12 for note in lead_syllables(plan)] == [pitch % 12 for pitch in SOURCE_TUNE[:4]]
