"""Contract tests: every route answers the shapes of spec Part A (binding) and the Part B sections it cites."""

import io
import re
import shutil
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import orjson
import pytest
import soundfile
from fastapi.testclient import TestClient
from sqlalchemy import select

from songforge.api.app import create_app
from songforge.db.models import Task
from songforge.engines.separation.stems import TWELVE_STEMS
from tests.api.helpers import (
    assert_auth_error,
    assert_clip_shape,
    assert_status_sequence,
    assert_submitted,
    assert_success,
    assert_task_error,
    assert_task_shape,
    assert_urls_download,
    download,
    engine_pending,
    fetch_task,
    is_uuid4,
    local_path_of,
    poll_task,
    strip_query,
)
from tests.conftest import auth, synth_song, test_settings, upload_wav, wait_for_task, wav_url_when_ready, write_wav


def stem_body(source: dict[str, Any], stem_set: str, mv: str = "chirp-auk") -> dict[str, Any]:
    return {
        "task": "gen_stem",
        "task_id": source["task"]["task_id"],
        "continue_clip_id": source["clip"]["id"],
        "mv": mv,
        "stem_type_id": 91,
        "stem_type_group_name": stem_set.capitalize(),
        "stem_task": stem_set,
        "generation_type": "TEXT",
        "prompt": "",
    }


def wav_samples(client: TestClient, key: str, clip_id: str) -> tuple[np.ndarray, int]:
    body = download(client, wav_url_when_ready(client, key, clip_id)).content
    assert body[:4] == b"RIFF" and body[8:12] == b"WAVE"
    samples, rate = soundfile.read(io.BytesIO(body), dtype="float32", always_2d=True)
    return samples, rate


# ------------------------------------------------------------------------------------------ lyrics


def test_lyrics_submit_envelope_then_lyrics_object(mclient: TestClient, mkey: str) -> None:
    task_id = assert_submitted(
        mclient.post("/suno/submit/lyrics", headers=auth(mkey), json={"prompt": "a rainy night in the city"})
    )
    task, snapshots = poll_task(mclient, mkey, task_id)
    assert_status_sequence(snapshots)
    assert task["status"] == "SUCCESS", task["fail_reason"]
    assert task["action"] == "LYRICS"
    assert task["task_id"] == task_id
    assert task["progress"] == "100%"
    lyrics = task["data"]
    assert isinstance(lyrics, dict), "a lyrics task's data is one object, not an array (Part A §10)"
    assert set(lyrics) >= {"id", "text", "title", "status", "tags"}
    assert isinstance(lyrics["id"], str) and lyrics["id"]
    assert lyrics["status"] == "complete"
    assert isinstance(lyrics["title"], str) and lyrics["title"].strip()
    assert isinstance(lyrics["text"], str) and len(lyrics["text"].splitlines()) >= 4
    assert isinstance(lyrics["tags"], list) and all(isinstance(tag, str) for tag in lyrics["tags"])


def test_unknown_fields_are_accepted_and_kept(mclient: TestClient, mkey: str) -> None:
    body = {"prompt": "sunrise over the harbour", "foo": 1, "nested": {"a": [1, 2]}}
    task_id = assert_submitted(mclient.post("/suno/submit/lyrics", headers=auth(mkey), json=body))
    services = mclient.app.state.services  # type: ignore[attr-defined]
    with services.db.session() as session:
        stored = session.execute(select(Task.request_json).where(Task.id == task_id)).scalar_one()
    assert orjson.loads(stored) == body, "the request is stored verbatim (Part A §8)"
    assert wait_for_task(mclient, mkey, task_id)["status"] == "SUCCESS"


# ------------------------------------------------------------------------------------- stems


