"""Publishing a clip's files, described once: MP3 for playback, 24-bit FLAC master, two cover images.

`ClipPublisher` takes audio block by block (the separation's stem sink, or a whole array cut into
blocks) and encodes while the audio is still being made: every clip has an MP3 lane and a master lane
(FLAC + the peak envelope the covers are drawn from), and a small thread pool runs the lanes in parallel
across cores (LAME and libFLAC encode without holding the GIL), each lane seeing its blocks in order. The
pool's threads run at a lower priority than the separation (the critical path), filling the CPU time it
leaves idle (measured end to end in bench/e2e.py: Twelve through the API 1.24x → 1.14x the CLI's time).
Blocks waiting for a lane are bounded (`max_buffered_bytes`): `write` waits when the encoders fall
behind, so a long song is never queued up whole. `finish()` waits for the lanes, closes the files, draws
the covers (their backgrounds were drawn in the pool at the start), stores the four files per clip in
the blob store and returns each clip's `ClipFiles`. An encoder error is raised from the next `write` or
from `finish()` as `PublishError`; nothing waits forever on a failed lane.
"""

from __future__ import annotations

import contextlib
import os
import threading
import time
from collections import deque
from collections.abc import Iterator, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from songforge.core.clip_files import ClipFiles
from songforge.core.urls import clip_blob_names
from songforge.engines.audio import (
    WHOLE_ARRAY_BLOCK,
    FlacEncoder,
    Mp3Encoder,
    PeakEnvelope,
    as_channels_first,
    blocks_of,
)
from songforge.engines.images import CoverPair, cover_bar_counts
from songforge.engines.progress import ProgressCallback, no_progress
from songforge.storage.base import BlobStore

__all__ = [
    "ClipPublisher",
    "ClipToPublish",
    "PublishError",
    "blocks_of_stems",
    "publish_clip_audio",
]

# Blocks at most this long reach an encoder at once (shorter ones queued together are joined up to it).
_JOIN_SAMPLES = 1 << 16
# How often `finish()` and a waiting `write()` report progress while they wait.
_WAIT_S = 0.2
# How much lower than the separation the encoder threads run (nice increment).
ENCODER_NICENESS = 10
# Share of the progress the encoding takes; closing, covers and storing take the rest.
_ENCODE_SHARE = 0.9


class PublishError(RuntimeError):
    """Encoding or storing a clip's files failed; `__cause__` is the original error."""


@dataclass(frozen=True)
class ClipToPublish:
    clip_id: str
    title: str
    stem: str  # the key of this clip's audio in the blocks written
    style: str = ""  # shown on the cover under the title (a generated song's tags)


class _Lane:
    """One encoder of one clip, fed in order: at most one pool task drains it at a time."""

    def __init__(self, clip: ClipToPublish, kind: str) -> None:
        self.clip = clip
        self.kind = kind  # "mp3" or "master"
        self.queue: deque[np.ndarray] = deque()
        self.busy = False
        self.encoded = 0  # samples through the encoder
        self.mp3: Mp3Encoder | None = None
        self.flac: FlacEncoder | None = None
        self.envelope: PeakEnvelope | None = None


