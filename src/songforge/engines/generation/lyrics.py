"""Offline lyrics writer: a prompt and a seed in, a titled song with sections, rhyme and metre out.

English lyrics are built like sentences: each line is a template from `lyrics_vocabulary` with typed
slots (subject, verb in the form its subject needs, object, place phrase, adjective), filled from a
lexicon that knows each noun's determiners and prepositions and each verb's forms, so articles, verb
agreement and prepositions come out right. The last slot is the rhyme word: end words are grouped by
their CMUdict rhyming sound, and a pair is two words with the same sound but different onsets ("night"
and "light", never "night" and "knight"). The prompt's content words are placed where their part of
speech fits ("missing home": "I'm missing home"), and a section is redrafted until its four lines are
within two syllables of each other.

Other languages: Chinese prompts get Chinese lines from a small built-in phrase bank, grouped by rhyme
(十三辙), with the prompt's own words placed in them. For languages we have no bank for, the lyrics are
built from the prompt's own words in the same section structure rather than from English, and the tags
say which language was produced.

The same prompt and seed always give the same song (the RNG is seeded from both via SHA-512, never from
Python's per-process `hash`).
"""

from __future__ import annotations

import random
import re
import threading
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cache, lru_cache

import pronouncing

from songforge.engines.generation import lyrics_vocabulary as vocab

__all__ = ["Lyrics", "detect_language", "syllables", "write_lyrics"]

MAX_PROMPT_WORDS = 50
SYLLABLE_RANGE = (6, 10)
ZH_LINE_CHARACTERS = (5, 9)  # a Chinese line sings one syllable a character
MAX_TOPICS = 4  # prompt words the song is about; the rest of a long prompt is left out
SECTIONS = ("Verse", "Chorus", "Verse 2", "Chorus", "Bridge", "Chorus")

LANGUAGE_NAMES = {
    "en": "english",
    "zh": "chinese",
    "ja": "japanese",
    "ko": "korean",
    "ru": "russian",
    "uk": "ukrainian",
    "es": "spanish",
    "fr": "french",
    "de": "german",
    "pt": "portuguese",
    "it": "italian",
    "ar": "arabic",
    "he": "hebrew",
    "el": "greek",
    "hi": "hindi",
    "th": "thai",
}

# Function words of Latin-script languages we can recognise (and leave out of echoed lyrics).
_LATIN_STOPWORDS: dict[str, frozenset[str]] = {
    "es": frozenset("el la los las una un de del y que canción cancion sobre con por para mi tu en es muy".split()),
    "fr": frozenset("le la les une un des du et que chanson sur avec pour mon ma dans est très de".split()),
    "de": frozenset("der die das und ein eine lied über mit für mein ist nicht von zu im".split()),
    "pt": frozenset("o a os as uma um do da e que canção cancao sobre com para meu em é muito".split()),
    "it": frozenset("il lo la gli le una un di e che canzone su con per mio è molto del".split()),
}
_ACCENT_HINTS = {"es": "ñ¿¡", "fr": "çœèêëîïôûù", "pt": "ãõ", "de": "äöüß"}


_CMUDICT_LOCK = threading.Lock()


def _load_cmudict() -> None:
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


def write_lyrics(prompt: str, *, seed: int, language: str | None = None) -> Lyrics:
    """Write a song about the prompt: [Verse] [Chorus] [Verse 2] [Chorus] [Bridge] [Chorus], 4 lines each."""
    if not prompt or not prompt.strip():
        raise ValueError("the prompt is empty: describe what the song should be about")
    _load_cmudict()
    prompt = unicodedata.normalize("NFC", " ".join(prompt.split()))
    code = _language_code(language) if language else detect_language(prompt)
    rng = random.Random(f"songforge-lyrics:{seed}:{code}:{prompt}")  # noqa: S311 - seeded: repeatable lyrics
    if code == "en":
        return _EnglishWriter(prompt, rng).write()
    if code == "zh":
        return _write_chinese(prompt, rng)
    return _write_other_language(prompt, code, rng)


# ------------------------------------------------------------------------------------------- language


def detect_language(text: str) -> str:
    """A two-letter code from the script, then (for Latin script) from accents and function words."""
    counts: dict[str, int] = {}
    for ch in text:
        script = _script(ch)
        if script:
            counts[script] = counts.get(script, 0) + 1
    if counts.get("kana"):
        return "ja"
    if counts.get("hangul"):
        return "ko"
    if counts:
        script = max(counts, key=counts.__getitem__)
        if script == "han":
            return "zh"
        if script == "cyrillic":
            return "uk" if re.search(r"[іїєґІЇЄҐ]", text) else "ru"
        return script
    lowered = text.lower()
    words = re.findall(r"[^\W\d_]+", lowered)
    scores = {code: sum(w in stop for w in words) for code, stop in _LATIN_STOPWORDS.items()}
    for code, accents in _ACCENT_HINTS.items():
        scores[code] += 2 * sum(ch in accents for ch in lowered)
    english = sum(w in vocab.STOPWORDS for w in words)
    best = max(scores, key=scores.__getitem__)
    return best if scores[best] >= 2 and scores[best] > english else "en"


def _script(ch: str) -> str | None:
    cp = ord(ch)
    if 0x3040 <= cp <= 0x30FF:
        return "kana"
    if 0xAC00 <= cp <= 0xD7AF or 0x1100 <= cp <= 0x11FF:
        return "hangul"
    if 0x4E00 <= cp <= 0x9FFF or 0x3400 <= cp <= 0x4DBF:
        return "han"
    if 0x0400 <= cp <= 0x04FF:
        return "cyrillic"
    if 0x0600 <= cp <= 0x06FF:
        return "ar"
    if 0x0590 <= cp <= 0x05FF:
        return "he"
    if 0x0370 <= cp <= 0x03FF:
        return "el"
    if 0x0900 <= cp <= 0x097F:
        return "hi"
    if 0x0E00 <= cp <= 0x0E7F:
        return "th"
    return None


