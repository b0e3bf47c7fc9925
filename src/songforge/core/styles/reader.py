"""Read a song's style from its tags, description and negative tags.

The first genre word picks a whole profile (tempo, feel, instruments, voice); every other word then
nudges it: moods shift tempo, energy and reverb, instrument words add or promote an instrument, voice
words pick the singer. Negative tags (and "no X" / "without X") take away what they name. Nothing
recognised gives the pop profile.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from functools import cache

from songforge.core.styles import words as vocab
from songforge.core.styles.types import InstrumentChoice, Style, VoiceGender
from songforge.core.styles.words import Modifier

__all__ = ["read_style"]

MAX_INSTRUMENTS = 8
TEMPO_LIMITS = (50.0, 220.0)
MIN_TEMPO_SPAN = 4.0  # a range squeezed against a limit still leaves the composer a choice
MAX_SWING = 0.33

# A second instrument in one of these roles would fight the first: the newcomer takes the part.
REPLACED_ROLES = frozenset({"drums", "bass"})
# The chords and the lead stay unique, but the old holder keeps playing as a comp part.
PROMOTED_ROLES = frozenset({"chords", "lead"})
# When an arrangement grows past MAX_INSTRUMENTS, the least essential roles go first.
ROLE_KEEP_ORDER = ("texture", "arp", "comp", "pad", "riser", "percussion", "lead")
# What plays the chords when the tags took the harmonic instrument away, in order of preference.
CHORDS_FALLBACKS = (
    InstrumentChoice("Keyboard", vocab.PIANO, "chords"),
    InstrumentChoice("Guitar", vocab.NYLON_GUITAR, "chords"),
    InstrumentChoice("Synth", vocab.WARM_PAD, "chords"),
    InstrumentChoice("Strings", vocab.STRING_ENSEMBLE, "chords"),
)


@dataclass(frozen=True)
class _Reading:
    """A style word as it was read: its canonical name, and whether it was asked for or against."""

    word: str
    negated: bool


def read_style(
    tags: str,
    description: str = "",
    negative_tags: str = "",
    *,
    voice: VoiceGender | None = None,
    instrumental: bool = False,
) -> Style:
    """The style the words ask for. `voice` wins over every voice word; `instrumental` silences the vocals."""
    readings = [*_read_words(tags, prose=False), *_read_words(description, prose=True)]
    # A word said twice counts once ("slow, slow" is not half the tempo).
    wanted = list(dict.fromkeys(reading.word for reading in readings if not reading.negated))
    # "no drums" inside the negative tags is still a wish for no drums, not a double negative.
    unwanted = [reading.word for reading in readings if reading.negated]
    unwanted = list(dict.fromkeys([*unwanted, *(reading.word for reading in _read_words(negative_tags, prose=False))]))

    genre = next((word for word in wanted if word in vocab.GENRES), "pop")
    profile = vocab.GENRES[genre]
    style = _shifted(replace(profile, words=tuple(wanted)), _modifiers(wanted))
    style = _with_instruments(style, _modifiers(wanted))
    style = _without(style, _modifiers(unwanted))
    style = _with_drums_settled(_with_chords_settled(style, _modifiers(unwanted)))
    return replace(
        style,
        vocal_gender=voice or _vocal_gender(profile.vocal_gender, wanted, unwanted),
        has_vocals=_has_vocals(wanted, unwanted, instrumental=instrumental),
    )


# ------------------------------------------------------------------------------------------- reading


def _read_words(text: str, *, prose: bool) -> list[_Reading]:
    """Style words in reading order, longest phrase first. In prose, genre words after "about" are the
    topic, not the style ("a ballad about a house by the sea" is not house music)."""
    tokens = _tokens(text)
    readings: list[_Reading] = []
    about_the_topic = False
    index = 0
    while index < len(tokens):
        about_the_topic = about_the_topic or (prose and tokens[index] == "about")
        match = _phrase_at(tokens, index)
        if match is None:
            index += 1
            continue
        word, length = match
        spelling = " ".join(tokens[index : index + length])
        is_topic = prose and (spelling in vocab.TAG_ONLY_SPELLINGS or (about_the_topic and word in vocab.GENRES))
        if not is_topic:
            readings.append(_Reading(word, negated=index > 0 and tokens[index - 1] in vocab.NEGATIONS))
        index += length
    return readings


def _tokens(text: str) -> list[str]:
    """Lower-case words, with "&" read as "n" (r&b → rnb, d&b → dnb) and apostrophes dropped
    (drum'n'bass → drumnbass); hyphens and other punctuation separate words."""
    text = unicodedata.normalize("NFKC", text).lower()
    text = re.sub(r"['’`]", "", text).replace("&", "n")
    return re.findall(r"[^\W_]+", text)


def _phrase_at(tokens: Sequence[str], index: int) -> tuple[str, int] | None:
    """The canonical word spelled at tokens[index:], and how many tokens it takes."""
    phrases, longest = _phrase_table()
    for length in range(min(longest, len(tokens) - index), 0, -1):
        word = phrases.get(tuple(tokens[index : index + length]))
        if word:
            return word, length
    singular = tokens[index].removesuffix("s")
    if singular != tokens[index] and (singular,) in phrases:
        return phrases[(singular,)], 1
    return None


@cache
def _phrase_table() -> tuple[dict[tuple[str, ...], str], int]:
    phrases: dict[tuple[str, ...], str] = {}
    for word in (*vocab.GENRES, *vocab.MODIFIERS):
        for spelling in (word, *vocab.SPELLINGS.get(word, ())):
            phrases[tuple(_tokens(spelling))] = word
    return phrases, max(len(phrase) for phrase in phrases)


def _modifiers(words: Iterable[str]) -> list[Modifier]:
    return [vocab.MODIFIERS[word] for word in words if word in vocab.MODIFIERS]


# ---------------------------------------------------------------------------------------- modifying


def _shifted(style: Style, modifiers: Sequence[Modifier]) -> Style:
    """Tempo, energy, reverb, drive and swing moved by every modifier; mood and key colour by the first
    word that names one (the leading words say the most about a song)."""
    scale = 1.0
    for modifier in modifiers:
        scale *= modifier.tempo_scale
    low, high = (_clamp(bpm * scale, *TEMPO_LIMITS) for bpm in style.tempo_range)
    low = min(low, TEMPO_LIMITS[1] - MIN_TEMPO_SPAN)
    high = max(high, low + MIN_TEMPO_SPAN)
    mood = next((modifier.mood for modifier in modifiers if modifier.mood), style.mood)
    minor = next((m.prefer_minor for m in modifiers if m.prefer_minor is not None), style.prefer_minor)
    acoustic = any(modifier.acoustic for modifier in modifiers)
    drive = 0.0 if acoustic else style.guitar_drive + sum(modifier.guitar_drive for modifier in modifiers)
    return replace(
        style,
        mood=mood,
        tempo_range=(round(low, 1), round(high, 1)),
        swing=_clamp(style.swing + sum(modifier.swing for modifier in modifiers), 0.0, MAX_SWING),
        guitar_drive=_clamp(drive),
        reverb=_clamp(style.reverb + sum(modifier.reverb for modifier in modifiers)),
        energy=_clamp(style.energy + sum(modifier.energy for modifier in modifiers)),
        prefer_minor=minor,
    )


def _with_instruments(style: Style, modifiers: Sequence[Modifier]) -> Style:
    instruments = style.instruments
    for modifier in modifiers:
        if modifier.acoustic:
            instruments = tuple(unplugged for choice in instruments if (unplugged := _unplugged(choice)))
        for choice in modifier.instruments:
            instruments = _with_instrument(instruments, choice, modifier.covers)
    return replace(style, instruments=instruments)


def _with_instrument(
    instruments: tuple[InstrumentChoice, ...], choice: InstrumentChoice, covers: range | None
) -> tuple[InstrumentChoice, ...]:
    """The arrangement with `choice` in it: an instrument the word already covers is promoted to the
    word's role; otherwise `choice` joins, taking its role from whoever had it."""
    present = next((instrument for instrument in instruments if _covered(instrument, choice, covers)), None)
    if present is not None and (present.role == choice.role or choice.role not in PROMOTED_ROLES):
        return instruments
    newcomer = replace(present, role=choice.role) if present is not None else choice
    arranged: list[InstrumentChoice] = []
    for instrument in instruments:
        if instrument is present:
            continue
        if instrument.role == choice.role and choice.role in REPLACED_ROLES:
            continue
        if instrument.role == choice.role and choice.role in PROMOTED_ROLES:
            instrument = replace(instrument, role="comp")
        arranged.append(instrument)
    arranged.append(newcomer)
    return _at_most(MAX_INSTRUMENTS, arranged, keep=newcomer)


