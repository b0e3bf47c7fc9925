"""Plan exporters: the MIDI file a user downloads, the plan's JSON, and the `/suno/act/midi` body."""

from __future__ import annotations

import io
import json
from dataclasses import replace

import pretty_midi
import pytest

from songforge.engines.generation.export import midi_notes_as_dict, plan_as_dict, plan_to_midi
from songforge.engines.generation.score import (
    BACKING_VOCALS,
    VOCALS,
    InstrumentChoice,
    Note,
    Part,
    Plan,
    SectionPlan,
    Style,
    SungNote,
    SungWord,
    VocalPart,
)

TEMPO = 96.0
BEAT = 60.0 / TEMPO


def beats(count: int, pitch: int, *, every: float = 1.0, velocity: int = 100) -> tuple[Note, ...]:
    return tuple(Note(i * every * BEAT, (i * every + 0.5) * BEAT, pitch, velocity) for i in range(count))


def sample_plan(time_signature: tuple[int, int] = (4, 4)) -> Plan:
    kit = InstrumentChoice("Drums", 0, "drums", is_drum=True)
    piano = InstrumentChoice("Keyboard", 0, "chords")
    organ = InstrumentChoice("Keyboard", 16, "pad")
    bass = InstrumentChoice("Bass", 33, "bass")
    style = Style(words=("pop", "piano"), instruments=(kit, piano, organ, bass))
    parts = (
        Part("Kick", kit, beats(8, 36)),
        Part("Snare", kit, beats(4, 38, every=2.0)),
        Part("Piano (chords)", piano, beats(4, 60, every=2.0)),
        Part("Organ (pad)", organ, beats(2, 64, every=4.0, velocity=200)),
        Part("Finger Bass", bass, beats(8, 36)),
        Part("Strings (silent)", InstrumentChoice("Strings", 48, "pad"), ()),
    )
    lead = VocalPart(VOCALS, "f", 0, tuple(SungNote(i * BEAT, (i + 1) * BEAT, 67, "la", i) for i in range(6)))
    double = VocalPart(VOCALS, "f", 1, tuple(SungNote(i * BEAT, (i + 1) * BEAT, 67, "la", i) for i in range(2)))
    oohs = tuple(SungNote(i * BEAT, (i + 2) * BEAT, 55, "oo", 0) for i in range(3))
    backing = VocalPart(BACKING_VOCALS, "m", 0, oohs)
    sections = (
        SectionPlan("verse", "[Verse]", 0.0, 8 * BEAT, 2, 0.5, ("Am", "F")),
        SectionPlan("chorus", "[Chorus]", 8 * BEAT, 16 * BEAT, 2, 0.8, ("C", "G")),
    )
    return Plan(
        title="Test Song",
        seed=7,
        tempo=TEMPO,
        key="A",
        mode="minor",
        time_signature=time_signature,
        language="en",
        style=style,
        sections=sections,
        parts=parts,
        vocals=(lead, double, backing),
        words=(SungWord("[Verse]\nla ", 0.0, BEAT),),
        duration=16 * BEAT + 2.0,
        lyrics="[Verse]\nla la la",
    )


def read_midi(data: bytes) -> pretty_midi.PrettyMIDI:
    return pretty_midi.PrettyMIDI(io.BytesIO(data))


def track(midi: pretty_midi.PrettyMIDI, name: str) -> pretty_midi.Instrument:
    (found,) = [instrument for instrument in midi.instruments if instrument.name == name]
    return found


def test_midi_has_one_track_per_stem_with_notes_named_as_the_stem() -> None:
    midi = read_midi(plan_to_midi(sample_plan()))
    names = [instrument.name for instrument in midi.instruments]
    assert names == ["Vocals", "Backing Vocals", "Drums", "Bass", "Keyboard"]


def test_parts_of_one_stem_are_merged() -> None:
    midi = read_midi(plan_to_midi(sample_plan()))
    assert len(track(midi, "Drums").notes) == 12
    assert len(track(midi, "Keyboard").notes) == 6
    assert len(track(midi, "Bass").notes) == 8
    assert len(track(midi, "Vocals").notes) == 8
    assert len(track(midi, "Backing Vocals").notes) == 3


def test_midi_programs_and_drum_flags_follow_the_first_part() -> None:
    midi = read_midi(plan_to_midi(sample_plan()))
    assert track(midi, "Drums").is_drum
    assert not track(midi, "Keyboard").is_drum
    assert track(midi, "Keyboard").program == 0
    assert track(midi, "Bass").program == 33


