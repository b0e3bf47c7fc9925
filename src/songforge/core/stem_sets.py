"""Stem sets of the Suno API (spec Part A §6): names and order. Vocabulary only; separation lives in engines."""

from enum import StrEnum


class StemSet(StrEnum):
    TWO = "two"
    TWELVE = "twelve"

    @property
    def group_name(self) -> str:
        """The `stem_type_group_name` of the request: "Two" or "Twelve"."""
        return self.value.capitalize()

    @property
    def stem_names(self) -> tuple[str, ...]:
        return TWO_STEMS if self is StemSet.TWO else TWELVE_STEMS


TWO_STEMS: tuple[str, ...] = ("Vocals", "Instrumental")

TWELVE_STEMS: tuple[str, ...] = (
    "Vocals",
    "Backing Vocals",
    "Drums",
    "Bass",
    "Guitar",
    "Keyboard",
    "Strings",
    "Brass",
    "Woodwinds",
    "Percussion",
    "Synth",
    "FX",
)
