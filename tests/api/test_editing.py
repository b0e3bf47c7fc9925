"""Editing songs through the API: extend and concat, infill put back, covers, personas and music videos —
checked on the audio, words and notes a client downloads."""

import io
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import av
import librosa
import numpy as np
import pytest
import soundfile
from fastapi.testclient import TestClient

from songforge.api.app import create_app
from songforge.engines.analysis import analyse
from tests.api.helpers import assert_submitted, assert_task_error, download, poll_task
from tests.conftest import auth, key_maker, test_settings, upload_wav, wav_url_when_ready, write_wav

pytestmark = pytest.mark.slow

LYRICS = """[Verse]
Morning light is on the hill
I can hear the river call

[Chorus]
Sing it loud and sing it clear
Every voice is welcome here
"""
MORE = "[Verse 2]\nWalking down the road tonight\nCounting every window light\n"
LAST = "[Chorus]\nHold on, hold on to me\nHold on and let it be\n"


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    data_dir = tmp_path_factory.mktemp("editing") / "data"
    with TestClient(create_app(test_settings(data_dir, max_song_seconds=40.0, workers=2))) as test_client:
        yield test_client


@pytest.fixture(scope="module")
def key(client: TestClient) -> str:
    return key_maker(client)(200.0)


def finished(client: TestClient, key: str, body: dict[str, Any], path: str = "/suno/submit/music") -> dict[str, Any]:
    task_id = assert_submitted(client.post(path, headers=auth(key), json=body))
    task, _ = poll_task(client, key, task_id, timeout=600.0)
    assert task["status"] == "SUCCESS", task["fail_reason"]
    return task


def audio_of(client: TestClient, key: str, clip: dict[str, Any]) -> tuple[np.ndarray, int]:
    """The clip's WAV (lossless, at the master's rate) as (2, n)."""
    url = wav_url_when_ready(client, key, clip["id"])
    samples, rate = soundfile.read(io.BytesIO(download(client, url).content), dtype="float32", always_2d=True)
    return samples.T, rate


def mp3_of(client: TestClient, clip: dict[str, Any]) -> tuple[np.ndarray, int]:
    """The clip's MP3 (what a player gets) as (2, n): enough for energies and timbres."""
    content = download(client, clip["audio_url"]).content
    samples, rate = soundfile.read(io.BytesIO(content), dtype="float32", always_2d=True)
    return samples.T, rate


@pytest.fixture(scope="module")
def song(client: TestClient, key: str) -> dict[str, Any]:
    return finished(client, key, {"prompt": LYRICS, "tags": "pop", "title": "Hill", "seed": 11})


def test_an_extension_keeps_tempo_and_key_and_starts_on_a_downbeat(
    client: TestClient, key: str, song: dict[str, Any]
) -> None:
    source = song["data"][0]
    task = finished(
        client,
        key,
        {"task": "extend", "task_id": song["task_id"], "continue_clip_id": source["id"], "continue_at": 7.3,
         "prompt": MORE, "tags": "pop"},
    )  # fmt: skip
    assert len(task["data"]) == 2
    source_audio, rate = audio_of(client, key, source)
    source_found = analyse(source_audio, rate)
    for clip in task["data"]:
        assert clip["metadata"]["task"] == "extend" and clip["metadata"]["history"][0]["id"] == source["id"]
        join = clip["metadata"]["continue_at"]
        assert 7.3 <= join < 7.3 + 60.0 / source_found.tempo * 4 + 0.05
        continuation, rate = audio_of(client, key, clip)
        found = analyse(continuation, rate)
        assert abs(found.tempo / source_found.tempo - 1.0) <= 0.02, (found.tempo, source_found.tempo)
        # Same key signature: the estimator may read a key as its relative major/minor (about 6 % of songs).
        assert key_signature(found.key, found.mode) == key_signature(source_found.key, source_found.mode)