def _language_code(language: str) -> str:
    value = language.strip().lower().replace("_", "-").split("-")[0]
    if value in LANGUAGE_NAMES:
        return value
    for code, name in LANGUAGE_NAMES.items():
        if name == value:
            return code
    return value or "en"


def _language_tag(code: str) -> str:
    return LANGUAGE_NAMES.get(code, code)


# -------------------------------------------------------------------------------------------- English

_DETERMINERS: dict[str, tuple[str, ...]] = {
    "count": ("the", "the", "the", "the", "the", "a", "my", "your", "this"),
    "plural": ("the", "the", "the", "my", "your", "these", "all the"),
    "mass": ("the", "the", "the", "this"),
    "abstract": ("", "", "", "my", "your"),
}
# Subject pronouns and the agreement they take: "pl" is the base verb, "are", "were".
_PRONOUNS: dict[str, str] = {"I": "1sg", "you": "pl", "we": "pl"}
_PRONOUN_CONTRACTIONS = {"I am": "I'm", "you are": "you're", "we are": "we're"}
_CONTRACTABLE = re.compile(r"\b(?:I am|you are|we are)\b")
# Which rhyme slots each kind of end word fills: n noun, v base verb, vd past, vg -ing, a adjective,
# x adverb of time, w "away".
_END_SLOTS: dict[str, frozenset[str]] = {
    "n": frozenset({"O", "Oa", "P"}),
    "v": frozenset({"V", "Vb", "Vm"}),
    "vd": frozenset({"Vd"}),
    "vg": frozenset({"Vg", "Vmg"}),
    "a": frozenset({"A"}),
    "x": frozenset({"X"}),
    "w": frozenset({"W"}),
}
_END_KIND_WEIGHTS = {"n": 4, "a": 2, "v": 2, "vd": 1, "vg": 1, "x": 1, "w": 1}
_SUBJECT_SLOTS = frozenset({"S", "Sp", "Sn"})
_NOUN_SLOTS = frozenset({"S", "Sn", "O", "Oa", "P"})
_INTRANSITIVE_SLOTS = frozenset({"V", "Vd", "Vb", "Vg", "Vm", "Vmg"})
_TRANSITIVE_SLOTS = frozenset({"T", "Td", "Tb", "Tg"})
_MOVING_SLOTS = frozenset({"Vm", "Vmg"})
_ING_SLOTS = frozenset({"Vg", "Vmg", "Tg"})
_LINE_ATTEMPTS = 50
_SECTION_ATTEMPTS = 4
_THEME_KEYS = ("nouns", "adjectives", "verbs")
_ADJECTIVE_ENDINGS = ("ful", "ous", "ive", "less", "able", "ible", "ish")  # of a prompt word we do not know
_ADJECTIVE_CHANCE = 0.3  # how often a noun phrase gets an adjective of its own
_OUTDOORS = frozenset({"sky", "weather", "water", "ridge", "clock"})  # places that are nature
_PERSONAL_PLACES = frozenset({"", "area", "path", "inside", "home"})  # nouns one may call "my" or "your"


@dataclass(frozen=True)
class _Noun:
    word: str
    kind: str  # "count", "plural", "mass" or "abstract": which determiners it takes
    place: str  # key of PLACE_PREPOSITIONS, "" when it is not a place


@dataclass(frozen=True)
class _Verb:
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
class _Lexicon:
    nouns: dict[str, _Noun]
    subjects: frozenset[str]  # nouns that may act
    scenery: frozenset[str]  # nouns that are only where things happen
    people: frozenset[str]
    intransitive: dict[str, _Verb]
    transitive: dict[str, _Verb]
    result: tuple[_Verb, ...]
    attributive: frozenset[str]  # adjectives that read before a noun
    adjectives: dict[str, tuple[str, ...]]  # kind of noun (see `_adjective_group`) -> adjectives that suit it
    predicative: tuple[str, ...]  # adjectives that read after "is" and "feel so"


@dataclass(frozen=True)
class _End:
    """A word a line may end on, and as what (see `_END_SLOTS`)."""

    word: str
    kind: str
    noun: _Noun | None = None
    verb: _Verb | None = None


@dataclass(frozen=True)
class _Topic:
    """A content word of the prompt, as the part of speech the lyrics use it as (no noun, no verb: adjective)."""

    word: str
    noun: _Noun | None = None
    verb: _Verb | None = None  # the prompt's "missing" is the verb "miss"

    @property
    def is_adjective(self) -> bool:
        return self.noun is None and self.verb is None


@dataclass(frozen=True)
class _Template:
    text: str
    slots: tuple[str, ...]
    pieces: tuple[str, ...]  # the literal text around the slots
    literal_words: frozenset[str]
    plain_subject: bool  # the rhyme verb agrees with {S}, so {S} must take the base form
    avoid_pronouns: frozenset[str]  # "I" when the line says "me", "you" when it says "you"


@dataclass
class _Draft:
    """What one attempt at a line has used so far, and who the verbs agree with."""

    used: set[str]
    person: str = "1sg"
    human: bool = True  # the subject is a person, who may do anything
    companion: _Noun | None = None  # the noun the prompt put after the topic ("missing" -> "home")
    wants_thing: bool = False  # the verb before the object takes things, not feelings


