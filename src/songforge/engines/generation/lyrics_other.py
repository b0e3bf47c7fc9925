"""Lyrics in languages other than English.

Chinese prompts get Chinese lines from a small built-in phrase bank, grouped by rhyme
(十三辙), with the prompt's own words placed in them. For languages we have no bank for, the lyrics are
built from the prompt's own words in the same section structure rather than from English, and the tags
say which language was produced.
"""

from __future__ import annotations

import random
import re
from collections.abc import Sequence

from songforge.engines.generation import lyrics_vocabulary as vocab
from songforge.engines.generation.lyrics_common import MAX_PROMPT_WORDS, SECTIONS, Lyrics, capitalise
from songforge.engines.generation.lyrics_language import LATIN_STOPWORDS, language_tag

ZH_LINE_CHARACTERS = (5, 9)  # a Chinese line sings one syllable a character


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


def write_chinese(prompt: str, rng: random.Random) -> Lyrics:
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


def write_other_language(prompt: str, code: str, rng: random.Random) -> Lyrics:
    """Lyrics in the prompt's language: a small line bank where we have one, else the prompt's own phrases."""
    if code in vocab.LATIN_LINES:
        phrases = _latin_phrases(prompt, code)
        if phrases:
            return _write_latin(phrases, code, rng, prompt)
    return _write_from_prompt_phrases(prompt, code, rng)


def _latin_phrases(prompt: str, code: str) -> list[str]:
    """The prompt's content words in order, each kept with the article before it ("el mar")."""
    stop = LATIN_STOPWORDS[code]
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
        return [capitalise(_contract(line, code)) for line in lines]

    bodies = {"Verse": section((1,)), "Chorus": section((0, 2)), "Verse 2": section((3,)), "Bridge": section((2,))}
    return _assemble(bodies, capitalise(hook), [_genre_from_any(prompt), language_tag(code), f"topic:{hook}"])


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
        return [capitalise(hook if i in hook_lines else run()) for i in range(4)]

    bodies = {"Verse": section(()), "Chorus": section((0, 2)), "Verse 2": section(()), "Bridge": section((3,))}
    tags = [
        _genre_from_any(prompt),
        language_tag(code),
        f"topic:{phrases[0].lower().rstrip(vocab.JA_PARTICLES)}",
        "lyrics:prompt-words",
    ]
    return _assemble(bodies, capitalise(hook), tags)


def _assemble(bodies: dict[str, list[str]], title: str, tags: list[str]) -> Lyrics:
    text = "\n\n".join(f"[{name}]\n" + "\n".join(bodies[name]) for name in SECTIONS)
    return Lyrics(title=title, text=text, tags=list(dict.fromkeys(tags)))


def _genre_from_any(prompt: str) -> str:
    for token in re.findall(r"[a-z]+", prompt.lower()):
        if token in vocab.GENRES:
            return vocab.GENRES[token]
    return "pop"