@engine_pending("songforge.engines.separation.two")
def test_gen_stem_two(mclient: TestClient, mkey: str, source: dict[str, Any]) -> None:
    task_id = assert_submitted(mclient.post("/suno/submit/music", headers=auth(mkey), json=stem_body(source, "two")))
    task, snapshots = poll_task(mclient, mkey, task_id)
    assert_status_sequence(snapshots)
    assert task["status"] == "SUCCESS", task["fail_reason"]
    assert task["action"] == "MUSIC"
    clips = task["data"]
    source_clip = source["clip"]
    assert [clip["title"] for clip in clips] == ["source song (Vocals)", "source song (Instrumental)"]
    for clip, stem in zip(clips, ("Vocals", "Instrumental"), strict=True):
        assert clip["id"] != source_clip["id"]
        metadata = clip["metadata"]
        assert metadata["stem_from_id"] == source_clip["id"]
        assert metadata["edited_clip_id"] == source_clip["id"]
        assert metadata["stem_task"] == "two"
        assert metadata["stem_type_id"] == 91
        assert metadata["stem_type_group_name"] == stem
        assert metadata["task"] == "gen_stem"
        assert metadata["type"] == "gen"
        assert abs(metadata["duration"] - source_clip["metadata"]["duration"]) < 0.05
        assert isinstance(metadata["stem_silent"], bool)
        assert isinstance(metadata["engine"], str) and metadata["engine"]
        assert (clip["model_name"], clip["major_model_version"]) == ("chirp-auk", "v4.5")  # the family asked for
        assert_urls_download(mclient, clip)
    # The stems of one task add up to the source mix (Part A §6).
    mix, mix_rate = wav_samples(mclient, mkey, source_clip["id"])
    vocals, vocals_rate = wav_samples(mclient, mkey, clips[0]["id"])
    backing, backing_rate = wav_samples(mclient, mkey, clips[1]["id"])
    assert mix_rate == vocals_rate == backing_rate
    assert vocals.shape == backing.shape == mix.shape
    residual = np.sqrt(np.mean((vocals + backing - mix) ** 2)) / np.sqrt(np.mean(mix**2))
    assert residual < 0.01, f"Vocals + Instrumental differ from the mix by {residual:.1%} RMS"


def test_gen_stem_twelve_in_spec_order(mclient: TestClient, mkey: str, source: dict[str, Any]) -> None:
    task_id = assert_submitted(mclient.post("/suno/submit/music", headers=auth(mkey), json=stem_body(source, "twelve")))
    task, snapshots = poll_task(mclient, mkey, task_id, timeout=240)
    assert_status_sequence(snapshots)
    assert task["status"] == "SUCCESS", task["fail_reason"]
    clips = task["data"]
    assert [clip["metadata"]["stem_type_group_name"] for clip in clips] == list(TWELVE_STEMS)
    assert list(TWELVE_STEMS) == [
        "Vocals", "Backing Vocals", "Drums", "Bass", "Guitar", "Keyboard",
        "Strings", "Brass", "Woodwinds", "Percussion", "Synth", "FX",
    ]  # fmt: skip
    assert [clip["title"] for clip in clips] == [f"source song ({stem})" for stem in TWELVE_STEMS]
    assert len({clip["id"] for clip in clips}) == 12
    for clip in clips:
        metadata = clip["metadata"]
        assert metadata["stem_task"] == "twelve" and metadata["stem_type_id"] == 91
        assert metadata["stem_from_id"] == metadata["edited_clip_id"] == source["clip"]["id"]
        assert metadata["task"] == "gen_stem" and metadata["type"] == "gen"
        assert isinstance(metadata["stem_silent"], bool)
        assert isinstance(metadata["engine"], str) and metadata["engine"]
        assert abs(metadata["duration"] - 2.0) < 0.05
        assert_urls_download(mclient, clip)


def test_mv_dot_spelling_is_accepted_and_reported_as_its_family(
    mclient: TestClient, mkey: str, source: dict[str, Any]
) -> None:
    task_id = assert_submitted(
        mclient.post("/suno/submit/music", headers=auth(mkey), json=stem_body(source, "two", mv="chirp-v3.5"))
    )
    task = fetch_task(mclient, mkey, task_id)
    assert [(clip["model_name"], clip["major_model_version"]) for clip in task["data"]] == [("chirp-v3", "v3")] * 2
    wait_for_task(mclient, mkey, task_id)  # leave the worker idle for the next test