def test_concat_of_a_chain_of_three_pieces(client: TestClient, key: str, song: dict[str, Any]) -> None:
    root = song["data"][0]
    first = finished(
        client, key,
        {"task": "extend", "task_id": song["task_id"], "continue_clip_id": root["id"], "continue_at": 6.0,
         "prompt": MORE},
    )["data"][0]  # fmt: skip
    second = finished(
        client, key,
        {"task": "extend", "continue_clip_id": first["id"], "continue_at": 5.0, "prompt": LAST},
    )["data"][0]  # fmt: skip
    joined = finished(client, key, {"clip_id": second["id"], "is_infill": False}, "/suno/submit/concat")
    (clip,) = joined["data"]
    assert clip["metadata"]["type"] == "concat"
    assert [piece["id"] for piece in clip["metadata"]["concat_history"]] == [root["id"], first["id"], second["id"]]
    cuts = [first["metadata"]["continue_at"], second["metadata"]["continue_at"]]
    expected = cuts[0] + cuts[1] + second["metadata"]["duration"]
    assert abs(clip["metadata"]["duration"] - expected) <= 0.05
    audio, rate = audio_of(client, key, clip)
    steps = np.abs(np.diff(audio, axis=1)).max(axis=0)
    joins = [round(cuts[0] * rate), round((cuts[0] + cuts[1]) * rate)]
    near_joins = np.concatenate([steps[j - 2 : j + 2] for j in joins])
    elsewhere = np.delete(steps, np.concatenate([np.arange(j - 2, j + 2) for j in joins]))
    assert near_joins.max() <= elsewhere.max()
    words = client.get(f"/suno/act/timing/{clip['id']}", headers=auth(key)).json()["aligned_words"]
    starts = [word["start_s"] for word in words]
    assert starts == sorted(starts) and words[0]["word"].startswith("[Verse]")
    assert any(word["word"].startswith("[Verse 2]") for word in words)
    stems = finished(client, key, {"task": "gen_stem", "continue_clip_id": clip["id"], "stem_task": "twelve"})
    assert all("exact" in stem["metadata"]["engine"] for stem in stems["data"])


def test_infill_put_back_changes_only_the_window(client: TestClient, key: str, song: dict[str, Any]) -> None:
    source = song["data"][1]
    window = (4.0, 9.0)
    task = finished(
        client, key,
        {"task": "infill", "task_id": song["task_id"], "continue_clip_id": source["id"],
         "infill_start_s": window[0], "infill_end_s": window[1], "prompt": "[Verse]\nSomething new is here tonight\n"},
    )  # fmt: skip
    piece = task["data"][0]
    assert abs(piece["metadata"]["duration"] - (window[1] - window[0])) <= 0.05
    joined = finished(client, key, {"clip_id": piece["id"], "is_infill": True}, "/suno/submit/concat")["data"][0]
    before, rate = audio_of(client, key, source)
    after, _ = audio_of(client, key, joined)
    assert abs(after.shape[1] - before.shape[1]) <= rate * 0.05
    start, end = round(window[0] * rate), round(window[1] * rate)
    margin = round(0.02 * rate)
    outside = np.r_[0 : start - margin, end + margin : min(before.shape[1], after.shape[1])]
    assert np.corrcoef(before[0, outside], after[0, outside])[0, 1] > 0.99
    inside = slice(start + margin, end - margin)
    assert np.corrcoef(before[0, inside], after[0, inside])[0, 1] < 0.9


def test_a_cover_sings_the_same_melody_in_a_new_style(client: TestClient, key: str, song: dict[str, Any]) -> None:
    source = song["data"][0]
    cover = finished(client, key, {"task": "cover", "cover_clip_id": source["id"], "tags": "heavy metal"})
    lead = lead_pitch_classes(client, key, source["id"])
    for clip in cover["data"]:
        assert clip["metadata"]["task"] == "cover" and "Morning light" in clip["metadata"]["prompt"]
        sung = lead_pitch_classes(client, key, clip["id"])
        assert in_order_match(lead, sung) >= 0.8
    source_stems = stem_energies(client, key, source)
    cover_stems = stem_energies(client, key, cover["data"][0])
    assert (
        max(source_stems, key=source_stems.__getitem__) != max(cover_stems, key=cover_stems.__getitem__)
        or abs(source_stems["Guitar"] - cover_stems["Guitar"]) > 0.1
    )


def test_a_persona_sings_in_its_source_voice(client: TestClient, key: str, song: dict[str, Any]) -> None:
    """Songs in a persona's voice are closer in timbre (mean MFCCs of the exact vocal stem) to the persona's source
    than songs in every other built-in voice, the same gender's other timbre included."""
    source = song["data"][0]
    created = client.post(
        "/suno/persona/create/",
        headers=auth(key),
        json={"root_clip_id": source["id"], "name": "Hill singer", "description": "", "clips": [source["id"]],
              "is_public": False},
    )  # fmt: skip
    assert created.status_code == 200, created.text
    persona = created.json()
    assert persona["root_clip_id"] == source["id"] and persona["clip"]["id"] == source["id"]
    # Every song sings the source's words in its style, so what differs is the voice (and the seed's melody).
    sung = finished(
        client, key,
        {"task": "artist_consistency", "persona_id": persona["id"], "artist_clip_id": source["id"], "prompt": LYRICS,
         "seed": 40},
    )["data"][0]  # fmt: skip
    assert sung["metadata"]["persona_id"] == persona["id"]
    own = (persona["vocal_gender"], persona["timbre"])
    # The composer gives the lead timbre `seed % 2`: each other built-in voice, by gender and seed.
    others = [
        finished(client, key, {"prompt": LYRICS, "tags": "pop", "vocal_gender": gender, "seed": 40 + timbre})["data"][0]
        for gender in ("m", "f")
        for timbre in (0, 1)
        if (gender, timbre) != own
    ]
    reference = voice_print(client, key, source)
    persona_distance = np.linalg.norm(voice_print(client, key, sung) - reference)
    for other in others:
        assert persona_distance < np.linalg.norm(voice_print(client, key, other) - reference)


