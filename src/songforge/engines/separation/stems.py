"""Stem sets of the Suno API (spec Part A §6): names, order and file names."""

from enum import Enum

import numpy as np

from songforge.engines.audio import as_channels_first as _audio_channels_first


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
    if sample_rate <= 0:
        raise ValueError(f"Invalid sample rate {sample_rate}.")
    return _audio_channels_first(mix)


def energy(x: np.ndarray, block: int = 1 << 20) -> float:
    """Σx² of (channels, samples) in float64, a block at a time: a float64 copy of a 10-minute stereo
    input alone would be ~420 MB."""
    total = 0.0
    for row in x:
        for i in range(0, row.shape[0], block):
            total += float(np.sum(np.square(row[i : i + block], dtype=np.float64)))
    return total
