"""Reading an English prompt: its content words as the nouns, verbs and adjectives the lyrics sing."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pronouncing

from songforge.engines.generation.lyrics_english_lexicon import Lexicon, Noun, Verb

MAX_TOPICS = 4  # prompt words the song is about; the rest of a long prompt is left out
_ADJECTIVE_ENDINGS = ("ful", "ous", "ive", "less", "able", "ible", "ish")  # of a prompt word we do not know


@dataclass(frozen=True)
class Topic:
    """A content word of the prompt, as the part of speech the lyrics use it as (no noun, no verb: adjective)."""

    word: str
    noun: Noun | None = None
    verb: Verb | None = None  # the prompt's "missing" is the verb "miss"

    @property
    def is_adjective(self) -> bool:
        return self.noun is None and self.verb is None


@dataclass(frozen=True)
class PromptTopics:
    topics: list[Topic]  # the main noun first
    companions: dict[str, Noun]  # adjective or verb -> the noun the prompt put after it
    runs: list[list[str]]  # adjacent content words: "summer road trip", "rainy night"


def read_topics(tokens: Sequence[str], content: Sequence[str], lexicon: Lexicon) -> PromptTopics:
    wanted = set(content)
    topics = [_topic_for(token, lexicon) for token in content]
    companions: dict[str, Noun] = {}
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
    return PromptTopics(ordered[:MAX_TOPICS], companions, [run for run in runs if run])


def _topic_for(token: str, lexicon: Lexicon) -> Topic:
    if token in lexicon.nouns:
        return Topic(token, noun=lexicon.nouns[token])
    if token in lexicon.attributive or token in lexicon.predicative:
        return Topic(token)
    for verbs in (lexicon.transitive, lexicon.intransitive):
        verb = next((v for v in verbs.values() if token in v.forms()), None)
        if verb:
            return Topic(verb.ing if token == verb.ing else verb.base, verb=verb)
    if len(token) > 6 and token.endswith(_ADJECTIVE_ENDINGS):  # "beautiful", "mysterious"; not "five"
        return Topic(token)
    return Topic(token, noun=Noun(token, _guess_noun_kind(token), ""))


def goes_before_nouns(adjective: str, lexicon: Lexicon) -> bool:
    """ "The rainy night", not "the alive night"; one we do not know ("beautiful") may, as most adjectives can."""
    return adjective in lexicon.attributive or adjective not in lexicon.predicative


def plain_word(token: str) -> str:
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