@pytest.mark.parametrize(
    "mv",
    ["chirp-v3.5", "chirp-v3.0", "chirp-v3-5", "CHIRP-V4", "chirp-v4-tau", "chirp-auk-turbo", "chirp-fenix",
     "chirp-crow", "chirp-bluejay", "chirp-v3-5-upload", ""],
)  # fmt: skip
def test_documented_mv_names_are_accepted(mclient: TestClient, mmake_key: Callable[..., str], mv: str) -> None:
    broke = mmake_key(0.0)
    response = mclient.post("/suno/submit/music", headers=auth(broke), json={"gpt_description_prompt": "x", "mv": mv})
    # An account without credits: 403 about the price (not 400 about the name) shows the name passed validation.
    assert_task_error(response, 403, "quota_not_enough")


@pytest.mark.parametrize("mv", ["chirp-v9", "gpt-4o", "chirp v4"])
def test_unknown_mv_is_400_listing_accepted_names(mclient: TestClient, mkey: str, mv: str) -> None:
    response = mclient.post("/suno/submit/music", headers=auth(mkey), json={"gpt_description_prompt": "x", "mv": mv})
    assert_task_error(response, 400, "invalid_request", mv, "chirp-v4", "chirp-auk", "chirp-bluejay", "chirp-crow")


def test_unknown_mv_message_lists_dot_spellings(mclient: TestClient, mkey: str) -> None:
    response = mclient.post("/suno/submit/music", headers=auth(mkey), json={"mv": "chirp-v9"})
    assert_task_error(response, 400, "invalid_request", "chirp-v3.5", "chirp-v3.0")


# ------------------------------------------------------------------------------------ editing modes

MODE_WORDS = {
    "extend": "extend",
    "upload_extend": "upload_extend",
    "cover": "cover",
    "infill": "infill",
    "artist_consistency": "artist_consistency",
}


def mode_body(mode: str, source: dict[str, Any]) -> dict[str, Any]:
    clip_id, task_id = source["clip"]["id"], source["task"]["task_id"]
    common = {"prompt": "[Verse]\nla la la", "tags": "rock", "title": "t", "mv": "chirp-v4"}
    return {
        "extend": {**common, "task": "extend", "task_id": task_id, "continue_clip_id": clip_id, "continue_at": 1.0},
        "upload_extend": {**common, "task": "upload_extend", "continue_clip_id": clip_id, "continue_at": 1.5},
        "cover": {**common, "task": "cover", "cover_clip_id": clip_id, "mv": "chirp-v4-tau"},
        "infill": {
            **common,
            "task": "infill",
            "task_id": task_id,
            "continue_clip_id": clip_id,
            "infill_start_s": 0.5,
            "infill_end_s": 1.5,
        },
        "artist_consistency": {
            **common,
            "task": "artist_consistency",
            "persona_id": str(uuid.uuid4()),
            "artist_clip_id": clip_id,
        },
    }[mode]


@pytest.mark.slow
@pytest.mark.parametrize("mode", [mode for mode in MODE_WORDS if mode != "artist_consistency"])
def test_editing_modes_make_two_clips_from_an_upload(
    mclient: TestClient, mkey: str, source: dict[str, Any], mode: str
) -> None:
    """Every editing mode works on an upload (its tempo and key measured, its melody transcribed): two complete
    clips that say what made them and from which clip. Songs' own edits: tests/api/test_editing.py."""
    task_id = assert_submitted(mclient.post("/suno/submit/music", headers=auth(mkey), json=mode_body(mode, source)))
    task = wait_for_task(mclient, mkey, task_id, timeout=300.0)
    assert task["status"] == "SUCCESS", task["fail_reason"]
    assert len(task["data"]) == 2
    for clip in task["data"]:
        assert clip["status"] == "complete" and clip["audio_url"]
        assert clip["metadata"]["task"] == ("upload_extend" if mode == "extend" else mode)


