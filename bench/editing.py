"""Editing songs, measured through a real `songforge serve` process the way a client meets it.

Lyrics and styles here are written for this benchmark only (never used by tests or while tuning). Measures:
- extend of a generated song: the continuation's tempo and key estimated from its audio (engines.analysis, not
  read from a plan) against the source's; the first onset after the join in the concat, against the join;
- upload_extend of a song rendered at a known tempo and key, uploaded as plain audio: the continuation's tempo
  and key against the truth;
- concat of a chain of three pieces: duration against the sum of the parts, the largest sample step at a join
  against the largest inside the pieces, timing words in order;
- infill put back: correlation with the source outside the window and inside it;
- cover of a generated song (sung pitch classes in order, after a key shift) and of an upload of a song whose
  melody is known (the same, against that song's plan);
- persona: MFCC distance of the persona song's exact vocal to the source's, against every other built-in voice;
- music video of a three-minute song: submit → URL time over the song's length (real-time factor), and a probe.

Prints one JSON report and writes it to bench/results/editing.json.
"""

from __future__ import annotations

import argparse
import io
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import av
import httpx
import librosa
import numpy as np
import soundfile as sf

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "src"))

from reports import write_report
from songforge.engines.analysis import analyse
from tests.integration.server_process import ServerProcess

POLL_S = 0.2
TARGETS = {
    "extend_tempo_ratio_error": 0.02,
    "join_onset_ms": 50.0,
    "concat_duration_error_s": 0.05,
    "infill_outside_correlation": 0.99,
    "cover_melody_in_order": 0.8,
    "cover_of_upload_melody_in_order": 0.7,
    "video_rtf": 0.15,
}
LYRICS = """[Verse]
Lanterns swinging in the autumn street
Every doorway sings a different tune

[Chorus]
Follow me down where the rivers meet
Under the light of a paper moon
"""
MORE = "[Verse 2]\nCopper leaves are falling on the square\nEvery bell is ringing in the air\n"
LAST = "[Bridge]\nWait for the morning\nWait for the sun\n"


def done(client: httpx.Client, task_id: str, timeout: float = 1800.0) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        task = client.get(f"/suno/fetch/{task_id}").json()["data"]
        if task["status"] == "FAILURE":
            raise RuntimeError(f"task {task_id} failed: {task['fail_reason']}")
        if task["status"] == "SUCCESS":
            return dict(task)
        time.sleep(POLL_S)
    raise RuntimeError(f"task {task_id} did not finish")


def submit(client: httpx.Client, body: dict[str, Any], path: str = "/suno/submit/music") -> dict[str, Any]:
    response = client.post(path, json=body)
    response.raise_for_status()
    return done(client, response.json()["data"])


def wav_of(client: httpx.Client, clip_id: str) -> tuple[np.ndarray, int]:
    for _ in range(3000):
        url = client.get(f"/suno/act/wav/{clip_id}").json()["data"]["wav_file_url"]
        if url:
            samples, rate = sf.read(io.BytesIO(client.get(url).content), dtype="float32", always_2d=True)
            return samples.T, rate
        time.sleep(POLL_S)
    raise RuntimeError(f"no WAV for {clip_id}")


def lead_pitch_classes(client: httpx.Client, clip_id: str) -> list[int]:
    midi = client.get(f"/suno/act/midi/{clip_id}").json()
    notes = next(track["notes"] for track in midi["instruments"] if track["name"] == "Vocals")
    return [note["pitch"] % 12 for note in sorted(notes, key=lambda note: note["start"])]


def in_order(reference: list[int], candidate: list[int]) -> float:
    """Longest common subsequence of pitch classes over the reference's length, at the best key shift."""
    best = 0
    for shift in range(12):
        moved = [(pitch + shift) % 12 for pitch in candidate]
        row = [0] * (len(moved) + 1)
        for a in reference:
            previous_diagonal = 0
            for j, b in enumerate(moved):
                keep = row[j + 1]
                row[j + 1] = previous_diagonal + 1 if a == b else max(row[j + 1], row[j])
                previous_diagonal = keep
        best = max(best, row[-1])
    return round(best / max(len(reference), 1), 3)


