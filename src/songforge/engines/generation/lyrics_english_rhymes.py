"""Rhyme and metre of English words by CMUdict: syllable counts, rhyming sounds, and the lexicon's end words."""

from __future__ import annotations

import re
from functools import cache, lru_cache

import pronouncing

from songforge.engines.generation import lyrics_vocabulary as vocab
from songforge.engines.generation.lyrics_common import load_cmudict
from songforge.engines.generation.lyrics_english_lexicon import End, english_lexicon


def rhyming_parts(word: str) -> set[str]:
    return {pronouncing.rhyming_part(phones) for phones in pronouncing.phones_for_word(word)}


def onset(word: str) -> str:
    """The sound before the rhyming part: a rhyme needs two different ones ("night"/"light", not "night"/"knight")."""
    phones = pronouncing.phones_for_word(word)[0]
    head = phones[: len(phones) - len(pronouncing.rhyming_part(phones))].split()
    return head[-1] if head else ""


@cache
def end_words() -> dict[str, tuple[End, ...]]:
    """Every word a line may end on, with each way it can end one."""
    lexicon = english_lexicon()
    ends: dict[str, list[End]] = {}
    for noun in lexicon.nouns.values():
        ends.setdefault(noun.word, []).append(End(noun.word, "n", noun=noun))
    for verb in lexicon.intransitive.values():
        for kind, form in (("v", verb.base), ("vd", verb.past), ("vg", verb.ing)):
            ends.setdefault(form, []).append(End(form, kind, verb=verb))
    for adjective in lexicon.predicative:
        ends.setdefault(adjective, []).append(End(adjective, "a"))
    for kind, adverbs in (("x", vocab.TIME_ADVERBS), ("w", vocab.AWAY_ADVERBS)):
        for adverb in adverbs:
            ends.setdefault(adverb, []).append(End(adverb, kind))
    # A word said two ways ("wind", "live", "tears") might rhyme on paper only.
    return {word: tuple(options) for word, options in ends.items() if len(rhyming_parts(word)) == 1}


@cache
def rhyme_groups() -> dict[str, tuple[str, ...]]:
    """End words grouped by rhyming sound (CMUdict), only sounds at least two of them share."""
    groups: dict[str, list[str]] = {}
    for word in sorted(end_words()):
        groups.setdefault(rhyming_parts(word).pop(), []).append(word)
    return {part: tuple(words) for part, words in groups.items() if len({onset(w) for w in words}) > 1}


@cache
def rhyme_partners(word: str) -> tuple[str, ...]:
    """Words in our lexicon that rhyme with word per CMUdict, excluding the word and its own inflections."""
    load_cmudict()
    lexicon = english_lexicon()
    words = set(lexicon.nouns) | lexicon.attributive | set(lexicon.predicative) | set(end_words())
    return tuple(
        sorted(
            w
            for w in pronouncing.rhymes(word)
            if w in words and w != word and not w.startswith(word) and not word.startswith(w)
        )
    )


@lru_cache(maxsize=4096)
def syllables(word: str) -> int:
    """CMUdict syllable count, or a vowel-group estimate for words it lacks."""
    word = word.lower().strip("'’-")
    if not word:
        return 0
    load_cmudict()
    phones = pronouncing.phones_for_word(word)
    if phones:
        return int(pronouncing.syllable_count(phones[0]))
    groups = re.findall(r"[aeiouy]+", word)
    count = len(groups) - (1 if word.endswith("e") and len(groups) > 1 and not word.endswith("le") else 0)
    return max(1, count)


def line_syllables(line: str) -> int:
    return sum(syllables(w) for w in re.findall(r"[A-Za-z']+", line))


def indefinite_article(word: str) -> str:
    """'an' before a vowel sound ("an hour", "an endless"), 'a' before a consonant sound ("a unicorn")."""
    phones = pronouncing.phones_for_word(word)
    starts_with_vowel = phones[0][0] in "AEIOU" if phones else word[:1] in "aeiou"
    return "an" if starts_with_vowel else "a"
