"""Songs through the API: custom lyrics and instrumentals become two finished clips each, with exact stems,
word timing and MIDI a client can ask for, and clear answers for requests that cannot become a song."""

import io
from collections.abc import Iterator
from typing import Any

import numpy as np
import pytest
import soundfile
from fastapi.testclient import TestClient

from songforge.api.app import create_app
from songforge.engines.separation.stems import TWELVE_STEMS
from tests.api.helpers import (
    assert_submitted,
    assert_task_error,
    assert_urls_download,
    download,
    poll_task,
)
from tests.conftest import auth, key_maker, test_settings

pytestmark = pytest.mark.slow

LYRICS = """[Verse]
Morning light is on the hill
I can hear the river call

[Chorus]
Sing it loud and sing it clear
Every voice is welcome here
"""
SONG_SECONDS = 40.0


@pytest.fixture(scope="module")
def app_client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    data_dir = tmp_path_factory.mktemp("songs") / "data"
    settings = test_settings(data_dir, max_song_seconds=SONG_SECONDS, workers=2)
    with TestClient(create_app(settings)) as client:
        yield client


@pytest.fixture(scope="module")
def key(app_client: TestClient) -> str:
    return key_maker(app_client)(100.0)


def finished(client: TestClient, key: str, body: dict[str, Any]) -> dict[str, Any]:
    task_id = assert_submitted(client.post("/suno/submit/music", headers=auth(key), json=body))
    task, _ = poll_task(client, key, task_id, timeout=600.0)
    return task


@pytest.fixture(scope="module")
def song(app_client: TestClient, key: str) -> dict[str, Any]:
    task = finished(app_client, key, {"prompt": LYRICS, "tags": "pop", "title": "Morning", "seed": 5})
    assert task["status"] == "SUCCESS", task["fail_reason"]
    return task


@pytest.fixture(scope="module")
def instrumental(app_client: TestClient, key: str) -> dict[str, Any]:
    task = finished(app_client, key, {"prompt": "", "tags": "house", "title": "Floor", "duration": 10, "seed": 3})
    assert task["status"] == "SUCCESS", task["fail_reason"]
    return task


def decoded(client: TestClient, url: str) -> np.ndarray:
    response = download(client, url)
    assert response.status_code == 200
    samples, _ = soundfile.read(io.BytesIO(response.content), dtype="float32")
    return np.asarray(samples)


def stems_of(client: TestClient, key: str, task: dict[str, Any], clip: dict[str, Any], stems: str) -> dict[str, Any]:
    body = {"task": "gen_stem", "task_id": task["task_id"], "continue_clip_id": clip["id"], "stem_task": stems}
    done = finished(client, key, body)
    assert done["status"] == "SUCCESS", done["fail_reason"]
    return {clip["metadata"]["stem_type_group_name"]: clip for clip in done["data"]}


def test_custom_lyrics_make_two_finished_songs(app_client: TestClient, song: dict[str, Any]) -> None:
    assert song["action"] == "MUSIC" and len(song["data"]) == 2
    for clip in song["data"]:
        assert clip["status"] == "complete" and clip["title"] == "Morning"
        metadata = clip["metadata"]
        assert "Morning light is on the hill" in metadata["prompt"]
        assert metadata["tags"] == "pop" and metadata["has_vocal"] is True
        assert 8.0 < metadata["duration"] <= SONG_SECONDS + 0.5
        assert metadata["engine"]
        assert_urls_download(app_client, clip)
    first, second = (decoded(app_client, clip["audio_url"]) for clip in song["data"])
    length = min(len(first), len(second))
    assert not np.allclose(first[:length], second[:length], atol=1e-3), "the two clips are the same song"


def test_timing_route_gives_each_sung_word_in_order(app_client: TestClient, key: str, song: dict[str, Any]) -> None:
    clip = song["data"][0]
    timing = app_client.get(f"/suno/act/timing/{clip['id']}", headers=auth(key)).json()
    words = timing["aligned_words"]
    sung = [word["word"].split("\n")[-1].strip() or word["word"].strip() for word in words]
    expected = [word for line in LYRICS.splitlines() if not line.startswith("[") for word in line.split()]
    assert [word.strip(",.").lower() for word in sung] == [word.lower() for word in expected]
    assert words[0]["word"].startswith("[Verse]\n")
    starts = [word["start_s"] for word in words]
    assert starts == sorted(starts) and 0.0 < starts[0] < clip["metadata"]["duration"]
    assert all(word["end_s"] > word["start_s"] and word["p_align"] == 1.0 and word["success"] for word in words)
    assert set(timing) >= {"waveform_data", "hoot_cer", "is_streamed"} and timing["waveform_data"]


