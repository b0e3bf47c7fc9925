"""Stem sets of the Suno API (spec Part A §6): names, order and file names."""

from enum import Enum

import numpy as np


class StemSet(str, Enum):
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


def stem_file_stem(name: str) -> str:
    """`Backing Vocals` → `backing_vocals` (the file name used by `songforge separate`)."""
    return name.lower().replace(" ", "_")


def as_channels_first(mix: np.ndarray, sample_rate: int) -> np.ndarray:
    """`mix` as float32 (channels, samples), a 1-D array being one channel; ValueError on a bad shape or rate."""
    mix = np.asarray(mix, dtype=np.float32)
    if mix.ndim == 1:
        mix = mix[None, :]
    if mix.ndim != 2 or mix.shape[0] < 1:
        raise ValueError(f"Expected audio shaped (channels, samples), got {mix.shape}.")
    if sample_rate <= 0:
        raise ValueError(f"Invalid sample rate {sample_rate}.")
    return mix
