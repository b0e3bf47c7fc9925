"""Stem sets of the Suno API (spec Part A §6): names, order and file names; the mix check, energy and
silence rule every separation path shares."""

import numpy as np

# The stem-set vocabulary is the API's (core/stem_sets.py, pure names); the engine uses it as it is.
from songforge.core.stem_sets import TWELVE_STEMS, TWO_STEMS, StemSet

__all__ = [
    "ACCOMPANIMENT_STEMS",
    "TWELVE_STEMS",
    "TWO_STEMS",
    "StemSet",
    "energy",
    "is_silent",
    "stem_file_stem",
    "validate_mix",
]

# Everything after the two vocal stems comes out of the accompaniment.
ACCOMPANIMENT_STEMS: tuple[str, ...] = TWELVE_STEMS[2:]


def stem_file_stem(name: str) -> str:
    """`Backing Vocals` → `backing_vocals` (the file name used by `songforge separate`)."""
    return name.lower().replace(" ", "_")


# A stem is "silent" when its energy is this far below the mix's, or below this RMS (≈ -120 dBFS).
SILENCE_RELATIVE_DB = -60.0
SILENCE_ABSOLUTE_RMS = 1e-6
MAX_CHANNELS = 64


def validate_mix(mix: np.ndarray, sample_rate: int) -> np.ndarray:
    """The mix as float32 (channels, samples), a 1-D array being one channel, or ValueError with a
    sentence a user can act on. The one input check of every separation path."""
    array = np.asarray(mix)
    if array.dtype.kind not in "fiu":
        raise ValueError(f"The audio must be numeric samples, got dtype {array.dtype}.")
    if array.ndim == 1:
        array = array[None, :]
    if array.ndim != 2:
        raise ValueError(f"The audio must be shaped (channels, samples), got shape {array.shape}.")
    if not 1 <= array.shape[0] <= MAX_CHANNELS:
        raise ValueError(
            f"The audio must be shaped (channels, samples) with 1 to {MAX_CHANNELS} channels, got shape {array.shape}."
        )
    if array.shape[1] == 0:
        raise ValueError("The audio is empty (no samples).")
    if not isinstance(sample_rate, (int, np.integer)) or not 1_000 <= sample_rate <= 768_000:
        raise ValueError(f"The sample rate must be an integer between 1000 and 768000 Hz, got {sample_rate!r}.")
    array = array.astype(np.float32, copy=False)
    if not np.isfinite(array).all():
        raise ValueError("The audio contains NaN or infinite samples.")
    return array


def energy(x: np.ndarray, block: int = 1 << 20) -> float:
    """Σx² of (channels, samples) in float64, a block at a time: a float64 copy of a 10-minute stereo
    input alone would be ~420 MB."""
    total = 0.0
    for row in x:
        for i in range(0, row.shape[0], block):
            total += float(np.sum(np.square(row[i : i + block], dtype=np.float64)))
    return total


def is_silent(stem_energy: float, mix_energy: float, n_values: int) -> bool:
    """Whether a stem of `n_values` samples (all channels) and energy Σx² is silent next to its mix:
    SILENCE_RELATIVE_DB below the mix's energy, or an RMS at most SILENCE_ABSOLUTE_RMS."""
    threshold = max(mix_energy * 10 ** (SILENCE_RELATIVE_DB / 10), SILENCE_ABSOLUTE_RMS**2 * n_values)
    return stem_energy <= threshold
