"""The tune of a transcription: one note at a time, the highest — the "skyline" of the notes."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from songforge.engines.analysis.transcribe import TranscribedNote

# Notes shorter than this are ornaments or transcription noise, not the tune.
MIN_MELODY_NOTE_S = 0.08


def melody_of(notes: Sequence[TranscribedNote]) -> tuple[TranscribedNote, ...]:
    """A monophonic line: a note joins the tune when it starts with nothing higher sounding on (a lower note
    that starts under a tune note with more than MIN_MELODY_NOTE_S still to go is accompaniment), and cuts the
    tune note before it short. Notes shorter than MIN_MELODY_NOTE_S, before or after cutting, are dropped."""
    tune: list[TranscribedNote] = []
    for note in sorted(notes, key=lambda note: (note.start, -note.pitch)):
        if note.end - note.start < MIN_MELODY_NOTE_S:
            continue
        if tune and tune[-1].end - note.start > MIN_MELODY_NOTE_S and note.pitch <= tune[-1].pitch:
            continue
        if tune and tune[-1].end > note.start:
            tune[-1] = replace(tune[-1], end=note.start)
            if tune[-1].end - tune[-1].start < MIN_MELODY_NOTE_S:
                tune.pop()
        tune.append(note)
    return tuple(tune)