def test_a_persona_that_does_not_exist_is_named(mclient: TestClient, mkey: str, source: dict[str, Any]) -> None:
    response = mclient.post("/suno/submit/music", headers=auth(mkey), json=mode_body("artist_consistency", source))
    assert_task_error(response, 400, "task_not_exist", "persona")


# ------------------------------------------------------------------------------------------ concat


def test_concat_unknown_clip_is_task_not_exist(mclient: TestClient, mkey: str) -> None:
    missing = str(uuid.uuid4())
    response = mclient.post("/suno/submit/concat", headers=auth(mkey), json={"clip_id": missing, "is_infill": False})
    assert_task_error(response, 400, "task_not_exist", missing)


def test_concat_of_an_upload_names_the_rule(mclient: TestClient, mkey: str, source: dict[str, Any]) -> None:
    response = mclient.post(
        "/suno/submit/concat", headers=auth(mkey), json={"clip_id": source["clip"]["id"], "is_infill": False}
    )
    assert_task_error(response, 400, "invalid_request", source["clip"]["id"], "extend")


def test_concat_without_clip_id_is_400(mclient: TestClient, mkey: str) -> None:
    assert_task_error(
        mclient.post("/suno/submit/concat", headers=auth(mkey), json={}), 400, "invalid_request", "clip_id"
    )


# ------------------------------------------------------------------------------------------- fetch


def test_fetch_single_task_object(mclient: TestClient, mkey: str, source: dict[str, Any]) -> None:
    response = mclient.get(f"/suno/fetch/{source['task']['task_id']}", headers=auth(mkey))
    body = response.json()
    assert set(body) == {"code", "message", "data"} and body["code"] == "success" and body["message"] == ""
    task = body["data"]
    assert_task_shape(task)
    assert task["status"] == "SUCCESS" and task["action"] == "MUSIC" and task["notify_hook"] == ""
    assert task["start_time"] >= task["submit_time"] and task["finish_time"] >= task["start_time"]
    assert len(task["data"]) == 1
    clip = task["data"][0]
    assert_clip_shape(clip)
    assert clip["status"] == "complete"
    assert clip["title"] == "source song"
    assert clip["metadata"]["type"] == "upload"
    assert abs(clip["metadata"]["duration"] - 2.0) < 0.05
    assert clip["video_url"] == ""  # no video yet: empty, never a placeholder
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", clip["created_at"]), clip["created_at"]
    assert_urls_download(mclient, clip)


@pytest.mark.parametrize("field", ["notify_hook", "callBackUrl"])
def test_notify_hook_is_echoed_in_the_task(mclient: TestClient, mkey: str, field: str) -> None:
    hook = "http://127.0.0.1:9/hooks/songs"  # refused for delivery (loopback): nothing leaves the machine
    task_id = assert_submitted(
        mclient.post("/suno/submit/lyrics", headers=auth(mkey), json={"prompt": "echo", field: hook})
    )
    assert fetch_task(mclient, mkey, task_id)["notify_hook"] == hook
    assert wait_for_task(mclient, mkey, task_id)["notify_hook"] == hook


def test_fetch_unknown_task_is_400_task_not_exist(mclient: TestClient, mkey: str) -> None:
    for task_id in (str(uuid.uuid4()), "not-a-uuid", "x" * 3000):
        response = mclient.get(f"/suno/fetch/{task_id}", headers=auth(mkey))
        assert_task_error(response, 400, "task_not_exist")