def _at_most(
    limit: int, instruments: list[InstrumentChoice], *, keep: InstrumentChoice
) -> tuple[InstrumentChoice, ...]:
    while len(instruments) > limit:
        droppable = [i for i, instrument in enumerate(instruments) if instrument is not keep]
        least = min(reversed(droppable), key=lambda i: _keep_rank(instruments[i].role))
        del instruments[least]
    return tuple(instruments)


def _keep_rank(role: str) -> int:
    return ROLE_KEEP_ORDER.index(role) if role in ROLE_KEEP_ORDER else len(ROLE_KEEP_ORDER)


def _covered(instrument: InstrumentChoice, choice: InstrumentChoice, covers: range | None) -> bool:
    """Whether `instrument` is what a word that plays `choice` (and covers `covers`) names."""
    if instrument.stem != choice.stem:
        return False
    return instrument.program in covers if covers is not None else instrument.program == choice.program


def _unplugged(choice: InstrumentChoice) -> InstrumentChoice | None:
    """The acoustic counterpart of an instrument, or None for a synth (which has none)."""
    if choice.stem == "Synth":
        return None
    if choice.stem == "Guitar" and choice.program in vocab.ELECTRIC_GUITARS:
        return replace(choice, program=vocab.STEEL_GUITAR)
    if choice.stem == "Bass" and choice.program in vocab.ELECTRIC_BASSES:
        return replace(choice, program=vocab.ACOUSTIC_BASS)
    if choice.stem == "Keyboard" and choice.program in vocab.ELECTRIC_PIANOS:
        return replace(choice, program=vocab.PIANO)
    if choice.is_drum and choice.program in vocab.ELECTRONIC_KITS:
        return replace(choice, program=vocab.STANDARD_KIT)
    return choice