def voice_print(client: httpx.Client, clip_id: str) -> np.ndarray:
    stems = submit(client, {"task": "gen_stem", "continue_clip_id": clip_id, "stem_task": "twelve"})
    vocals = next(stem for stem in stems["data"] if stem["metadata"]["stem_type_group_name"] == "Vocals")
    audio, rate = wav_of(client, vocals["id"])
    mono = librosa.resample(audio.mean(axis=0), orig_sr=rate, target_sr=16000)
    mfcc = librosa.feature.mfcc(y=mono, sr=16000, n_mfcc=20)
    loud = librosa.feature.rms(y=mono)[0] > 0.02
    frames = min(mfcc.shape[1], loud.size)
    return np.asarray(mfcc[1:, :frames][:, loud[:frames]].mean(axis=1))


def extend_report(client: httpx.Client, song: dict[str, Any]) -> dict[str, Any]:
    source = song["data"][0]
    source_audio, rate = wav_of(client, source["id"])
    truth = analyse(source_audio, rate)
    ext = submit(client, {"task": "extend", "continue_clip_id": source["id"], "continue_at": 9.0, "prompt": MORE})
    rows = []
    for clip in ext["data"]:
        audio, rate = wav_of(client, clip["id"])
        found = analyse(audio, rate)
        joined = submit(client, {"clip_id": clip["id"]}, "/suno/submit/concat")["data"][0]
        whole, rate = wav_of(client, joined["id"])
        join = float(clip["metadata"]["continue_at"])
        onsets = librosa.onset.onset_detect(y=whole.mean(axis=0), sr=rate, units="time", backtrack=True)
        after = [onset for onset in onsets if onset >= join - 0.05]
        rows.append(
            {
                "tempo": round(found.tempo, 2),
                "source_tempo": round(truth.tempo, 2),
                "tempo_ratio_error": round(abs(found.tempo / truth.tempo - 1.0), 4),
                "key": f"{found.key} {found.mode}",
                "source_key": f"{truth.key} {truth.mode}",
                "same_key": (found.key, found.mode) == (truth.key, truth.mode),
                "first_onset_after_join_ms": round((after[0] - join) * 1000, 1) if after else None,
            }
        )
    return {"clips": rows}


def upload_extend_report(client: httpx.Client, workdir: Path) -> dict[str, Any]:
    from songforge.engines.generation.score import SongRequest
    from songforge.engines.generation.song import generate_song

    made = generate_song(SongRequest(tags="funk", instrumental=True, duration_s=40.0, seed=77))
    path = workdir / "known.wav"
    sf.write(str(path), made.mix.T, made.sample_rate, subtype="PCM_16")
    with path.open("rb") as handle:
        response = client.post("/suno/uploads/audio", files={"file": ("known.wav", handle, "audio/wav")})
    upload = done(client, response.json()["data"])["data"][0]
    ext = submit(client, {"task": "upload_extend", "continue_clip_id": upload["id"], "continue_at": 20.0})
    rows = []
    for clip in ext["data"]:
        audio, rate = wav_of(client, clip["id"])
        found = analyse(audio, rate)
        rows.append(
            {
                "tempo": round(found.tempo, 2),
                "true_tempo": made.plan.tempo,
                "tempo_ratio_error": round(abs(found.tempo / made.plan.tempo - 1.0), 4),
                "key": f"{found.key} {found.mode}",
                "true_key": f"{made.plan.key} {made.plan.mode}",
                "same_key": (found.key, found.mode) == (made.plan.key, made.plan.mode),
            }
        )
    return {"clips": rows}


