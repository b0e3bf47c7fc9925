# ruff: noqa: RUF001 - IPA vowel letters look like Latin ones; they are the point of this module
"""Where each sung syllable's consonant onset, vowel nucleus and consonant coda lie in eSpeak's speech."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

from songforge.engines.generation.voice.espeak import Phone

_VOWEL_LETTERS = frozenset("aeiouyæøœɐɑɒɔəɘɚɛɜɝɞɤɨɪɯɵɶʉʊʌʏᵻ")
_SYLLABIC_MARK = "\u0329"  # IPA combining mark for a syllabic consonant, as in "n̩"


@dataclass(frozen=True)
class SyllableTiming:
    """Seconds into the speech: onset consonants, then the vowel nucleus, then coda consonants."""

    onset_start: float
    nucleus_start: float
    nucleus_end: float
    coda_end: float


def is_vowel(label: str) -> bool:
    """Whether an eSpeak IPA phoneme label carries a syllable's vowel (diphthongs and Pinyin finals included)."""
    return _SYLLABIC_MARK in label or any(letter in _VOWEL_LETTERS for letter in unicodedata.normalize("NFC", label))


def split_into_syllables(phones: tuple[Phone, ...], count: int) -> tuple[SyllableTiming, ...] | None:
    """Cut a word's phonemes into `count` syllables around its vowels; None when it has too few vowels.

    Extra vowels (a diphthong eSpeak writes as two) join their neighbours' nucleus. Between two nuclei a lone
    consonant starts the next syllable; of a cluster the first ends the previous one and the rest start the next,
    as singers carry consonants over to the next note.
    """
    vowels = [index for index, phone in enumerate(phones) if is_vowel(phone.label)]
    if count < 1 or not phones:
        return None
    if not vowels and count == 1:
        return (SyllableTiming(phones[0].start, phones[0].start, phones[-1].end, phones[-1].end),)
    if len(vowels) < count:
        return None
    groups = [vowels[len(vowels) * j // count : len(vowels) * (j + 1) // count] for j in range(count)]
    firsts = [group[0] for group in groups]
    lasts = [group[-1] for group in groups]
    # Index of the first phoneme of each syllable; the syllable runs to the next one's first phoneme.
    starts = [0]
    for last, next_first in zip(lasts, firsts[1:], strict=False):
        between = next_first - last - 1
        starts.append(last + 1 + (1 if between >= 2 else 0))
    ends = [*starts[1:], len(phones)]
    return tuple(
        SyllableTiming(
            onset_start=phones[start].start,
            nucleus_start=phones[first].start,
            nucleus_end=phones[last].end,
            coda_end=phones[end - 1].end,
        )
        for start, first, last, end in zip(starts, firsts, lasts, ends, strict=True)
    )