class ClipPublisher:
    """Publishes clips from audio written block by block (see the module's docstring).

    `clips` names each clip and the stem (key of the written blocks) that carries its audio; keys not
    named are ignored. `total_samples`, when known, makes the progress fraction meaningful before the end
    and lets the covers' peaks be kept exactly. `progress(fraction, "publish")` is called from the thread
    that calls `write()`/`finish()`, never from the pool.
    """

    def __init__(
        self,
        blobs: BlobStore,
        scratch: Path,
        sample_rate: int,
        clips: Sequence[ClipToPublish],
        *,
        total_samples: int | None = None,
        progress: ProgressCallback = no_progress,
        threads: int | None = None,
        max_buffered_bytes: int = 256 << 20,
    ) -> None:
        if sample_rate <= 0:
            raise ValueError("sample_rate must be positive")
        if not clips:
            raise ValueError("nothing to publish")
        if len({clip.stem for clip in clips}) != len(clips) or len({clip.clip_id for clip in clips}) != len(clips):
            raise ValueError("each clip needs its own stem and its own id")
        self.blobs = blobs
        self.scratch = Path(scratch)
        self.sample_rate = int(sample_rate)
        self.clips = list(clips)
        self.total_samples = total_samples
        self.max_buffered_bytes = max_buffered_bytes
        self._progress = progress
        self._lanes = [_Lane(clip, kind) for clip in self.clips for kind in ("mp3", "master")]
        self._by_stem = {clip.stem: [lane for lane in self._lanes if lane.clip is clip] for clip in self.clips}
        self._written = 0
        self._buffered = 0.0  # bytes of the blocks queued (half released by each of a block's two lanes)
        self._error: BaseException | None = None
        self._failed_lane = ""
        self._finished = False
        self._stored = 0
        self._reported = -1.0
        self._reported_at = 0.0
        self._cond = threading.Condition()
        workers = threads or min(len(self._lanes), cores())
        self._pool = ThreadPoolExecutor(
            max_workers=workers, thread_name_prefix="publish", initializer=_yield_to_the_separation
        )
        self._bar_counts = cover_bar_counts()
        # The covers' backgrounds depend on the title only: draw them now, while the audio is being made.
        self._covers: dict[str, Future[CoverPair]] = {
            clip.clip_id: self._pool.submit(CoverPair, clip.title, style=clip.style) for clip in self.clips
        }

    # ------------------------------------------------------------------------------------ sink side

    def write(self, start: int, blocks: Mapping[str, np.ndarray], *, copy: bool = True) -> None:
        """Samples [start, start + n) of every published stem, float32 (channels, n), contiguous from 0.

        The blocks are copied (the caller may reuse its buffers) unless `copy=False` promises they stay
        unchanged. Waits while the blocks queued for the encoders and these would exceed
        `max_buffered_bytes` (one write larger than that is taken once the queue is empty)."""
        self._raise_if_failed()
        if self._finished:
            raise RuntimeError("the publisher has finished")
        if start != self._written:
            raise ValueError(f"blocks must be contiguous: expected start {self._written}, got {start}")
        arrays: dict[str, np.ndarray] = {}
        for stem in self._by_stem:
            if stem not in blocks:
                raise ValueError(f"no block for stem {stem!r}")
            array = as_channels_first(blocks[stem])
            arrays[stem] = array.copy() if copy and np.may_share_memory(array, blocks[stem]) else array
        lengths = {array.shape[1] for array in arrays.values()}
        if len(lengths) != 1:
            raise ValueError("every stem's block must hold the same number of samples")
        n = lengths.pop()
        if n == 0:
            return
        size = sum(array.nbytes for array in arrays.values())
        with self._cond:
            while self._buffered and self._buffered + size > self.max_buffered_bytes and self._error is None:
                self._cond.wait(_WAIT_S)
                self._report_locked()
            if self._error is None:
                self._buffered += size
                for stem, array in arrays.items():
                    for lane in self._by_stem[stem]:
                        lane.queue.append(array)
                        self._schedule_locked(lane)
        self._raise_if_failed()
        self._written += n
        self._report()

    @property
    def buffered_bytes(self) -> int:
        """Bytes of audio queued for the encoders now (each block counted once)."""
        return int(self._buffered)

    def finish(self) -> dict[str, ClipFiles]:
        """Wait for the encoders, close the files, draw the covers, store everything; clip id → files."""
        if self._finished:
            raise RuntimeError("finish() was called already")
        self._finished = True
        try:
            if self._written == 0:
                raise ValueError("no audio was written to publish")
            with self._cond:
                while self._error is None and any(lane.busy or lane.queue for lane in self._lanes):
                    self._cond.wait(_WAIT_S)
                    self._report_locked()
            self._raise_if_failed()
            closing = [self._pool.submit(self._close_lane, lane) for lane in self._lanes]
            self._wait_all(closing)
            storing = {clip.clip_id: self._pool.submit(self._store, clip) for clip in self.clips}
            self._wait_all(list(storing.values()))
            self._progress(1.0, "publish")
            return {clip_id: future.result() for clip_id, future in storing.items()}
        except BaseException:
            self.abort()
            raise
        finally:
            self._pool.shutdown(wait=True)  # every task is done (or cancelled by abort): a quick join

    def abort(self) -> None:
        """Stop: drop queued blocks, wait for running encoder calls, close the files (kept in scratch)."""
        with self._cond:
            self._finished = True
            if self._error is None:
                self._error = RuntimeError("publishing was aborted")
                self._failed_lane = "abort"
            for lane in self._lanes:
                lane.queue.clear()
            self._buffered = 0.0
            self._cond.notify_all()
        self._pool.shutdown(wait=True, cancel_futures=True)
        for lane in self._lanes:
            for encoder in (lane.mp3, lane.flac):
                try:
                    if encoder is not None:
                        encoder.close()
                except Exception:  # noqa: BLE001, S110 - best effort: the publishing already failed
                    pass

    def __enter__(self) -> ClipPublisher:
        return self

    def __exit__(self, kind: type[BaseException] | None, *rest: object) -> None:
        if kind is not None or not self._finished:
            self.abort()

    # ---------------------------------------------------------------------------------- pool side

    def _schedule_locked(self, lane: _Lane) -> None:
        if not lane.busy and lane.queue:
            lane.busy = True
            self._pool.submit(self._drain, lane)

    def _drain(self, lane: _Lane) -> None:
        """Encode the lane's next queued block(s), then go to the back of the pool's queue if more wait:
        lanes take turns, so all clips advance together and no lane holds its blocks for long."""
        with self._cond:
            if self._error is not None or not lane.queue:
                lane.busy = False
                self._cond.notify_all()
                return
            parts = [lane.queue.popleft()]
            taken = parts[0].shape[1]
            while lane.queue and taken < _JOIN_SAMPLES and lane.queue[0].shape[1] < _JOIN_SAMPLES:
                parts.append(lane.queue.popleft())
                taken += parts[-1].shape[1]
        try:
            self._encode(lane, parts[0] if len(parts) == 1 else np.concatenate(parts, axis=1))
        except BaseException as error:  # noqa: BLE001 - handed to the caller's thread, not swallowed
            with self._cond:
                if self._error is None:
                    self._error, self._failed_lane = error, f"{lane.kind} of clip {lane.clip.clip_id}"
                for other in self._lanes:
                    other.queue.clear()
                self._buffered = 0.0
                lane.busy = False
                self._cond.notify_all()
            return
        with self._cond:
            lane.encoded += taken
            # Each lane releases its half of a block's bytes (the MP3 and the master lane share the block).
            self._buffered = max(0.0, self._buffered - sum(part.nbytes for part in parts) / 2)
            lane.busy = False
            self._schedule_locked(lane)
            self._cond.notify_all()

    def _encode(self, lane: _Lane, block: np.ndarray) -> None:
        folder = self.scratch / lane.clip.clip_id
        if lane.kind == "mp3":
            if lane.mp3 is None:
                folder.mkdir(parents=True, exist_ok=True)
                lane.mp3 = Mp3Encoder(folder / "audio.mp3", self.sample_rate, block.shape[0])
            lane.mp3.write(block)
            return
        if lane.flac is None:
            folder.mkdir(parents=True, exist_ok=True)
            lane.flac = FlacEncoder(folder / "master.flac", self.sample_rate, block.shape[0])
            lane.envelope = PeakEnvelope(length=self.total_samples, points=self._bar_counts)
        assert lane.envelope is not None
        lane.flac.write(block)
        lane.envelope.add(block)

    def _close_lane(self, lane: _Lane) -> None:
        if lane.mp3 is not None:
            lane.mp3.close()
        if lane.flac is not None:
            lane.flac.close()

    def _store(self, clip: ClipToPublish) -> ClipFiles:
        master = next(lane for lane in self._by_stem[clip.stem] if lane.kind == "master")
        assert master.envelope is not None
        folder = self.scratch / clip.clip_id
        names = clip_blob_names(clip.clip_id)
        files = {
            "master": folder / "master.flac",
            "audio": folder / "audio.mp3",
            "image": folder / "image.jpeg",
            "image_large": folder / "image_large.jpeg",
        }
        self._covers[clip.clip_id].result().render(master.envelope, files["image"], files["image_large"])
        for role, path in files.items():
            self.blobs.put_file(names[role], path)
        with self._cond:
            self._stored += 1
            self._cond.notify_all()
        return ClipFiles(
            audio_key=names["audio"],
            master_key=names["master"],
            image_key=names["image"],
            image_large_key=names["image_large"],
            duration=round(self._written / self.sample_rate, 2),
            sample_rate=self.sample_rate,
        )

    # ------------------------------------------------------------------------------------ helpers

    def _wait_all(self, futures: Sequence[Future[Any]]) -> None:
        pending = set(futures)
        while pending:
            done = {future for future in pending if future.done()}
            for future in done:
                error = future.exception()
                if error is not None:
                    raise PublishError(f"publishing failed: {error}") from error
            pending -= done
            if pending:
                with self._cond:
                    self._cond.wait(_WAIT_S)
                    self._report_locked()

    def _raise_if_failed(self) -> None:
        error = self._error
        if error is not None:
            raise PublishError(f"publishing failed ({self._failed_lane}): {error}") from error

    @property
    def fraction(self) -> float:
        """How far publishing is, 0–1 (encoding up to 0.9, then closing and storing)."""
        total = self.total_samples or self._written
        if total <= 0:
            encoded = 0.0
        else:
            encoded = sum(min(lane.encoded, total) for lane in self._lanes) / (total * len(self._lanes))
        return min(1.0, _ENCODE_SHARE * encoded + (1 - _ENCODE_SHARE) * self._stored / len(self.clips))

    def _report_locked(self) -> None:
        # The condition's lock is held: release it around the callback, which may block or raise.
        self._cond.release()
        try:
            self._report()
        finally:
            self._cond.acquire()

    def _report(self) -> None:
        fraction = self.fraction
        now = time.monotonic()
        if fraction - self._reported >= 0.01 or (fraction > self._reported and now - self._reported_at >= 1.0):
            self._reported, self._reported_at = fraction, now
            self._progress(fraction, "publish")


