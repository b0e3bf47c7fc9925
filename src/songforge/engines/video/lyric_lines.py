"""Sung words grouped into the lines shown on screen.

Words arrive as the timing route reports them: a section tag may lead the first word of a section
("[Verse]\\nWinter ") and a trailing "\\n" ends a line. Tags are dropped and lines split at every newline.
"""

import re
from collections.abc import Sequence
from dataclasses import dataclass

_SECTION_TAG = re.compile(r"\[[^\]\n]*\]")


@dataclass(frozen=True)
class TimedWord:
    """One word as sung: its text (tag prefix and trailing space or newline allowed) and seconds from the start."""

    text: str
    start: float
    end: float


@dataclass(frozen=True)
class LyricLine:
    """A line on screen: its words with tags and newlines removed (spacing between words kept)."""

    words: tuple[TimedWord, ...]

    @property
    def start(self) -> float:
        return self.words[0].start

    @property
    def end(self) -> float:
        return max(word.end for word in self.words)


def lyric_lines(words: Sequence[TimedWord]) -> list[LyricLine]:
    """The words split into lines at their newlines, tags and empty lines dropped, ordered by time."""
    lines: list[LyricLine] = []
    current: list[TimedWord] = []
    for word in words:
        for index, piece in enumerate(word.text.split("\n")):
            if index and current:
                lines.append(LyricLine(tuple(current)))
                current = []
            if piece.strip() and not _SECTION_TAG.fullmatch(piece.strip()):
                current.append(TimedWord(piece, word.start, max(word.start, word.end)))
    if current:
        lines.append(LyricLine(tuple(current)))
    return sorted(lines, key=lambda line: line.start)
