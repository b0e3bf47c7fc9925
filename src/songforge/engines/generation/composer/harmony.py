"""Keys, chords and voicings: roman-numeral progressions become readable chord symbols and MIDI pitches."""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from songforge.engines.generation.score import Mode, Style

SHARP_NAMES = ("C", "C#", "D", "D#", "E", "F", "F#", "G", "G#", "A", "A#", "B")
FLAT_NAMES = ("C", "Db", "D", "Eb", "E", "F", "Gb", "G", "Ab", "A", "Bb", "B")
SCALE_STEPS: dict[Mode, tuple[int, ...]] = {"major": (0, 2, 4, 5, 7, 9, 11), "minor": (0, 2, 3, 5, 7, 8, 10)}

# Keys singers and guitarists actually use; guitar-led genres lean on the open-string keys.
COMMON_TONICS: dict[Mode, tuple[int, ...]] = {"major": (0, 2, 4, 5, 7, 9, 10, 3), "minor": (9, 4, 2, 11, 0, 7, 6, 5)}
GUITAR_TONICS: dict[Mode, tuple[int, ...]] = {"major": (4, 9, 2, 7), "minor": (4, 9, 2, 11)}
# Keys written with flats (major tonics, and minor tonics whose relative major has flats).
FLAT_TONICS: dict[Mode, frozenset[int]] = {"major": frozenset({5, 10, 3, 8, 1}), "minor": frozenset({2, 7, 0, 5, 10})}

QUALITY_INTERVALS: dict[str, tuple[int, ...]] = {
    "": (0, 4, 7),
    "m": (0, 3, 7),
    "5": (0, 7),
    "7": (0, 4, 7, 10),
    "maj7": (0, 4, 7, 11),
    "m7": (0, 3, 7, 10),
    "m7b5": (0, 3, 6, 10),
    "dim": (0, 3, 6),
    "sus2": (0, 2, 7),
    "sus4": (0, 5, 7),
    "6": (0, 4, 7, 9),
    "m6": (0, 3, 7, 9),
    "add9": (0, 4, 7, 14),
    "9": (0, 4, 7, 10, 14),
    "m9": (0, 3, 7, 10, 14),
}
NUMERAL_STEPS = {"I": 0, "II": 2, "III": 4, "IV": 5, "V": 7, "VI": 9, "VII": 11}
# "bVII7", "ii7", "V/3" (first inversion), "iiø7", "vii°", "IVmaj7", "i5" (power chord).
NUMERAL_PATTERN = re.compile(r"^(?P<accidental>[b#]?)(?P<numeral>[IViv]+)(?P<suffix>[^/]*)(?:/(?P<inversion>[35]))?$")
MAJOR_SUFFIXES = {"": "", "7": "7", "maj7": "maj7", "5": "5", "sus2": "sus2", "sus4": "sus4", "6": "6", "9": "9"}
MAJOR_SUFFIXES |= {"add9": "add9"}
MINOR_SUFFIXES = {"": "m", "7": "m7", "5": "5", "6": "m6", "9": "m9", "°": "dim", "ø7": "m7b5"}
LETTER_CLASSES = {"C": 0, "D": 2, "E": 4, "F": 5, "G": 7, "A": 9, "B": 11}
KEY_NAME_PATTERN = re.compile(r"^(?P<letter>[A-Ga-g])(?P<accidentals>#{0,2}|b{0,2})$")


@dataclass(frozen=True)
class Key:
    tonic: int  # pitch class 0–11
    mode: Mode

    @property
    def name(self) -> str:
        return self.spell(self.tonic)

    @property
    def scale(self) -> tuple[int, ...]:
        """The key's seven pitch classes, tonic first."""
        return tuple((self.tonic + step) % 12 for step in SCALE_STEPS[self.mode])

    def spell(self, pitch_class: int) -> str:
        """The key's own spelling for its scale; flats for borrowed roots (bVII, bVI, bIII are the usual ones)."""
        in_key = pitch_class % 12 in self.scale
        names = FLAT_NAMES if self.tonic in FLAT_TONICS[self.mode] or not in_key else SHARP_NAMES
        return names[pitch_class % 12]

    def scale_pitches(self, low: int, high: int) -> tuple[int, ...]:
        """Every MIDI pitch of the scale from `low` to `high`, inclusive."""
        pitch_classes = set(self.scale)
        return tuple(pitch for pitch in range(low, high + 1) if pitch % 12 in pitch_classes)


@dataclass(frozen=True)
class Chord:
    root: int  # pitch class
    quality: str  # a key of QUALITY_INTERVALS
    bass: int | None = None  # pitch class of an inverted bass (a slash chord), None: the root

    @property
    def pitch_classes(self) -> tuple[int, ...]:
        """Chord tones, root first."""
        return tuple((self.root + interval) % 12 for interval in QUALITY_INTERVALS[self.quality])

    @property
    def bass_class(self) -> int:
        return self.root if self.bass is None else self.bass

    @property
    def fifth(self) -> int:
        return (self.root + (6 if self.quality in ("dim", "m7b5") else 7)) % 12

    def symbol(self, key: Key) -> str:
        """Readable name, e.g. "Am", "G7", "C/E", "E5"."""
        text = key.spell(self.root) + self.quality
        return text if self.bass is None else f"{text}/{key.spell(self.bass)}"


