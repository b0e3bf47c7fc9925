"""The English lexicon and line templates, parsed once from `lyrics_vocabulary`.

Nouns know their determiners and the place they are, verbs their forms and who may do them; a template
knows its typed slots (see `lyrics_vocabulary.TEMPLATES`), the last of which is the rhyme slot.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from songforge.engines.generation import lyrics_vocabulary as vocab

# Which rhyme slots each kind of end word fills: n noun, v base verb, vd past, vg -ing, a adjective,
# x adverb of time, w "away".
END_SLOTS: dict[str, frozenset[str]] = {
    "n": frozenset({"O", "Oa", "P"}),
    "v": frozenset({"V", "Vb", "Vm"}),
    "vd": frozenset({"Vd"}),
    "vg": frozenset({"Vg", "Vmg"}),
    "a": frozenset({"A"}),
    "x": frozenset({"X"}),
    "w": frozenset({"W"}),
}
SUBJECT_SLOTS = frozenset({"S", "Sp", "Sn"})
NOUN_SLOTS = frozenset({"S", "Sn", "O", "Oa", "P"})
INTRANSITIVE_SLOTS = frozenset({"V", "Vd", "Vb", "Vg", "Vm", "Vmg"})
TRANSITIVE_SLOTS = frozenset({"T", "Td", "Tb", "Tg"})
MOVING_SLOTS = frozenset({"Vm", "Vmg"})
ING_SLOTS = frozenset({"Vg", "Vmg", "Tg"})


@dataclass(frozen=True)
class Noun:
    word: str
    kind: str  # "count", "plural", "mass" or "abstract": which determiners it takes
    place: str  # key of PLACE_PREPOSITIONS, "" when it is not a place


@dataclass(frozen=True)
class Verb:
    base: str
    third: str
    past: str
    ing: str
    moves: bool  # it can go "away"
    people_only: bool  # "we drive", never "the city drives"
    things_only: bool  # "the rain washes", never "we wash"
    end_only: bool  # reads well only as the last word ("I believe")
    takes_things: bool  # its object is a thing, never a feeling ("carry the light", not "carry love")
    stative: bool  # a state: "I need", never "I'm needing"

    def forms(self) -> tuple[str, str, str, str]:
        return self.base, self.third, self.past, self.ing


@dataclass(frozen=True)
class Lexicon:
    nouns: dict[str, Noun]
    subjects: frozenset[str]  # nouns that may act
    scenery: frozenset[str]  # nouns that are only where things happen
    people: frozenset[str]
    intransitive: dict[str, Verb]
    transitive: dict[str, Verb]
    result: tuple[Verb, ...]
    attributive: frozenset[str]  # adjectives that read before a noun
    adjectives: dict[str, tuple[str, ...]]  # kind of noun (see `lyrics_english._adjective_group`) -> ones that suit it
    predicative: tuple[str, ...]  # adjectives that read after "is" and "feel so"


@dataclass(frozen=True)
class End:
    """A word a line may end on, and as what (see `END_SLOTS`)."""

    word: str
    kind: str
    noun: Noun | None = None
    verb: Verb | None = None


@dataclass(frozen=True)
class Template:
    text: str
    slots: tuple[str, ...]
    pieces: tuple[str, ...]  # the literal text around the slots
    literal_words: frozenset[str]
    plain_subject: bool  # the rhyme verb agrees with {S}, so {S} must take the base form
    avoid_pronouns: frozenset[str]  # "I" when the line says "me", "you" when it says "you"


def _parse_verbs(table: str) -> dict[str, Verb]:
    verbs: dict[str, Verb] = {}
    for entry in table.replace("\n", "|").split("|"):
        words = entry.split()
        if words:
            flags = words[4] if len(words) > 4 else ""
            base, third, past, ing = words[:4]
            verbs[base] = Verb(
                base,
                third,
                past,
                ing,
                moves="m" in flags,
                people_only="p" in flags,
                things_only="t" in flags,
                end_only="e" in flags,
                takes_things="c" in flags,
                stative="s" in flags,
            )
    return verbs


@cache
def english_lexicon() -> Lexicon:
    nouns = {
        word: Noun(word, kind, place)
        for kind, places in vocab.NOUNS.items()
        for place, words in places.items()
        for word in words.split()
    }
    return Lexicon(
        nouns=nouns,
        subjects=frozenset(vocab.SUBJECT_NOUNS.split()),
        scenery=frozenset(vocab.SCENERY_NOUNS.split()),
        people=frozenset(vocab.PEOPLE_NOUNS.split()),
        intransitive=_parse_verbs(vocab.INTRANSITIVE_VERBS),
        transitive=_parse_verbs(vocab.TRANSITIVE_VERBS),
        result=tuple(_parse_verbs(vocab.RESULT_VERBS).values()),
        attributive=frozenset(" ".join([*vocab.ADJECTIVES.values(), vocab.THEME_ADJECTIVES]).split()),
        adjectives={group: tuple(words.split()) for group, words in vocab.ADJECTIVES.items()},
        predicative=tuple(vocab.STATE_ADJECTIVES.split()),
    )


@cache
def line_templates() -> tuple[Template, ...]:
    parsed = []
    for text in vocab.TEMPLATES:
        slots = tuple(re.findall(r"\{(\w+)\}", text))
        subjects = [slot for slot in slots if slot in SUBJECT_SLOTS]
        literal = re.sub(r"\{\w+\}", "", text)
        avoid = {"I"} if re.search(r"\bme\b", literal) else set()
        avoid |= {"you"} if re.search(r"\byou\b", literal) else set()
        plain = slots[-1] in ("V", "Vm") and bool(subjects) and subjects[-1] == "S"
        pieces = tuple(re.split(r"\{\w+\}", text))
        words = frozenset(literal.replace(",", " ").split())
        parsed.append(Template(text, slots, pieces, words, plain, frozenset(avoid)))
    return tuple(parsed)
