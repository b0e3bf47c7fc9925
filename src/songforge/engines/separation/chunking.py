"""Chunked weighted overlap-add: a long signal separated a chunk at a time, in constant memory.

Shared by the Two (Spleeter) and Twelve paths; modelled on demucs' `apply.py`. The helper knows
nothing about the model:
- a plan of overlapping spans covering the signal (`plan_chunks`, or any spans the caller computes);
- a `ChunkView` per span: the samples of the span, zeros where it reaches outside the signal;
- per-chunk weights over each span, normalised by their sum where chunks overlap: by default linear
  cross-fade ramps over the overlaps (`crossfade_weights`), or the chunk's own weights when the
  processor returns `WeightedOutputs` (an inverse STFT's un-normalised overlap-add and its Σ window²:
  then overlap-adding blocks of frames *is* the inverse STFT of the whole signal);
- finished samples handed to a writer as soon as no later chunk reaches them (ranges contiguous from
  0 to the signal's length, in order), so only one chunk and one overlap are in memory at a time;
- one progress callback: a chunk's own progress maps to its share, never going backwards.

Where chunks overlap, the weighted sums are formed in float64: a processor that returns its input
gives the input back exactly.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from songforge.engines.progress import ProgressCallback, no_progress

# Default plan of the long-signal paths (Twelve, and Two at rates other than the model's): cores of
# CHUNK_SECONDS read with MARGIN_SECONDS more on each side, so at most ~34 s are in memory at a time.
CHUNK_SECONDS = 30.0
MARGIN_SECONDS = 2.0


@dataclass(frozen=True)
class ChunkSpan:
    """Samples [start, stop) of the signal a chunk reads and produces (either end may lie outside it)."""

    start: int
    stop: int

    @property
    def length(self) -> int:
        return self.stop - self.start


@dataclass(frozen=True)
class ChunkView:
    """The samples of one span of a (channels, samples) signal; what lies outside the signal reads as zeros."""

    signal: np.ndarray
    span: ChunkSpan

    @property
    def length(self) -> int:
        return self.span.length

    def samples(self) -> np.ndarray:
        """(channels, span length): a view of the signal when the span lies inside it, else a zero-padded copy."""
        start, stop = self.span.start, self.span.stop
        n = self.signal.shape[-1]
        if start >= 0 and stop <= n:
            return self.signal[:, start:stop]
        padded = np.zeros((self.signal.shape[0], stop - start), dtype=self.signal.dtype)
        inside_start, inside_stop = max(start, 0), min(stop, n)
        if inside_stop > inside_start:
            padded[:, inside_start - start : inside_stop - start] = self.signal[:, inside_start:inside_stop]
        return padded


@dataclass(frozen=True)
class WeightedOutputs:
    """A chunk's outputs already multiplied by the chunk's own per-sample weights, and those weights
    ((span length,), ≥ 0). The helper divides the overlap-added outputs by the overlap-added weights."""

    outputs: Mapping[str, np.ndarray]
    weights: np.ndarray


ChunkOutputs = Mapping[str, np.ndarray] | WeightedOutputs
# (chunk, progress of this chunk 0..1) → {name: (channels, span length)} or WeightedOutputs
ChunkProcessor = Callable[[ChunkView, ProgressCallback], ChunkOutputs]
# (start, {name: finished samples [start, start + m) as float32 (channels, m)})
BlockWriter = Callable[[int, Mapping[str, np.ndarray]], None]


def plan_chunks(length: int, chunk: int, margin: int) -> list[ChunkSpan]:
    """Spans covering [0, length): cores of `chunk` samples, each read with `margin` more on both sides
    (neighbours overlap by 2·margin); a last core too short for its margins is merged into the one before.
    One span when the whole signal fits in a chunk and its margins."""
    if chunk < 2 * margin or chunk <= 0:
        raise ValueError("a chunk must be positive and at least twice its margin")
    if length <= chunk + 2 * margin:
        return [ChunkSpan(0, length)]
    n_chunks = math.ceil(length / chunk)
    if length - (n_chunks - 1) * chunk <= 2 * margin:  # no tiny last chunk
        n_chunks -= 1
    spans = []
    for index in range(n_chunks):
        core_start = index * chunk
        core_stop = length if index == n_chunks - 1 else (index + 1) * chunk
        start = core_start - margin if index > 0 else 0
        stop = core_stop + margin if index < n_chunks - 1 else length
        spans.append(ChunkSpan(start, stop))
    return spans


def plan_seconds(length: int, sample_rate: int) -> list[ChunkSpan]:
    """`plan_chunks` with the default CHUNK_SECONDS / MARGIN_SECONDS at `sample_rate`."""
    return plan_chunks(length, int(CHUNK_SECONDS * sample_rate), int(MARGIN_SECONDS * sample_rate))


def block_length(sample_rate: int) -> int:
    """Samples per block when a finished whole is handed on in pieces (CHUNK_SECONDS' worth)."""
    return max(1, int(CHUNK_SECONDS * sample_rate))


def block_ranges(length: int, block: int) -> Iterator[tuple[int, int]]:
    """[start, stop) of consecutive blocks of `block` samples covering [0, length)."""
    for start in range(0, length, block):
        yield start, min(start + block, length)


def fade_in(length: int) -> np.ndarray:
    """Linear ramp up over an overlap of `length` samples (float64); `fade_in(n) + fade_out(n)` is one."""
    return (np.arange(length, dtype=np.float64) + 0.5) / length


def fade_out(length: int) -> np.ndarray:
    """Linear ramp down over an overlap of `length` samples (float64), the complement of `fade_in`."""
    return 1.0 - fade_in(length)


def crossfade_weights(spans: Sequence[ChunkSpan], index: int) -> np.ndarray:
    """The default weights of chunk `index` over its span (float64): ramps over the overlaps with its
    neighbours, one elsewhere. Summed over chunks they are one at every sample."""
    span = spans[index]
    weights = np.ones(span.length)
    if index > 0:
        head = spans[index - 1].stop - span.start
        weights[:head] = fade_in(head)
    if index + 1 < len(spans):
        tail = span.stop - spans[index + 1].start
        weights[span.length - tail :] = fade_out(tail)
    return weights


def check_plan(spans: Sequence[ChunkSpan], length: int) -> None:
    """ValueError unless the spans cover [0, length) in order, each overlapping only its neighbours."""
    if not spans or spans[0].start > 0 or spans[-1].stop < length:
        raise ValueError("the chunks must cover the signal")
    for index, span in enumerate(spans):
        if span.length <= 0:
            raise ValueError("a chunk must not be empty")
        if index > 0 and not spans[index - 1].start <= span.start <= spans[index - 1].stop:
            raise ValueError("each chunk must start inside the one before (no gaps, in order)")
        if index > 1 and span.start < spans[index - 2].stop:
            raise ValueError("a chunk may only overlap its neighbours")
        if index > 0 and span.stop < spans[index - 1].stop:
            raise ValueError("a chunk must not end before the one before")


@dataclass
class _Overlap:
    """What the last chunk left for the next one over [start, stop): its outputs (float32 copies, already
    weighted when the chunk gave its own weights) and its weights (float64)."""

    start: int
    stop: int
    outputs: dict[str, np.ndarray]
    weights: np.ndarray
    weighted: bool  # the outputs come multiplied by the weights already


def overlap_add(
    signal: np.ndarray,
    spans: Sequence[ChunkSpan],
    process: ChunkProcessor,
    write: BlockWriter,
    progress: ProgressCallback = no_progress,
    stage: str = "separating",
) -> None:
    """Run `process` on each span of `signal` ((channels, samples)) in order and hand the weighted
    overlap-add of its outputs to `write`, finished samples only, contiguous from 0 to the signal's length.

    `process` gets the chunk and a progress callback for its own work (0..1, mapped to its share of the
    whole); `progress` also hears (chunks done / chunks, `stage`) after each chunk's samples are written.
    The arrays `write` gets may be views of the processor's outputs: valid during the call.
    """
    length = signal.shape[-1]
    check_plan(spans, length)
    reported = 0.0

    def report(fraction: float, stage_name: str) -> None:
        nonlocal reported
        reported = max(reported, min(max(fraction, 0.0), 1.0))
        progress(reported, stage_name)

    overlap: _Overlap | None = None
    for index, span in enumerate(spans):
        last = index + 1 == len(spans)
        finished_stop = span.stop if last else spans[index + 1].start  # later chunks start here

        def chunk_progress(fraction: float, stage_name: str, index: int = index) -> None:
            report((index + min(max(fraction, 0.0), 1.0)) / len(spans), stage_name)

        result = process(ChunkView(signal, span), chunk_progress)
        if isinstance(result, WeightedOutputs):
            outputs, own_weights = result.outputs, np.asarray(result.weights)
            if own_weights.shape != (span.length,):
                raise ValueError(f"chunk weights shaped {own_weights.shape}, expected ({span.length},)")
        else:
            outputs, own_weights = result, None
        for name, values in outputs.items():
            if values.shape[-1] != span.length:
                raise ValueError(f"chunk output {name!r} has {values.shape[-1]} samples, expected {span.length}")

        head = overlap.stop - span.start if overlap is not None else 0  # local [0, head): shared with the last
        finished = finished_stop - span.start  # local [0, finished): no later chunk reaches it
        emit_from, emit_to = max(0, -span.start), min(finished, length - span.start)  # inside the signal
        head_weights: tuple[np.ndarray, np.ndarray] | None = None  # (this chunk's, the sum of both)
        if overlap is not None:
            own_head = own_weights[:head].astype(np.float64) if own_weights is not None else fade_in(head)
            head_weights = (own_head, overlap.weights + own_head)
        tail_weights: np.ndarray | None = None
        if not last:
            tail = span.stop - finished_stop
            tail_weights = own_weights[finished:].astype(np.float64) if own_weights is not None else fade_out(tail)

        block: dict[str, np.ndarray] = {}
        carried: dict[str, np.ndarray] = {}
        for name, values in outputs.items():
            if emit_to > emit_from:
                shared = None
                if overlap is not None and head_weights is not None:
                    last_weights = None if overlap.weighted else overlap.weights
                    shared = (overlap.outputs[name], last_weights, *head_weights)
                block[name] = _finished(values, emit_from, emit_to, head, shared, own_weights)
            if tail_weights is not None:
                carried[name] = values[:, finished:].copy()
        if emit_to > emit_from:
            write(span.start + emit_from, block)
        overlap = None
        if tail_weights is not None:
            overlap = _Overlap(finished_stop, span.stop, carried, tail_weights, own_weights is not None)
        del outputs, result, block
        report((index + 1) / len(spans), stage)


def _finished(
    values: np.ndarray,
    emit_from: int,
    emit_to: int,
    head: int,
    shared: tuple[np.ndarray, np.ndarray | None, np.ndarray, np.ndarray] | None,
    own_weights: np.ndarray | None,
) -> np.ndarray:
    """Local samples [emit_from, emit_to) of one output, finished: over the head shared with the last
    chunk, (the last chunk's weighted sum + this one's) / (their weights), in float64; elsewhere this
    chunk's weighted output / its weights (or the output as is: weight one).

    `shared`: over [0, head), (the last chunk's outputs, its weights if they are still to be applied, this
    chunk's weights, the sum of both)."""
    body_from = max(head, emit_from)
    if own_weights is None and body_from == emit_from:
        return np.asarray(values[:, emit_from:emit_to], dtype=np.float32)
    out = np.empty((values.shape[0], emit_to - emit_from), dtype=np.float32)
    if shared is not None and body_from > emit_from:
        last_outputs, last_weights, own_head, total = shared
        head_stop = min(head, emit_to)
        weighted = values[:, emit_from:head_stop].astype(np.float64)
        last_weighted = last_outputs[:, emit_from:head_stop].astype(np.float64)
        if own_weights is None:  # a chunk's own weights come applied; cross-fade ramps are applied here
            weighted *= own_head[emit_from:head_stop]
        if last_weights is not None:
            last_weighted *= last_weights[emit_from:head_stop]
        weighted += last_weighted
        out[:, : head_stop - emit_from] = _divide(weighted, total[emit_from:head_stop])
    if emit_to > body_from:
        body = values[:, body_from:emit_to]
        target = out[:, body_from - emit_from :]
        if own_weights is None:
            target[...] = body
        else:
            _divide(body, own_weights[body_from:emit_to], out=target)
    return out


def _divide(values: np.ndarray, weights: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
    """values / weights per sample (into `out` if given); zero where the weight is zero (nothing reached
    that sample)."""
    if out is None:
        out = np.empty(values.shape, dtype=np.result_type(values, weights))
    if np.all(weights > 0):
        np.divide(values, weights, out=out)
    else:
        out[...] = 0
        np.divide(values, weights, out=out, where=weights > 0)
    return out
