"""Read the form of written lyrics: tagged sections, their lines, and every word's syllables and stresses.

Tags are lines like "[Chorus]", "(Verse 2)" or "【副歌】". Lyrics without tags are split at blank lines,
and a block sung twice is the chorus. English words take their syllables and stresses from CMUdict;
other words are split at vowel groups with each language's usual stress, Chinese sings one character
per note, Japanese one mora, Korean one Hangul block.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from itertools import pairwise

import pronouncing

from songforge.engines.generation.lyrics import detect_language, load_cmudict
from songforge.engines.generation.score import LyricForm, LyricLine, LyricSection, Word

__all__ = ["read_lyric_form"]

# Spelled-out tag words (lower case, no spaces or hyphens) and the kind they name; the first match wins,
# so "prechorus" comes before "chorus".
SECTION_KINDS: tuple[tuple[str, str], ...] = (
    ("prechorus", "pre_chorus"),
    ("postchorus", "hook"),
    ("chorus", "chorus"),
    ("refrain", "chorus"),
    ("hook", "hook"),
    ("verse", "verse"),
    ("bridge", "bridge"),
    ("intro", "intro"),
    ("outro", "outro"),
    ("ending", "outro"),
    ("coda", "outro"),
    ("instrumental", "instrumental"),
    ("interlude", "instrumental"),
    ("solo", "instrumental"),
    ("drop", "instrumental"),
    ("break", "break"),
    ("预副歌", "pre_chorus"),
    ("导歌", "pre_chorus"),
    ("副歌", "chorus"),
    ("主歌", "verse"),
    ("前奏", "intro"),
    ("尾奏", "outro"),
    ("结尾", "outro"),
    ("桥段", "bridge"),
    ("间奏", "instrumental"),
    ("サビ", "chorus"),
    ("aメロ", "verse"),
    ("bメロ", "pre_chorus"),
)
EXACT_SECTION_KINDS = {"end": "outro"}  # too short to look for inside other words

LINES_PER_BLOCK = 4  # an untagged wall of text is sung in blocks of this many lines
LONG_BLOCK = 8

_TAG = re.compile(r"^\s*[\[【]\s*(?P<name>[^\]】]+?)\s*[\]】]\s*$")
# Parentheses, ASCII or fullwidth (\uff08 \uff09, as Chinese and Japanese lyrics write them).
_PAREN_TAG = re.compile(r"^\s*[(\uff08]\s*(?P<name>[^)\uff09]+?)\s*[)\uff09]\s*$")
# Ad-libs and directions inside a line: "(oh yeah)", "(x2)", "[whispered]".
_ASIDE = re.compile(r"\s*(?:[(\uff08][^)\uff09]*[)\uff09]|\[[^\]]*\])")

_HAN = "\u3400-\u4dbf\u4e00-\u9fff"
_KANA = "\u3040-\u30ff"
_HANGUL = "\uac00-\ud7af"
_WORD = re.compile(
    rf"(?P<han>[{_HAN}])|(?P<kana>[{_KANA}]+)|(?P<hangul>[{_HANGUL}]+)|(?P<number>\d+)"
    rf"|(?P<letters>[^\W\d_{_HAN}{_KANA}{_HANGUL}]+(?:['’][^\W\d_{_HAN}{_KANA}{_HANGUL}]+)*)"
)
_SMALL_KANA = frozenset("ゃゅょぁぃぅぇぉゎャュョァィゥェォヮ")  # they share the mora of the kana before them

# Vowel letters of the Latin, Cyrillic and Greek alphabets (one string each, so no letter passes for another).
_VOWELS = frozenset("aeiouyàáâãäåæèéêëìíîïòóôõöøùúûüýÿœ" + "аеёиоуыэюяіїє" + "αεηιουωάέήίόύώϊϋΐΰ")
_ACCENTED = frozenset("áéíóúàèìòùâêîôû")
# Consonants that start a syllable together ("mo-ther", "hun-dred", "Son-nen-schein") or end one ("rock-et").
_ONSET_PAIRS = frozenset({"th", "sh", "ch", "ph", "wh", "gh"})
_ONSET_CLUSTERS = frozenset(
    {"sch", "bl", "br", "cl", "cr", "dr", "fl", "fr", "gl", "gr", "pl", "pr", "tr", "sc", "sk", "sp", "st", "str"}
)
_CODA_PAIRS = frozenset({"ck", "ng"})

_PENULTIMATE_STRESS = frozenset({"es", "it", "pt", "ru", "uk", "el", "pl"})
_ROMANCE_AND_GERMAN = frozenset({"es", "it", "pt", "fr", "de"})


def read_lyric_form(lyrics: str) -> LyricForm:
    """The sections of the lyrics, each line split into sung words with syllables and stresses."""
    text = unicodedata.normalize("NFC", lyrics)
    raw_lines = text.splitlines()
    language = detect_language("\n".join(line for line in raw_lines if _tag_of(line) is None))
    is_tagged = any(_tag_of(line) for line in raw_lines)
    blocks = _tagged_blocks(raw_lines) if is_tagged else _untagged_blocks(raw_lines)
    sections = tuple(
        LyricSection(kind=kind, label=label, lines=tuple(_sung_lines(lines, language))) for kind, label, lines in blocks
    )
    return LyricForm(sections=sections, language=language)


# ---------------------------------------------------------------------------------------- sections

_Block = tuple[str, str, list[str]]  # kind, label, raw lines


def _tag_of(line: str) -> tuple[str, str] | None:
    """(kind, label) when the line is a section tag. A bracketed tag we cannot name ("[Whispered]") is a
    direction for the singer, and a parenthesised line is only a tag when it names a section."""
    match = _TAG.match(line) or _PAREN_TAG.match(line)
    if match is None:
        return None
    name = match.group("name")
    kind = _kind_named(name)
    return (kind, f"[{name}]") if kind else None


def _kind_named(name: str) -> str | None:
    key = re.sub(r"[\s\-_.:]+", "", name.lower())
    if key in EXACT_SECTION_KINDS:
        return EXACT_SECTION_KINDS[key]
    return next((kind for word, kind in SECTION_KINDS if word in key), None)


def _tagged_blocks(raw_lines: Sequence[str]) -> list[_Block]:
    """One block per tag, holding the lines up to the next tag; directions and blank lines are not sung."""
    blocks: list[_Block] = []
    for line in raw_lines:
        tag = _tag_of(line)
        if tag is not None:
            blocks.append((*tag, []))
        elif _is_direction(line):
            continue
        elif line.strip():
            if not blocks:
                blocks.append(("verse", "[Verse]", []))  # lines before the first tag open a verse
            blocks[-1][2].append(line)
    return blocks


def _is_direction(line: str) -> bool:
    """A whole line in brackets or parentheses that names no section: "[Whispered]", "(oh yeah)"."""
    return bool(_TAG.match(line) or _PAREN_TAG.match(line))


def _untagged_blocks(raw_lines: Sequence[str]) -> list[_Block]:
    """Blocks between blank lines: one sung again is the chorus (every time), the others verses; when
    nothing repeats, verses and choruses alternate."""
    paragraphs: list[list[str]] = [[]]
    for line in raw_lines:
        if line.strip():
            paragraphs[-1].append(line)
        elif paragraphs[-1]:
            paragraphs.append([])
    paragraphs = [paragraph for paragraph in paragraphs if paragraph]
    if len(paragraphs) == 1 and len(paragraphs[0]) > LONG_BLOCK:
        only = paragraphs[0]
        paragraphs = [only[start : start + LINES_PER_BLOCK] for start in range(0, len(only), LINES_PER_BLOCK)]
    keys = [_block_key(paragraph) for paragraph in paragraphs]
    repeated = {key for key in keys if keys.count(key) > 1}
    blocks: list[_Block] = []
    verses = 0
    for index, (paragraph, key) in enumerate(zip(paragraphs, keys, strict=True)):
        is_chorus = key in repeated if repeated else index % 2 == 1
        if is_chorus:
            blocks.append(("chorus", "[Chorus]", paragraph))
        else:
            verses += 1
            blocks.append(("verse", "[Verse]" if verses == 1 else f"[Verse {verses}]", paragraph))
    return blocks


def _block_key(lines: Sequence[str]) -> str:
    return " ".join(re.findall(r"\w+", " ".join(lines).lower()))


# ------------------------------------------------------------------------------------------- words


def _sung_lines(lines: Sequence[str], language: str) -> list[LyricLine]:
    sung = []
    for line in lines:
        words = tuple(_words(_ASIDE.sub("", line), language))
        if words:
            sung.append(LyricLine(words=words))
    return sung


def _words(line: str, language: str) -> list[Word]:
    words = []
    for match in _WORD.finditer(line):
        text = match.group()
        if match.group("han"):
            words.append(Word(text=text, syllables=(text,), stresses=(1,)))
        elif match.group("kana"):
            words.append(_first_stressed(text, _morae(text)))
        elif match.group("hangul"):
            words.append(_first_stressed(text, tuple(text)))
        elif match.group("number"):
            words.append(_first_stressed(text, tuple(text)))  # digits read one by one
        elif language in _ROMANCE_AND_GERMAN:
            words.append(_european_word(text, language))
        elif _is_latin(text):
            words.append(_english_word(text))
        else:
            words.append(_european_word(text, language))
    return words


def _first_stressed(text: str, syllables: tuple[str, ...]) -> Word:
    return Word(text=text, syllables=syllables, stresses=(1,) + (0,) * (len(syllables) - 1))


def _morae(kana: str) -> tuple[str, ...]:
    morae: list[str] = []
    for char in kana:
        if char in _SMALL_KANA and morae:
            morae[-1] += char
        else:
            morae.append(char)
    return tuple(morae)


def _is_latin(text: str) -> bool:
    return all(not char.isalpha() or "LATIN" in unicodedata.name(char, "") for char in text)


def _english_word(text: str) -> Word:
    """Syllables and stresses from CMUdict; a word it lacks is split at vowel groups, stressed first."""
    load_cmudict()
    phones = pronouncing.phones_for_word(text.lower().replace("’", "'"))
    if phones:
        stresses = tuple(int(digit) for digit in pronouncing.stresses(phones[0]))
    else:
        count = len(_vowel_groups(text, silent_final_e=True)) or 1
        stresses = (1,) + (0,) * (count - 1)
    syllables = _spelled(text, len(stresses))
    return Word(text=text, syllables=syllables, stresses=stresses[: len(syllables)])


def _european_word(text: str, language: str) -> Word:
    """Vowel-group syllables; stress on the accented vowel, else where the language usually puts it."""
    silent_final_e = language == "fr"
    groups = _vowel_groups(text, silent_final_e=silent_final_e)
    syllables = _spelled(text, max(len(groups), 1), silent_final_e=silent_final_e)
    stressed = _stressed_syllable(syllables, language)
    return Word(text=text, syllables=syllables, stresses=tuple(int(i == stressed) for i in range(len(syllables))))


def _stressed_syllable(syllables: Sequence[str], language: str) -> int:
    last = len(syllables) - 1
    accented = [i for i, syllable in enumerate(syllables) if _ACCENTED & set(syllable.lower())]
    if accented and language in ("es", "it", "pt"):
        return accented[-1]
    if language == "fr":
        return last
    if language == "es" and syllables[-1][-1].lower() not in "aeiouns":
        return last  # Spanish words ending in another consonant stress the last syllable ("amor")
    if language in _PENULTIMATE_STRESS:
        return max(last - 1, 0)
    return 0


# --------------------------------------------------------------------------------------- spelling


def _vowel_groups(word: str, *, silent_final_e: bool) -> list[tuple[int, int]]:
    """Spans of vowel letters. A "y" before a vowel is a consonant ("you"); a final "e", "es" or "ed"
    after a consonant is silent ("love", "lives", "loved") unless it is the word's only vowel or "-le"."""
    lower = _lower_keeping_length(word)
    groups: list[tuple[int, int]] = []
    for index, char in enumerate(lower):
        is_vowel = char in _VOWELS and not (char == "y" and index + 1 < len(lower) and lower[index + 1] in "aeiou")
        if not is_vowel:
            continue
        if groups and groups[-1][1] == index:
            groups[-1] = (groups[-1][0], index + 1)
        else:
            groups.append((index, index + 1))
    if silent_final_e and len(groups) > 1:
        start, end = groups[-1]
        ending = lower[start:]
        if lower[start:end] == "e" and ending in ("e", "es", "ed", "ent") and not lower.endswith("le"):
            groups.pop()
    return groups