def concat_report(client: httpx.Client, song: dict[str, Any]) -> dict[str, Any]:
    root = song["data"][1]
    first = submit(client, {"task": "extend", "continue_clip_id": root["id"], "continue_at": 8.0, "prompt": MORE})
    second = submit(
        client, {"task": "extend", "continue_clip_id": first["data"][0]["id"], "continue_at": 6.0, "prompt": LAST}
    )
    last = second["data"][0]
    joined = submit(client, {"clip_id": last["id"]}, "/suno/submit/concat")["data"][0]
    cuts = [first["data"][0]["metadata"]["continue_at"], last["metadata"]["continue_at"]]
    expected = cuts[0] + cuts[1] + last["metadata"]["duration"]
    audio, rate = wav_of(client, joined["id"])
    steps = np.abs(np.diff(audio, axis=1)).max(axis=0)
    joins = [round(cuts[0] * rate), round((cuts[0] + cuts[1]) * rate)]
    at_joins = float(max(steps[j - 2 : j + 2].max() for j in joins))
    words = client.get(f"/suno/act/timing/{joined['id']}").json()["aligned_words"]
    starts = [word["start_s"] for word in words]
    return {
        "duration_s": joined["metadata"]["duration"],
        "expected_s": round(expected, 3),
        "duration_error_s": round(abs(joined["metadata"]["duration"] - expected), 3),
        "largest_step_at_joins": round(at_joins, 4),
        "largest_step_elsewhere": round(float(steps.max()), 4),
        "words_in_order": starts == sorted(starts),
        "words": len(words),
    }


def infill_report(client: httpx.Client, song: dict[str, Any]) -> dict[str, Any]:
    source = song["data"][0]
    window = (5.0, 11.0)
    piece = submit(
        client,
        {"task": "infill", "continue_clip_id": source["id"], "infill_start_s": window[0], "infill_end_s": window[1],
         "prompt": "[Verse]\nSilver rain upon the window glass\n"},
    )["data"][0]  # fmt: skip
    joined = submit(client, {"clip_id": piece["id"], "is_infill": True}, "/suno/submit/concat")["data"][0]
    before, rate = wav_of(client, source["id"])
    after, _ = wav_of(client, joined["id"])
    start, end, margin = round(window[0] * rate), round(window[1] * rate), round(0.02 * rate)
    length = min(before.shape[1], after.shape[1])
    outside = np.r_[0 : start - margin, end + margin : length]
    inside = slice(start + margin, end - margin)
    return {
        "outside_correlation": round(float(np.corrcoef(before[0, outside], after[0, outside])[0, 1]), 5),
        "inside_correlation": round(float(np.corrcoef(before[0, inside], after[0, inside])[0, 1]), 4),
        "piece_duration_s": piece["metadata"]["duration"],
    }


def cover_report(client: httpx.Client, song: dict[str, Any], workdir: Path) -> dict[str, Any]:
    source = song["data"][0]
    reference = lead_pitch_classes(client, source["id"])
    cover = submit(client, {"task": "cover", "cover_clip_id": source["id"], "tags": "reggae"})
    ours = [in_order(reference, lead_pitch_classes(client, clip["id"])) for clip in cover["data"]]
    # An upload whose melody is known: a song rendered here, uploaded as plain audio (no plan goes with it).
    from songforge.engines.generation.score import SongRequest
    from songforge.engines.generation.song import generate_song

    made = generate_song(SongRequest(lyrics=LYRICS, tags="folk", seed=91, max_duration_s=60.0))
    melody = [note.pitch % 12 for note in made.plan.vocals[0].notes if not note.slur]
    path = workdir / "sung.wav"
    sf.write(str(path), made.mix.T, made.sample_rate, subtype="PCM_16")
    with path.open("rb") as handle:
        response = client.post("/suno/uploads/audio", files={"file": ("sung.wav", handle, "audio/wav")})
    upload = done(client, response.json()["data"])["data"][0]
    upload_cover = submit(client, {"task": "cover", "cover_clip_id": upload["id"], "tags": "jazz", "prompt": LYRICS})
    uploads = [in_order(melody, lead_pitch_classes(client, clip["id"])) for clip in upload_cover["data"]]
    return {"generated_source_in_order": ours, "upload_source_in_order": uploads}