def _without(style: Style, modifiers: Sequence[Modifier]) -> Style:
    """The style less what the negative words name."""
    instruments = style.instruments
    mood, minor = style.mood, style.prefer_minor
    for modifier in modifiers:
        instruments = tuple(
            instrument
            for instrument in instruments
            if not (modifier.drums and instrument.is_drum)
            and not any(_covered(instrument, choice, modifier.covers) for choice in modifier.instruments)
        )
        if modifier.prefer_minor is not None and minor == modifier.prefer_minor:
            minor = not modifier.prefer_minor
        if modifier.mood == mood:
            mood = "neutral"
    return replace(style, instruments=instruments, mood=mood, prefer_minor=minor)


def _with_chords_settled(style: Style, unwanted: Sequence[Modifier]) -> Style:
    """Someone must play the chords: promote a comp, pad, arp or lead part, or bring in a fallback the
    negative tags did not rule out."""
    if any(instrument.role == "chords" for instrument in style.instruments):
        return style
    for role in ("comp", "pad", "arp", "lead"):
        for index, instrument in enumerate(style.instruments):
            if instrument.role == role and not instrument.is_drum:
                promoted = replace(instrument, role="chords")
                return replace(
                    style, instruments=(*style.instruments[:index], promoted, *style.instruments[index + 1 :])
                )
    for fallback in CHORDS_FALLBACKS:
        ruled_out = any(
            _covered(fallback, choice, modifier.covers) for modifier in unwanted for choice in modifier.instruments
        )
        if not ruled_out:
            return replace(style, instruments=(*style.instruments, fallback))
    return style


def _with_drums_settled(style: Style) -> Style:
    """Drums play exactly when a drum or percussion instrument is in the arrangement; the feel follows."""
    has_drums = any(instrument.is_drum for instrument in style.instruments)
    if not has_drums:
        return replace(style, has_drums=False, drum_feel="none")
    drum_feel = "half_time" if style.drum_feel == "none" else style.drum_feel
    return replace(style, has_drums=True, drum_feel=drum_feel)


# -------------------------------------------------------------------------------------------- voices

_OTHER_VOICE: dict[VoiceGender, VoiceGender] = {"m": "f", "f": "m"}


def _vocal_gender(usual: VoiceGender, wanted: Sequence[str], unwanted: Sequence[str]) -> VoiceGender:
    """A voice word asked for wins; else the opposite of a voice word asked against; else the genre's."""
    for modifier in _modifiers(wanted):
        if modifier.voice:
            return modifier.voice
    for modifier in _modifiers(unwanted):
        if modifier.voice:
            return _OTHER_VOICE[modifier.voice]
    return usual


def _has_vocals(wanted: Sequence[str], unwanted: Sequence[str], *, instrumental: bool) -> bool:
    asked_silent = any(modifier.vocals is False for modifier in _modifiers(wanted))
    refused = any(modifier.vocals is True for modifier in _modifiers(unwanted))
    return not (instrumental or asked_silent or refused)


def _clamp(value: float, low: float = 0.0, high: float = 1.0) -> float:
    return round(min(max(value, low), high), 3)
