"""From the dry 16 kHz voice to the part's stem: resampled, levelled, gently compressed, panned and reverbed."""

from __future__ import annotations

import math

import numpy as np
from pedalboard import Compressor, HighpassFilter, Pedalboard, Reverb
from scipy.signal import resample_poly

from songforge.engines.generation.score import VocalPart
from songforge.engines.generation.voice.air import add_air

VOICE_RMS_DBFS = -20.0  # sung passages sit at this level before the part's gain
_REVERB_WET_PER_SEND = 0.45
_QUIET = 1e-3  # samples this far below the peak are the silence between phrases, not singing
_VOICE_CHAIN = Pedalboard(
    [HighpassFilter(cutoff_frequency_hz=80.0), Compressor(threshold_db=-24.0, ratio=2.5, attack_ms=8, release_ms=120)]
)


def finish(
    voice: np.ndarray, voice_rate: int, part: VocalPart, sample_rate: int, length: int, rng: np.random.Generator
) -> np.ndarray:
    """The mono voice as a float32 (2, length) stem at `sample_rate`."""
    divisor = math.gcd(voice_rate, sample_rate)
    mono = resample_poly(voice, sample_rate // divisor, voice_rate // divisor)[:length]
    mono = add_air(np.pad(mono, (0, length - len(mono))).astype(np.float32), sample_rate, rng)
    sung = np.abs(mono) > _QUIET * float(np.max(np.abs(mono), initial=0.0))
    if not np.any(sung):
        return np.zeros((2, length), dtype=np.float32)
    level = float(np.sqrt(np.mean(mono[sung] ** 2)))
    mono *= 10.0 ** (VOICE_RMS_DBFS / 20.0) / level
    # The part's gain is its fader, after the compressor, so −6 dB is heard as −6 dB.
    mono = _VOICE_CHAIN(mono, sample_rate) * 10.0 ** (part.gain_db / 20.0)
    pan = float(np.clip(part.pan, -1.0, 1.0))
    stereo = np.stack([mono * min(1.0, 1.0 - pan), mono * min(1.0, 1.0 + pan)])
    if part.reverb > 0:
        size = 0.35 + 0.4 * min(part.reverb, 1.0)
        room = Reverb(room_size=size, wet_level=_REVERB_WET_PER_SEND * part.reverb, dry_level=1.0)
        stereo = room(stereo, sample_rate)
    return np.ascontiguousarray(stereo[:, :length], dtype=np.float32)