def _spelled(word: str, count: int, *, silent_final_e: bool = True) -> tuple[str, ...]:
    """`word` cut into `count` chunks, one vowel group each where the spelling allows ("to-mor-row").
    A word with fewer letters than syllables ("w") gets one chunk per letter."""
    count = min(count, len(word))
    if count <= 1:
        return (word,)
    groups = _vowel_groups(word, silent_final_e=silent_final_e)
    while len(groups) > count:
        groups = _merged_closest(groups)
    groups = _split_long_groups(groups, count)
    cuts = [_cut_between(word, left, right) for left, right in pairwise(groups)]
    chunks = [word[start:end] for start, end in zip([0, *cuts], [*cuts, len(word)], strict=True)]
    while len(chunks) < count:
        longest = max(range(len(chunks)), key=lambda i: len(chunks[i]))
        half = len(chunks[longest]) // 2
        chunks[longest : longest + 1] = [chunks[longest][:half], chunks[longest][half:]]
    return tuple(chunks)


def _merged_closest(groups: list[tuple[int, int]]) -> list[tuple[int, int]]:
    gaps = [right[0] - left[1] for left, right in pairwise(groups)]
    at = gaps.index(min(gaps))
    return [*groups[:at], (groups[at][0], groups[at + 1][1]), *groups[at + 2 :]]


