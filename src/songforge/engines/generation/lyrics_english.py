"""English lyrics: a prompt and a seeded RNG in, a titled song with rhymed, metred sections out.

English lyrics are built like sentences: each line is a template from `lyrics_vocabulary` with typed
slots (subject, verb in the form its subject needs, object, place phrase, adjective), filled from a
lexicon that knows each noun's determiners and prepositions and each verb's forms, so articles, verb
agreement and prepositions come out right. The last slot is the rhyme word: end words are grouped by
their CMUdict rhyming sound, and a pair is two words with the same sound but different onsets ("night"
and "light", never "night" and "knight"). The prompt's content words are placed where their part of
speech fits ("missing home": "I'm missing home"), and a section is redrafted until its four lines are
within two syllables of each other.
"""

from __future__ import annotations

import random
import re
from collections.abc import Sequence
from dataclasses import dataclass

from songforge.engines.generation import lyrics_vocabulary as vocab
from songforge.engines.generation.lyrics_common import MAX_PROMPT_WORDS, SECTIONS, Lyrics, capitalise
from songforge.engines.generation.lyrics_english_lexicon import (
    END_SLOTS,
    ING_SLOTS,
    INTRANSITIVE_SLOTS,
    MOVING_SLOTS,
    NOUN_SLOTS,
    SUBJECT_SLOTS,
    TRANSITIVE_SLOTS,
    End,
    Noun,
    Template,
    english_lexicon,
    line_templates,
)
from songforge.engines.generation.lyrics_english_rhymes import (
    end_words,
    indefinite_article,
    line_syllables,
    onset,
    rhyme_groups,
    rhyming_parts,
)
from songforge.engines.generation.lyrics_english_topics import (
    MAX_TOPICS,
    Topic,
    goes_before_nouns,
    plain_word,
    read_topics,
)

SYLLABLE_RANGE = (6, 10)  # syllables a line may sing

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
_END_KIND_WEIGHTS = {"n": 4, "a": 2, "v": 2, "vd": 1, "vg": 1, "x": 1, "w": 1}
_LINE_ATTEMPTS = 50
_SECTION_ATTEMPTS = 4
_THEME_KEYS = ("nouns", "adjectives", "verbs")
_ADJECTIVE_CHANCE = 0.3  # how often a noun phrase gets an adjective of its own
_OUTDOORS = frozenset({"sky", "weather", "water", "ridge", "clock"})  # places that are nature
_PERSONAL_PLACES = frozenset({"", "area", "path", "inside", "home"})  # nouns one may call "my" or "your"


@dataclass
class _Draft:
    """What one attempt at a line has used so far, and who the verbs agree with."""

    used: set[str]
    person: str = "1sg"
    human: bool = True  # the subject is a person, who may do anything
    companion: Noun | None = None  # the noun the prompt put after the topic ("missing" -> "home")
    wants_thing: bool = False  # the verb before the object takes things, not feelings


def write_english(prompt: str, rng: random.Random) -> Lyrics:
    """Verse, chorus, second verse and bridge in `SECTIONS` order, every line drawn from rng."""
    return _EnglishWriter(prompt, rng).write()