def persona_report(client: httpx.Client, song: dict[str, Any]) -> dict[str, Any]:
    source = song["data"][0]
    persona = client.post(
        "/suno/persona/create", json={"root_clip_id": source["id"], "name": "bench", "description": ""}
    ).json()
    own = (persona["vocal_gender"], persona["timbre"])
    sung = submit(client, {"task": "artist_consistency", "persona_id": persona["id"], "prompt": LYRICS, "seed": 50})
    reference = voice_print(client, source["id"])
    distances = {"persona": float(np.linalg.norm(voice_print(client, sung["data"][0]["id"]) - reference))}
    for gender in ("m", "f"):
        for timbre in (0, 1):
            if (gender, timbre) == own:
                continue
            other = submit(client, {"prompt": LYRICS, "tags": "pop", "vocal_gender": gender, "seed": 50 + timbre})
            distance = np.linalg.norm(voice_print(client, other["data"][0]["id"]) - reference)
            distances[f"{gender}{timbre}"] = float(distance)
    return {
        "persona_voice": f"{own[0]}{own[1]}",
        "mfcc_distance_to_source": {name: round(value, 2) for name, value in distances.items()},
        "persona_closest": all(distances["persona"] < value for name, value in distances.items() if name != "persona"),
    }


def video_report(client: httpx.Client) -> dict[str, Any]:
    song = submit(client, {"tags": "synthwave", "make_instrumental": True, "duration": 180, "seed": 5})
    clip = song["data"][0]
    started = time.monotonic()
    url = ""
    while not url:
        url = client.get(f"/suno/act/mp4/{clip['id']}").json()["data"]["mp4_file_url"]
        if not url:
            time.sleep(POLL_S)
    seconds = time.monotonic() - started
    with av.open(io.BytesIO(client.get(url).content), mode="r") as container:
        video, audio = container.streams.video[0], container.streams.audio[0]
        probe = {
            "video": video.codec_context.name,
            "audio": audio.codec_context.name,
            "size": f"{video.width}x{video.height}",
            "duration_s": round(float(container.duration or 0) / av.time_base, 3),
        }
    return {
        "song_s": clip["metadata"]["duration"],
        "seconds": round(seconds, 2),
        "rtf": round(seconds / clip["metadata"]["duration"], 3),
        **probe,
    }


def main() -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "editing.json")
    args = parser.parse_args()
    report: dict[str, Any] = {"benchmark": "editing", "cores": os.cpu_count(), "load_before": os.getloadavg()}
    with tempfile.TemporaryDirectory(prefix="songforge-edit-") as scratch:
        workdir = Path(scratch)
        env = {**os.environ, "SONGFORGE_RATE_LIMIT": "1000000/minute", "SONGFORGE_MAX_SONG_SECONDS": "240"}
        server = ServerProcess(workdir / "data", environment=env)
        server.start(timeout=120.0)
        try:
            headers = {"Authorization": f"Bearer {server.admin_key}"}
            with httpx.Client(base_url=server.base_url, headers=headers, timeout=120) as client:
                song = submit(client, {"prompt": LYRICS, "tags": "indie folk", "title": "Lanterns", "seed": 21})
                report["extend"] = extend_report(client, song)
                report["upload_extend"] = upload_extend_report(client, workdir)
                report["concat"] = concat_report(client, song)
                report["infill"] = infill_report(client, song)
                report["cover"] = cover_report(client, song, workdir)
                report["persona"] = persona_report(client, song)
                report["video"] = video_report(client)
        finally:
            server.stop()
    report["load_after"] = os.getloadavg()
    report["targets"] = TARGETS
    write_report(report, args.out)
    return report


if __name__ == "__main__":
    main()
