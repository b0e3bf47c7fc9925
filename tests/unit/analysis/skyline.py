"""The skyline of transcribed notes (at each moment the highest sounding): how the transcription tests pick a
played tune out of the chords under it."""

import heapq
import itertools
from collections.abc import Sequence
from dataclasses import replace

from songforge.engines.analysis import TranscribedNote
from songforge.engines.analysis.melody import MIN_MELODY_NOTE_S


def skyline(notes: Sequence[TranscribedNote]) -> tuple[TranscribedNote, ...]:
    """A monophonic line: from notes at least MIN_MELODY_NOTE_S long, the highest sounding at each moment (of
    two at one pitch, the later struck). A note is cut short where a higher one starts and comes back, as a
    note of its own, if it still sounds when that one ends; pieces shorter than MIN_MELODY_NOTE_S are dropped."""
    long_enough = sorted(
        (note for note in notes if note.end - note.start >= MIN_MELODY_NOTE_S), key=lambda note: note.start
    )
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
