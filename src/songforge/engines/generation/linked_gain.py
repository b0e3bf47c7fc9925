"""Gain envelopes for the master bus: a gentle glue compressor and a look-ahead peak limiter.

Both are computed from the mix and returned as one gain per sample, to be applied to the mix and to every
stem identically, which is what keeps the stems adding up to the mix after mastering. Hand-written on
purpose: the maintained libraries (pedalboard's Compressor and Limiter, JUCE underneath) process each
channel's audio and hand back audio, never a linked gain that could be reused on the stems. Everything is
computed per short block and vectorised, then interpolated to samples.
"""

from __future__ import annotations

import math

import numpy as np
from scipy.signal import filtfilt

# The limiter decides its gain every millisecond and sees 5 ms ahead: the gain ramps down over those 5 ms,
# so a transient is caught without a click, and the audio is never delayed (the whole song is at hand).
LIMITER_BLOCK_S = 0.001
LOOKAHEAD_BLOCKS = 5
# After a peak the gain recovers at this rate, linear in dB (6 dB back in 100 ms) …
RELEASE_DB_PER_S = 60.0
# … looking back at most this far (deeper reductions than rate × span, rare after loudness normalising,
# recover faster).
RELEASE_SPAN_S = 0.3

# The glue compressor listens to ~10 ms blocks, smoothed over ~80 ms, and only touches the loud passages:
# those above the level the mix exceeds a fifth of the time, at 1.5:1, by at most 3 dB.
GLUE_BLOCK_S = 0.01
GLUE_DETECTOR_S = 0.08
GLUE_GAIN_SMOOTHING_S = 0.15
GLUE_THRESHOLD_PERCENTILE = 80.0
GLUE_RATIO = 1.5
GLUE_MAX_REDUCTION_DB = 3.0
# Blocks this far below the loudest do not vote on the glue threshold (silence and fades would pull it down).
GLUE_AUDIBLE_RANGE_DB = 50.0

FILTFILT_MIN_BLOCKS = 6  # filtfilt pads 3 × filter order each side and needs more blocks than that
TINY = 1e-20  # keeps log10 finite on digital silence
SAMPLES_PER_CHUNK = 1 << 20  # interpolation works in chunks so no song-length float64 temporaries pile up


def limiter_gain(mix: np.ndarray, sample_rate: int, ceiling_db: float) -> np.ndarray:
    """A gain per sample (float32, ≤ 1) such that mix · gain never exceeds `ceiling_db` on any channel."""
    block = max(1, round(sample_rate * LIMITER_BLOCK_S))
    starts = np.arange(0, mix.shape[1], block)
    if starts.size == 0:
        return np.ones(0, dtype=np.float32)
    peaks = np.maximum(np.maximum.reduceat(np.abs(mix[0]), starts), np.maximum.reduceat(np.abs(mix[1]), starts))
    over_db = 20.0 * np.log10(np.maximum(peaks.astype(np.float64), TINY)) - ceiling_db
    required_db = np.minimum(0.0, -over_db)
    held = _look_ahead_minimum(required_db, LOOKAHEAD_BLOCKS)
    released = _linear_release(
        held, RELEASE_DB_PER_S * block / sample_rate, round(RELEASE_SPAN_S * sample_rate / block)
    )
    smoothed = _trailing_mean(released, LOOKAHEAD_BLOCKS + 1)
    # Every block's gain now fits every sample in it. Interpolating between block centres mixes in the next
    # block's gain, so take the smallest of each block and its neighbours first: then no sample exceeds.
    safe = smoothed.copy()
    safe[1:] = np.minimum(safe[1:], smoothed[:-1])
    safe[:-1] = np.minimum(safe[:-1], smoothed[1:])
    return _db_per_block_to_gain(safe, block, mix.shape[1])


def glue_gain(mix: np.ndarray, sample_rate: int) -> np.ndarray:
    """A gain per sample (float32, between −3 dB and 1) that gently compresses the mix's loudest passages."""
    block = max(1, round(sample_rate * GLUE_BLOCK_S))
    starts = np.arange(0, mix.shape[1], block)
    if starts.size == 0:
        return np.ones(0, dtype=np.float32)
    energy = np.add.reduceat(np.square(mix[0]), starts, dtype=np.float64)
    energy += np.add.reduceat(np.square(mix[1]), starts, dtype=np.float64)
    counts = np.diff(np.append(starts, mix.shape[1]))
    power = energy / (2.0 * counts)
    power = _one_pole_both_ways(power, GLUE_DETECTOR_S * sample_rate / block)
    level_db = 10.0 * np.log10(np.maximum(power, TINY))
    audible = level_db[level_db > level_db.max() - GLUE_AUDIBLE_RANGE_DB]
    threshold_db = float(np.percentile(audible, GLUE_THRESHOLD_PERCENTILE))
    reduction_db = np.clip((level_db - threshold_db) * (1.0 - 1.0 / GLUE_RATIO), 0.0, GLUE_MAX_REDUCTION_DB)
    reduction_db = _one_pole_both_ways(reduction_db, GLUE_GAIN_SMOOTHING_S * sample_rate / block)
    return _db_per_block_to_gain(-np.clip(reduction_db, 0.0, GLUE_MAX_REDUCTION_DB), block, mix.shape[1])


def _look_ahead_minimum(values: np.ndarray, blocks: int) -> np.ndarray:
    held = values.copy()
    for ahead in range(1, min(blocks, values.size - 1) + 1):
        held[:-ahead] = np.minimum(held[:-ahead], values[ahead:])
    return held


def _linear_release(values: np.ndarray, step: float, span: int) -> np.ndarray:
    # Each block's gain may rise at most `step` dB per block after a lower one: min over k of values[i-k] + k·step.
    released = values.copy()
    for back in range(1, min(span, values.size - 1) + 1):
        released[back:] = np.minimum(released[back:], values[:-back] + back * step)
    return released


def _trailing_mean(values: np.ndarray, width: int) -> np.ndarray:
    # The first blocks average over what exists; before the song starts the gain is taken as the first block's.
    padded = np.concatenate([np.full(width - 1, values[0]), values])
    sums = np.cumsum(np.concatenate([[0.0], padded]))
    result: np.ndarray = (sums[width:] - sums[:-width]) / width
    return result


def _one_pole_both_ways(values: np.ndarray, time_constant_blocks: float) -> np.ndarray:
    # Forward and backward, so the smoothing neither lags nor leads the music.
    if values.size <= FILTFILT_MIN_BLOCKS:
        return values
    pole = math.exp(-1.0 / max(time_constant_blocks, 1.0))
    smoothed: np.ndarray = filtfilt([1.0 - pole], [1.0, -pole], values)
    return smoothed


def _db_per_block_to_gain(block_db: np.ndarray, block: int, samples: int) -> np.ndarray:
    centres = (np.arange(block_db.size) + 0.5) * block - 0.5
    gain = np.empty(samples, dtype=np.float32)
    for start in range(0, samples, SAMPLES_PER_CHUNK):
        stop = min(samples, start + SAMPLES_PER_CHUNK)
        chunk_db = np.interp(np.arange(start, stop, dtype=np.float64), centres, block_db)
        gain[start:stop] = np.power(10.0, chunk_db / 20.0)
    return gain
