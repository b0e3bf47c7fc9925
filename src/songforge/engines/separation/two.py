"""The Two stem set: Vocals and Instrumental.

Default: the bundled Spleeter 2-stem model (`spleeter.py`). When the operator prefers demucs and
htdemucs weights are present in the model directory, demucs makes the vocals instead. Either way the
Instrumental is `mix - Vocals`, so the two stems add up to the mix exactly.
"""

from __future__ import annotations

import logging

import numpy as np

from songforge.engines.progress import ProgressCallback
from songforge.engines.separation import SeparatedStem, SeparationOptions
from songforge.engines.separation.stems import energy

log = logging.getLogger(__name__)

# A stem is "silent" when its energy is this far below the mix (or the mix itself is silent).
SILENCE_RELATIVE_DB = -60.0
SILENCE_ABSOLUTE_RMS = 1e-6  # ≈ -120 dBFS


def validate_mix(mix: np.ndarray, sample_rate: int) -> np.ndarray:
    """The mix as float32 (channels, samples), or ValueError with a sentence a user can act on."""
    array = np.asarray(mix)
    if array.dtype.kind not in "fiu":
        raise ValueError(f"The audio must be numeric samples, got dtype {array.dtype}.")
    if array.ndim == 1:
        array = array[None, :]
    if array.ndim != 2:
        raise ValueError(f"The audio must be shaped (channels, samples), got shape {array.shape}.")
    if array.shape[0] < 1 or array.shape[0] > 64:
        raise ValueError(
            f"The audio must be shaped (channels, samples) with 1 to 64 channels, got shape {array.shape}."
        )
    if array.shape[1] == 0:
        raise ValueError("The audio is empty (no samples).")
    if not isinstance(sample_rate, (int, np.integer)) or not 1_000 <= sample_rate <= 768_000:
        raise ValueError(f"The sample rate must be an integer between 1000 and 768000 Hz, got {sample_rate!r}.")
    array = array.astype(np.float32, copy=False)
    if not np.isfinite(array).all():
        raise ValueError("The audio contains NaN or infinite samples.")
    return array


def is_silent(stem: np.ndarray, mix: np.ndarray) -> bool:
    """Energy below -60 dB relative to the mix, or absolute silence."""
    stem_energy = energy(stem) / max(stem.size, 1)
    mix_energy = energy(mix) / max(mix.size, 1)
    if stem_energy <= SILENCE_ABSOLUTE_RMS**2:
        return True
    return stem_energy <= mix_energy * 10 ** (SILENCE_RELATIVE_DB / 10)


def separate_two_stems(
    mix: np.ndarray,
    sample_rate: int,
    progress: ProgressCallback,
    options: SeparationOptions,
) -> list[SeparatedStem]:
    """[Vocals, Instrumental], each float32 shaped like `mix`."""
    mix = validate_mix(mix, sample_rate)
    if not np.any(mix):
        silence = np.zeros_like(mix)
        progress(1.0, "vocals")
        return [
            SeparatedStem("Vocals", silence, "silence", True),
            SeparatedStem("Instrumental", silence.copy(), "silence", True),
        ]

    vocals: np.ndarray | None = None
    method = "spleeter-2stems"
    if options.prefer_demucs:
        from songforge.engines.separation import demucs_backend

        if demucs_backend.demucs_available(options, "htdemucs"):
            try:
                sources = demucs_backend.separate_with_demucs(mix, sample_rate, "htdemucs", options, progress)
                vocals = sources["vocals"]
                method = "demucs-htdemucs"
            except demucs_backend.DemucsUnavailableError as exc:
                log.warning("demucs unavailable, using spleeter for vocals: %s", exc)
    if vocals is None:
        from songforge.engines.separation.spleeter import separate_vocals_accompaniment

        vocals, _ = separate_vocals_accompaniment(mix, sample_rate, progress)
    vocals = np.ascontiguousarray(vocals, dtype=np.float32)
    instrumental = mix - vocals  # the residual goes to the Instrumental: the stems sum to the mix
    return [
        SeparatedStem("Vocals", vocals, method, is_silent(vocals, mix)),
        SeparatedStem("Instrumental", instrumental, method, is_silent(instrumental, mix)),
    ]
