"""The key: the song's chroma correlated with the Krumhansl–Kessler key profiles, all 24 keys tried.

Tonics are spelled as key signatures spell them, the way Plan.key does: flats for the major keys F, Bb, Eb, Ab,
Db and the minor keys D, G, C, F, Bb (whose relative majors have flats); sharps for every other key.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from songforge.engines.generation.score import Mode

# Krumhansl & Kessler (1982) probe-tone ratings, tonic first.
KEY_PROFILES: dict[Mode, np.ndarray] = {
    "major": np.array([6.35, 2.23, 3.48, 2.33, 4.38, 4.09, 2.52, 5.19, 2.39, 3.66, 2.29, 2.88]),
    "minor": np.array([6.33, 2.68, 3.52, 5.38, 2.60, 3.53, 2.54, 4.75, 3.98, 2.69, 3.34, 3.17]),
}
SHARP_NAMES = ("C", "C#", "D", "D#", "E", "F", "F#", "G", "G#", "A", "A#", "B")
FLAT_NAMES = ("C", "Db", "D", "Eb", "E", "F", "Gb", "G", "Ab", "A", "Bb", "B")
FLAT_TONICS: dict[Mode, frozenset[int]] = {"major": frozenset({5, 10, 3, 8, 1}), "minor": frozenset({2, 7, 0, 5, 10})}
# Chroma is log-compressed before it is averaged, so a loud sustained note does not outweigh the rest of the scale.
CHROMA_COMPRESSION = 10.0


@dataclass(frozen=True)
class KeyEstimate:
    tonic: str  # "A", "F#", "Bb"
    mode: Mode
    correlation: float  # with the winning profile, −1 … 1


def estimate_key(chroma: np.ndarray) -> KeyEstimate:
    """The best-correlated of the 24 major and minor keys for (12, frames) chroma, C first; C major for silence."""
    profile = np.log1p(CHROMA_COMPRESSION * chroma).mean(axis=1) if chroma.size else np.zeros(12)
    if np.ptp(profile) <= 0.0:
        return KeyEstimate("C", "major", 0.0)
    scores = [
        (float(np.corrcoef(np.roll(KEY_PROFILES[mode], tonic), profile)[0, 1]), tonic, mode)
        for mode in KEY_PROFILES
        for tonic in range(12)
    ]
    correlation, tonic, mode = max(scores)
    return KeyEstimate(tonic_name(tonic, mode), mode, correlation)


def tonic_name(pitch_class: int, mode: Mode) -> str:
    names = FLAT_NAMES if pitch_class % 12 in FLAT_TONICS[mode] else SHARP_NAMES
    return names[pitch_class % 12]
