"""Two accounts on one server: B can never see, use or download what belongs to A (ARCHITECTURE §6)."""

import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.api.helpers import (
    assert_submitted,
    assert_success,
    assert_task_error,
    local_path_of,
    strip_query,
)
from tests.conftest import auth, upload_wav, wait_for_task, write_wav


@pytest.fixture(scope="module")
def accounts(
    mclient: TestClient, mmake_key: Callable[..., str], tmp_path_factory: pytest.TempPathFactory
) -> dict[str, Any]:
    """A owns an upload and a lyrics task; B owns an upload of its own."""
    key_a, key_b = mmake_key(50.0), mmake_key(50.0)
    audio = tmp_path_factory.mktemp("iso")
    upload_a = upload_wav(mclient, key_a, write_wav(audio / "alpha private demo.wav", seconds=1.0))
    upload_b = upload_wav(mclient, key_b, write_wav(audio / "bravo.wav", seconds=1.0))
    assert upload_a["status"] == upload_b["status"] == "SUCCESS"
    lyrics_id = assert_submitted(
        mclient.post("/suno/submit/lyrics", headers=auth(key_a), json={"prompt": "the secret garden"})
    )
    lyrics_a = wait_for_task(mclient, key_a, lyrics_id)
    assert lyrics_a["status"] == "SUCCESS", lyrics_a["fail_reason"]
    clip_a = upload_a["data"][0]
    secrets = {
        clip_a["id"],
        clip_a["title"],
        strip_query(clip_a["audio_url"]).rsplit("/", 1)[-1],
        clip_a["audio_url"].split("sig=")[-1],
        lyrics_a["data"]["title"],
        lyrics_a["data"]["text"].splitlines()[1],
    }
    return {
        "a": key_a,
        "b": key_b,
        "upload_a": upload_a,
        "clip_a": clip_a,
        "lyrics_a": lyrics_a,
        "upload_b": upload_b,
        "clip_b": upload_b["data"][0],
        "secrets": secrets,
    }


def assert_no_leak(text: str, secrets: set[str], *allowed: str) -> None:
    """B's response names at most the ids B itself sent; nothing else of A's."""
    for secret in secrets - set(allowed):
        assert secret not in text, f"B's response reveals {secret!r}: {text[:300]}"


def test_b_cannot_fetch_a_task(mclient: TestClient, accounts: dict[str, Any]) -> None:
    for task in (accounts["upload_a"], accounts["lyrics_a"]):
        response = mclient.get(f"/suno/fetch/{task['task_id']}", headers=auth(accounts["b"]))
        message = assert_task_error(response, 400, "task_not_exist")
        assert_no_leak(response.text, accounts["secrets"])
        # The answer is the one an id that never existed gets: no way to probe for A's ids.
        unknown = str(uuid.uuid4())
        other = assert_task_error(
            mclient.get(f"/suno/fetch/{unknown}", headers=auth(accounts["b"])), 400, "task_not_exist"
        )
        assert message.replace(task["task_id"], "ID") == other.replace(unknown, "ID")


def test_b_batch_fetch_drops_a_tasks(mclient: TestClient, accounts: dict[str, Any]) -> None:
    ids = [accounts["upload_a"]["task_id"], accounts["upload_b"]["task_id"], accounts["lyrics_a"]["task_id"]]
    response = mclient.post("/suno/fetch", headers=auth(accounts["b"]), json={"ids": ids})
    assert [task["task_id"] for task in assert_success(response)] == [accounts["upload_b"]["task_id"]]
    assert_no_leak(response.text, accounts["secrets"])
    for action in ("MUSIC", "LYRICS"):
        response = mclient.post("/suno/fetch", headers=auth(accounts["b"]), json={"ids": ids, "action": action})
        assert all(task["task_id"] == accounts["upload_b"]["task_id"] for task in assert_success(response))


def _music(clip_a: dict[str, Any], task_a: str, mode: str) -> dict[str, Any]:
    clip_id = clip_a["id"]
    return {
        "gen_stem": {
            "task": "gen_stem",
            "task_id": task_a,
            "continue_clip_id": clip_id,
            "mv": "chirp-auk",
            "stem_type_id": 91,
            "stem_type_group_name": "Two",
            "stem_task": "two",
            "prompt": "",
        },
        "gen_stem_no_task_id": {"task": "gen_stem", "continue_clip_id": clip_id, "stem_task": "twelve"},
        "extend": {"task": "extend", "task_id": task_a, "continue_clip_id": clip_id, "continue_at": 0.5, "prompt": "x"},
        "upload_extend": {"task": "upload_extend", "continue_clip_id": clip_id, "continue_at": 0.5},
        "cover": {"task": "cover", "cover_clip_id": clip_id, "prompt": "x", "tags": "punk"},
        "infill": {"task": "infill", "continue_clip_id": clip_id, "infill_start_s": 0.1, "infill_end_s": 0.5},
        "artist_consistency": {"task": "artist_consistency", "artist_clip_id": clip_id, "persona_id": "p"},
    }[mode]


