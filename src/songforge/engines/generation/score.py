"""The song engine's shared vocabulary: what each stage hands to the next.

request → style (style.py) → lyric form (form.py) → plan with parts (composer/) → audio per part
(render.py) → sung vocals (voice/) → mix and master (mix.py). Everything here is plain, frozen data
so a stage can be tested with a hand-written input, and a plan can be written to JSON and MIDI.
Times are seconds from the start of the song; pitches are MIDI keys; stems use the Twelve names.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np

from songforge.core.stem_sets import TWELVE_STEMS
from songforge.core.styles.types import InstrumentChoice, Style, VoiceGender

Mode = Literal["major", "minor"]

# The instrument stems of the Twelve set, in wire order (vocals are sung, not rendered from a soundfont).
VOCALS, BACKING_VOCALS = TWELVE_STEMS[:2]
INSTRUMENT_STEMS: tuple[str, ...] = TWELVE_STEMS[2:]


@dataclass(frozen=True)
class MusicalAnchor:
    """What a piece made from another song keeps of it: extend and infill keep its key, tempo, meter and voice;
    a cover keeps its sung melody; a persona keeps its voice. Unset fields are chosen as for a new song."""

    tempo: float | None = None
    key: str | None = None  # tonic name as in Plan.key ("A", "F#", "Bb")
    mode: Mode | None = None
    time_signature: tuple[int, int] | None = None
    voice: VoiceGender | None = None
    timbre: int | None = None  # 0 or 1, as VocalPart.timbre
    melody: tuple[int, ...] = ()  # cover: the source's sung pitches, one per syllable in order, sung again
    intro: bool = True  # False: the piece starts at once with its first section, on a downbeat (a continuation)
    exact_duration: float | None = None  # infill: the piece lasts exactly this long (a window of its source)


@dataclass(frozen=True)
class SongRequest:
    """What a caller asks for. `lyrics` empty and `instrumental` False means: write lyrics from `description`."""

    lyrics: str = ""
    description: str = ""
    tags: str = ""
    negative_tags: str = ""
    title: str = ""
    instrumental: bool = False
    voice: VoiceGender | None = None  # None: the style's usual voice
    seed: int = 0
    duration_s: float | None = None  # wanted length; None: as long as the lyrics need
    max_duration_s: float = 240.0
    anchor: MusicalAnchor | None = None  # extend, infill, cover, persona: what is kept of a source song


# ----------------------------------------------------------------------------------------- lyric form


@dataclass(frozen=True)
class Word:
    """A sung word: its text as written and its syllables (for Chinese, one per character)."""

    text: str
    syllables: tuple[str, ...]  # spellings of each syllable, joined they read as the word (best effort)
    stresses: tuple[int, ...]  # per syllable: 1 primary, 2 secondary, 0 unstressed (CMUdict); same length


@dataclass(frozen=True)
class LyricLine:
    words: tuple[Word, ...]

    @property
    def syllable_count(self) -> int:
        return sum(len(word.syllables) for word in self.words)


@dataclass(frozen=True)
class LyricSection:
    """One tagged block of the lyrics. `kind` is normalised ("verse", "pre_chorus", "chorus", "bridge",
    "intro", "outro", "instrumental", "break", "hook"); `label` is the tag as written, e.g. "[Verse 2]"."""

    kind: str
    label: str
    lines: tuple[LyricLine, ...]


@dataclass(frozen=True)
class LyricForm:
    sections: tuple[LyricSection, ...]
    language: str  # two-letter code ("en", "zh", "es", …)


# -------------------------------------------------------------------------------------------- the plan


@dataclass(frozen=True)
class Note:
    start: float
    end: float
    pitch: int
    velocity: int = 96  # 1–127


@dataclass(frozen=True)
class Part:
    """One instrument's notes, and how it sits in the mix."""

    name: str  # readable, e.g. "Overdriven Guitar (rhythm)"
    instrument: InstrumentChoice
    notes: tuple[Note, ...]
    gain_db: float = 0.0
    pan: float = 0.0  # −1 left … 1 right
    drive: float = 0.0  # 0 … 1, distortion amount (rock and metal guitars)
    reverb: float = 0.2  # send 0 … 1
    compress: bool = False

    @property
    def stem(self) -> str:
        return self.instrument.stem


@dataclass(frozen=True)
class SungNote:
    """One sung syllable on one note. Consonants may start before `start` (the renderer places them)."""

    start: float
    end: float
    pitch: int
    syllable: str  # the syllable's spelling
    word_index: int  # index into Plan.words
    velocity: int = 96
    slur: bool = False  # True: this note continues the previous syllable (a melisma), no new consonant


@dataclass(frozen=True)
class SungWord:
    """A word as the timing route reports it: `text` keeps the section tag prefix and the trailing space or
    newline (Part B §15.1); start/end are when it is sung."""

    text: str
    start: float
    end: float


@dataclass(frozen=True)
class VocalPart:
    stem: str  # VOCALS or BACKING_VOCALS
    voice: VoiceGender
    timbre: int  # 0 or 1: two distinct timbres per gender
    notes: tuple[SungNote, ...]
    gain_db: float = 0.0
    pan: float = 0.0
    reverb: float = 0.25


@dataclass(frozen=True)
class SectionPlan:
    kind: str  # as LyricSection.kind
    label: str  # "[Chorus]"
    start: float
    end: float
    bars: int
    energy: float  # 0 … 1, rises into choruses
    chords: tuple[str, ...] = ()  # one symbol per bar, e.g. ("Am", "F", "C", "G")


@dataclass(frozen=True)
class Plan:
    title: str
    seed: int
    tempo: float  # BPM
    key: str  # tonic name, e.g. "A", "F#"
    mode: Mode
    time_signature: tuple[int, int]
    language: str
    style: Style
    sections: tuple[SectionPlan, ...]
    parts: tuple[Part, ...]
    vocals: tuple[VocalPart, ...]  # empty for instrumentals
    words: tuple[SungWord, ...]  # empty for instrumentals
    duration: float  # seconds, including the tail
    lyrics: str = ""  # the lyrics sung, as the clip's `prompt`

    @property
    def form(self) -> tuple[str, ...]:
        return tuple(section.label for section in self.sections)


# ------------------------------------------------------------------------------------------- the result


@dataclass
class Song:
    """A finished song: the master and every stem, each (2, samples) float32 at `sample_rate`, all the same
    length, the stems adding up to the mix; and the plan they were made from."""

    sample_rate: int
    mix: np.ndarray
    stems: dict[str, np.ndarray]  # all twelve Twelve stem names; a stem nothing plays in is silent
    plan: Plan
