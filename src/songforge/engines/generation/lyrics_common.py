"""What every lyrics writer shares: the song it returns, the song's sections, and CMUdict loaded once."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

import pronouncing

MAX_PROMPT_WORDS = 50
SECTIONS = ("Verse", "Chorus", "Verse 2", "Chorus", "Bridge", "Chorus")

_CMUDICT_LOCK = threading.Lock()


def load_cmudict() -> None:
    """Load CMUdict once, under a lock.

    `pronouncing` loads lazily and unguarded: it sets its `pronunciations` global before it builds
    `lookup`, so a second job thread arriving in between calls `None.get` (or reads a half-built table).
    """
    with _CMUDICT_LOCK:
        pronouncing.init_cmu()


@dataclass(frozen=True)
class Lyrics:
    title: str
    text: str
    tags: list[str] = field(default_factory=list)


def capitalise(line: str) -> str:
    return line[:1].upper() + line[1:] if line else line
