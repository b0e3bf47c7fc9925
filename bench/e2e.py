"""End to end: a song's stems through the API (submit → SUCCESS) beside `songforge separate`, in one run.

For one 44.1 kHz stereo song (the cached 30 s test song of bench/testset.py looped to --seconds): start
`songforge serve` as a real process on a free port with a fresh data dir, upload the song, then time
submit → SUCCESS of a Two and a Twelve gen_stem task (polling GET /suno/fetch/{id} every 0.1 s, keeping
the progress seen over time); next to it time `songforge separate FILE --stems two|twelve --out DIR` as a
whole command. Before timing, one short Two and one short Twelve job warm the server (models loaded, the
Twelve dictionary learned into the model dir the CLI shares, so neither side pays for learning it).
Also measures the encoders on one core: MP3 via PyAV's libmp3lame (the old path), the streaming MP3
encoder (when the tree has one) and FLAC, in seconds of audio per second.

Prints one JSON report and writes it to bench/results/e2e.json. `--src DIR` runs another source tree
(e.g. an exported older commit) with this same script, for before/after numbers.
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
import numpy as np
import soundfile as sf

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from reports import write_report
from tests.integration.server_process import ServerProcess

TARGETS = {"twelve_max_ratio": 1.25, "two_max_ratio": 1.1, "two_slack_s": 2.0}
POLL_S = 0.1
WARMUP_SECONDS = 10.0


def make_song(seconds: float) -> np.ndarray:
    """The cached 30 s test song (seed 1000), looped to `seconds`; float32 (2, n) at 44.1 kHz."""
    sys.path.insert(0, str(ROOT / "bench"))
    from testset import load_song

    song = load_song(1000, 30.0)
    mix = np.sum(list(song.stems.values()), axis=0).astype(np.float32)
    n = round(seconds * song.sample_rate)
    reps = -(-n // mix.shape[1])
    return np.tile(mix, (1, reps))[:, :n]


def wait_task(client: httpx.Client, task_id: str, started: float, timeout: float = 3600.0) -> dict[str, Any]:
    """Poll until SUCCESS/FAILURE; returns the seconds from `started` and the progress seen over time."""
    timeline: list[tuple[float, str, str]] = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        task = client.get(f"/suno/fetch/{task_id}").json()["data"]
        now = round(time.monotonic() - started, 2)
        point = (now, task["status"], str(task.get("progress")))
        if not timeline or timeline[-1][1:] != point[1:]:
            timeline.append(point)
        if task["status"] == "FAILURE":
            raise RuntimeError(f"task {task_id} failed: {task.get('fail_reason')}")
        if task["status"] == "SUCCESS":
            return {"seconds": now, "progress": timeline, "task": task}
        time.sleep(POLL_S)
    raise RuntimeError(f"task {task_id} did not finish in {timeout} s")


def upload(client: httpx.Client, path: Path) -> tuple[str, str]:
    """Upload a file; the upload task's id and its clip's id once it succeeded."""
    with path.open("rb") as handle:
        response = client.post("/suno/uploads/audio", files={"file": (path.name, handle, "audio/wav")})
    response.raise_for_status()
    task_id = response.json()["data"]
    done = wait_task(client, task_id, time.monotonic())
    return task_id, done["task"]["data"][0]["id"]


def stems_through_api(client: httpx.Client, task_id: str, clip_id: str, stems: str) -> dict[str, Any]:
    body = {
        "task": "gen_stem",
        "task_id": task_id,
        "continue_clip_id": clip_id,
        "mv": "chirp-auk",
        "stem_task": stems,
    }
    started = time.monotonic()
    response = client.post("/suno/submit/music", json=body)
    response.raise_for_status()
    done = wait_task(client, response.json()["data"], started)
    clips = done["task"]["data"]
    return {
        "seconds": done["seconds"],
        "clips": len(clips),
        "durations": sorted({clip.get("metadata", {}).get("duration") for clip in clips}, key=str),
        "progress": done["progress"],
    }


def stems_through_cli(env: dict[str, str], wav: Path, stems: str, out: Path) -> dict[str, Any]:
    started = time.monotonic()
    result = subprocess.run(
        [sys.executable, "-m", "songforge.cli", "separate", str(wav), "--stems", stems, "--out", str(out)],
        env=env,
        capture_output=True,
        text=True,
        timeout=3600,
    )
    seconds = time.monotonic() - started
    if result.returncode != 0:
        raise RuntimeError(f"songforge separate failed: {result.stderr[-3000:]}")
    return {"seconds": round(seconds, 2), "files": len(list(out.glob("*.wav")))}


def encoder_speeds(env: dict[str, str], wav: Path) -> dict[str, Any]:
    """The encoders of the source tree under test, measured in a process that imports only that tree."""
    result = subprocess.run(
        [sys.executable, __file__, "--encoders-only", str(wav)], env=env, capture_output=True, text=True, timeout=600
    )
    if result.returncode != 0:
        raise RuntimeError(f"encoder measurement failed: {result.stderr[-3000:]}")
    return dict(json.loads(result.stdout))


def measure_encoders(wav: Path) -> dict[str, Any]:
    """Seconds of audio encoded per second of wall time, one thread, 30 s of the song (best of 3)."""
    from songforge.engines import audio

    data, sample_rate = sf.read(str(wav), dtype="float32", frames=30 * 44100)
    clip = np.ascontiguousarray(data.T)
    workdir = wav.parent
    seconds = clip.shape[1] / sample_rate

    def speed(encode: Any) -> float:
        best = float("inf")
        for _ in range(3):
            started = time.perf_counter()
            encode()
            best = min(best, time.perf_counter() - started)
        return round(float(seconds / best), 1)

    report: dict[str, Any] = {
        "mp3_pyav_libmp3lame": speed(
            lambda: audio.encode_audio(
                clip, sample_rate, workdir / "a.mp3", codec="libmp3lame", container_format="mp3", bitrate=192_000
            )
        ),
        "flac_24bit": speed(lambda: audio.encode_flac(clip, sample_rate, workdir / "a.flac")),
    }
    streaming = getattr(audio, "Mp3Encoder", None)
    if streaming is not None:

        def stream() -> None:
            with streaming(workdir / "b.mp3", sample_rate, clip.shape[0]) as encoder:
                for start in range(0, clip.shape[1], sample_rate):
                    encoder.write(clip[:, start : start + sample_rate])

        report["mp3_streaming"] = speed(stream)
        report["mp3_streaming_settings"] = {
            "quality": getattr(audio, "MP3_QUALITY", None),
            "bitrate": getattr(audio, "MP3_BITRATE", None),
        }
    report["mp3_encode_mp3"] = speed(lambda: audio.encode_mp3(clip, sample_rate, workdir / "c.mp3"))
    return report


def main() -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=180.0, help="length of the song")
    parser.add_argument("--skip-twelve", action="store_true", help="time Two only")
    parser.add_argument("--src", type=Path, default=ROOT / "src", help="source tree to run (default: this one)")
    parser.add_argument(
        "--model-dir",
        type=Path,
        default=ROOT / "bench" / ".cache" / "e2e-models",
        help="SONGFORGE_MODEL_DIR shared by the server and the CLI (keeps the learned Twelve dictionary)",
    )
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "e2e.json")
    parser.add_argument("--encoders-only", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.encoders_only:
        print(json.dumps(measure_encoders(args.encoders_only)))
        return {}
    src = args.src.resolve()
    sample_rate = 44100
    kinds = ["two"] if args.skip_twelve else ["two", "twelve"]
    mix = make_song(args.seconds)
    load_before = os.getloadavg()

    with tempfile.TemporaryDirectory(prefix="songforge-e2e-") as scratch:
        workdir = Path(scratch)
        data_dir = workdir / "data"
        data_dir.mkdir()
        args.model_dir.mkdir(parents=True, exist_ok=True)
        env = {
            **os.environ,
            "PYTHONPATH": str(src) + os.pathsep + os.environ.get("PYTHONPATH", ""),
            "SONGFORGE_DATA_DIR": str(data_dir),
            "SONGFORGE_MODEL_DIR": str(args.model_dir.resolve()),
            "SONGFORGE_RATE_LIMIT": "1000000/minute",
        }
        song = workdir / "song.wav"
        sf.write(str(song), mix.T, sample_rate, subtype="PCM_16")
        warm = workdir / "warmup.wav"
        sf.write(str(warm), mix[:, : int(WARMUP_SECONDS * sample_rate)].T, sample_rate, subtype="PCM_16")

        api: dict[str, Any] = {}
        server = ServerProcess(data_dir, command=[sys.executable, "-m", "songforge.cli"], environment=env)
        server.start(timeout=120.0)
        try:
            headers = {"Authorization": f"Bearer {server.admin_key}"}
            with httpx.Client(base_url=server.base_url, headers=headers, timeout=60) as client:
                started = time.monotonic()
                warm_task, warm_clip = upload(client, warm)
                warmup = {kind: stems_through_api(client, warm_task, warm_clip, kind)["seconds"] for kind in kinds}
                warmup["total"] = round(time.monotonic() - started, 2)
                started = time.monotonic()
                task_id, clip_id = upload(client, song)
                api["upload_seconds"] = round(time.monotonic() - started, 2)
                for kind in kinds:
                    api[kind] = stems_through_api(client, task_id, clip_id, kind)
        finally:
            server.stop()

        cli = {kind: stems_through_cli(env, song, kind, workdir / f"cli-{kind}") for kind in kinds}
        encoders = encoder_speeds(env, song)

    ratios: dict[str, Any] = {}
    targets: dict[str, Any] = {}
    if "two" in api:
        two_api, two_cli = api["two"]["seconds"], cli["two"]["seconds"]
        ratios["two"] = round(two_api / two_cli, 3)
        limit = TARGETS["two_max_ratio"] * two_cli + TARGETS["two_slack_s"]
        targets["two_api_at_most_1.1x_cli_plus_2s"] = {"limit_s": round(limit, 2), "met": two_api <= limit}
    if "twelve" in api:
        twelve_api, twelve_cli = api["twelve"]["seconds"], cli["twelve"]["seconds"]
        ratios["twelve"] = round(twelve_api / twelve_cli, 3)
        limit = TARGETS["twelve_max_ratio"] * twelve_cli
        targets["twelve_api_at_most_1.25x_cli"] = {"limit_s": round(limit, 2), "met": twelve_api <= limit}
    report = {
        "benchmark": "e2e",
        "src": str(src),
        "song_seconds": args.seconds,
        "cores": os.cpu_count(),
        "load_average_before_after": [round(v, 2) for v in (*load_before, *os.getloadavg())],
        "warmup_seconds": warmup,
        "api": api,
        "cli": cli,
        "ratio_api_over_cli": ratios,
        "targets": targets,
        "encoders_audio_seconds_per_second": encoders,
    }
    write_report(report, args.out)
    return report


if __name__ == "__main__":
    main()
