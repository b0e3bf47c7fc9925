"""The one STFT of the separation engines: constants, Hann window, framing, STFT and inverse STFT.

Both paths analyse at Spleeter's training configuration: 44.1 kHz, a periodic Hann window of 4096
samples, hop 1024, centred frames (frame t covers samples [t·HOP - N_FFT/2, t·HOP + N_FFT/2) of the
signal, zeros outside it, as `torch.stft(center=True)` with constant padding).

Two interfaces to the same transform:
- `stft` / `istft`: bins-major (channels, bins, frames) numpy arrays of a whole (short) signal, for the
  Twelve pipeline's DSP and the benchmark;
- `analyse_frames` / `overlap_add_frames` / `frame_weights`: Spleeter's frame-major torch path
  (channels, frames, bins), a block of frames at a time into caller-owned buffers. The U-Nets take
  frames × bins patches, and the FFTs and the overlap-add then all run over contiguous memory (the
  speed of the Two stems depends on it). Overlap-adding blocks and dividing by the sum of their
  `frame_weights` is the inverse STFT (`chunking.overlap_add` does that across blocks).
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
import torch

MODEL_SAMPLE_RATE = 44_100  # the rate both separation paths work at (Spleeter's training rate)
N_FFT = 4096
HOP = 1024
N_BINS = N_FFT // 2 + 1  # 2049
HOPS_PER_FRAME = N_FFT // HOP  # 4: frame t spans hop rows t .. t + 3 of the padded signal
CENTRE_PAD = N_FFT // 2  # frame t starts at sample t·HOP - CENTRE_PAD


@lru_cache(maxsize=1)
def hann_window() -> torch.Tensor:
    """The periodic Hann window of N_FFT samples (float32), the analysis and synthesis window."""
    return torch.hann_window(N_FFT, dtype=torch.float32)


def frame_count(n_samples: int) -> int:
    """Centred frames of a signal of `n_samples` (`torch.stft(center=True)` framing)."""
    return n_samples // HOP + 1


# --------------------------------------------------------------------------------------------------
# Whole-signal transforms (bins-major numpy)


def stft(signal: np.ndarray, *, center: bool = True) -> np.ndarray:
    """float32 (channels, samples) → complex64 (channels, N_BINS, frames). `center=False`: frames start
    at sample 0 and end inside the signal (at least N_FFT samples needed)."""
    samples = torch.from_numpy(np.ascontiguousarray(signal, dtype=np.float32))
    spectrum = torch.stft(
        samples, N_FFT, HOP, window=hann_window(), center=center, return_complex=True, pad_mode="constant"
    )
    return spectrum.numpy()


def istft(spectrum: np.ndarray, length: int) -> np.ndarray:
    """complex (channels, N_BINS, frames) of centred frames → float32 (channels, length)."""
    frames = torch.from_numpy(np.ascontiguousarray(spectrum, dtype=np.complex64))
    signal = torch.istft(frames, N_FFT, HOP, window=hann_window(), center=True, length=length)
    return signal.numpy().astype(np.float32, copy=False)


# --------------------------------------------------------------------------------------------------
# Frame-major block transforms (torch, caller-owned buffers)


def analyse_frames(segment: torch.Tensor, out: torch.Tensor) -> None:
    """Complex spectra of the frames of `segment` (C × ((T - 1)·HOP + N_FFT) samples: T consecutive
    frames, the first starting at its first sample) into `out` (C × T × N_BINS, complex64)."""
    torch.fft.rfft(segment.unfold(-1, N_FFT, HOP) * hann_window(), dim=-1, out=out)


def overlap_add_frames(spectrum: torch.Tensor, out: torch.Tensor) -> None:
    """Add the windowed inverse FFTs of `spectrum` (C × T × N_BINS) into `out` (C × (T + 3) × HOP, hop
    rows: frame t starts at row t and spans HOPS_PER_FRAME rows). Not normalised: divide by
    `frame_weights(T)` (summed over overlapping blocks) for the inverse STFT."""
    frames = torch.fft.irfft(spectrum, n=N_FFT, dim=-1).mul_(hann_window())
    quarters = frames.view(frames.shape[0], frames.shape[1], HOPS_PER_FRAME, HOP)
    n_frames = frames.shape[1]
    for k in range(HOPS_PER_FRAME):
        out[:, k : k + n_frames] += quarters[:, :, k]


@lru_cache(maxsize=8)
def frame_weights(n_frames: int) -> np.ndarray:
    """Σ window² of `n_frames` consecutive frames at each of the (n_frames + 3)·HOP samples they span:
    the inverse STFT's normalisation (the first and last three hop rows are covered by fewer frames).
    Read-only float32."""
    squares = (hann_window() ** 2).numpy().reshape(HOPS_PER_FRAME, HOP)
    rows = np.zeros((n_frames + HOPS_PER_FRAME - 1, HOP), dtype=np.float32)
    for k in range(HOPS_PER_FRAME):  # frame t covers rows t .. t + 3 with quarter k of its window
        rows[k : k + n_frames] += squares[k]
    weights = rows.reshape(-1)
    weights.flags.writeable = False
    return weights
