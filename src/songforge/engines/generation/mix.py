"""Master the song: sum the stems, glue the bus, normalise loudness (ITU-R BS.1770, pyloudnorm), limit peaks.

Everything after the sum is one gain per sample, computed from the mix and applied to every stem alike, so
the mastered stems still add up to the master. Anything non-linear per stem belongs before `master`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pyloudnorm

from songforge.engines.generation.linked_gain import glue_gain, limiter_gain

SILENT_PEAK_DBFS = -60.0
# What no measurable loudness reads as: BS.1770's absolute gate, below which nothing counts.
SILENCE_LUFS = -70.0
PEAK_FLOOR_DB = -120.0
# BS.1770 measures 400 ms blocks; anything shorter is measured padded with silence to one block.
LOUDNESS_BLOCK_S = 0.4
# Limiting lowers the loudness a little, so the make-up gain is corrected and the limiter run again.
LOUDNESS_PASSES = 3
LOUDNESS_TOLERANCE_LU = 0.2


@dataclass(frozen=True)
class Mastered:
    """The master and the stems as mastered, each float32 (2, n); the stems add up to `mix`."""

    mix: np.ndarray
    stems: dict[str, np.ndarray]
    loudness_lufs: float  # integrated, BS.1770; SILENCE_LUFS for silence
    peak_db: float  # sample peak in dBFS; PEAK_FLOOR_DB for digital silence


def silent(stem: np.ndarray) -> bool:
    """True when nothing in the audio reaches −60 dBFS: nobody would hear it in a mix."""
    return bool(peak_of(stem) < 10.0 ** (SILENT_PEAK_DBFS / 20.0))


def master(
    stems: dict[str, np.ndarray],
    sample_rate: int,
    *,
    target_lufs: float = -14.0,
    ceiling_db: float = -1.0,
    in_place: bool = False,
) -> Mastered:
    """The stems (any subset of the Twelve, all (2, n)) mastered to `target_lufs` with no sample above
    `ceiling_db`. Silence in is silence out, returned as it came (as float32). `in_place` masters the caller's
    float32 stems themselves instead of copies: a four-minute song's stems are about 0.5 GB."""
    float_stems = {name: np.asarray(stem, dtype=np.float32) for name, stem in stems.items()}
    summed = sum_of(float_stems)
    if silent(summed):
        return Mastered(summed, {name: stem.copy() for name, stem in float_stems.items()}, SILENCE_LUFS, _db(summed))
    gain, loudness = master_gain(summed, sample_rate, target_lufs=target_lufs, ceiling_db=ceiling_db)
    del summed  # a song-length buffer: the mastered stems and mix are as large again
    if in_place:
        for stem in float_stems.values():
            stem *= gain
        mastered = float_stems
    else:
        mastered = {name: stem * gain for name, stem in float_stems.items()}
    mix = sum_of(mastered)
    # Float rounding of the per-stem products may land a hair over the ceiling: one scalar trim keeps the promise.
    excess = peak_of(mix) / 10.0 ** (ceiling_db / 20.0)
    if excess > 1.0:
        trim = np.float32(1.0 / excess)
        for stem in mastered.values():
            stem *= trim
        mix *= trim
        loudness += 20.0 * math.log10(float(trim))
    return Mastered(mix, mastered, loudness, _db(mix))


def master_gain(
    summed: np.ndarray, sample_rate: int, *, target_lufs: float, ceiling_db: float
) -> tuple[np.ndarray, float]:
    """The master bus as one float32 gain per sample (glue × make-up × limiter), and the loudness it gives."""
    glue = glue_gain(summed, sample_rate)
    makeup_db = target_lufs - integrated_loudness(summed * glue, sample_rate)
    for _ in range(LOUDNESS_PASSES):
        before_limiter = glue * np.float32(10.0 ** (makeup_db / 20.0))
        gain = before_limiter * limiter_gain(summed * before_limiter, sample_rate, ceiling_db)
        loudness = integrated_loudness(summed * gain, sample_rate)
        if abs(loudness - target_lufs) <= LOUDNESS_TOLERANCE_LU:
            break
        makeup_db += target_lufs - loudness
    return gain, loudness


def integrated_loudness(audio: np.ndarray, sample_rate: int) -> float:
    """Integrated loudness of (2, n) audio in LUFS (BS.1770 via pyloudnorm); SILENCE_LUFS when nothing counts."""
    block = math.ceil(LOUDNESS_BLOCK_S * sample_rate) + 1
    if audio.shape[1] < block:
        audio = np.pad(audio, ((0, 0), (0, block - audio.shape[1])))
    loudness = float(pyloudnorm.Meter(sample_rate).integrated_loudness(audio.T))
    return loudness if math.isfinite(loudness) else SILENCE_LUFS


def sum_of(stems: dict[str, np.ndarray]) -> np.ndarray:
    """The stems added up (float32 (2, n)); they must all be the same shape."""
    if not stems:
        raise ValueError("there are no stems to mix")
    shapes = {stem.shape for stem in stems.values()}
    if len(shapes) != 1 or len(next(iter(shapes))) != 2 or next(iter(shapes))[0] != 2:
        raise ValueError(f"stems must all be stereo (2, n) arrays of the same length, got shapes {sorted(shapes)}")
    stems_in_order = iter(stems.values())
    total = next(stems_in_order).astype(np.float32, copy=True)
    for stem in stems_in_order:
        total += stem
    return total


def peak_of(audio: np.ndarray) -> float:
    """The largest sample magnitude (0 for empty audio), without a song-length temporary."""
    if audio.size == 0:
        return 0.0
    return max(float(np.max(audio)), -float(np.min(audio)))


def _db(audio: np.ndarray) -> float:
    peak = peak_of(audio)
    return max(PEAK_FLOOR_DB, 20.0 * math.log10(peak)) if peak > 0.0 else PEAK_FLOOR_DB
