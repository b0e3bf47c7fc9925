"""The sung pitch line: the notes' pitches with short legato glides, delayed vibrato on long notes and a
slight natural drift; this replaces whatever pitch (or Mandarin tone) the speech had."""

from __future__ import annotations

import numpy as np

from songforge.engines.generation.voice.placement import Placement
from songforge.engines.generation.voice.world import FRAME_PERIOD_S

SINGABLE_KEYS = (28, 96)  # E1 … C7: notes outside are sung at the nearest end, never as a squeal or rumble
GLIDE_S = 0.07  # a pitch change takes this long, centred on where the new syllable (or slurred note) begins
VIBRATO_RATE_HZ = 5.5
VIBRATO_DEPTH_SEMITONES = 0.3
VIBRATO_MIN_NOTE_S = 0.4  # shorter notes are sung straight
_VIBRATO_DELAY_S = 0.25  # vibrato starts this far into a note (at most 40 % of it) …
_VIBRATO_RAMP_S = 0.2  # … and grows to full depth over this long
_DRIFT_SEMITONES = 0.04  # standard deviation of the slow wander around the note
_DRIFT_SMOOTHING_S = 0.15


def pitch_contour(
    phrase: tuple[Placement, ...], first_frame: int, frame_count: int, rng: np.random.Generator
) -> np.ndarray:
    """Hz per WORLD frame of the phrase (frame k is at (first_frame + k) · FRAME_PERIOD_S seconds)."""
    times = (first_frame + np.arange(frame_count)) * FRAME_PERIOD_S
    starts: list[float] = []
    pitches: list[float] = []
    for placement in phrase:
        for index, note in enumerate(placement.syllable.notes):
            # A new syllable takes its pitch with its first consonant, so the vowel lands on the note already.
            starts.append(placement.onset_start if index == 0 else note.start)
            pitches.append(float(note.pitch))
    steps = np.clip(pitches, *SINGABLE_KEYS)[np.clip(np.searchsorted(starts, times, side="right") - 1, 0, None)]
    semitones = _smoothed(steps, GLIDE_S) + _vibrato(phrase, times, rng) + _drift(frame_count, rng)
    hertz: np.ndarray = 440.0 * 2.0 ** ((semitones - 69.0) / 12.0)
    return hertz


def _vibrato(phrase: tuple[Placement, ...], times: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    vibrato = np.zeros_like(times)
    for placement in phrase:
        for note in placement.syllable.notes:
            length = min(note.end, placement.coda_end) - note.start
            if length < VIBRATO_MIN_NOTE_S:
                continue
            begin = note.start + min(_VIBRATO_DELAY_S, 0.4 * length)
            inside = (times >= begin) & (times < note.start + length)
            elapsed = times[inside] - begin
            rate = VIBRATO_RATE_HZ * rng.uniform(0.95, 1.05)
            depth = VIBRATO_DEPTH_SEMITONES * np.minimum(elapsed / _VIBRATO_RAMP_S, 1.0)
            vibrato[inside] = depth * np.sin(2.0 * np.pi * rate * elapsed)
    return vibrato


def _drift(frame_count: int, rng: np.random.Generator) -> np.ndarray:
    wander = _smoothed(rng.standard_normal(frame_count), _DRIFT_SMOOTHING_S)
    spread = float(np.std(wander))
    return wander * (_DRIFT_SEMITONES / spread) if spread > 0 else wander


def _smoothed(values: np.ndarray, window_s: float) -> np.ndarray:
    width = max(3, round(window_s / FRAME_PERIOD_S) | 1)
    window = np.hanning(width + 2)[1:-1]
    padded = np.pad(values, width // 2, mode="edge")
    return np.convolve(padded, window / window.sum(), mode="valid")
