"""What a style is: the instruments of an arrangement and the musical choices its words decide."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

VoiceGender = Literal["m", "f"]


@dataclass(frozen=True)
class InstrumentChoice:
    """One instrument of the arrangement: which stem it belongs to and its General MIDI program (0-based)."""

    stem: str  # one of INSTRUMENT_STEMS
    program: int  # GM program 0–127; ignored for drum kits
    role: str  # "drums", "bass", "chords", "pad", "lead", "arp", "percussion", "riser", …
    is_drum: bool = False


@dataclass(frozen=True)
class Style:
    """What the tags and description decide. Every field has a sensible default (an unknown style is pop)."""

    words: tuple[str, ...] = ()  # the style words recognised, in the order they were read
    genre: str = "pop"  # the leading genre profile
    mood: str = "neutral"  # "happy", "sad", "dark", "romantic", "epic", "chill", "neutral"
    tempo_range: tuple[float, float] = (96.0, 124.0)  # BPM
    meter: tuple[int, int] = (4, 4)
    swing: float = 0.0  # 0 straight … 0.33 full triplet swing of off-beat eighths
    instruments: tuple[InstrumentChoice, ...] = ()
    drum_feel: str = "backbeat"  # "none", "backbeat", "four_on_the_floor", "half_time", "breakbeat", "trap",
    # "shuffle", "bossa", "one_drop", "double_kick", "train"
    guitar_drive: float = 0.0  # 0 clean … 1 heavy distortion
    reverb: float = 0.3  # 0 dry … 1 cathedral
    energy: float = 0.6  # 0 calm … 1 intense
    prefer_minor: bool = False
    vocal_gender: VoiceGender = "f"
    has_drums: bool = True
    has_vocals: bool = True  # False when the tags ask for no vocals ("instrumental", negative "vocals")