def _yield_to_the_separation() -> None:
    """Encoder threads run at a lower priority (Linux: per thread): the separation is the critical path, and
    the encoders fill the CPU time it leaves idle instead of slowing it down."""
    with contextlib.suppress(AttributeError, OSError):  # not Linux, or not permitted: normal priority
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), ENCODER_NICENESS)


def cores() -> int:
    """The cores this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


def publish_clip_audio(
    blobs: BlobStore,
    workdir: Path,
    clip_id: str,
    samples: np.ndarray,
    sample_rate: int,
    title: str,
    *,
    style: str = "",
) -> ClipFiles:
    """Publish one clip from audio held whole (an upload, a song): the same files, through the same publisher."""
    array = as_channels_first(samples)
    clip = ClipToPublish(clip_id=clip_id, title=title, stem="audio", style=style)
    with ClipPublisher(blobs, workdir, sample_rate, [clip], total_samples=array.shape[1]) as publisher:
        for start, block in blocks_of(array):
            publisher.write(start, {"audio": block}, copy=False)
        return publisher.finish()[clip_id]


def blocks_of_stems(stems: Mapping[str, np.ndarray]) -> Iterator[tuple[int, dict[str, np.ndarray]]]:
    """(start, {stem: block}) over stems held whole, all the same length: what `ClipPublisher.write` takes."""
    length = min(audio.shape[1] for audio in stems.values())
    for start in range(0, length, WHOLE_ARRAY_BLOCK):
        yield start, {name: audio[:, start : start + WHOLE_ARRAY_BLOCK] for name, audio in stems.items()}