def test_fetch_accepts_the_key_without_its_sk_prefix(mclient: TestClient, mkey: str, source: dict[str, Any]) -> None:
    bare = mkey.removeprefix("sk-")
    task = assert_success(mclient.get(f"/suno/fetch/{source['task']['task_id']}", headers=auth(bare)))
    assert task["task_id"] == source["task"]["task_id"]
    lower = {"Authorization": f"bearer {mkey}"}
    assert assert_success(mclient.get(f"/suno/fetch/{source['task']['task_id']}", headers=lower))


@pytest.fixture(scope="module")
def lyrics_tasks(mclient: TestClient, mkey: str) -> list[str]:
    ids = [
        assert_submitted(mclient.post("/suno/submit/lyrics", headers=auth(mkey), json={"prompt": topic}))
        for topic in ("the sea", "a lighthouse")
    ]
    for task_id in ids:
        wait_for_task(mclient, mkey, task_id)
    return ids


def batch(client: TestClient, key: str, body: Any) -> list[dict[str, Any]]:
    data = assert_success(client.post("/suno/fetch", headers=auth(key), json=body))
    assert isinstance(data, list)
    for task in data:
        assert_task_shape(task)
    return data


def test_batch_fetch_order_unknown_and_duplicates(
    mclient: TestClient, mkey: str, source: dict[str, Any], lyrics_tasks: list[str]
) -> None:
    upload_id = source["task"]["task_id"]
    first, second = lyrics_tasks
    unknown = str(uuid.uuid4())
    ids = [second, unknown, upload_id, first, second, upload_id]
    assert [task["task_id"] for task in batch(mclient, mkey, {"ids": ids})] == [second, upload_id, first]
    assert [task["task_id"] for task in batch(mclient, mkey, {"ids": [first, second]})] == [first, second]
    assert [task["task_id"] for task in batch(mclient, mkey, {"ids": [second, first]})] == [second, first]
    assert batch(mclient, mkey, {"ids": []}) == []
    assert batch(mclient, mkey, {}) == []
    assert batch(mclient, mkey, {"ids": [unknown]}) == []


def test_batch_fetch_action_filter(
    mclient: TestClient, mkey: str, source: dict[str, Any], lyrics_tasks: list[str]
) -> None:
    ids = [lyrics_tasks[0], source["task"]["task_id"], lyrics_tasks[1]]
    assert [task["task_id"] for task in batch(mclient, mkey, {"ids": ids, "action": "MUSIC"})] == [ids[1]]
    assert [task["task_id"] for task in batch(mclient, mkey, {"ids": ids, "action": "LYRICS"})] == [ids[0], ids[2]]
    for ignored in ("VIDEO", "", None, "music-ish"):
        assert [task["task_id"] for task in batch(mclient, mkey, {"ids": ids, "action": ignored})] == ids


def test_batch_fetch_over_the_id_limit_is_400(mclient: TestClient, mkey: str) -> None:
    limit = mclient.app.state.services.settings.max_batch_ids  # type: ignore[attr-defined]
    ids = [str(uuid.uuid4()) for _ in range(limit + 1)]
    response = mclient.post("/suno/fetch", headers=auth(mkey), json={"ids": ids})
    assert_task_error(response, 400, "invalid_request", "ids", str(limit))
    assert batch(mclient, mkey, {"ids": ids[:limit]}) == []


# ----------------------------------------------------------------------------------------- uploads


def test_upload_by_url_from_an_allowed_private_server(private_client: TestClient, audio_server: dict[str, Any]) -> None:
    key = _key_on(private_client)
    response = private_client.post(
        "/suno/uploads/audio-url", headers=auth(key), json={"url": f"{audio_server['url']}/song.wav"}
    )
    task = wait_for_task(private_client, key, assert_submitted(response))
    assert_task_shape(task)
    assert task["status"] == "SUCCESS", task["fail_reason"]
    assert task["action"] == "MUSIC" and len(task["data"]) == 1
    clip = task["data"][0]
    assert clip["metadata"]["type"] == "upload"
    assert clip["title"] == "song"
    assert abs(clip["metadata"]["duration"] - 1.5) < 0.05
    assert_urls_download(private_client, clip)
    assert "/song.wav" in audio_server["requests"]