def test_midi_route_gives_the_notes_per_stem(app_client: TestClient, key: str, song: dict[str, Any]) -> None:
    clip = song["data"][0]
    midi = app_client.get(f"/suno/act/midi/{clip['id']}", headers=auth(key)).json()
    assert midi["state"] == "complete"
    names = [instrument["name"] for instrument in midi["instruments"]]
    assert "Vocals" in names and "Drums" in names and set(names) <= set(TWELVE_STEMS)
    lead = next(instrument["notes"] for instrument in midi["instruments"] if instrument["name"] == "Vocals")
    syllables = 28  # the lyrics' syllables (CMUdict): a note each, a melisma may add some
    assert syllables <= len(lead) <= syllables + 8
    assert all(0 < note["velocity"] <= 1 and note["end"] > note["start"] for note in lead)


def test_stems_of_our_own_song_are_its_exact_stems(app_client: TestClient, key: str, song: dict[str, Any]) -> None:
    clip = song["data"][0]
    twelve = stems_of(app_client, key, song, clip, "twelve")
    assert list(twelve) == list(TWELVE_STEMS)
    assert all("exact" in stem["metadata"]["engine"] for stem in twelve.values())
    for name in ("Vocals", "Drums", "Bass"):
        assert twelve[name]["metadata"]["stem_silent"] is False, name
    two = stems_of(app_client, key, song, clip, "two")
    assert list(two) == ["Vocals", "Instrumental"]
    vocals = decoded(app_client, two["Vocals"]["audio_url"])
    assert float(np.sqrt(np.mean(vocals**2))) > 0.01


def test_an_instrumental_sings_nothing(app_client: TestClient, key: str, instrumental: dict[str, Any]) -> None:
    for clip in instrumental["data"]:
        assert clip["metadata"]["has_vocal"] is False and clip["metadata"]["make_instrumental"] is True
        assert abs(clip["metadata"]["duration"] - 10.0) < 2.5
    two = stems_of(app_client, key, instrumental, instrumental["data"][0], "two")
    assert two["Vocals"]["metadata"]["stem_silent"] is True
    assert two["Instrumental"]["metadata"]["stem_silent"] is False
    timing = app_client.get(f"/suno/act/timing/{instrumental['data'][0]['id']}", headers=auth(key)).json()
    assert timing["aligned_words"] == []


@pytest.mark.parametrize(
    ("body", "words"),
    [
        ({"prompt": "", "tags": ""}, ("`prompt`", "empty")),
        ({"prompt": "  ", "title": "x"}, ("`prompt`", "empty")),
        ({"prompt": "la la", "vocal_gender": "x"}, ("`vocal_gender`",)),
        ({"prompt": "la la", "duration": 10_000}, ("`duration`", str(SONG_SECONDS))),
        ({"prompt": "la la", "continue_clip_id": "0b7e5d0f-3f2c-4c53-9d8c-0a2c9c1a1f00"}, ("`task`",)),
    ],
)
def test_requests_that_cannot_be_songs_are_400_sentences(
    app_client: TestClient, key: str, body: dict[str, Any], words: tuple[str, ...]
) -> None:
    response = app_client.post("/suno/submit/music", headers=auth(key), json=body)
    assert_task_error(response, 400, "invalid_request", *words)


def test_timing_and_midi_of_another_accounts_song_are_not_found(app_client: TestClient, song: dict[str, Any]) -> None:
    other = key_maker(app_client)(10.0)
    clip_id = song["data"][0]["id"]
    for route in ("timing", "midi"):
        assert_task_error(app_client.get(f"/suno/act/{route}/{clip_id}", headers=auth(other)), 400, "task_not_exist")


def test_lyrics_in_a_script_without_a_voice_never_crash(app_client: TestClient, key: str) -> None:
    task = finished(app_client, key, {"prompt": "[Verse]\nሰላም ለዓለም ሁሉ\nፍቅር ይብዛ", "tags": "folk", "duration": 8})
    if task["status"] == "FAILURE":
        assert "language" in task["fail_reason"] and "Traceback" not in task["fail_reason"]
    else:
        assert task["status"] == "SUCCESS"
