"""Song generation, measured the way a user meets it: through a real `songforge serve` process.

Cases (lyrics and styles written for this benchmark only; the engine was never tuned on them):
- a two-minute custom song with vocals (lyrics below, tags "indie pop"): submit → SUCCESS of both clips,
  real-time factor per clip (seconds of work per second of song, the two clips made one after the other);
- a two-minute instrumental (tags "deep house", `duration` 120);
- for every clip with vocals: the exact Vocals stem (gen_stem twelve) against the sung melody (MIDI route,
  `Vocals` track), pitch error measured by an independent tracker (librosa pYIN) over voiced frames inside
  notes; the timing route's word starts against the onsets librosa's onset detector finds in that stem;
- for every clip: integrated loudness (pyloudnorm, ITU-R BS.1770), sample peak, and a beat tracker's tempo
  against the plan's tempo (half or double counts as found);
- peak memory of `songforge generate` making a four-minute song (a separate process);
- variety: the lead melodies of 20 seeds of one request (composer only) must all differ.

Prints one JSON report and writes it to bench/results/generation.json.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx
import librosa
import numpy as np
import pyloudnorm
import soundfile as sf

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "src"))

from reports import write_report
from tests.integration.server_process import ServerProcess

TEMPO_TOLERANCE = 0.04  # a beat tracker's tempo within 4 % of the plan's (half or double counts as found)
TARGETS: dict[str, Any] = {
    "both_clips_2min_vocals_s": 60.0,
    "rtf_vocals": 0.25,
    "rtf_instrumental": 0.1,
    "median_pitch_error_semitones": 0.5,
    "word_onset_within_50ms_fraction": 0.8,
    "loudness_lufs": (-16.0, -12.0),
    "tempo_tolerance": TEMPO_TOLERANCE,
    "peak_rss_mb_4min": 2048.0,
}
POLL_S = 0.2

# Held-out lyrics: written for this benchmark, never used by tests or while tuning the engine.
BENCH_LYRICS = """[Verse]
Morning trains are rolling past the harbour wall
Every window catches light before the rain
I can hear the gulls above the market stall
Counting every minute till you come again

[Pre-Chorus]
Hold the door and wait for me
I am closer than you see

[Chorus]
Carry me home on a paper boat
Over the water, over the stone
Sing me the words of the song you wrote
Carry me home, carry me home

[Verse 2]
Evening settles slowly on the station clock
Strangers hurry by with flowers in their hands
I keep walking down the long and empty dock
Writing down your name in letters on the sand

[Chorus]
Carry me home on a paper boat
Over the water, over the stone
Sing me the words of the song you wrote
Carry me home, carry me home

[Bridge]
If the tide turns over
I will find the shore