def test_a_music_video_is_rendered_on_request(client: TestClient, key: str, song: dict[str, Any]) -> None:
    clip = song["data"][0]
    first = client.get(f"/suno/act/mp4/{clip['id']}", headers=auth(key)).json()
    url = first["data"]["mp4_file_url"]
    seen_pending = False
    for _ in range(1200):
        if url:
            break
        task = client.get(f"/suno/fetch/{song['task_id']}", headers=auth(key)).json()["data"]
        seen_pending |= task["data"][0]["is_video_pending"]
        time.sleep(0.1)
        url = client.get(f"/suno/act/mp4/{clip['id']}", headers=auth(key)).json()["data"]["mp4_file_url"]
    assert url and seen_pending
    # A poll sees the finished task change within half a second (each process rereads the wire epoch).
    deadline = time.monotonic() + 2.0
    while True:
        fetched = client.get(f"/suno/fetch/{song['task_id']}", headers=auth(key)).json()["data"]["data"][0]
        if fetched["video_url"] or time.monotonic() > deadline:
            break
        time.sleep(0.1)
    assert fetched["video_url"] and fetched["is_video_pending"] is False
    with av.open(io.BytesIO(download(client, url).content), mode="r") as container:
        video, audio = container.streams.video[0], container.streams.audio[0]
        assert video.codec_context.name == "h264" and audio.codec_context.name == "aac"
        assert video.width >= 854 and video.height >= 480
        duration = float(container.duration or 0) / av.time_base
    assert abs(duration - clip["metadata"]["duration"]) <= 0.1


SOURCE = "<the song's first clip>"


@pytest.mark.parametrize(
    ("body", "code", "words"),
    [
        ({"task": "extend", "continue_at": 1.0}, "invalid_request", ("`continue_clip_id`",)),
        ({"task": "extend", "continue_clip_id": SOURCE, "continue_at": 10_000.0}, "invalid_request",
         ("`continue_at`", "duration")),
        ({"task": "extend", "continue_clip_id": SOURCE}, "invalid_request", ("`continue_at`", "required")),
        ({"task": "extend", "continue_clip_id": SOURCE, "continue_at": -1}, "invalid_request", ("continue_at",)),
        ({"task": "infill", "continue_clip_id": SOURCE, "infill_start_s": 5.0, "infill_end_s": 2.0},
         "invalid_request", ("infill_start_s",)),
        ({"task": "artist_consistency", "persona_id": "0b7e5d0f-3f2c-4c53-9d8c-0a2c9c1a1f00"}, "task_not_exist",
         ("persona",)),
    ],
)  # fmt: skip
def test_bad_edits_are_400_sentences(
    client: TestClient, key: str, song: dict[str, Any], body: dict[str, Any], code: str, words: tuple[str, ...]
) -> None:
    filled = {name: song["data"][0]["id"] if value == SOURCE else value for name, value in body.items()}
    response = client.post("/suno/submit/music", headers=auth(key), json=filled)
    assert_task_error(response, 400, code, *words)


def test_concat_of_a_new_song_and_a_persona_of_an_upload_are_refused(
    client: TestClient, key: str, song: dict[str, Any], tmp_path: Path
) -> None:
    response = client.post("/suno/submit/concat", headers=auth(key), json={"clip_id": song["data"][0]["id"]})
    assert_task_error(response, 400, "invalid_request", "extend")
    upload = upload_wav(client, key, write_wav(tmp_path / "mine.wav", seconds=2.0))["data"][0]
    response = client.post(
        "/suno/persona/create", headers=auth(key), json={"root_clip_id": upload["id"], "name": "x", "description": ""}
    )
    assert_task_error(response, 400, "invalid_request", "upload")
    stranger = key_maker(client)(10.0)
    response = client.post(
        "/suno/submit/music",
        headers=auth(stranger),
        json={"task": "cover", "cover_clip_id": song["data"][0]["id"], "tags": "rock"},
    )
    assert_task_error(response, 400, "task_not_exist")


# ------------------------------------------------------------------------------------------ measures