def test_upload_by_url_title_comes_from_the_decoded_file_name(
    private_client: TestClient, audio_server: dict[str, Any]
) -> None:
    key = _key_on(private_client)
    url = f"{audio_server['url']}/my%20caf%C3%A9%20song.wav"
    response = private_client.post("/suno/uploads/audio-url", headers=auth(key), json={"url": url})
    task = wait_for_task(private_client, key, assert_submitted(response))
    assert task["status"] == "SUCCESS", task["fail_reason"]
    assert task["data"][0]["title"] == "my café song"


@pytest.mark.parametrize(
    ("path", "words"), [("missing.wav", ("404",)), ("notes.txt", ("not audio",))], ids=["http-404", "not-audio"]
)
def test_upload_by_url_failures_are_named(
    private_client: TestClient, audio_server: dict[str, Any], path: str, words: tuple[str, ...]
) -> None:
    key = _key_on(private_client)
    response = private_client.post(
        "/suno/uploads/audio-url", headers=auth(key), json={"url": f"{audio_server['url']}/{path}"}
    )
    task = wait_for_task(private_client, key, assert_submitted(response))
    assert_task_shape(task)
    assert task["status"] == "FAILURE"
    for word in words:
        assert word in task["fail_reason"], task["fail_reason"]
    assert task["data"][0]["status"] == "error"


def _key_on(client: TestClient) -> str:
    from tests.conftest import key_maker

    return key_maker(client)(10.0)


def test_multipart_upload_title_defaults_to_the_file_name(mclient: TestClient, mkey: str, tmp_path: Path) -> None:
    path = write_wav(tmp_path / "x.wav", seconds=0.5, sample_rate=16000, channels=1)
    for sent, title in (("🎵 Café Nights.wav", "🎵 Café Nights"), ("../../etc/evil name.wav", "evil name")):
        response = mclient.post(
            "/suno/uploads/audio", headers=auth(mkey), files={"file": (sent, path.read_bytes(), "audio/wav")}
        )
        task = wait_for_task(mclient, mkey, assert_submitted(response))
        assert task["status"] == "SUCCESS", task["fail_reason"]
        assert task["data"][0]["title"] == title


def test_multipart_upload_with_title(mclient: TestClient, mkey: str, tmp_path: Path) -> None:
    path = write_wav(tmp_path / "ignored name.wav", seconds=1.0, sample_rate=48000, channels=1)
    with path.open("rb") as handle:
        response = mclient.post(
            "/suno/uploads/audio",
            headers=auth(mkey),
            files={"file": (path.name, handle, "audio/wav")},
            data={"title": "My Title"},
        )
    task = wait_for_task(mclient, mkey, assert_submitted(response))
    assert task["status"] == "SUCCESS", task["fail_reason"]
    clip = task["data"][0]
    assert clip["title"] == "My Title"
    assert clip["metadata"]["type"] == "upload"
    assert abs(clip["metadata"]["duration"] - 1.0) < 0.05
    assert_urls_download(mclient, clip)


# -------------------------------------------------------------------------------------------- WAV


def test_wav_route_renders_a_real_wav_at_the_source_rate(mclient: TestClient, mkey: str, tmp_path: Path) -> None:
    uploaded = upload_wav(mclient, mkey, write_wav(tmp_path / "low.wav", seconds=1.5, sample_rate=22050, channels=1))
    clip_id = uploaded["data"][0]["id"]
    url = wav_url_when_ready(mclient, mkey, clip_id)
    assert url.startswith("http://testserver/files/")
    response = download(mclient, url)
    assert response.headers["content-type"].startswith("audio/")
    assert response.content[:4] == b"RIFF"
    samples, rate = soundfile.read(io.BytesIO(response.content), dtype="float32", always_2d=True)
    assert rate == 22050
    assert samples.shape == (int(1.5 * 22050), 1)
    original = synth_song(1.5, 22050, 1)[0]
    correlation = np.corrcoef(samples[:, 0], original)[0, 1]
    assert correlation > 0.99, "the WAV is not the uploaded audio"
    assert wav_url_when_ready(mclient, mkey, clip_id, timeout=0.5) == url, "a rendered WAV keeps its URL"


