"""Offline lyrics writer: a prompt and a seed in, a titled song with sections, rhyme and metre out.

The prompt's language (detected, or given) picks the writer: English lines are built from typed templates
with CMUdict rhymes (`lyrics_english`); Chinese and other languages come from small phrase banks or the
prompt's own words (`lyrics_other`).

The same prompt and seed always give the same song (the RNG is seeded from both via SHA-512, never from
Python's per-process `hash`).
"""

from __future__ import annotations

import random
import unicodedata

from songforge.engines.generation.lyrics_common import SECTIONS, Lyrics, load_cmudict
from songforge.engines.generation.lyrics_english import SYLLABLE_RANGE, write_english
from songforge.engines.generation.lyrics_english_rhymes import line_syllables, rhyme_partners, syllables
from songforge.engines.generation.lyrics_language import detect_language, language_code
from songforge.engines.generation.lyrics_other import write_chinese, write_other_language

__all__ = [
    "SECTIONS",
    "SYLLABLE_RANGE",
    "Lyrics",
    "detect_language",
    "line_syllables",
    "load_cmudict",
    "rhyme_partners",
    "syllables",
    "write_lyrics",
]


def write_lyrics(prompt: str, *, seed: int, language: str | None = None) -> Lyrics:
    """Write a song about the prompt: [Verse] [Chorus] [Verse 2] [Chorus] [Bridge] [Chorus], 4 lines each."""
    if not prompt or not prompt.strip():
        raise ValueError("the prompt is empty: describe what the song should be about")
    load_cmudict()
    prompt = unicodedata.normalize("NFC", " ".join(prompt.split()))
    code = language_code(language) if language else detect_language(prompt)
    rng = random.Random(f"songforge-lyrics:{seed}:{code}:{prompt}")  # noqa: S311 - seeded: repeatable lyrics
    if code == "en":
        return write_english(prompt, rng)
    if code == "zh":
        return write_chinese(prompt, rng)
    return write_other_language(prompt, code, rng)
