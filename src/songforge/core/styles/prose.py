"""Tags to prose (POST /suno/act/tags): a short tag line read as a style and described in one readable line —
genre, tempo in words and BPM, the instruments by name, mood and production, and the voice.

Every style word in the description is one the tags already implied, and the rest avoid the style vocabulary,
so the description read back as tags gives the same genre, mood, voice, drums and vocals. No randomness: the
same tags always give the same description.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from songforge.core.styles import words as vocab
from songforge.core.styles.reader import read_style
from songforge.core.styles.types import InstrumentChoice, Style

__all__ = ["upsample_tags"]

LONGEST = 300
MOST_INSTRUMENTS = 5  # the drums count as one: a list longer than this stops reading as a sound
GENRE_NAMES = {"hip hop": "hip-hop", "r&b": "R&B", "edm": "EDM", "k-pop": "K-pop", "j-pop": "J-pop"}
TEMPO_WORDS = ((80.0, "an unhurried"), (105.0, "a mid-tempo"), (135.0, "a brisk"), (float("inf"), "a rapid"))
# Most telling first: who plays the chords and the tune, then the rhythm section, then the colours.
ROLE_ORDER = ("chords", "lead", "drums", "bass", "comp", "arp", "pad", "texture")
# Names free of style words that would read back as something else ("acoustic" alone unplugs the band,
# "string" adds strings, "slow" slows the tempo).
INSTRUMENT_NAMES = {
    vocab.PIANO: "piano",
    vocab.ELECTRIC_PIANO: "electric piano",
    vocab.CLAVINET: "clavinet",
    vocab.GLOCKENSPIEL: "glockenspiel",
    vocab.VIBRAPHONE: "vibraphone",
    vocab.MARIMBA: "marimba",
    vocab.ORGAN: "organ",
    vocab.ROCK_ORGAN: "drawbar organ",
    vocab.ACCORDION: "accordion",
    vocab.HARMONICA: "harmonica",
    vocab.NYLON_GUITAR: "nylon guitar",
    vocab.STEEL_GUITAR: "acoustic guitar",
    vocab.JAZZ_GUITAR: "hollow-body guitar",
    vocab.CLEAN_GUITAR: "clean electric guitar",
    vocab.OVERDRIVEN_GUITAR: "overdriven guitar",
    vocab.DISTORTION_GUITAR: "distorted guitars",
    vocab.BANJO: "banjo",
    vocab.FIDDLE: "fiddle",
    vocab.ACOUSTIC_BASS: "upright bass",
    vocab.FINGER_BASS: "fingered bass",
    vocab.PICK_BASS: "pick bass",
    vocab.SLAP_BASS: "slap bass",
    vocab.SYNTH_BASS: "synth bass",
    vocab.CONTRABASS: "double bass",
    vocab.VIOLIN: "violin",
    vocab.CELLO: "cello",
    vocab.HARP: "harp",
    vocab.STRING_ENSEMBLE: "strings",
    vocab.SLOW_STRINGS: "string section",
    vocab.TRUMPET: "trumpet",
    vocab.FRENCH_HORN: "french horn",
    vocab.BRASS_SECTION: "brass section",
    vocab.ALTO_SAX: "alto sax",
    vocab.TENOR_SAX: "tenor sax",
    vocab.CLARINET: "clarinet",
    vocab.FLUTE: "flute",
    vocab.SQUARE_LEAD: "square lead synth",
    vocab.SAW_LEAD: "saw lead synth",
    vocab.NEW_AGE_PAD: "airy synth pads",
    vocab.WARM_PAD: "warm synth pads",
    vocab.POLYSYNTH: "polysynth",
    vocab.SWEEP_PAD: "sweeping synth pads",
    vocab.ECHOES: "echoing textures",
    vocab.SEASHORE: "tape hiss",
}
# Electric guitars say what they play: "distorted rhythm guitars", "overdriven lead guitar".
GUITAR_ROLES = {"chords": "rhythm", "lead": "lead"}
DRUM_FEELS = {
    "backbeat": "backbeat drums",
    "four_on_the_floor": "four-on-the-floor kick",
    "half_time": "half-time drums",
    "breakbeat": "breakbeat drums",
    "trap": "trap hi-hats",
    "shuffle": "shuffle drums",
    "bossa": "bossa drums",
    "one_drop": "one-drop drums",
    "double_kick": "double-kick drums",
    "train": "train-beat drums",
}
KIT_WORDS = {
    vocab.BRUSH_KIT: "brushed",
    vocab.TR808_KIT: "808",
    vocab.ELECTRONIC_KIT: "electronic",
    vocab.POWER_KIT: "thundering",
}
MOOD_WORDS = {
    "happy": "joyful",
    "sad": "melancholic",
    "dark": "dark",
    "romantic": "romantic",
    "epic": "epic",
    "chill": "mellow",
}
# (below this energy, word); none in the middle, where most songs sit.
ENERGY_WORDS = ((0.3, "hushed"), (0.45, "restrained"), (0.7, ""), (0.85, "punchy"), (float("inf"), "explosive"))
REVERB_WORDS = ((0.2, "dry"), (0.3, "tight"), (0.4, "polished"), (0.55, "roomy"), (0.7, "spacious"))
MOST_CHARACTER_WORDS = 4  # of the tags' own mood and feel words; the leading ones say the most
SWUNG = 0.15  # swing from here on is worth saying


def upsample_tags(original_tags: str, *, instrumental: bool = False) -> str:
    """A richer description of the style `original_tags` ask for (an unknown word gives pop), at most 300
    characters; `instrumental` (or tags that ask for no vocals) says so instead of naming the voice."""
    style = read_style(original_tags, instrumental=instrumental)
    low, high = (round(bpm) for bpm in style.tempo_range)
    tempo_word = next(word for limit, word in TEMPO_WORDS if (low + high) / 2 < limit)
    opening = f"{genre_named(original_tags, style.genre)} at {tempo_word} {low}–{high} BPM"
    if style.meter != (4, 4):
        opening += f" in {style.meter[0]}/{style.meter[1]}"
    verb = "driven by" if style.energy >= 0.6 else "built on"
    closing = f"{', '.join(character_words(style))} production; {voice_words(style)}"
    instruments = instrument_names(style)
    while True:
        band = f", {verb} {listed(instruments)}" if instruments else ""
        text = f"{opening}{band}; {closing}"
        if len(text) <= LONGEST or not instruments:
            break
        instruments = instruments[:-1]
    if len(text) > LONGEST:
        text = text[: text.rfind(" ", 0, LONGEST + 1)].rstrip(",;")
    return text[0].upper() + text[1:]


def genre_named(tags: str, genre: str) -> str:
    """The genre as the tags narrow it ("death metal", "deep house") when they do, else its usual name."""
    words = tokens(tags)
    usual = set(tokens(genre))
    narrower = [
        spelling
        for spelling in vocab.SPELLINGS.get(genre, ())
        if usual < set(tokens(spelling)) and contains(words, tokens(spelling))
    ]
    return max(narrower, key=len, default=GENRE_NAMES.get(genre, genre))


def tokens(text: str) -> list[str]:
    return re.findall(r"[^\W_]+", text.lower())


def contains(words: Sequence[str], phrase: Sequence[str]) -> bool:
    return any(list(words[start : start + len(phrase)]) == list(phrase) for start in range(len(words)))


def instrument_names(style: Style) -> list[str]:
    """The band by name, most telling first, the drums as one entry that names their feel."""
    ranked = sorted(style.instruments, key=lambda choice: role_rank(choice.role))
    names: list[str] = []
    for choice in ranked:
        if choice.role == "drums" and style.has_drums:
            name = drums_named(choice, style)
        elif choice.is_drum or choice.role == "riser":
            continue  # hand percussion and risers are detail, not the sound
        else:
            name = instrument_named(choice)
        if name not in names:
            names.append(name)
    return names[:MOST_INSTRUMENTS]


def role_rank(role: str) -> int:
    return ROLE_ORDER.index(role) if role in ROLE_ORDER else len(ROLE_ORDER)


def instrument_named(choice: InstrumentChoice) -> str:
    name = INSTRUMENT_NAMES.get(choice.program)
    if name is None:
        return vocab.GM_PROGRAM_NAMES[choice.program]
    role = GUITAR_ROLES.get(choice.role)
    if role and choice.program in vocab.ELECTRIC_GUITARS:
        adjective, _, noun = name.rpartition(" ")
        return f"{adjective.removesuffix(' electric')} {role} {noun}"
    return name


def drums_named(kit: InstrumentChoice, style: Style) -> str:
    feel = DRUM_FEELS.get(style.drum_feel, "drums")
    words = [word for word in (KIT_WORDS.get(kit.program), feel) if word]
    if style.swing >= SWUNG and style.drum_feel != "shuffle":
        words.insert(0, "swung")
    return " ".join(words)


def character_words(style: Style) -> list[str]:
    """The mood and feel words the tags used, the style's mood, its energy and its room, in that order."""
    used = [
        word
        for word in style.words
        if (modifier := vocab.MODIFIERS.get(word)) is not None
        and not (modifier.instruments or modifier.voice or modifier.vocals is not None or modifier.drums)
    ][:MOST_CHARACTER_WORDS]
    moods = {vocab.MODIFIERS[word].mood for word in used}
    mood = MOOD_WORDS.get(style.mood) if style.mood not in moods else None
    energy = next(word for limit, word in ENERGY_WORDS if style.energy < limit)
    room = next((word for limit, word in REVERB_WORDS if style.reverb < limit), "reverb-soaked")
    return [word for word in (*used, mood, energy, room) if word]


def voice_words(style: Style) -> str:
    if not style.has_vocals:
        voice = "instrumental, no vocals"
    else:
        voice = "female vocals" if style.vocal_gender == "f" else "male vocals"
    return voice if style.has_drums else f"{voice}, no drums"


def listed(names: Sequence[str]) -> str:
    """ "a, b and c" """
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"