def test_wav_of_an_unknown_clip_is_task_not_exist(mclient: TestClient, mkey: str) -> None:
    missing = str(uuid.uuid4())
    assert_task_error(mclient.get(f"/suno/act/wav/{missing}", headers=auth(mkey)), 400, "task_not_exist", missing)


# ------------------------------------------------------------------------------------------- files


def test_files_support_range_and_types(mclient: TestClient, source: dict[str, Any]) -> None:
    clip = source["clip"]
    path = local_path_of(clip["audio_url"])
    whole = mclient.get(path)
    assert whole.status_code == 200 and whole.headers["content-type"] == "audio/mpeg"
    size = len(whole.content)
    assert size > 1000
    partial = mclient.get(path, headers={"Range": "bytes=0-99"})
    assert partial.status_code == 206
    assert len(partial.content) == 100
    assert partial.content == whole.content[:100]
    assert partial.headers["content-range"] == f"bytes 0-99/{size}"
    assert partial.headers["content-type"] == "audio/mpeg"
    tail = mclient.get(path, headers={"Range": "bytes=-10"})
    assert tail.status_code == 206 and tail.content == whole.content[-10:]
    head = mclient.head(path)
    assert head.status_code == 200 and int(head.headers["content-length"]) == size
    for field in ("image_url", "image_large_url"):
        image = mclient.get(local_path_of(clip[field]))
        assert image.status_code == 200 and image.headers["content-type"] == "image/jpeg"
        assert image.content[:2] == b"\xff\xd8"


def test_files_need_a_signature_or_the_owner_key(mclient: TestClient, mkey: str, source: dict[str, Any]) -> None:
    unsigned = strip_query(local_path_of(source["clip"]["audio_url"]))
    assert_task_error(mclient.get(unsigned), 404, "file_not_found")
    assert_task_error(mclient.get(unsigned + "?sig=" + "0" * 32), 404, "file_not_found")
    assert_task_error(mclient.get(unsigned + "?sig="), 404, "file_not_found")
    owner = mclient.get(unsigned, headers=auth(mkey))
    assert owner.status_code == 200 and owner.headers["content-type"] == "audio/mpeg"
    # Names that are not clip files, and clip files that do not exist, are the same 404.
    for name in (f"{uuid.uuid4()}.mp3", "secret.key", "songforge.db", f"{source['clip']['id']}.master.flac"):
        assert_task_error(mclient.get(f"/files/{name}", headers=auth(mkey)), 404, "file_not_found")


def test_files_with_an_invalid_key_are_404(mclient: TestClient, source: dict[str, Any]) -> None:
    unsigned = strip_query(local_path_of(source["clip"]["audio_url"]))
    assert_task_error(mclient.get(unsigned, headers=auth("sk-bogus")), 404, "file_not_found")


def test_files_unsatisfiable_range_is_416(mclient: TestClient, source: dict[str, Any]) -> None:
    path = local_path_of(source["clip"]["audio_url"])
    size = len(mclient.get(path).content)
    response = mclient.get(path, headers={"Range": f"bytes={size + 10}-"})
    assert response.status_code == 416
    assert response.headers["content-range"] == f"bytes */{size}"


@pytest.mark.parametrize("value", ["bytes=abc", "bytes=5-2", "items=0-5"])
def test_files_malformed_range_is_ignored_or_a_json_error(
    mclient: TestClient, source: dict[str, Any], value: str
) -> None:
    response = mclient.get(local_path_of(source["clip"]["audio_url"]), headers={"Range": value})
    if response.status_code != 200:  # RFC 9110 §14.2: a server may ignore an invalid Range
        assert_task_error(response, 400, "invalid_request", "range")


