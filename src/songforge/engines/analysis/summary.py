"""One look at an uploaded song: tempo, beats, bars, key, loudness — what extending or covering it must match.

The beats and bars form one steady grid at the measured tempo (music made to a click keeps it exactly; a live
take that drifts gets the best single-tempo fit).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from songforge.engines.analysis.downbeats import first_downbeat
from songforge.engines.analysis.features import ANALYSIS_RATE, features_of
from songforge.engines.analysis.key import estimate_key
from songforge.engines.analysis.signal import mono_at
from songforge.engines.analysis.tempo import BEATS_PER_BAR, estimate_tempo
from songforge.engines.generation.mix import integrated_loudness
from songforge.engines.generation.score import Mode

# A beat this close before the start is the start (the first downbeat of a song that starts on one).
EDGE_S = 0.05
# Floating-point slack when a time falls exactly on a downbeat.
ON_GRID_S = 1e-6


@dataclass(frozen=True)
class AudioAnalysis:
    tempo: float  # BPM, quarter notes; 4/4 is assumed
    beat_times: tuple[float, ...]  # seconds
    downbeat_times: tuple[float, ...]  # seconds, every BEATS_PER_BAR-th beat
    key: str  # tonic, spelled as Plan.key ("A", "F#", "Bb")
    mode: Mode
    loudness_lufs: float  # integrated, BS.1770; -70 for silence
    duration: float  # seconds

    @property
    def bar_seconds(self) -> float:
        return BEATS_PER_BAR * 60.0 / self.tempo


def analyse(mix: np.ndarray, sample_rate: int) -> AudioAnalysis:
    """Analyse a song given as (channels, samples) or mono audio at `sample_rate`."""
    signal = mono_at(mix, sample_rate, ANALYSIS_RATE)
    features = features_of(signal)
    tempo = estimate_tempo(features)
    downbeat = first_downbeat(features, tempo)
    key = estimate_key(features.chroma)
    beat = 60.0 / tempo
    first_beat = earliest_on_grid(downbeat, beat)
    beats = tuple(max(0.0, float(time)) for time in np.arange(first_beat, features.duration, beat))
    first_bar = round((downbeat - first_beat) / beat) % BEATS_PER_BAR
    channels = mix if mix.ndim == 2 else mix[np.newaxis]
    return AudioAnalysis(
        tempo=tempo,
        beat_times=beats,
        downbeat_times=beats[first_bar::BEATS_PER_BAR],
        key=key.tonic,
        mode=key.mode,
        loudness_lufs=integrated_loudness(channels, sample_rate),
        duration=features.duration,
    )


def earliest_on_grid(anchor: float, period: float) -> float:
    """The first time anchor + k·period (k may be negative) not more than EDGE_S before the start."""
    return anchor - period * math.floor((anchor + EDGE_S) / period)


def next_downbeat(analysis: AudioAnalysis, at: float) -> float:
    """The first downbeat at or after `at` seconds; past the end of the song the bars go on at its tempo."""
    later = [downbeat for downbeat in analysis.downbeat_times if downbeat >= at - ON_GRID_S]
    if later:
        return later[0]
    last = analysis.downbeat_times[-1] if analysis.downbeat_times else 0.0
    bar = analysis.bar_seconds
    return last + math.ceil((at - last - ON_GRID_S) / bar) * bar