_PITCH_CLASSES = {"C": 0, "C#": 1, "Db": 1, "D": 2, "D#": 3, "Eb": 3, "E": 4, "F": 5, "F#": 6, "Gb": 6, "G": 7,
                  "G#": 8, "Ab": 8, "A": 9, "A#": 10, "Bb": 10, "B": 11}  # fmt: skip


def key_signature(tonic: str, mode: str) -> int:
    """The pitch class of the major key with the same notes (a minor key's relative major)."""
    return (_PITCH_CLASSES[tonic] + (3 if mode == "minor" else 0)) % 12


def lead_pitch_classes(client: TestClient, key: str, clip_id: str) -> list[int]:
    midi = client.get(f"/suno/act/midi/{clip_id}", headers=auth(key)).json()
    notes = next(track["notes"] for track in midi["instruments"] if track["name"] == "Vocals")
    return [note["pitch"] % 12 for note in sorted(notes, key=lambda note: note["start"])]


def in_order_match(reference: list[int], candidate: list[int]) -> float:
    """Longest common subsequence over the reference's length, after the best key shift."""
    best = 0
    for shift in range(12):
        moved = [(pitch + shift) % 12 for pitch in candidate]
        table = [[0] * (len(moved) + 1) for _ in range(len(reference) + 1)]
        for i, a in enumerate(reference):
            for j, b in enumerate(moved):
                table[i + 1][j + 1] = table[i][j] + 1 if a == b else max(table[i][j + 1], table[i + 1][j])
        best = max(best, table[-1][-1])
    return best / max(len(reference), 1)


def stem_energies(client: TestClient, key: str, clip: dict[str, Any]) -> dict[str, float]:
    stems = finished(client, key, {"task": "gen_stem", "continue_clip_id": clip["id"], "stem_task": "twelve"})
    energies = {}
    for stem in stems["data"]:
        audio, _ = mp3_of(client, stem)
        energies[stem["metadata"]["stem_type_group_name"]] = float(np.mean(audio**2))
    total = sum(energies.values()) or 1.0
    return {name: value / total for name, value in energies.items()}


def voice_print(client: TestClient, key: str, clip: dict[str, Any]) -> np.ndarray:
    """Mean MFCCs of the clip's exact lead vocal, over its voiced frames."""
    stems = finished(client, key, {"task": "gen_stem", "continue_clip_id": clip["id"], "stem_task": "twelve"})
    vocals = next(stem for stem in stems["data"] if stem["metadata"]["stem_type_group_name"] == "Vocals")
    audio, rate = mp3_of(client, vocals)
    mono = librosa.resample(audio.mean(axis=0), orig_sr=rate, target_sr=16000)
    mfcc = librosa.feature.mfcc(y=mono, sr=16000, n_mfcc=20)
    loud = librosa.feature.rms(y=mono)[0] > 0.02
    frames = min(mfcc.shape[1], loud.size)
    return np.asarray(mfcc[1:, :frames][:, loud[:frames]].mean(axis=1))


def test_an_uploads_timing_has_no_words_and_its_midi_is_transcribed(
    client: TestClient, key: str, tmp_path: Path
) -> None:
    """An upload's words are unknown: its timing says so (with its real loudness curve). Its notes are
    transcribed on the first MIDI ask, which answers "running" until they are."""
    rate = 44100
    tune = [60, 62, 64, 65, 67, 65, 64, 62, 60]
    note_s = 0.4
    t = np.arange(int(note_s * rate)) / rate
    envelope = np.minimum(1.0, np.minimum(t / 0.01, (note_s - t) / 0.05))
    melody = np.concatenate([0.4 * np.sin(2 * np.pi * 440.0 * 2 ** ((p - 69) / 12) * t) * envelope for p in tune])
    path = tmp_path / "tune.wav"
    soundfile.write(path, np.stack([melody, melody], axis=1).astype(np.float32), rate)
    upload = upload_wav(client, key, path)["data"][0]
    timing = client.get(f"/suno/act/timing/{upload['id']}", headers=auth(key)).json()
    assert timing["aligned_words"] == [] and max(timing["waveform_data"]) > 0.1
    first = client.get(f"/suno/act/midi/{upload['id']}", headers=auth(key)).json()
    assert first == {"state": "running"}
    deadline = time.monotonic() + 300.0
    midi = first
    while midi["state"] != "complete" and time.monotonic() < deadline:
        time.sleep(0.2)
        midi = client.get(f"/suno/act/midi/{upload['id']}", headers=auth(key)).json()
    assert midi["state"] == "complete"
    notes = [note for instrument in midi["instruments"] for note in instrument["notes"]]
    heard = [note["pitch"] % 12 for note in sorted(notes, key=lambda note: note["start"])]
    assert in_order_match([pitch % 12 for pitch in tune], heard) >= 0.7