class _EnglishWriter:
    def __init__(self, prompt: str, rng: random.Random) -> None:
        self.rng = rng
        self.lexicon = lexicon = english_lexicon()
        tokens = [plain_word(t) for t in re.findall(r"[a-z][a-z']*", prompt.lower())][: MAX_PROMPT_WORDS * 2]
        self.genre = next((vocab.GENRES[t] for t in tokens if t in vocab.GENRES), "pop")
        self.moods = list(dict.fromkeys(vocab.MOODS[t] for t in tokens if t in vocab.MOODS))
        content = [
            t
            for t in tokens
            if t not in vocab.STOPWORDS and t not in vocab.GENRES and t not in vocab.MOODS and len(t) > 2
        ][:MAX_PROMPT_WORDS]
        prompt_topics = read_topics(tokens, content, lexicon)
        self.topics, self.companions, self.runs = prompt_topics.topics, prompt_topics.companions, prompt_topics.runs
        describing = {t.word for t in self.topics if t.is_adjective and goes_before_nouns(t.word, lexicon)}
        self.described = {noun.word: word for word, noun in self.companions.items() if word in describing}
        themes = [name for name, theme in vocab.THEMES.items() if set(content) & set(theme["triggers"])]
        if not themes:
            fallback = ["heartbreak"] if "melancholic" in self.moods else ["night", "love", "dreams", "time", "road"]
            themes = sorted(rng.sample(fallback, k=min(2, len(fallback))))
        nouns, adjectives, verbs = ([w for name in themes for w in vocab.THEMES[name][key]] for key in _THEME_KEYS)
        if not any(topic.noun for topic in self.topics):
            noun = lexicon.nouns[rng.choice(nouns)]
            self.topics = [Topic(noun.word, noun=noun), *self.topics][:MAX_TOPICS]
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

    def section(self, musts: Sequence[Topic], *, target: int, end_on: Topic | None = None) -> list[str]:
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

    def draft_section(self, musts: Sequence[Topic], target: int, end_on: Topic | None) -> list[str]:
        first, second = self.rng.choice((((0, 1), (2, 3)), ((0, 2), (1, 3))))  # AABB or ABAB
        topic_pair = self.topic_pair(end_on) if end_on else None
        pairs = [topic_pair or self.pick_pair(), self.pick_pair()]
        ends: list[End] = [pairs[0][0]] * 4
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

    def place_topics(self, ends: Sequence[End], musts: Sequence[Topic]) -> dict[int, Topic]:
        """Which line sings which topic: one whose rhyme word leaves a slot the topic fits."""
        hosts: dict[int, Topic] = {}
        for topic in musts:
            free = [i for i in range(4) if i not in hosts and ends[i].word != topic.word]
            fitting = [i for i in free if self.templates_for(ends[i], topic)]
            if fitting:
                hosts[self.rng.choice(fitting)] = topic
        return hosts

    # --- rhymes

    def topic_pair(self, topic: Topic) -> tuple[End, End] | None:
        """The topic noun and a word that rhymes with it, if our lexicon has one."""
        if topic.noun is None or len(rhyming_parts(topic.word)) != 1:
            return None
        words = rhyme_groups().get(rhyming_parts(topic.word).pop(), ())
        partners = [w for w in words if onset(w) != onset(topic.word) and w not in self.used_ends]
        if not partners:
            return None
        partner = self.rng.choice(partners)
        self.used_ends.update((topic.word, partner))
        return End(topic.word, "n", noun=topic.noun), self.end_as(partner)

    def pick_pair(self) -> tuple[End, End]:
        """Two end words that rhyme by CMUdict, leaning toward the prompt's imagery, new sounds first."""
        groups = sorted(rhyme_groups().items())
        self.rng.shuffle(groups)
        favoured = self.rng.random() < 0.7
        groups.sort(key=lambda item: (item[0] in self.used_sounds, favoured and not self.favoured & set(item[1])))
        for sound, words in groups:
            free = [w for w in words if w not in self.used_ends]
            self.rng.shuffle(free)
            if favoured:
                free.sort(key=lambda w: w not in self.favoured)
            pair = next(((a, b) for a in free for b in free if onset(a) != onset(b)), None)
            if pair:
                self.used_ends.update(pair)
                self.used_sounds.add(sound)
                return self.end_as(pair[0]), self.end_as(pair[1])
        raise RuntimeError("the rhyme lexicon ran out of pairs")  # unreachable with the shipped lists

    def end_as(self, word: str) -> End:
        options = end_words()[word]
        return self.rng.choices(options, weights=[_END_KIND_WEIGHTS[o.kind] for o in options])[0]

    # --- lines

    def templates_for(self, end: End, topic: Topic | None) -> list[Template]:
        return [
            template
            for template in line_templates()
            if template.slots[-1] in END_SLOTS[end.kind]
            and self.slot_takes_end(template.slots[-1], end)
            and (topic is None or any(self.slot_takes_topic(slot, topic) for slot in template.slots[:-1]))
        ]

    def slot_takes_end(self, slot: str, end: End) -> bool:
        """Whether the rhyme slot can hold the end word: "a"/"an" needs a countable noun, a place phrase a place."""
        if slot in ("O", "Oa"):
            countable = slot == "O" or (end.noun is not None and end.noun.kind == "count")
            return end.noun is not None and countable and end.noun.word not in self.lexicon.scenery
        if slot == "P":
            return end.noun is not None and bool(end.noun.place)
        if slot in MOVING_SLOTS:
            return end.verb is not None and end.verb.moves
        return True

    def slot_takes_topic(self, slot: str, topic: Topic) -> bool:
        if topic.noun:
            return (
                (slot in ("S", "Sn") and topic.word in self.lexicon.subjects)
                or slot == "O"
                or (slot == "Oa" and topic.noun.kind == "count" and not topic.noun.place)
                or (slot == "P" and bool(topic.noun.place))
            )
        if topic.verb:
            if topic.word == topic.verb.ing and slot not in ING_SLOTS:
                return False  # the prompt said "missing": sing "missing"
            if slot in TRANSITIVE_SLOTS:
                return topic.verb.base in self.lexicon.transitive
            return (
                slot in INTRANSITIVE_SLOTS
                and topic.verb.base in self.lexicon.intransitive
                and (slot not in MOVING_SLOTS or topic.verb.moves)
            )
        attributive = goes_before_nouns(topic.word, self.lexicon)
        return (slot in NOUN_SLOTS and attributive) or (slot == "A" and topic.word in self.lexicon.predicative)

    def line(self, end: End, topic: Topic | None, window: tuple[int, int], used_templates: set[str]) -> tuple[str, str]:
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
                    best, best_miss = (capitalise(text), template.text), miss
                if miss == 0:
                    break
        if best is None:
            raise RuntimeError(f"no template can end a line on {end.word!r}")  # unreachable with the shipped lists
        return best

    def fill(self, template: Template, end: End, topic: Topic | None) -> str | None:
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

    def slot(self, slot: str, draft: _Draft, template: Template, topic: Topic | None, end: End | None) -> str | None:
        if slot in SUBJECT_SLOTS:
            return self.subject(slot, draft, template, topic)
        if slot in ("O", "Oa"):
            pool = self.things if slot == "Oa" else self.objects  # "there's a candle", not "there's a city"
            noun = end.noun if end else self.noun_for(draft, topic, pool, count=slot == "Oa")
            if noun is None or (draft.wants_thing and noun.kind == "abstract"):
                return None
            return self.noun_phrase(noun, draft, indefinite=slot == "Oa", adjective=_adjective_of(topic))
        if slot == "P":
            return self.place(draft, end.noun if end else None, topic)
        if slot in INTRANSITIVE_SLOTS or slot in TRANSITIVE_SLOTS or slot == "K":
            return self.verb(slot, draft, topic, end)
        if slot in ("be", "was"):
            forms = {"be": {"1sg": "am", "3sg": "is", "pl": "are"}, "was": {"1sg": "was", "3sg": "was", "pl": "were"}}
            return forms[slot][draft.person]
        if slot == "A":
            return end.word if end else topic.word if topic else self.pick(self.predicative, draft)
        return end.word if end else self.rng.choice(vocab.TIME_ADVERBS)

    def subject(self, slot: str, draft: _Draft, template: Template, topic: Topic | None) -> str | None:
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

    def place(self, draft: _Draft, noun: Noun | None, topic: Topic | None) -> str | None:
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
        topic: Topic | None,
        pool: Sequence[Noun],
        *,
        count: bool = False,
        plural: bool = False,
        place: bool = False,
        described: bool = False,
    ) -> Noun | None:
        """The topic's noun, else the prompt's noun for the topic, else one from pool that fits the slot."""
        if topic and topic.noun:
            return topic.noun

        def fits(noun: Noun) -> bool:
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
        noun: Noun,
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
            words[0] = indefinite_article(words[1])
        return " ".join(words)

    def verb(self, slot: str, draft: _Draft, topic: Topic | None, end: End | None) -> str | None:
        if end and end.verb:
            verb = end.verb
        elif topic and topic.verb:
            verb = topic.verb
        elif slot == "K":
            verb = self.rng.choice(self.lexicon.result)
        else:
            pool = self.transitive if slot in TRANSITIVE_SLOTS else self.intransitive
            fitting = [
                v
                for v in pool
                if not v.end_only
                and (v.moves or slot not in MOVING_SLOTS)
                and (not v.people_only if not draft.human else not v.things_only)
                and not (v.stative and slot in ING_SLOTS)
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


def _section_faults(lines: Sequence[str], musts: Sequence[Topic]) -> int:
    """What a singer would notice: a line too long or short, uneven lines, a topic the section skipped."""
    counts = [line_syllables(line) for line in lines]
    low, high = SYLLABLE_RANGE
    heard = set(re.findall(r"[a-z']+", " ".join(lines).lower()))
    unsung = sum(topic.word not in heard for topic in musts)
    return sum(not low <= c <= high for c in counts) + (max(counts) - min(counts) > 2) + unsung


def _adjective_group(noun: Noun | None) -> str:
    """Which adjectives suit the noun: those of nature, of places, of things or of feelings."""
    if noun is None or noun.kind == "abstract":
        return "abstract"
    if noun.place in _OUTDOORS:
        return "nature"
    return "place" if noun.place else "thing"


def _adjective_of(topic: Topic | None) -> str | None:
    return topic.word if topic and topic.is_adjective else None
