"""The chunked overlap-add both separation paths share: plans, weights, exactness, progress, streaming."""

import itertools
from collections.abc import Mapping

import numpy as np
import pytest
import torch

from songforge.engines.progress import ProgressCallback
from songforge.engines.separation import stft
from songforge.engines.separation.chunking import (
    ChunkSpan,
    ChunkView,
    WeightedOutputs,
    check_plan,
    crossfade_weights,
    overlap_add,
    plan_chunks,
)


class Recorder:
    """A writer that keeps every block and checks they come in order, contiguous."""

    def __init__(self) -> None:
        self.calls: list[tuple[int, int]] = []
        self.blocks: dict[str, list[np.ndarray]] = {}

    def __call__(self, start: int, blocks: Mapping[str, np.ndarray]) -> None:
        sizes = {block.shape[1] for block in blocks.values()}
        assert len(sizes) == 1
        expected = self.calls[-1][0] + self.calls[-1][1] if self.calls else 0
        assert start == expected, "blocks must be contiguous and in order"
        self.calls.append((start, sizes.pop()))
        for name, block in blocks.items():
            assert block.dtype == np.float32
            self.blocks.setdefault(name, []).append(block.copy())

    def whole(self, name: str) -> np.ndarray:
        return np.concatenate(self.blocks[name], axis=1)


def identity(chunk: ChunkView, progress: ProgressCallback) -> dict[str, np.ndarray]:
    samples = chunk.samples()
    return {"same": samples, "double": 2 * samples}


@pytest.mark.parametrize(
    ("length", "chunk", "margin"), [(50, 30, 2), (35, 30, 2), (95_500, 30_000, 2_000), (123_456, 1_000, 100)]
)
def test_crossfade_weights_sum_to_one_over_a_plan_that_covers_the_signal(length: int, chunk: int, margin: int) -> None:
    spans = plan_chunks(length, chunk, margin)
    check_plan(spans, length)
    assert spans[0].start == 0 and spans[-1].stop == length
    total = np.zeros(length)
    for index, span in enumerate(spans):
        weights = crossfade_weights(spans, index)
        assert weights.shape == (span.length,) and np.all(weights > 0) and np.all(weights <= 1)
        total[span.start : span.stop] += weights
    np.testing.assert_allclose(total, 1.0, rtol=0, atol=1e-12)
    # no tiny last chunk: every core but the last is `chunk` long, the last longer than its margins
    assert all(
        b.start - a.start == (chunk if i else chunk - margin) for i, (a, b) in enumerate(itertools.pairwise(spans))
    )


def test_a_model_that_returns_its_input_gives_it_back_exactly_across_chunk_boundaries() -> None:
    signal = np.random.default_rng(0).standard_normal((2, 10_007)).astype(np.float32)
    spans = plan_chunks(signal.shape[1], 1_000, 150)
    assert len(spans) > 5
    recorder = Recorder()
    overlap_add(signal, spans, identity, recorder)
    np.testing.assert_array_equal(recorder.whole("same"), signal)
    np.testing.assert_array_equal(recorder.whole("double"), 2 * signal)
    # blocks come out as chunks finish: one per chunk, ending where the next chunk starts
    assert [start for start, _ in recorder.calls] == [0] + [span.start for span in spans[1:]]


def test_spans_may_reach_outside_the_signal_which_reads_as_zeros() -> None:
    signal = np.arange(1, 101, dtype=np.float32)[None, :]
    spans = [ChunkSpan(-7, 40), ChunkSpan(31, 75), ChunkSpan(60, 112)]
    seen: list[np.ndarray] = []

    def process(chunk: ChunkView, progress: ProgressCallback) -> dict[str, np.ndarray]:
        seen.append(chunk.samples())
        return {"same": chunk.samples()}

    recorder = Recorder()
    overlap_add(signal, spans, process, recorder)
    np.testing.assert_array_equal(recorder.whole("same"), signal)
    assert np.all(seen[0][:, :7] == 0) and seen[0][0, 7] == 1
    assert np.all(seen[2][:, 40:] == 0) and seen[2].shape == (1, 52)


