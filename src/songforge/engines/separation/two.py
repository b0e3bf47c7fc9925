"""The Two stem set: Vocals and Instrumental.

Default: the bundled Spleeter 2-stem model (`spleeter.py`), whose vocals come out chunk by chunk.
When the operator prefers demucs and htdemucs weights are present in the model directory, demucs
makes the vocals instead (whole, then handed on in blocks). Either way the Instrumental is
`mix - Vocals`, block by block, so the two stems add up to the mix exactly.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping

import numpy as np

from songforge.engines.progress import ProgressCallback
from songforge.engines.separation import SeparationOptions, StemBlockSink, StemInfo
from songforge.engines.separation.chunking import block_length, block_ranges
from songforge.engines.separation.stems import TWO_STEMS, energy, is_silent

log = logging.getLogger(__name__)


class _TwoStemWriter:
    """Turns vocal blocks into [Vocals, Instrumental] blocks for the sink, summing energies on the way."""

    def __init__(self, mix: np.ndarray, sink: StemBlockSink) -> None:
        self.mix, self.sink = mix, sink
        self.energies = dict.fromkeys(TWO_STEMS, 0.0)
        self.mix_energy = 0.0

    def __call__(self, start: int, vocals: np.ndarray) -> None:
        mix_block = self.mix[:, start : start + vocals.shape[1]]
        blocks: Mapping[str, np.ndarray] = {
            "Vocals": vocals,
            "Instrumental": mix_block - vocals,  # the residual: the stems sum to the mix
        }
        self.sink.write(start, blocks)
        self.mix_energy += energy(mix_block)
        for name, block in blocks.items():
            self.energies[name] += energy(block)

    def infos(self, method: str) -> list[StemInfo]:
        size = self.mix.size
        return [StemInfo(name, method, is_silent(self.energies[name], self.mix_energy, size)) for name in TWO_STEMS]


def stream_two_stems(
    mix: np.ndarray,
    sample_rate: int,
    sink: StemBlockSink,
    progress: ProgressCallback,
    options: SeparationOptions,
) -> list[StemInfo]:
    """[Vocals, Instrumental] of a validated mix (float32 (channels, samples)), streamed to `sink`."""
    writer = _TwoStemWriter(mix, sink)
    if not np.any(mix):
        silence = np.zeros((mix.shape[0], min(mix.shape[1], block_length(sample_rate))), dtype=np.float32)
        for start, stop in block_ranges(mix.shape[1], silence.shape[1]):
            sink.write(start, dict.fromkeys(TWO_STEMS, silence[:, : stop - start]))
        progress(1.0, "vocals")
        return [StemInfo(name, "silence", True) for name in TWO_STEMS]

    if options.prefer_demucs:
        from songforge.engines.separation import demucs_backend

        if demucs_backend.demucs_available(options, "htdemucs"):
            try:
                sources = demucs_backend.separate_with_demucs(mix, sample_rate, "htdemucs", options, progress)
            except demucs_backend.DemucsUnavailableError as exc:
                log.warning("demucs unavailable, using spleeter for vocals: %s", exc)
            else:
                vocals = np.asarray(sources.pop("vocals"), dtype=np.float32)
                del sources
                for start, stop in block_ranges(mix.shape[1], block_length(sample_rate)):
                    writer(start, vocals[:, start:stop])
                return writer.infos("demucs-htdemucs")

    from songforge.engines.separation.spleeter import stream_vocals

    stream_vocals(mix, sample_rate, writer, progress)
    return writer.infos("spleeter-2stems")
