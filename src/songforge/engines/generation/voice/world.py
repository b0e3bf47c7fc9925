"""WORLD vocoder analysis and synthesis (pyworld): speech in, spectral envelope and aperiodicity out, and back."""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np

with warnings.catch_warnings():
    # pyworld 0.3.5 imports the deprecated pkg_resources; the warning is noise for our users.
    warnings.simplefilter("ignore")
    import pyworld

FRAME_PERIOD_S = 0.005
_FRAME_PERIOD_MS = FRAME_PERIOD_S * 1000.0
_F0_FLOOR = 60.0
_F0_CEIL = 700.0
_SILENT_POWER = 1e-12  # an envelope this small renders as silence


@dataclass(frozen=True, eq=False)
class Analysis:
    """One utterance as WORLD frames (FRAME_PERIOD_S apart). Stored compactly because the cache keeps many."""

    log_envelope: np.ndarray  # (frames, bins) float16, natural log of the power spectral envelope
    aperiodicity: np.ndarray  # (frames, bins) float16, 0 periodic … 1 noise
    voiced: np.ndarray  # (frames,) bool, where the speech had a pitch

    @property
    def frame_count(self) -> int:
        return int(self.voiced.shape[0])


def analyse(samples: np.ndarray, sample_rate: int) -> Analysis:
    """Analyse speech with DIO + StoneMask (pitch), CheapTrick (envelope) and D4C (aperiodicity)."""
    signal = np.ascontiguousarray(samples, dtype=np.float64)
    f0, times = pyworld.dio(signal, sample_rate, f0_floor=_F0_FLOOR, f0_ceil=_F0_CEIL, frame_period=_FRAME_PERIOD_MS)
    f0 = pyworld.stonemask(signal, f0, times, sample_rate)
    envelope = pyworld.cheaptrick(signal, f0, times, sample_rate, f0_floor=_F0_FLOOR)
    aperiodicity = pyworld.d4c(signal, f0, times, sample_rate)
    return Analysis(
        log_envelope=np.log(np.maximum(envelope, _SILENT_POWER)).astype(np.float16),
        aperiodicity=aperiodicity.astype(np.float16),
        voiced=f0 > 0,
    )


def synthesise(f0: np.ndarray, envelope: np.ndarray, aperiodicity: np.ndarray, sample_rate: int) -> np.ndarray:
    """Render WORLD frames (f0 in Hz, 0 = unvoiced; power envelope; aperiodicity) to float64 samples."""
    return np.asarray(
        pyworld.synthesize(
            np.ascontiguousarray(f0, dtype=np.float64),
            # WORLD takes the log of the envelope: a zero there would turn the whole phrase into NaN.
            np.ascontiguousarray(np.maximum(envelope, _SILENT_POWER), dtype=np.float64),
            np.ascontiguousarray(np.clip(aperiodicity, 0.0, 1.0), dtype=np.float64),
            sample_rate,
            _FRAME_PERIOD_MS,
        )
    )


def silent_log_envelope() -> float:
    return float(np.log(_SILENT_POWER))
