"""A `StemBlockSink` that keeps the streamed stems whole: in RAM, or in disk-backed arrays when large.

`separate()` collects `separate_stream()`'s blocks with it. Up to IN_MEMORY_LIMIT_BYTES of stems in
total they are numpy arrays; above it each stem is an np.memmap over an unlinked temporary file (a
10-minute stereo input's twelve stems are ~2.5 GB), written block by block with `pwrite`, so the
process never holds more than a block of them.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Mapping, Sequence
from typing import IO

import numpy as np

# Stems kept in RAM up to this many bytes in total; above it they go to disk-backed arrays.
IN_MEMORY_LIMIT_BYTES = 768 * 1024 * 1024


class StemCollector:
    """Receives every stem's blocks in order and hands back whole (channels, samples) float32 arrays."""

    def __init__(self, names: Sequence[str], channels: int, length: int) -> None:
        self.names = tuple(names)
        self.channels, self.length = channels, length
        self.on_disk = len(self.names) * channels * length * 4 > IN_MEMORY_LIMIT_BYTES
        self._files: dict[str, IO[bytes]] = {}
        self._arrays: dict[str, np.ndarray] = {}
        for name in self.names:
            if self.on_disk:
                file = tempfile.TemporaryFile(prefix="songforge-stem-")  # noqa: SIM115 - lives as long as the memmap
                file.truncate(channels * length * 4)
                self._files[name] = file
            else:
                self._arrays[name] = np.zeros((channels, length), dtype=np.float32)
        self.written = 0  # samples received so far, of every stem

    @property
    def storage(self) -> str:
        return "memmap" if self.on_disk else "memory"

    def write(self, start: int, blocks: Mapping[str, np.ndarray]) -> None:
        """Store samples [start, start + m) of every stem (each float32 (channels, m))."""
        if start != self.written or set(blocks) != set(self.names):
            raise ValueError("stem blocks must come in order, contiguous, with every stem of the set")
        size = next(iter(blocks.values())).shape[1]
        for name, block in blocks.items():
            if block.shape != (self.channels, size):
                raise ValueError(f"stem block {name!r} shaped {block.shape}, expected ({self.channels}, {size})")
            if not self.on_disk:
                self._arrays[name][:, start : start + size] = block
                continue
            descriptor = self._files[name].fileno()
            for channel in range(self.channels):
                data = np.ascontiguousarray(block[channel], dtype=np.float32).tobytes()
                os.pwrite(descriptor, data, (channel * self.length + start) * 4)
        self.written = start + size

    def result(self, name: str) -> np.ndarray:
        """Stem `name` as float32 (channels, samples): an array, or an np.memmap when on disk."""
        if self.written != self.length:
            raise ValueError(f"only {self.written} of {self.length} samples were written")
        if not self.on_disk:
            return self._arrays[name]
        file = self._files[name]
        file.flush()
        return np.memmap(file, dtype=np.float32, mode="r+", shape=(self.channels, self.length))