def test_chunks_with_their_own_weights_are_normalised_by_the_weight_sum() -> None:
    signal = np.random.default_rng(1).standard_normal((3, 5_000)).astype(np.float32)
    spans = [ChunkSpan(0, 2_000), ChunkSpan(1_500, 3_600), ChunkSpan(3_000, 5_000)]
    rng = np.random.default_rng(2)

    def process(chunk: ChunkView, progress: ProgressCallback) -> WeightedOutputs:
        weights = rng.uniform(0.1, 3.0, chunk.length).astype(np.float32)
        return WeightedOutputs({"same": chunk.samples() * weights}, weights)

    recorder = Recorder()
    overlap_add(signal, spans, process, recorder)
    np.testing.assert_allclose(recorder.whole("same"), signal, rtol=1e-5, atol=1e-6)


def test_blocks_of_stft_frames_overlap_add_to_the_inverse_stft() -> None:
    """The Spleeter path's use: a chunk per block of frames, the un-normalised overlap-add of its frames
    weighted by their Σ window²: the whole is the input again (an identity mask), block size aside."""
    signal = np.random.default_rng(3).standard_normal((2, 30_000)).astype(np.float32)
    n_frames = stft.frame_count(signal.shape[1])
    block = 7
    spans = []
    for first in range(0, n_frames, block):
        frames = min(block, n_frames - first)
        start = first * stft.HOP - stft.CENTRE_PAD
        spans.append(ChunkSpan(start, start + (frames + stft.HOPS_PER_FRAME - 1) * stft.HOP))

    def process(chunk: ChunkView, progress: ProgressCallback) -> WeightedOutputs:
        frames = chunk.length // stft.HOP - (stft.HOPS_PER_FRAME - 1)
        spectrum = torch.empty(2, frames, stft.N_BINS, dtype=torch.complex64)
        stft.analyse_frames(torch.from_numpy(chunk.samples().copy()), spectrum)
        out = torch.zeros(2, frames + stft.HOPS_PER_FRAME - 1, stft.HOP)
        stft.overlap_add_frames(spectrum, out)
        return WeightedOutputs({"same": out.view(2, -1).numpy()}, stft.frame_weights(frames))

    recorder = Recorder()
    overlap_add(signal, spans, process, recorder)
    np.testing.assert_allclose(recorder.whole("same"), signal, atol=1e-5)
    whole = stft.istft(stft.stft(signal), signal.shape[1])
    np.testing.assert_allclose(recorder.whole("same"), whole, atol=1e-5)


def test_progress_is_monotonic_and_ends_at_one() -> None:
    signal = np.zeros((1, 1_000), dtype=np.float32)
    spans = plan_chunks(1_000, 200, 20)

    def process(chunk: ChunkView, progress: ProgressCallback) -> dict[str, np.ndarray]:
        for fraction in (0.5, 0.2, 1.5, -1.0, 0.9):  # a chunk's own reports may wander
            progress(fraction, "working")
        return {"same": chunk.samples()}

    seen: list[float] = []
    overlap_add(signal, spans, process, Recorder(), lambda fraction, stage: seen.append(fraction))
    assert seen == sorted(seen)
    assert all(0.0 <= fraction <= 1.0 for fraction in seen)
    assert seen[-1] == 1.0


@pytest.mark.parametrize(
    "spans",
    [
        [ChunkSpan(5, 100)],  # misses the start
        [ChunkSpan(0, 50), ChunkSpan(60, 100)],  # a gap
        [ChunkSpan(0, 60), ChunkSpan(20, 70), ChunkSpan(50, 100)],  # the third overlaps the first
        [ChunkSpan(0, 90)],  # misses the end
    ],
)
def test_a_plan_that_does_not_cover_the_signal_in_order_is_refused(spans: list[ChunkSpan]) -> None:
    with pytest.raises(ValueError):
        overlap_add(np.zeros((1, 100), dtype=np.float32), spans, identity, Recorder())


def test_an_output_of_the_wrong_length_is_refused() -> None:
    def short(chunk: ChunkView, progress: ProgressCallback) -> dict[str, np.ndarray]:
        return {"same": chunk.samples()[:, :-1]}

    with pytest.raises(ValueError, match="samples"):
        overlap_add(np.ones((1, 100), dtype=np.float32), [ChunkSpan(0, 100)], short, Recorder())
