"""Offline lyrics writer: a prompt and a seed in, a titled song with sections, rhyme and metre out.

English lyrics are template-driven: each line is a template from `lyrics_vocabulary` whose last slot is
a rhyme word. Rhyme partners come from CMUdict (`pronouncing.rhymes`) filtered to our own word lists,
so every pair rhymes by the dictionary and every word is one a song would use. Slots are refilled until
the line's syllable count (also from CMUdict) lands in the target range.

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


@cache
def _lexicon() -> dict[str, frozenset[str]]:
    """Every word we may end a line on, with the parts of speech we use it as."""
    parts: dict[str, set[str]] = {}

    def add(words: Sequence[str], pos: str) -> None:
        for word in words:
            parts.setdefault(word, set()).add(pos)

    add(vocab.NOUNS, "n")
    add(vocab.ADJECTIVES, "a")
    add(vocab.VERBS, "v")
    for theme in vocab.THEMES.values():
        add(theme["nouns"], "n")
        add(theme["adjectives"], "a")
        add(theme["verbs"], "v")
    return {word: frozenset(pos) for word, pos in parts.items()}


@cache
def rhyme_partners(word: str) -> tuple[str, ...]:
    """Words in our lexicon that rhyme with word per CMUdict, excluding the word and its own inflections."""
    lexicon = _lexicon()
    return tuple(
        sorted(
            w
            for w in pronouncing.rhymes(word)
            if w in lexicon and w != word and not w.startswith(word) and not word.startswith(w)
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


def _fix_articles(line: str) -> str:
    return re.sub(r"\b([Aa]) (?=[aeiouAEIOU])", r"\1n ", line)


def _singular(word: str) -> str:
    """'waves' -> 'wave', 'memories' -> 'memory'; leaves words that only look plural alone."""
    if word.endswith("ies") and pronouncing.phones_for_word(word[:-3] + "y"):
        return word[:-3] + "y"
    if word.endswith("s") and not word.endswith(("ss", "us", "is")) and pronouncing.phones_for_word(word[:-1]):
        return word[:-1]
    return word


class _EnglishWriter:
    def __init__(self, prompt: str, rng: random.Random) -> None:
        self.rng = rng
        tokens = [t.strip("'") for t in re.findall(r"[a-z][a-z']*", prompt.lower())]
        tokens = [t for t in tokens if t][: MAX_PROMPT_WORDS * 2]
        self.genre = next((vocab.GENRES[t] for t in tokens if t in vocab.GENRES), "pop")
        self.moods = list(dict.fromkeys(vocab.MOODS[t] for t in tokens if t in vocab.MOODS))
        content = [
            t
            for t in tokens
            if t not in vocab.STOPWORDS and t not in vocab.GENRES and t not in vocab.MOODS and len(t) > 2
        ][:MAX_PROMPT_WORDS]
        self.topics = list(dict.fromkeys(_singular(t) for t in content))
        triggers = set(tokens) | set(self.topics)
        self.themes = [name for name, theme in vocab.THEMES.items() if triggers & set(theme["triggers"])]
        if not self.themes:
            fallback = ["heartbreak"] if "melancholic" in self.moods else ["night", "love", "dreams", "time", "road"]
            self.themes = sorted(rng.sample(fallback, k=min(2, len(fallback))))
        theme_words = {
            pos: [w for name in self.themes for w in vocab.THEMES[name][key]]
            for pos, key in (("n", "nouns"), ("a", "adjectives"), ("v", "verbs"))
        }
        self.theme_words = theme_words
        if not self.topics:
            self.topics = [rng.choice(theme_words["n"])]
        self.topic = self.topics[0]
        # theme words three times over so the song's imagery leans toward the prompt
        self.pools = {
            "n": theme_words["n"] * 3 + vocab.NOUNS,
            "a": theme_words["a"] * 3 + vocab.ADJECTIVES,
            "v": theme_words["v"] * 3 + vocab.VERBS,
        }
        self.used_ends: set[str] = set()

    # --- words

    def topic_phrase(self, topic: str) -> str:
        plural = topic.endswith("s") and not topic.endswith("ss")
        return topic if topic in vocab.ABSTRACT or plural else f"the {topic}"

    def pick_pair(self) -> tuple[str, str]:
        """Two end words that rhyme by CMUdict, preferring the prompt's themes, avoiding repeats."""
        theme_first = self.rng.random() < 0.7
        pool = [w for pos in "nav" for w in self.theme_words[pos]] if theme_first else list(_lexicon())
        candidates = sorted(set(pool))
        self.rng.shuffle(candidates)
        for word in candidates + sorted(_lexicon()):
            if word in self.used_ends:
                continue
            partners = [p for p in rhyme_partners(word) if p not in self.used_ends]
            if partners:
                partner = self.rng.choice(partners)
                self.used_ends.update((word, partner))
                return word, partner
        raise RuntimeError("the rhyme lexicon ran out of pairs")  # unreachable with the shipped lists

    # --- lines

    def fill(self, template: str, end_word: str | None, topic: str) -> str:
        slots = list(re.finditer(r"\{(\w)\}", template))
        pieces: list[str] = []
        last = 0
        for index, slot in enumerate(slots):
            pieces.append(template[last : slot.start()])
            kind = slot.group(1)
            if index == len(slots) - 1 and end_word is not None and kind in "nav":
                word = end_word
            elif kind == "T":
                word = self.topic_phrase(topic)
            elif kind == "t":
                word = topic
            else:
                word = self.rng.choice([w for w in self.pools[kind] if w != end_word] or self.pools[kind])
            pieces.append(word)
            last = slot.end()
        pieces.append(template[last:])
        return _fix_articles("".join(pieces))

    def line(self, end_word: str, *, topic: str | None = None) -> str:
        """A line ending on end_word, optionally mentioning topic, inside the syllable range."""
        pos = sorted(_lexicon().get(end_word, frozenset("n")))
        if topic == end_word:
            templates = vocab.TOPIC_AT_END
        elif topic:
            templates = [t for p in pos for t in _TOPIC_TEMPLATES[p]]
        else:
            templates = [t for p in pos for t in _TEMPLATES[p]]
        low, high = SYLLABLE_RANGE
        best, best_miss = "", 1_000
        for _ in range(60):
            text = self.fill(self.rng.choice(templates), None if topic == end_word else end_word, topic or self.topic)
            count = line_syllables(text)
            miss = max(low - count, count - high, 0)
            if miss == 0:
                return _capitalise(text)
            if miss < best_miss:
                best, best_miss = text, miss
        return _capitalise(best)

    def section(self, *, topic_lines: Sequence[int], topic: str, end_on_topic: bool = False) -> list[str]:
        scheme = self.rng.choice(((0, 1, 2, 3), (0, 2, 1, 3)))  # AABB or ABAB: positions of pair members
        ends: list[str] = [""] * 4
        first_pair = (topic, self.rng.choice(rhyme_partners(topic))) if end_on_topic else self.pick_pair()
        if end_on_topic:
            self.used_ends.add(first_pair[1])
        second_pair = self.pick_pair()
        ends[scheme[0]], ends[scheme[1]] = first_pair
        ends[scheme[2]], ends[scheme[3]] = second_pair
        return [self.line(ends[i], topic=topic if i in topic_lines or ends[i] == topic else None) for i in range(4)]

    def write(self) -> Lyrics:
        topic = self.topic
        second = self.topics[1] if len(self.topics) > 1 else topic
        third = self.topics[2] if len(self.topics) > 2 else topic
        can_end_on_topic = bool(rhyme_partners(topic))
        chorus = self.section(topic_lines=(0, 2), topic=topic, end_on_topic=can_end_on_topic)
        verse = self.section(topic_lines=(self.rng.choice((1, 3)),), topic=second)
        verse2 = self.section(topic_lines=(self.rng.choice((0, 2)),), topic=third)
        bridge = self.section(topic_lines=(2,), topic=topic)
        bodies = {"Verse": verse, "Chorus": chorus, "Verse 2": verse2, "Bridge": bridge}
        text = "\n\n".join(f"[{name}]\n" + "\n".join(bodies[name]) for name in SECTIONS)
        tags = [self.genre, *self.moods, "english", *(f"topic:{t}" for t in self.topics[:3])]
        return Lyrics(title=self.title(), text=text, tags=list(dict.fromkeys(tags)))

    def title(self) -> str:
        pattern = self.rng.choice(vocab.TITLE_PATTERNS)
        title = self.fill(pattern, None, self.topic)
        return " ".join(w if w in {"of", "the", "and"} and i else w.capitalize() for i, w in enumerate(title.split()))


_TEMPLATES = {"n": vocab.NOUN_END, "v": vocab.VERB_END, "a": vocab.ADJ_END}
_TOPIC_TEMPLATES = {"n": vocab.TOPIC_NOUN_END, "v": vocab.TOPIC_VERB_END, "a": vocab.TOPIC_ADJ_END}


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
        lines = vocab.ZH_RHYME_GROUPS[group]
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