@pytest.mark.parametrize(
    "mode", ["gen_stem", "gen_stem_no_task_id", "extend", "upload_extend", "cover", "infill", "artist_consistency"]
)
def test_b_cannot_use_a_clip_as_a_source(mclient: TestClient, accounts: dict[str, Any], mode: str) -> None:
    body = _music(accounts["clip_a"], accounts["upload_a"]["task_id"], mode)
    response = mclient.post("/suno/submit/music", headers=auth(accounts["b"]), json=body)
    assert_task_error(response, 400, "task_not_exist", accounts["clip_a"]["id"])
    assert_no_leak(response.text, accounts["secrets"], accounts["clip_a"]["id"])


def test_b_cannot_pair_its_clip_with_a_task(mclient: TestClient, accounts: dict[str, Any]) -> None:
    """`task_id` must be the caller's task that produced the clip (Part A §9)."""
    body = {
        "task": "gen_stem",
        "task_id": accounts["upload_a"]["task_id"],
        "continue_clip_id": accounts["clip_b"]["id"],
        "stem_task": "two",
    }
    response = mclient.post("/suno/submit/music", headers=auth(accounts["b"]), json=body)
    assert_task_error(response, 400, "task_not_exist", accounts["upload_a"]["task_id"])
    assert_no_leak(response.text, accounts["secrets"])


def test_b_cannot_concat_a_clip(mclient: TestClient, accounts: dict[str, Any]) -> None:
    response = mclient.post(
        "/suno/submit/concat",
        headers=auth(accounts["b"]),
        json={"clip_id": accounts["clip_a"]["id"], "is_infill": False},
    )
    assert_task_error(response, 400, "task_not_exist", accounts["clip_a"]["id"])
    assert_no_leak(response.text, accounts["secrets"], accounts["clip_a"]["id"])


def test_b_cannot_get_a_wav(mclient: TestClient, accounts: dict[str, Any]) -> None:
    response = mclient.get(f"/suno/act/wav/{accounts['clip_a']['id']}", headers=auth(accounts["b"]))
    assert_task_error(response, 400, "task_not_exist")
    assert_no_leak(response.text, accounts["secrets"], accounts["clip_a"]["id"])


@pytest.mark.parametrize("field", ["audio_url", "image_url", "image_large_url"])
def test_files_without_signature_only_for_the_owner(mclient: TestClient, accounts: dict[str, Any], field: str) -> None:
    signed = local_path_of(accounts["clip_a"][field])
    unsigned = strip_query(signed)
    as_b = mclient.get(unsigned, headers=auth(accounts["b"]))
    assert_task_error(as_b, 404, "file_not_found")
    assert as_b.content != mclient.get(signed).content
    as_b_ranged = mclient.get(unsigned, headers={**auth(accounts["b"]), "Range": "bytes=0-9"})
    assert_task_error(as_b_ranged, 404, "file_not_found")
    assert mclient.head(unsigned, headers=auth(accounts["b"])).status_code == 404
    # B's own file's signature does not open A's file.
    b_signature = accounts["clip_b"][field].split("?sig=")[1]
    assert_task_error(mclient.get(f"{unsigned}?sig={b_signature}"), 404, "file_not_found")
    as_a = mclient.get(unsigned, headers=auth(accounts["a"]))
    assert as_a.status_code == 200 and as_a.content == mclient.get(signed).content


def test_b_own_work_still_works(mclient: TestClient, accounts: dict[str, Any], tmp_path: Path) -> None:
    """The refusals above are about ownership, not a broken route: B's own clip is accepted everywhere."""
    clip_b = accounts["clip_b"]
    wav = assert_success(mclient.get(f"/suno/act/wav/{clip_b['id']}", headers=auth(accounts["b"])))
    assert set(wav) >= {"wav_file_url"}
    response = mclient.post(
        "/suno/submit/music",
        headers=auth(accounts["b"]),
        json={"task": "cover", "cover_clip_id": clip_b["id"], "prompt": "x"},
    )
    assert_submitted(response)
    task = assert_success(mclient.get(f"/suno/fetch/{accounts['upload_b']['task_id']}", headers=auth(accounts["b"])))
    assert task["data"][0]["id"] == clip_b["id"]
