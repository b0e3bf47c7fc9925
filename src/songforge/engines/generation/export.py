"""A plan written out: as a Standard MIDI File, as JSON-ready metadata, and as the `/suno/act/midi` body.

Every export has one track per stem that has notes, named exactly as the stem, so a user can load the
MIDI next to the separated stems and see the same names.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import pretty_midi

from songforge.core.stem_sets import TWELVE_STEMS
from songforge.engines.generation.score import BACKING_VOCALS, VOCALS, Note, Plan

__all__ = ["midi_notes_as_dict", "plan_as_dict", "plan_to_midi"]

# Sung parts have no GM program of their own; these two keep lead and backing apart in a MIDI player.
VOICE_PROGRAMS = {VOCALS: 52, BACKING_VOCALS: 53}  # Choir Aahs, Voice Oohs
TICKS_PER_BEAT = 480
SHORTEST_NOTE_S = 0.001  # a note must end after it starts to survive the round trip


@dataclass(frozen=True)
class _StemTrack:
    """Everything one stem plays, merged from its parts."""

    stem: str
    program: int
    is_drum: bool
    notes: tuple[Note, ...]


def plan_to_midi(plan: Plan) -> bytes:
    """A Standard MIDI File with the plan's tempo, time signature and key, and one track per stem."""
    midi = pretty_midi.PrettyMIDI(initial_tempo=plan.tempo, resolution=TICKS_PER_BEAT)
    numerator, denominator = plan.time_signature
    midi.time_signature_changes.append(pretty_midi.TimeSignature(numerator, denominator, 0.0))
    key_number = _key_number(plan)
    if key_number is not None:
        midi.key_signature_changes.append(pretty_midi.KeySignature(key_number, 0.0))
    for track in _stem_tracks(plan):
        instrument = pretty_midi.Instrument(program=track.program, is_drum=track.is_drum, name=track.stem)
        instrument.notes = [
            pretty_midi.Note(
                velocity=_velocity(note.velocity),
                pitch=min(max(note.pitch, 0), 127),
                start=note.start,
                end=max(note.end, note.start + SHORTEST_NOTE_S),
            )
            for note in track.notes
        ]
        midi.instruments.append(instrument)
    buffer = io.BytesIO()
    midi.write(buffer)
    return buffer.getvalue()


def plan_as_dict(plan: Plan) -> dict[str, Any]:
    """The plan's metadata, JSON-ready: what was decided, not every note."""
    numerator, denominator = plan.time_signature
    style = plan.style
    instruments: dict[str, list[dict[str, Any]]] = {}
    for part in plan.parts:
        instruments.setdefault(part.stem, []).append(
            {"name": part.name, "program": part.instrument.program, "role": part.instrument.role}
        )
    return {
        "title": plan.title,
        "seed": plan.seed,
        "tempo": round(plan.tempo, 2),
        "key": plan.key,
        "mode": plan.mode,
        "time_signature": f"{numerator}/{denominator}",
        "language": plan.language,
        "duration": _ms(plan.duration),
        "form": list(plan.form),
        "sections": [
            {
                "label": section.label,
                "kind": section.kind,
                "start": _ms(section.start),
                "end": _ms(section.end),
                "bars": section.bars,
                "energy": round(section.energy, 3),
                "chords": list(section.chords),
            }
            for section in plan.sections
        ],
        "instruments": instruments,
        "style": {
            "genre": style.genre,
            "mood": style.mood,
            "words": list(style.words),
            "drum_feel": style.drum_feel,
            "swing": style.swing,
            "guitar_drive": style.guitar_drive,
            "reverb": style.reverb,
            "energy": style.energy,
            "tempo_range": list(style.tempo_range),
        },
        "vocals": [
            {
                "stem": vocal.stem,
                "voice": vocal.voice,
                "timbre": vocal.timbre,
                "notes": len(vocal.notes),
                # One pitch per sung syllable (melisma notes left out): what a cover sings again.
                "melody": [note.pitch for note in vocal.notes if not note.slur],
            }
            for vocal in plan.vocals
        ],
    }


def midi_notes_as_dict(plan: Plan) -> dict[str, Any]:
    """The `/suno/act/midi` body: every stem's notes, times in seconds (to the ms), velocity 0–1."""
    return {
        "state": "complete",
        "instruments": [
            {
                "name": track.stem,
                "notes": [
                    {
                        "pitch": note.pitch,
                        "start": _ms(note.start),
                        "end": _ms(max(note.end, note.start + SHORTEST_NOTE_S)),
                        "velocity": round(_velocity(note.velocity) / 127, 3),
                    }
                    for note in track.notes
                ],
            }
            for track in _stem_tracks(plan)
        ],
    }


def _stem_tracks(plan: Plan) -> list[_StemTrack]:
    """One track per stem with notes, in wire order; a stem's parts merged under its first part's program."""
    tracks = []
    for stem in TWELVE_STEMS:  # the Twelve wire order
        parts = [part for part in plan.parts if part.stem == stem]
        vocals = [vocal for vocal in plan.vocals if vocal.stem == stem]
        notes: list[Note] = [note for part in parts for note in part.notes]
        notes += [Note(n.start, n.end, n.pitch, n.velocity) for vocal in vocals for n in vocal.notes]
        if not notes:
            continue
        first = parts[0].instrument if parts else None
        tracks.append(
            _StemTrack(
                stem=stem,
                program=first.program if first else VOICE_PROGRAMS.get(stem, 0),
                is_drum=first.is_drum if first else False,
                notes=_in_time_order(notes),
            )
        )
    return tracks


def _in_time_order(notes: Sequence[Note]) -> tuple[Note, ...]:
    return tuple(sorted(notes, key=lambda note: (note.start, note.pitch)))


def _velocity(velocity: int) -> int:
    return min(max(velocity, 1), 127)


def _ms(seconds: float) -> float:
    return round(seconds, 3)


def _key_number(plan: Plan) -> int | None:
    """pretty_midi's number for the plan's key, or None for a name it cannot read (the key is then left out)."""
    try:
        return int(pretty_midi.key_name_to_key_number(f"{plan.key} {plan.mode}"))
    except ValueError:
        return None