def _parse_verbs(table: str) -> dict[str, _Verb]:
    verbs: dict[str, _Verb] = {}
    for entry in table.replace("\n", "|").split("|"):
        words = entry.split()
        if words:
            flags = words[4] if len(words) > 4 else ""
            base, third, past, ing = words[:4]
            verbs[base] = _Verb(
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
def _english_lexicon() -> _Lexicon:
    nouns = {
        word: _Noun(word, kind, place)
        for kind, places in vocab.NOUNS.items()
        for place, words in places.items()
        for word in words.split()
    }
    return _Lexicon(
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
def _templates() -> tuple[_Template, ...]:
    parsed = []
    for text in vocab.TEMPLATES:
        slots = tuple(re.findall(r"\{(\w+)\}", text))
        subjects = [slot for slot in slots if slot in _SUBJECT_SLOTS]
        literal = re.sub(r"\{\w+\}", "", text)
        avoid = {"I"} if re.search(r"\bme\b", literal) else set()
        avoid |= {"you"} if re.search(r"\byou\b", literal) else set()
        plain = slots[-1] in ("V", "Vm") and bool(subjects) and subjects[-1] == "S"
        pieces = tuple(re.split(r"\{\w+\}", text))
        words = frozenset(literal.replace(",", " ").split())
        parsed.append(_Template(text, slots, pieces, words, plain, frozenset(avoid)))
    return tuple(parsed)


def _rhyming_parts(word: str) -> set[str]:
    return {pronouncing.rhyming_part(phones) for phones in pronouncing.phones_for_word(word)}


def _onset(word: str) -> str:
    """The sound before the rhyming part: a rhyme needs two different ones ("night"/"light", not "night"/"knight")."""
    phones = pronouncing.phones_for_word(word)[0]
    head = phones[: len(phones) - len(pronouncing.rhyming_part(phones))].split()
    return head[-1] if head else ""


@cache
def _end_words() -> dict[str, tuple[_End, ...]]:
    """Every word a line may end on, with each way it can end one."""
    lexicon = _english_lexicon()
    ends: dict[str, list[_End]] = {}
    for noun in lexicon.nouns.values():
        ends.setdefault(noun.word, []).append(_End(noun.word, "n", noun=noun))
    for verb in lexicon.intransitive.values():
        for kind, form in (("v", verb.base), ("vd", verb.past), ("vg", verb.ing)):
            ends.setdefault(form, []).append(_End(form, kind, verb=verb))
    for adjective in lexicon.predicative:
        ends.setdefault(adjective, []).append(_End(adjective, "a"))
    for kind, adverbs in (("x", vocab.TIME_ADVERBS), ("w", vocab.AWAY_ADVERBS)):
        for adverb in adverbs:
            ends.setdefault(adverb, []).append(_End(adverb, kind))
    # A word said two ways ("wind", "live", "tears") might rhyme on paper only.
    return {word: tuple(options) for word, options in ends.items() if len(_rhyming_parts(word)) == 1}


@cache
def _rhyme_groups() -> dict[str, tuple[str, ...]]:
    """End words grouped by rhyming sound (CMUdict), only sounds at least two of them share."""
    groups: dict[str, list[str]] = {}
    for word in sorted(_end_words()):
        groups.setdefault(_rhyming_parts(word).pop(), []).append(word)
    return {part: tuple(words) for part, words in groups.items() if len({_onset(w) for w in words}) > 1}


@cache
def rhyme_partners(word: str) -> tuple[str, ...]:
    """Words in our lexicon that rhyme with word per CMUdict, excluding the word and its own inflections."""
    _load_cmudict()
    lexicon = _english_lexicon()
    words = set(lexicon.nouns) | lexicon.attributive | set(lexicon.predicative) | set(_end_words())
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
    _load_cmudict()
    phones = pronouncing.phones_for_word(word)
    if phones:
        return int(pronouncing.syllable_count(phones[0]))
    groups = re.findall(r"[aeiouy]+", word)
    count = len(groups) - (1 if word.endswith("e") and len(groups) > 1 and not word.endswith("le") else 0)
    return max(1, count)


def line_syllables(line: str) -> int:
    return sum(syllables(w) for w in re.findall(r"[A-Za-z']+", line))


def _indefinite_article(word: str) -> str:
    """'an' before a vowel sound ("an hour", "an endless"), 'a' before a consonant sound ("a unicorn")."""
    phones = pronouncing.phones_for_word(word)
    starts_with_vowel = phones[0][0] in "AEIOU" if phones else word[:1] in "aeiou"
    return "an" if starts_with_vowel else "a"


# --- reading the prompt


@dataclass(frozen=True)
class _PromptTopics:
    topics: list[_Topic]  # the main noun first
    companions: dict[str, _Noun]  # adjective or verb -> the noun the prompt put after it
    runs: list[list[str]]  # adjacent content words: "summer road trip", "rainy night"


def _read_topics(tokens: Sequence[str], content: Sequence[str], lexicon: _Lexicon) -> _PromptTopics:
    wanted = set(content)
    topics = [_topic_for(token, lexicon) for token in content]
    companions: dict[str, _Noun] = {}
    runs: list[list[str]] = [[]]
    for index, token in enumerate(tokens):
        if token not in wanted:
            runs.append([])
            continue
        runs[-1].append(token)
        topic = _topic_for(token, lexicon)
        after = tokens[index + 1] if index + 1 < len(tokens) else ""
        following = _topic_for(after, lexicon) if after in wanted else None
        transitive = topic.verb is not None and topic.verb.base in lexicon.transitive
        if following and following.noun and (topic.is_adjective or transitive):
            companions.setdefault(topic.word, following.noun)
    unique = list({topic.word: topic for topic in topics}.values())
    nouns = [topic for topic in unique if topic.noun][:1]
    ordered = nouns + [topic for topic in unique if topic not in nouns]
    return _PromptTopics(ordered[:MAX_TOPICS], companions, [run for run in runs if run])


def _topic_for(token: str, lexicon: _Lexicon) -> _Topic:
    if token in lexicon.nouns:
        return _Topic(token, noun=lexicon.nouns[token])
    if token in lexicon.attributive or token in lexicon.predicative:
        return _Topic(token)
    for verbs in (lexicon.transitive, lexicon.intransitive):
        verb = next((v for v in verbs.values() if token in v.forms()), None)
        if verb:
            return _Topic(verb.ing if token == verb.ing else verb.base, verb=verb)
    if len(token) > 6 and token.endswith(_ADJECTIVE_ENDINGS):  # "beautiful", "mysterious"; not "five"
        return _Topic(token)
    return _Topic(token, noun=_Noun(token, _guess_noun_kind(token), ""))


def _goes_before_nouns(adjective: str, lexicon: _Lexicon) -> bool:
    """ "The rainy night", not "the alive night"; one we do not know ("beautiful") may, as most adjectives can."""
    return adjective in lexicon.attributive or adjective not in lexicon.predicative


def _plain_word(token: str) -> str:
    """A prompt word without its apostrophes: "believin'" -> "believing", "max's" -> "max", "don't" -> "dont"."""
    if token.endswith("in'"):
        token += "g"
    return token.removesuffix("'s").replace("'", "")


def _guess_noun_kind(word: str) -> str:
    """A word we do not know is a noun: plural if its singular is a word, a bare name if it ends like one."""
    if word.endswith("s") and not word.endswith("ss"):
        singular = word[:-3] + "y" if word.endswith("ies") else word[:-1]
        return "plural" if pronouncing.phones_for_word(singular) else "abstract"
    return "abstract" if word.endswith("ing") else "count"


# --- writing


class _EnglishWriter:
    def __init__(self, prompt: str, rng: random.Random) -> None:
        self.rng = rng
        self.lexicon = lexicon = _english_lexicon()
        tokens = [_plain_word(t) for t in re.findall(r"[a-z][a-z']*", prompt.lower())][: MAX_PROMPT_WORDS * 2]
        self.genre = next((vocab.GENRES[t] for t in tokens if t in vocab.GENRES), "pop")
        self.moods = list(dict.fromkeys(vocab.MOODS[t] for t in tokens if t in vocab.MOODS))
        content = [
            t
            for t in tokens
            if t not in vocab.STOPWORDS and t not in vocab.GENRES and t not in vocab.MOODS and len(t) > 2
        ][:MAX_PROMPT_WORDS]
        prompt_topics = _read_topics(tokens, content, lexicon)
        self.topics, self.companions, self.runs = prompt_topics.topics, prompt_topics.companions, prompt_topics.runs
        describing = {t.word for t in self.topics if t.is_adjective and _goes_before_nouns(t.word, lexicon)}
        self.described = {noun.word: word for word, noun in self.companions.items() if word in describing}
        themes = [name for name, theme in vocab.THEMES.items() if set(content) & set(theme["triggers"])]
        if not themes:
            fallback = ["heartbreak"] if "melancholic" in self.moods else ["night", "love", "dreams", "time", "road"]
            themes = sorted(rng.sample(fallback, k=min(2, len(fallback))))
        nouns, adjectives, verbs = ([w for name in themes for w in vocab.THEMES[name][key]] for key in _THEME_KEYS)
        if not any(topic.noun for topic in self.topics):
            noun = lexicon.nouns[rng.choice(nouns)]
            self.topics = [_Topic(noun.word, noun=noun), *self.topics][:MAX_TOPICS]
        self.primary = self.topics[0]
        # theme words three times over so the song's imagery leans toward the prompt
        self.nouns = [lexicon.nouns[w] for w in nouns] * 3 + list(lexicon.nouns.values())
        self.subjects = [n for n in self.nouns if n.word in lexicon.subjects]
        self.objects = [n for n in self.nouns if n.word not in lexicon.scenery]
        self.places = [n for n in self.nouns if n.place]
        self.things = [n for n in self.nouns if not n.place]
        self.attributive = {
            group: [w for w in adjectives if w in words or (group in _OUTDOORS and w in vocab.THEME_ADJECTIVES)] * 3
            + list(words)
            for group, words in lexicon.adjectives.items()
        }
        self.predicative = [w for w in adjectives if w in lexicon.predicative] * 3 + list(lexicon.predicative)
        self.intransitive = [lexicon.intransitive[w] for w in verbs if w in lexicon.intransitive] * 3 + list(
            lexicon.intransitive.values()
        )
        self.transitive = [lexicon.transitive[w] for w in verbs if w in lexicon.transitive] * 3 + list(
            lexicon.transitive.values()
        )
        self.favoured = {*nouns, *adjectives, *verbs} | {topic.word for topic in self.topics}
        self.used_ends: set[str] = set()
        self.used_sounds: set[str] = set()
        self.section_ends: set[str] = set()  # kept out of the middle of the section's other lines

    # --- the song

    def write(self) -> Lyrics:
        primary, others = self.primary, self.topics[1:]
        chorus_target, verse_target, bridge_target = (self.rng.choice((7, 8)) for _ in range(3))
        chorus = self.section([primary, primary, *others[:1]], target=chorus_target, end_on=primary)
        verse = self.section(others[:1] + others[2:3] or [primary], target=verse_target)
        verse2 = self.section([primary, *others[1:2], *others[3:4]], target=verse_target)
        bridge = self.section([primary, *others[2:3]], target=bridge_target)
        bodies = {"Verse": verse, "Chorus": chorus, "Verse 2": verse2, "Bridge": bridge}
        text = "\n\n".join(f"[{name}]\n" + "\n".join(bodies[name]) for name in SECTIONS)
        tags = [self.genre, *self.moods, "english", *(f"topic:{t.word}" for t in self.topics[:3])]
        return Lyrics(title=self.title(), text=text, tags=list(dict.fromkeys(tags)))

    def title(self) -> str:
        """The prompt's own phrase around the main topic ("Rainy Night", "Missing Home"), else a short one."""
        phrase = next((run for run in self.runs if self.primary.word in run), [self.primary.word])
        start = max(0, phrase.index(self.primary.word) - 2)
        phrase = phrase[start : start + 3]
        if len(phrase) == 1:
            adjective = self.rng.choice(self.attributive[_adjective_group(self.primary.noun)])
            phrase = self.rng.choice(([adjective, *phrase], [*phrase, "tonight"], phrase))
        return " ".join(w.capitalize() for w in phrase)

    def section(self, musts: Sequence[_Topic], *, target: int, end_on: _Topic | None = None) -> list[str]:
        """Four rhymed lines of nearly equal length that sing every topic in musts; the best of a few drafts."""
        best: list[str] = []
        best_faults = 1_000
        for _ in range(_SECTION_ATTEMPTS):
            lines = self.draft_section(musts, target, end_on)
            faults = _section_faults(lines, musts)
            if faults < best_faults:
                best, best_faults = lines, faults
            if faults == 0:
                break
        return best

    def draft_section(self, musts: Sequence[_Topic], target: int, end_on: _Topic | None) -> list[str]:
        first, second = self.rng.choice((((0, 1), (2, 3)), ((0, 2), (1, 3))))  # AABB or ABAB
        topic_pair = self.topic_pair(end_on) if end_on else None
        pairs = [topic_pair or self.pick_pair(), self.pick_pair()]
        ends: list[_End] = [pairs[0][0]] * 4
        for (a, b), pair in zip((first, second), pairs, strict=True):
            ends[a], ends[b] = pair
        musts = list(musts)
        if topic_pair and end_on in musts:
            musts.remove(end_on)
        hosts = self.place_topics(ends, musts)
        self.section_ends = {end.word for end in ends}
        used_templates: set[str] = set()
        lines = []
        for index, end in enumerate(ends):
            line, template = self.line(end, hosts.get(index), (target - 1, target + 1), used_templates)
            used_templates.add(template)
            lines.append(line)
        # a line that came out far longer or shorter than the rest is written again to their length
        low, high = SYLLABLE_RANGE
        for _ in range(2):
            counts = [line_syllables(line) for line in lines]
            middle = max(range(low + 1, high), key=lambda m: (sum(abs(c - m) <= 1 for c in counts), -abs(m - target)))
            for index, count in enumerate(counts):
                if abs(count - middle) > 1:
                    window = (middle - 1, middle + 1)
                    lines[index] = self.line(ends[index], hosts.get(index), window, used_templates)[0]
        return lines

    def place_topics(self, ends: Sequence[_End], musts: Sequence[_Topic]) -> dict[int, _Topic]:
        """Which line sings which topic: one whose rhyme word leaves a slot the topic fits."""
        hosts: dict[int, _Topic] = {}
        for topic in musts:
            free = [i for i in range(4) if i not in hosts and ends[i].word != topic.word]
            fitting = [i for i in free if self.templates_for(ends[i], topic)]
            if fitting:
                hosts[self.rng.choice(fitting)] = topic
        return hosts

    # --- rhymes

    def topic_pair(self, topic: _Topic) -> tuple[_End, _End] | None:
        """The topic noun and a word that rhymes with it, if our lexicon has one."""
        if topic.noun is None or len(_rhyming_parts(topic.word)) != 1:
            return None
        words = _rhyme_groups().get(_rhyming_parts(topic.word).pop(), ())
        partners = [w for w in words if _onset(w) != _onset(topic.word) and w not in self.used_ends]
        if not partners:
            return None
        partner = self.rng.choice(partners)
        self.used_ends.update((topic.word, partner))
        return _End(topic.word, "n", noun=topic.noun), self.end_as(partner)

    def pick_pair(self) -> tuple[_End, _End]:
        """Two end words that rhyme by CMUdict, leaning toward the prompt's imagery, new sounds first."""
        groups = sorted(_rhyme_groups().items())
        self.rng.shuffle(groups)
        favoured = self.rng.random() < 0.7
        groups.sort(key=lambda item: (item[0] in self.used_sounds, favoured and not self.favoured & set(item[1])))
        for sound, words in groups:
            free = [w for w in words if w not in self.used_ends]
            self.rng.shuffle(free)
            if favoured:
                free.sort(key=lambda w: w not in self.favoured)
            pair = next(((a, b) for a in free for b in free if _onset(a) != _onset(b)), None)
            if pair:
                self.used_ends.update(pair)
                self.used_sounds.add(sound)
                return self.end_as(pair[0]), self.end_as(pair[1])
        raise RuntimeError("the rhyme lexicon ran out of pairs")  # unreachable with the shipped lists

    def end_as(self, word: str) -> _End:
        options = _end_words()[word]
        return self.rng.choices(options, weights=[_END_KIND_WEIGHTS[o.kind] for o in options])[0]

    # --- lines

    def templates_for(self, end: _End, topic: _Topic | None) -> list[_Template]:
        return [
            template
            for template in _templates()
            if template.slots[-1] in _END_SLOTS[end.kind]
            and self.slot_takes_end(template.slots[-1], end)
            and (topic is None or any(self.slot_takes_topic(slot, topic) for slot in template.slots[:-1]))
        ]

    def slot_takes_end(self, slot: str, end: _End) -> bool:
        """Whether the rhyme slot can hold the end word: "a"/"an" needs a countable noun, a place phrase a place."""
        if slot in ("O", "Oa"):
            countable = slot == "O" or (end.noun is not None and end.noun.kind == "count")
            return end.noun is not None and countable and end.noun.word not in self.lexicon.scenery
        if slot == "P":
            return end.noun is not None and bool(end.noun.place)
        if slot in _MOVING_SLOTS:
            return end.verb is not None and end.verb.moves
        return True

    def slot_takes_topic(self, slot: str, topic: _Topic) -> bool:
        if topic.noun:
            return (
                (slot in ("S", "Sn") and topic.word in self.lexicon.subjects)
                or slot == "O"
                or (slot == "Oa" and topic.noun.kind == "count" and not topic.noun.place)
                or (slot == "P" and bool(topic.noun.place))
            )
        if topic.verb:
            if topic.word == topic.verb.ing and slot not in _ING_SLOTS:
                return False  # the prompt said "missing": sing "missing"
            if slot in _TRANSITIVE_SLOTS:
                return topic.verb.base in self.lexicon.transitive
            return (
                slot in _INTRANSITIVE_SLOTS
                and topic.verb.base in self.lexicon.intransitive
                and (slot not in _MOVING_SLOTS or topic.verb.moves)
            )
        attributive = _goes_before_nouns(topic.word, self.lexicon)
        return (slot in _NOUN_SLOTS and attributive) or (slot == "A" and topic.word in self.lexicon.predicative)

    def line(
        self, end: _End, topic: _Topic | None, window: tuple[int, int], used_templates: set[str]
    ) -> tuple[str, str]:
        """A line ending on end and singing topic, as close to the syllable window as the attempts get."""
        templates = self.templates_for(end, topic)
        fresh = [t for t in templates if t.text not in used_templates]
        low, high = window
        best: tuple[str, str] | None = None
        best_miss = 1_000.0
        # a template not yet used in this section first; then any; without the topic only if it fits nowhere
        for choices, sung in ((fresh, topic), (templates, topic), (self.templates_for(end, None), None)):
            if best is not None and (best_miss == 0 or sung is None):
                break
            for _ in range(_LINE_ATTEMPTS if choices else 0):
                template = self.rng.choice(choices)
                text = self.fill(template, end, sung)
                if text is None:
                    continue
                count = line_syllables(text)
                miss: float = max(low - count, count - high, 0)
                if count == low - 1:  # one short: an opening "and" or "oh" makes it sing, if nothing else fits
                    openers = [o for o in vocab.LINE_OPENERS if o.strip(", ") not in text.split()]
                    text, miss = self.rng.choice(openers) + text, 0.5
                if miss < best_miss:
                    best, best_miss = (_capitalise(text), template.text), miss
                if miss == 0:
                    break
        if best is None:
            raise RuntimeError(f"no template can end a line on {end.word!r}")  # unreachable with the shipped lists
        return best

    def fill(self, template: _Template, end: _End, topic: _Topic | None) -> str | None:
        """The template with every slot filled, or None when this attempt's choices do not agree."""
        last = len(template.slots) - 1
        host = None
        draft = _Draft(used={*self.section_ends, end.word, *template.literal_words})
        if topic is not None and end.word != topic.word:
            hosts = [i for i, slot in enumerate(template.slots[:-1]) if self.slot_takes_topic(slot, topic)]
            if not hosts:
                return None
            host = self.rng.choice(hosts)
            draft.used.add(topic.word)
            companion = self.companions.get(topic.word)
            draft.companion = companion if companion and companion.word != end.word else None
        pieces = template.pieces
        out = [pieces[0]]
        for index, slot in enumerate(template.slots):
            word = self.slot(slot, draft, template, topic if index == host else None, end if index == last else None)
            if word is None:
                return None
            out += [word, pieces[index + 1]]
        return _CONTRACTABLE.sub(lambda match: _PRONOUN_CONTRACTIONS[match.group(0)], "".join(out))

    def slot(self, slot: str, draft: _Draft, template: _Template, topic: _Topic | None, end: _End | None) -> str | None:
        if slot in _SUBJECT_SLOTS:
            return self.subject(slot, draft, template, topic)
        if slot in ("O", "Oa"):
            pool = self.things if slot == "Oa" else self.objects  # "there's a candle", not "there's a city"
            noun = end.noun if end else self.noun_for(draft, topic, pool, count=slot == "Oa")
            if noun is None or (draft.wants_thing and noun.kind == "abstract"):
                return None
            return self.noun_phrase(noun, draft, indefinite=slot == "Oa", adjective=_adjective_of(topic))
        if slot == "P":
            return self.place(draft, end.noun if end else None, topic)
        if slot in _INTRANSITIVE_SLOTS or slot in _TRANSITIVE_SLOTS or slot == "K":
            return self.verb(slot, draft, topic, end)
        if slot in ("be", "was"):
            forms = {"be": {"1sg": "am", "3sg": "is", "pl": "are"}, "was": {"1sg": "was", "3sg": "was", "pl": "were"}}
            return forms[slot][draft.person]
        if slot == "A":
            return end.word if end else topic.word if topic else self.pick(self.predicative, draft)
        return end.word if end else self.rng.choice(vocab.TIME_ADVERBS)

    def subject(self, slot: str, draft: _Draft, template: _Template, topic: _Topic | None) -> str | None:
        if slot == "Sp" or (slot == "S" and topic is None and self.rng.random() < 0.5):
            chosen = self.rng.choice(sorted(set(_PRONOUNS) - template.avoid_pronouns))
            draft.person, draft.human = _PRONOUNS[chosen], True
            return chosen
        plain = template.plain_subject and slot == "S"
        noun = self.noun_for(draft, topic, self.subjects, plural=plain)
        if noun is None or (plain and noun.kind != "plural"):
            return None
        draft.person = "pl" if noun.kind == "plural" else "3sg"
        draft.human = noun.word in self.lexicon.people
        return self.noun_phrase(noun, draft, adjective=_adjective_of(topic), subject=True)

    def place(self, draft: _Draft, noun: _Noun | None, topic: _Topic | None) -> str | None:
        adjective = _adjective_of(topic)
        noun = noun or self.noun_for(draft, topic, self.places, place=True, described=adjective is not None)
        if noun is None:
            return None
        preposition = self.rng.choice(vocab.PLACE_PREPOSITIONS[noun.place])
        if noun.place in vocab.BARE_PLACES:
            draft.used.add(noun.word)
            return f"{preposition} {noun.word}"
        return f"{preposition} {self.noun_phrase(noun, draft, adjective=adjective)}"

    def noun_for(
        self,
        draft: _Draft,
        topic: _Topic | None,
        pool: Sequence[_Noun],
        *,
        count: bool = False,
        plural: bool = False,
        place: bool = False,
        described: bool = False,
    ) -> _Noun | None:
        """The topic's noun, else the prompt's noun for the topic, else one from pool that fits the slot."""
        if topic and topic.noun:
            return topic.noun

        def fits(noun: _Noun) -> bool:
            return (
                noun.word not in draft.used
                and (not count or noun.kind == "count")
                and (not plural or noun.kind == "plural")
                and (not place or bool(noun.place))
                and not (described and noun.place in vocab.BARE_PLACES)
            )

        if draft.companion and fits(draft.companion):
            noun, draft.companion = draft.companion, None
            return noun
        for _ in range(12):
            noun = self.rng.choice(pool)
            if fits(noun):
                return noun
        return None

    def noun_phrase(
        self,
        noun: _Noun,
        draft: _Draft,
        *,
        indefinite: bool = False,
        adjective: str | None = None,
        subject: bool = False,
    ) -> str:
        draft.used.add(noun.word)
        # "my city", "your letter"; never "my storm" or "your sky"
        personal = noun.place in _PERSONAL_PLACES and noun.word not in vocab.NOUNS["abstract"]["clock"].split()
        # "my quiet home", but never "my quiet midnight", nor "the warm cold"
        may_describe = (personal or noun.kind != "abstract") and noun.word not in self.lexicon.attributive
        may_describe = may_describe and noun.word not in self.lexicon.predicative
        if adjective is None and may_describe and self.rng.random() < _ADJECTIVE_CHANCE:
            adjective = self.described.get(noun.word) or self.pick(self.attributive[_adjective_group(noun)], draft)
        if adjective:
            draft.used.add(adjective)
        determiners = [d for d in _DETERMINERS[noun.kind] if personal or d not in ("my", "your")]
        if subject and noun.kind == "count":
            determiners.remove("a")  # "the sky carries", not "a sky carries"
        determiner = "a" if indefinite else self.rng.choice(determiners)
        if adjective and noun.kind == "abstract" and not determiner and personal:
            determiner = self.rng.choice(("my", "your"))  # "my quiet home", never "quiet home"
        words = [w for w in (determiner, adjective, noun.word) if w]
        if determiner == "a":
            words[0] = _indefinite_article(words[1])
        return " ".join(words)

    def verb(self, slot: str, draft: _Draft, topic: _Topic | None, end: _End | None) -> str | None:
        if end and end.verb:
            verb = end.verb
        elif topic and topic.verb:
            verb = topic.verb
        elif slot == "K":
            verb = self.rng.choice(self.lexicon.result)
        else:
            pool = self.transitive if slot in _TRANSITIVE_SLOTS else self.intransitive
            fitting = [
                v
                for v in pool
                if not v.end_only
                and (v.moves or slot not in _MOVING_SLOTS)
                and (not v.people_only if not draft.human else not v.things_only)
                and not (v.stative and slot in _ING_SLOTS)
                and v.base not in draft.used
                and v.ing not in draft.used
            ]
            if not fitting:
                return None
            verb = self.rng.choice(fitting)
        if (verb.people_only and not draft.human) or (verb.things_only and draft.human):
            return None
        draft.used.update(verb.forms())
        draft.wants_thing = verb.takes_things
        if slot in ("Vd", "Td"):
            return verb.past
        if slot in ("Vb", "Tb"):
            return verb.base
        if slot in ("Vg", "Tg", "Vmg"):
            return verb.ing
        return verb.third if draft.person == "3sg" else verb.base

    def pick(self, pool: Sequence[str], draft: _Draft) -> str:
        word = self.rng.choice([w for w in pool if w not in draft.used] or list(pool))
        draft.used.add(word)
        return word


def _section_faults(lines: Sequence[str], musts: Sequence[_Topic]) -> int:
    """What a singer would notice: a line too long or short, uneven lines, a topic the section skipped."""
    counts = [line_syllables(line) for line in lines]
    low, high = SYLLABLE_RANGE
    heard = set(re.findall(r"[a-z']+", " ".join(lines).lower()))
    unsung = sum(topic.word not in heard for topic in musts)
    return sum(not low <= c <= high for c in counts) + (max(counts) - min(counts) > 2) + unsung


def _adjective_group(noun: _Noun | None) -> str:
    """Which adjectives suit the noun: those of nature, of places, of things or of feelings."""
    if noun is None or noun.kind == "abstract":
        return "abstract"
    if noun.place in _OUTDOORS:
        return "nature"
    return "place" if noun.place else "thing"


def _adjective_of(topic: _Topic | None) -> str | None:
    return topic.word if topic and topic.is_adjective else None


def _capitalise(line: str) -> str:
    return line[:1].upper() + line[1:] if line else line


# -------------------------------------------------------------------------------------------- Chinese


def _chinese_topic(prompt: str) -> str:
    text = prompt
    for filler in sorted(vocab.ZH_FILLER, key=len, reverse=True):
        text = text.replace(filler, " ")
    runs: list[str] = re.findall(r"[\u3400-\u4dbf\u4e00-\u9fff]+", text)
    if not runs:
        runs = re.findall(r"[\u3400-\u4dbf\u4e00-\u9fff]+", prompt) or ["心"]
    run = max(runs, key=len)
    return run[:4]


def _write_chinese(prompt: str, rng: random.Random) -> Lyrics:
    topic = _chinese_topic(prompt)
    groups = list(vocab.ZH_RHYME_GROUPS)
    rng.shuffle(groups)

    def section(group: str, topic_lines: int) -> list[str]:
        low, high = ZH_LINE_CHARACTERS
        lines = [line for line in vocab.ZH_RHYME_GROUPS[group] if low <= len(line.replace("{t}", topic)) <= high]
        with_topic = [line for line in lines if "{t}" in line]
        without = [line for line in lines if "{t}" not in line]
        chosen = rng.sample(with_topic, topic_lines) + rng.sample(without, 4 - topic_lines)
        rng.shuffle(chosen)
        return [line.replace("{t}", topic) for line in chosen]

    bodies = {
        "Chorus": section(groups[0], 2),
        "Verse": section(groups[1], 1),
        "Verse 2": section(groups[2], 1),
        "Bridge": section(groups[3 % len(groups)], 1),
    }
    text = "\n\n".join(f"[{name}]\n" + "\n".join(bodies[name]) for name in SECTIONS)
    title = topic + rng.choice(vocab.ZH_TITLE_SUFFIXES)
    genre = _genre_from_any(prompt)
    return Lyrics(title=title, text=text, tags=[genre, "chinese", f"topic:{topic}"])


# ------------------------------------------------------------------------------------ other languages


def _write_other_language(prompt: str, code: str, rng: random.Random) -> Lyrics:
    """Lyrics in the prompt's language: a small line bank where we have one, else the prompt's own phrases."""
    if code in vocab.LATIN_LINES:
        phrases = _latin_phrases(prompt, code)
        if phrases:
            return _write_latin(phrases, code, rng, prompt)
    return _write_from_prompt_phrases(prompt, code, rng)


def _latin_phrases(prompt: str, code: str) -> list[str]:
    """The prompt's content words in order, each kept with the article before it ("el mar")."""
    stop = _LATIN_STOPWORDS[code]
    articles = vocab.LATIN_ARTICLES if code == "pt" else vocab.LATIN_ARTICLES - {"a", "o", "as", "os", "um", "uma"}
    tokens = re.findall(r"[^\W\d_]+(?:['’][^\W\d_]+)?", prompt)[: MAX_PROMPT_WORDS * 2]
    phrases: list[str] = []
    for index, token in enumerate(tokens):
        word = token.lower()
        if word in stop or word in articles or word in vocab.GENRES or len(word) < 3:
            continue
        before = tokens[index - 1].lower() if index else ""
        phrases.append(f"{before} {word}" if before in articles else word)
    return list(dict.fromkeys(phrases))[:MAX_PROMPT_WORDS]


def _write_latin(phrases: list[str], code: str, rng: random.Random, prompt: str) -> Lyrics:
    templates = vocab.LATIN_LINES[code]
    hook = phrases[0]

    def section(hook_lines: Sequence[int]) -> list[str]:
        chosen = rng.sample(templates, 4)
        lines = [t.format(w=hook if i in hook_lines else rng.choice(phrases)) for i, t in enumerate(chosen)]
        return [_capitalise(_contract(line, code)) for line in lines]

    bodies = {"Verse": section((1,)), "Chorus": section((0, 2)), "Verse 2": section((3,)), "Bridge": section((2,))}
    return _assemble(bodies, _capitalise(hook), [_genre_from_any(prompt), _language_tag(code), f"topic:{hook}"])


_CONTRACTIONS: dict[str, dict[str, str]] = {
    "es": {"a el": "al", "de el": "del"},
    "fr": {"de le": "du", "de les": "des"},
    "pt": {"de o": "do", "de a": "da", "de os": "dos", "de as": "das", "a a": "à", "por o": "pelo", "por a": "pela"},
    "it": {"di il": "del", "a il": "al", "da il": "dal", "di la": "della", "a la": "alla", "da la": "dalla"},
}


def _contract(line: str, code: str) -> str:
    """Preposition + article contractions the language requires ("a el mar" -> "al mar")."""
    for pair, joined in _CONTRACTIONS.get(code, {}).items():
        line = re.sub(rf"\b{pair}\b", joined, line)
    return line


def _prompt_phrases(prompt: str, code: str) -> tuple[list[str], str]:
    """The prompt cut into short phrases, in order, and the string that joins them back."""
    if code in {"ja", "zh", "th"}:
        pieces = re.findall(rf"[^{vocab.JA_PARTICLES}\s]+[{vocab.JA_PARTICLES}]?", prompt)
        return [p.strip("、。") for p in pieces if p.strip("、。")][:MAX_PROMPT_WORDS], ""
    words = [w.strip(".,;:!?\"'()[]«»“”") for w in prompt.split()]
    return [w for w in words if w][:MAX_PROMPT_WORDS], " "


def _write_from_prompt_phrases(prompt: str, code: str, rng: random.Random) -> Lyrics:
    """For languages we cannot write: lines are runs of the prompt's own words, in its own order."""
    phrases, joiner = _prompt_phrases(prompt, code)
    hook = joiner.join(phrases[:4])

    def run() -> str:
        length = rng.randint(min(2, len(phrases)), min(3, len(phrases)))
        start = rng.randrange(len(phrases) - length + 1)
        return joiner.join(phrases[start : start + length])

    def section(hook_lines: Sequence[int]) -> list[str]:
        return [_capitalise(hook if i in hook_lines else run()) for i in range(4)]

    bodies = {"Verse": section(()), "Chorus": section((0, 2)), "Verse 2": section(()), "Bridge": section((3,))}
    tags = [
        _genre_from_any(prompt),
        _language_tag(code),
        f"topic:{phrases[0].lower().rstrip(vocab.JA_PARTICLES)}",
        "lyrics:prompt-words",
    ]
    return _assemble(bodies, _capitalise(hook), tags)


def _assemble(bodies: dict[str, list[str]], title: str, tags: list[str]) -> Lyrics:
    text = "\n\n".join(f"[{name}]\n" + "\n".join(bodies[name]) for name in SECTIONS)
    return Lyrics(title=title, text=text, tags=list(dict.fromkeys(tags)))


def _genre_from_any(prompt: str) -> str:
    for token in re.findall(r"[a-z]+", prompt.lower()):
        if token in vocab.GENRES:
            return vocab.GENRES[token]
    return "pop"