def parse_numeral(numeral: str, key: Key) -> Chord:
    """A roman numeral relative to the key's tonic (upper case major, lower case minor) as a chord."""
    match = NUMERAL_PATTERN.match(numeral)
    if match is None or match["numeral"].upper() not in NUMERAL_STEPS:
        raise ValueError(f"not a chord numeral: {numeral!r}")
    step = NUMERAL_STEPS[match["numeral"].upper()] + {"b": -1, "#": 1, "": 0}[match["accidental"]]
    root = (key.tonic + step) % 12
    suffixes = MAJOR_SUFFIXES if match["numeral"].isupper() else MINOR_SUFFIXES
    quality = suffixes[match["suffix"]]
    inversion = match["inversion"]
    if inversion is None:
        return Chord(root, quality)
    tones = QUALITY_INTERVALS[quality]
    interval = tones[1] if inversion == "3" else tones[-1 if quality == "5" else 2]
    return Chord(root, quality, bass=(root + interval) % 12)


def parse_progression(numerals: str, key: Key, *, power: bool = False) -> tuple[Chord, ...]:
    """One chord per bar from space-separated numerals; `power` turns every chord into a power chord."""
    chords = tuple(parse_numeral(numeral, key) for numeral in numerals.split())
    return tuple(Chord(chord.root, "5") for chord in chords) if power else chords


def choose_key(
    style: Style, rng: np.random.Generator, *, guitar_led: bool, tonic: str | None = None, mode: Mode | None = None
) -> Key:
    """Minor when the style or mood asks for it, else mostly major; a tonic singers and players like.
    A `tonic` name or `mode` given (a source song's) is kept, and only the rest is chosen."""
    if mode is None:
        mode = choose_mode(style, rng)
    if tonic is not None:
        return key_named(tonic, mode)
    tonics = GUITAR_TONICS[mode] if guitar_led else COMMON_TONICS[mode]
    return Key(int(rng.choice(tonics)), mode)


def choose_mode(style: Style, rng: np.random.Generator) -> Mode:
    if style.prefer_minor or style.mood in ("sad", "dark"):
        return "minor"
    return "minor" if rng.random() < 0.25 else "major"


def key_named(name: str, mode: Mode) -> Key:
    """The key whose tonic is spelled `name` as Plan.key writes it ("A", "F#", "Bb"; "a#" and "B♭" too)."""
    match = KEY_NAME_PATTERN.match(name.strip().replace("♯", "#").replace("♭", "b"))
    if match is None:
        raise ValueError(f"not a key name: {name!r}")
    letter, accidentals = match["letter"].upper(), match["accidentals"]
    return Key((LETTER_CLASSES[letter] + accidentals.count("#") - accidentals.count("b")) % 12, mode)


def tonic_chord(key: Key, *, power: bool = False) -> Chord:
    if power:
        return Chord(key.tonic, "5")
    return Chord(key.tonic, "" if key.mode == "major" else "m")


def nearest_chord_tone(pitch: int, chord: Chord) -> int:
    """The chord tone closest to `pitch` (ties go down, the calmer choice)."""
    for distance in range(12):
        for candidate in (pitch - distance, pitch + distance):
            if candidate % 12 in chord.pitch_classes:
                return candidate
    return pitch


def fit_to_chord(pitch: int, chord: Chord, key: Key) -> int:
    """A scale tone a semitone from a chord tone outside the key clashes (G# over a borrowed G): take the
    chord's tone instead."""
    if pitch % 12 in chord.pitch_classes:
        return pitch
    for candidate in (pitch - 1, pitch + 1):
        if candidate % 12 in chord.pitch_classes and candidate % 12 not in key.scale:
            return candidate
    return pitch


def voice_chord(chord: Chord, previous: tuple[int, ...], *, low: int, high: int, size: int) -> tuple[int, ...]:
    """Close-position voicing of `size` notes inside [low, high] that moves least from the previous voicing."""
    tones = chord.pitch_classes
    candidates: list[tuple[int, ...]] = []
    for bottom in range(low, high + 1):
        if bottom % 12 not in tones or (chord.quality == "5" and bottom % 12 != chord.root):
            continue  # any inversion of a chord, but a power chord only from its root
        start = tones.index(bottom % 12)
        voicing = [bottom]
        for index in range(1, size):
            pitch_class = tones[(start + index) % len(tones)]
            voicing.append(voicing[-1] + ((pitch_class - voicing[-1]) % 12 or 12))
        if voicing[-1] <= high:
            candidates.append(tuple(voicing))
    if not candidates:
        return (low + (chord.root - low) % 12,)
    centre = (low + high) / 2 if not previous else sum(previous) / len(previous)
    return min(candidates, key=lambda voicing: abs(sum(voicing) / len(voicing) - centre))