def _split_long_groups(groups: list[tuple[int, int]], count: int) -> list[tuple[int, int]]:
    """Vowel runs that CMUdict says are two syllables ("be-ing", "i-de-a") split after their first vowel."""
    groups = list(groups)
    while len(groups) < count:
        splittable = [i for i, (start, end) in enumerate(groups) if end - start > 1]
        if not splittable:
            break
        at = max(splittable, key=lambda i: groups[i][1] - groups[i][0])
        start, end = groups[at]
        groups[at : at + 1] = [(start, start + 1), (start + 1, end)]
    return groups


def _cut_between(word: str, left: tuple[int, int], right: tuple[int, int]) -> int:
    """Where the syllable of `left` ends: one consonant goes to the next syllable; two split between them
    unless they belong together; of a longer cluster the next syllable takes the longest onset it can."""
    cluster = _lower_keeping_length(word[left[1] : right[0]])
    if len(cluster) <= 1:
        return left[1]
    if cluster[:2] in _CODA_PAIRS:
        return left[1] + 2
    if len(cluster) == 2:
        return left[1] if cluster in _ONSET_PAIRS else left[1] + 1
    onsets = _ONSET_CLUSTERS | _ONSET_PAIRS
    onset = next((size for size in (3, 2) if cluster[-size:] in onsets), 1)
    return right[0] - onset


def _lower_keeping_length(text: str) -> str:
    """Lower case letter by letter, so indices into the result are indices into `text` ("İ" lowers to two)."""
    return "".join(lowered if len(lowered := char.lower()) == 1 else char for char in text)