[Chorus]
Carry me home on a paper boat
Over the water, over the stone
Sing me the words of the song you wrote
Carry me home, carry me home
"""


def wait_task(client: httpx.Client, task_id: str, started: float, timeout: float = 1800.0) -> dict[str, Any]:
    timeline: list[tuple[float, str, str]] = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        task = client.get(f"/suno/fetch/{task_id}").json()["data"]
        point = (round(time.monotonic() - started, 2), task["status"], str(task.get("progress")))
        if not timeline or timeline[-1][1:] != point[1:]:
            timeline.append(point)
        if task["status"] == "FAILURE":
            raise RuntimeError(f"task {task_id} failed: {task.get('fail_reason')}")
        if task["status"] == "SUCCESS":
            return {"seconds": point[0], "progress": timeline, "task": task}
        time.sleep(POLL_S)
    raise RuntimeError(f"task {task_id} did not finish in {timeout} s")


def submit(client: httpx.Client, body: dict[str, Any]) -> dict[str, Any]:
    started = time.monotonic()
    response = client.post("/suno/submit/music", json=body)
    response.raise_for_status()
    return wait_task(client, response.json()["data"], started)


def download_audio(client: httpx.Client, url: str) -> tuple[np.ndarray, int]:
    response = client.get(url)
    response.raise_for_status()
    from songforge.engines.audio import decode_bytes

    decoded = decode_bytes(response.content)
    return decoded.samples, decoded.sample_rate


def exact_vocals(client: httpx.Client, task_id: str, clip_id: str) -> tuple[np.ndarray, int]:
    body = {"task": "gen_stem", "task_id": task_id, "continue_clip_id": clip_id, "stem_task": "twelve"}
    done = submit(client, body)
    vocals = next(clip for clip in done["task"]["data"] if clip["metadata"]["stem_type_group_name"] == "Vocals")
    # The lossless WAV of the stem (GET /suno/act/wav): an MP3 decoder's start offset would blur the onsets.
    while True:
        url = client.get(f"/suno/act/wav/{vocals['id']}").json()["data"]["wav_file_url"]
        if url:
            return download_audio(client, url)
        time.sleep(POLL_S)


def pitch_error(vocals: np.ndarray, sample_rate: int, notes: list[dict[str, Any]]) -> dict[str, float]:
    """Median |pYIN − note pitch| in semitones over voiced frames inside notes (first 60 ms of each skipped)."""
    mono = librosa.resample(np.mean(vocals, axis=0), orig_sr=sample_rate, target_sr=22050)
    hop = 256
    f0, voiced, _ = librosa.pyin(mono, fmin=70.0, fmax=1000.0, sr=22050, hop_length=hop)
    times = librosa.frames_to_time(np.arange(len(f0)), sr=22050, hop_length=hop)
    errors: list[float] = []
    for note in notes:
        inside = (times >= note["start"] + 0.06) & (times < note["end"]) & voiced & np.isfinite(f0)
        if inside.any():
            errors.extend(np.abs(librosa.hz_to_midi(f0[inside]) - note["pitch"]).tolist())
    if not errors:
        return {"median": float("nan"), "voiced_frames": 0}
    return {"median": round(float(np.median(errors)), 3), "p90": round(float(np.percentile(errors, 90)), 3),
            "voiced_frames": len(errors)}  # fmt: skip


def word_onsets(vocals: np.ndarray, sample_rate: int, words: list[dict[str, Any]]) -> dict[str, float]:
    mono = np.mean(vocals, axis=0)
    onsets = librosa.onset.onset_detect(y=mono, sr=sample_rate, units="time", backtrack=True)
    if len(onsets) == 0 or not words:
        return {"within_50ms": 0.0, "words": len(words)}
    errors = np.array([np.min(np.abs(onsets - word["start_s"])) for word in words])
    return {
        "within_50ms": round(float(np.mean(errors <= 0.05)), 3),
        "median_ms": round(float(np.median(errors)) * 1000, 1),
        "p90_ms": round(float(np.percentile(errors, 90)) * 1000, 1),
        "words": len(words),
    }


def mix_measures(mix: np.ndarray, sample_rate: int, plan_tempo: float) -> dict[str, Any]:
    loudness = pyloudnorm.Meter(sample_rate).integrated_loudness(mix.T)
    tempo, _ = librosa.beat.beat_track(y=np.mean(mix, axis=0), sr=sample_rate)
    found = float(np.atleast_1d(tempo)[0])
    ratios = [found / plan_tempo * factor for factor in (1.0, 0.5, 2.0)]
    return {
        "loudness_lufs": round(float(loudness), 2),
        "peak": round(float(np.abs(mix).max()), 4),
        "plan_tempo": plan_tempo,
        "tracked_tempo": round(found, 1),
        "tempo_found": any(abs(ratio - 1.0) <= TEMPO_TOLERANCE for ratio in ratios),
    }


def plan_of(data_dir: Path, clip_id: str) -> dict[str, Any]:
    """The clip's plan, read from the server's own store (the API does not serve plans)."""
    from songforge.core.urls import asset_blob_name
    from songforge.storage.local import LocalBlobStore

    path = LocalBlobStore(data_dir / "blobs").local_path(asset_blob_name(clip_id, "plan"))
    loaded: dict[str, Any] = json.loads(path.read_text())
    return loaded


def clip_report(client: httpx.Client, data_dir: Path, done: dict[str, Any]) -> list[dict[str, Any]]:
    reports = []
    task_id = done["task"]["task_id"]
    for clip in done["task"]["data"]:
        duration = float(clip["metadata"]["duration"])
        mix, rate = download_audio(client, clip["audio_url"])
        entry: dict[str, Any] = {
            "duration_s": duration,
            **mix_measures(mix, rate, plan_of(data_dir, clip["id"])["tempo"]),
        }
        if clip["metadata"].get("has_vocal"):
            vocals, vocal_rate = exact_vocals(client, task_id, clip["id"])
            midi = client.get(f"/suno/act/midi/{clip['id']}").json()
            lead = next(track["notes"] for track in midi["instruments"] if track["name"] == "Vocals")
            timing = client.get(f"/suno/act/timing/{clip['id']}").json()
            entry["pitch_error_semitones"] = pitch_error(vocals, vocal_rate, lead)
            entry["word_onsets"] = word_onsets(vocals, vocal_rate, timing["aligned_words"])
        reports.append(entry)
    return reports


def peak_rss_of_cli(workdir: Path, env: dict[str, str], seconds: float) -> dict[str, Any]:
    out = workdir / "cli-4min"
    started = time.monotonic()
    command = [sys.executable, "-m", "songforge.cli", "generate", "--out", str(out), "--tags", "rock", "--seed", "7",
               "--description", "a long drive through the night", "--duration", str(seconds)]  # fmt: skip
    env = {**env, "SONGFORGE_MAX_SONG_SECONDS": str(seconds)}
    with tempfile.TemporaryFile() as errors:
        process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=errors)
        # wait4: the peak memory of this one child (RUSAGE_CHILDREN would include the server's).
        _, status, usage = os.wait4(process.pid, 0)
        process.returncode = os.waitstatus_to_exitcode(status)
        if process.returncode != 0:
            errors.seek(0)
            raise RuntimeError(f"songforge generate failed: {errors.read()[-2000:].decode(errors='replace')}")
    peak_kb = usage.ru_maxrss
    duration = sf.info(str(out / "song.wav")).duration
    return {
        "song_seconds": round(duration, 1),
        "seconds": round(time.monotonic() - started, 1),
        "peak_rss_mb": round(peak_kb / 1024, 1),
    }


def melody_variety(seeds: int = 20) -> dict[str, Any]:
    from songforge.core.styles import read_style
    from songforge.engines.generation.composer import compose
    from songforge.engines.generation.form import read_lyric_form
    from songforge.engines.generation.score import SongRequest

    style = read_style("indie pop")
    form = read_lyric_form(BENCH_LYRICS)
    melodies = set()
    for seed in range(seeds):
        plan = compose(SongRequest(lyrics=BENCH_LYRICS, seed=seed), style, form, title="bench", lyrics=BENCH_LYRICS)
        lead = next(part for part in plan.vocals if part.stem == "Vocals")
        melodies.add(tuple((note.pitch, round(note.end - note.start, 3)) for note in lead.notes))
    return {"seeds": seeds, "distinct_melodies": len(melodies)}


def main() -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rss-seconds", type=float, default=240.0, help="song length for the memory measure")
    parser.add_argument("--skip-rss", action="store_true")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "generation.json")
    args = parser.parse_args()
    load_before = os.getloadavg()
    report: dict[str, Any] = {"benchmark": "generation", "cores": os.cpu_count()}
    with tempfile.TemporaryDirectory(prefix="songforge-gen-") as scratch:
        workdir = Path(scratch)
        data_dir = workdir / "data"
        env = {**os.environ, "SONGFORGE_RATE_LIMIT": "1000000/minute"}
        server = ServerProcess(data_dir, environment=env)
        server.start(timeout=120.0)
        try:
            headers = {"Authorization": f"Bearer {server.admin_key}"}
            with httpx.Client(base_url=server.base_url, headers=headers, timeout=120) as client:
                warm = submit(client, {"tags": "ambient", "make_instrumental": True, "duration": 8})
                report["warmup_seconds"] = warm["seconds"]
                # Fixed seeds: runs compare the same songs.
                song = {"prompt": BENCH_LYRICS, "tags": "indie pop", "title": "Paper Boat", "seed": 1001}
                vocal = submit(client, song)
                beat = {"tags": "deep house", "make_instrumental": True, "duration": 120, "seed": 1002}
                instrumental = submit(client, beat)
                cases = {"vocals": vocal, "instrumental": instrumental}
                for name, done in cases.items():
                    durations = [float(clip["metadata"]["duration"]) for clip in done["task"]["data"]]
                    report[name] = {
                        "submit_to_success_s": done["seconds"],
                        "clip_durations_s": durations,
                        # The two clips are made side by side: the wait per second of the longer clip.
                        "rtf_per_clip": round(done["seconds"] / max(durations), 3),
                        "progress": done["progress"],
                        "clips": clip_report(client, data_dir, done),
                    }
        finally:
            server.stop()
        if not args.skip_rss:
            report["memory"] = peak_rss_of_cli(workdir, env, args.rss_seconds)
    report["variety"] = melody_variety()
    report["load_average_before_after"] = [round(v, 2) for v in (*load_before, *os.getloadavg())]
    report["targets"] = TARGETS
    write_report(report, args.out)
    return report


if __name__ == "__main__":
    main()
