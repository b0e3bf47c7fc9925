"""An exact window (an infill): nothing plays past its end, so the source song can take over right there."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from songforge.engines.generation.score import Note, Part

SHORTEST_CUT_S = 0.02  # a note cut shorter than this would be a click, not a note


def parts_until(parts: Sequence[Part], end: float) -> tuple[Part, ...]:
    """Every part's notes cut at `end` (the last chord rings up to it); a part left with none is dropped."""
    cut = (replace(part, notes=notes_until(part.notes, end)) for part in parts)
    return tuple(part for part in cut if part.notes)


def notes_until(notes: Sequence[Note], end: float) -> tuple[Note, ...]:
    return tuple(
        replace(note, end=min(note.end, end)) for note in notes if min(note.end, end) - note.start >= SHORTEST_CUT_S
    )
