"""The tune of a transcription: at each moment the highest note sounding — the "skyline" of the notes."""

from __future__ import annotations

import heapq
import itertools
from collections.abc import Sequence
from dataclasses import replace

from songforge.engines.analysis.transcribe import TranscribedNote

# Notes shorter than this are ornaments or transcription noise, not the tune.
MIN_MELODY_NOTE_S = 0.08


def melody_of(notes: Sequence[TranscribedNote]) -> tuple[TranscribedNote, ...]:
    """A monophonic line: from notes at least MIN_MELODY_NOTE_S long, the highest sounding at each moment (of
    two at one pitch, the later struck). A note is cut short where a higher one starts and comes back, as a
    note of its own, if it still sounds when that one ends; pieces shorter than MIN_MELODY_NOTE_S are dropped."""
    long_enough = sorted((note for note in notes if note.end - note.start >= MIN_MELODY_NOTE_S), key=start_of)
    boundaries = sorted({time for note in long_enough for time in (note.start, note.end)})
    sounding: list[tuple[int, float, int]] = []  # a heap of (−pitch, −start, index): the top note first
    pieces: list[TranscribedNote] = []
    sources: list[int] = []
    struck = 0
    for left, right in itertools.pairwise(boundaries):
        while struck < len(long_enough) and long_enough[struck].start <= left:
            note = long_enough[struck]
            heapq.heappush(sounding, (-note.pitch, -note.start, struck))
            struck += 1
        while sounding and long_enough[sounding[0][2]].end <= left:
            heapq.heappop(sounding)
        if not sounding:
            continue
        top = sounding[0][2]
        if sources and sources[-1] == top and pieces[-1].end == left:
            pieces[-1] = replace(pieces[-1], end=right)
        else:
            pieces.append(replace(long_enough[top], start=left, end=right))
            sources.append(top)
    return tuple(piece for piece in pieces if piece.end - piece.start >= MIN_MELODY_NOTE_S)


def start_of(note: TranscribedNote) -> float:
    return note.start