def test_midi_keeps_tempo_time_signature_key_and_timing() -> None:
    midi = read_midi(plan_to_midi(sample_plan((3, 4))))
    _, tempi = midi.get_tempo_changes()
    assert tempi[0] == pytest.approx(TEMPO, abs=0.01)
    signature = midi.time_signature_changes[0]
    assert (signature.numerator, signature.denominator) == (3, 4)
    assert pretty_midi.key_number_to_key_name(midi.key_signature_changes[0].key_number) == "A minor"
    starts = sorted(note.start for note in track(midi, "Bass").notes)
    assert starts == pytest.approx([i * BEAT for i in range(8)], abs=0.002)


def test_midi_clamps_out_of_range_velocities() -> None:
    midi = read_midi(plan_to_midi(sample_plan()))
    assert max(note.velocity for note in track(midi, "Keyboard").notes) == 127


def test_an_empty_plan_is_still_a_midi_file() -> None:
    silent = replace(sample_plan(), parts=(), vocals=())
    midi = read_midi(plan_to_midi(silent))
    assert midi.instruments == []


def test_plan_as_dict_is_json_and_says_what_was_decided() -> None:
    plan = sample_plan()
    data = json.loads(json.dumps(plan_as_dict(plan)))
    assert data["tempo"] == TEMPO
    assert (data["key"], data["mode"], data["time_signature"]) == ("A", "minor", "4/4")
    assert data["form"] == ["[Verse]", "[Chorus]"]
    assert data["sections"][1] == {
        "label": "[Chorus]",
        "kind": "chorus",
        "start": 5.0,
        "end": 10.0,
        "bars": 2,
        "energy": 0.8,
        "chords": ["C", "G"],
    }
    assert [entry["name"] for entry in data["instruments"]["Drums"]] == ["Kick", "Snare"]
    assert data["instruments"]["Keyboard"][1] == {"name": "Organ (pad)", "program": 16, "role": "pad"}
    assert data["style"]["words"] == ["pop", "piano"]
    assert data["style"]["drum_feel"] == "backbeat"
    assert (data["seed"], data["title"], data["language"]) == (7, "Test Song", "en")
    assert data["duration"] == 12.0
    assert [{key: value for key, value in vocal.items() if key != "melody"} for vocal in data["vocals"]] == [
        {"stem": "Vocals", "voice": "f", "timbre": 0, "notes": 6},
        {"stem": "Vocals", "voice": "f", "timbre": 1, "notes": 2},
        {"stem": "Backing Vocals", "voice": "m", "timbre": 0, "notes": 3},
    ]
    plan = sample_plan()
    # A cover sings the melody again: one pitch per syllable, melisma notes left out.
    assert data["vocals"][0]["melody"] == [note.pitch for note in plan.vocals[0].notes if not note.slur]


def test_midi_notes_body_lists_each_stem_with_its_notes() -> None:
    body = midi_notes_as_dict(sample_plan())
    json.dumps(body)
    assert body["state"] == "complete"
    names = [instrument["name"] for instrument in body["instruments"]]
    assert names == ["Vocals", "Backing Vocals", "Drums", "Bass", "Keyboard"]
    counts = {instrument["name"]: len(instrument["notes"]) for instrument in body["instruments"]}
    assert counts == {"Vocals": 8, "Backing Vocals": 3, "Drums": 12, "Bass": 8, "Keyboard": 6}
    for instrument in body["instruments"]:
        starts = [note["start"] for note in instrument["notes"]]
        assert starts == sorted(starts)
        for note in instrument["notes"]:
            assert set(note) == {"pitch", "start", "end", "velocity"}
            assert 0 < note["velocity"] <= 1
            assert note["end"] > note["start"]
            assert round(note["start"], 3) == note["start"]


def test_midi_notes_body_matches_the_midi_file() -> None:
    plan = sample_plan()
    midi = read_midi(plan_to_midi(plan))
    body = midi_notes_as_dict(plan)
    for instrument in body["instruments"]:
        from_file = sorted((n.pitch, round(n.start, 2)) for n in track(midi, instrument["name"]).notes)
        from_body = sorted((n["pitch"], round(n["start"], 2)) for n in instrument["notes"])
        assert from_file == from_body