# -------------------------------------------------------------------------------------- operations


def test_healthz(mclient: TestClient) -> None:
    response = mclient.get("/healthz")
    assert response.status_code == 200 and response.json() == {"status": "ok"}


def test_metrics_are_prometheus_text(mclient: TestClient, source: dict[str, Any]) -> None:
    response = mclient.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    text = response.text
    assert "# TYPE songforge_http_requests_total counter" in text
    assert re.search(
        r'songforge_http_requests_total\{method="POST",route="/suno/uploads/audio",status="200"\} \d', text
    )
    assert re.search(r'songforge_tasks\{kind="upload",status="SUCCESS"\} [1-9]', text), text
    # Fleet views: what waits per queue, and how many jobs ran and for how long.
    assert re.search(r'songforge_queue_depth\{queue="cpu"\} \d', text) and 'queue="gpu"' in text
    assert re.search(r'songforge_jobs_ended\{kind="upload",status="SUCCESS"\} [1-9]', text), text
    assert re.search(r'songforge_job_seconds_total\{kind="upload",status="SUCCESS"\} \d', text), text


def test_readyz_checks_the_database_and_the_store(mclient: TestClient) -> None:
    response = mclient.get("/readyz")
    assert response.status_code == 200
    assert response.json()["status"] == "ready"
    assert response.json()["checks"]["database"] == response.json()["checks"]["storage"] == "ok"


def test_readyz_is_503_naming_a_store_that_cannot_take_files(tmp_path: Path) -> None:
    settings = test_settings(tmp_path / "data", workers=0)
    with TestClient(create_app(settings)) as client:
        blob_dir = settings.blob_dir
        if blob_dir.exists():
            shutil.rmtree(blob_dir)
        blob_dir.write_text("not a directory")  # as a full or unmounted disk would refuse files
        response = client.get("/readyz")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "not ready" and body["checks"]["database"] == "ok"
    assert body["checks"]["storage"].startswith("cannot store a file")


def test_openapi_and_docs(mclient: TestClient) -> None:
    schema = mclient.get("/openapi.json")
    assert schema.status_code == 200
    paths = schema.json()["paths"]
    for path in (
        "/suno/submit/music",
        "/suno/submit/lyrics",
        "/suno/submit/concat",
        "/suno/fetch",
        "/suno/fetch/{task_id}",
        "/suno/uploads/audio-url",
        "/suno/uploads/audio",
        "/suno/act/wav/{clip_id}",
    ):
        assert path in paths, path
    docs = mclient.get("/docs")
    assert docs.status_code == 200 and "text/html" in docs.headers["content-type"]


def test_openapi_operation_ids_are_unique(mclient: TestClient) -> None:
    operation_ids = [
        operation["operationId"]
        for item in mclient.get("/openapi.json").json()["paths"].values()
        for operation in item.values()
        if isinstance(operation, dict) and "operationId" in operation
    ]
    assert len(operation_ids) == len(set(operation_ids)), sorted(operation_ids)


def test_unknown_route_and_method_answer_json(mclient: TestClient, mkey: str) -> None:
    assert_task_error(mclient.get("/suno/nope", headers=auth(mkey)), 404, "not_found")
    assert_task_error(mclient.delete("/suno/fetch", headers=auth(mkey)), 405, "method_not_allowed")


def test_auth_error_envelope(mclient: TestClient) -> None:
    assert_auth_error(mclient.post("/suno/submit/lyrics", json={"prompt": "x"}))
    assert_auth_error(mclient.get("/suno/fetch/x", headers=auth("sk-unknown")))
    assert_auth_error(mclient.post("/suno/fetch", headers={"Authorization": "Basic abc"}, json={}))


def test_ids_are_uuid4(mclient: TestClient, source: dict[str, Any]) -> None:
    assert is_uuid4(source["task"]["task_id"]) and is_uuid4(source["clip"]["id"])
