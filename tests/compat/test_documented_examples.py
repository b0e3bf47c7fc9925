"""The request examples of two DeerAPI pages and of the spec's Part B (in fixtures/), replayed byte for byte.

Each answer is checked against the types a DeerAPI/new-api client decodes it into (tests/compat/go_types.py).
Every mode makes its clips; the guide's persona id is not this account's and is named in a 400.
"""

from typing import Any

import orjson
import pytest
from fastapi.testclient import TestClient

from songforge.engines.separation.stems import TWELVE_STEMS
from tests.api.helpers import assert_status_sequence, assert_task_error, poll_task
from tests.compat.conftest import load, replay, source_ids
from tests.compat.go_types import RAW, decode, decode_task, task_response
from tests.compat.test_newapi import submit_id

SEEDS = load("deerapi_seeds.json")
PART_B = load("partb.json")


def answer(response: Any) -> Any:
    assert response.status_code == 200, response.text
    body = orjson.loads(response.content)
    decode(body, task_response(RAW))
    assert body["code"] == "success" and body["message"] == "", body
    return body["data"]


def finished(client: TestClient, key: str, task_id: str) -> dict[str, Any]:
    task, snapshots = poll_task(client, key, task_id, timeout=300.0)
    assert_status_sequence(snapshots)
    for snapshot in snapshots:
        decode_task(snapshot)
    return task


# ------------------------------------------------------------------------------- DeerAPI seed pages


def test_seed_batch_example_as_printed_is_a_400_sentence(mclient: TestClient, mkey: str) -> None:
    """The page's curl body carries a `// or LYRICS` comment, which is not JSON: a 400 that says so."""
    for name in ("fetch_batch_as_printed", "fetch_batch_request_body"):
        assert_task_error(replay(mclient, SEEDS[name], mkey), 400, "invalid_request")


def test_seed_batch_example(mclient: TestClient, mkey: str, source: dict[str, Any]) -> None:
    request = SEEDS["fetch_batch_without_comment"]
    assert answer(replay(mclient, request, mkey)) == []  # the page's placeholder ids name no task
    real = {**request, "body": request["body"].replace('"task_2"', '"{{source_task_id}}"')}
    (task,) = answer(replay(mclient, real, mkey, **source_ids(source)))
    decode_task(task)
    assert task["task_id"] == source["task"]["task_id"] and task["action"] == "MUSIC"


def test_seed_twelve_stem_example(mclient: TestClient, mkey: str, source: dict[str, Any]) -> None:
    task_id = submit_id(replay(mclient, SEEDS["submit_stem_twelve"], mkey, **source_ids(source)))
    task = finished(mclient, mkey, task_id)
    assert task["status"] == "SUCCESS", task["fail_reason"]
    names = [clip["metadata"]["stem_type_group_name"] for clip in task["data"]]
    assert names == list(TWELVE_STEMS)
    assert all(clip["metadata"]["stem_from_id"] == source["clip"]["id"] for clip in task["data"])


# ------------------------------------------------------------------------------------ spec Part B

SONG_MODES = ["inspiration", "custom", "custom_instrumental", "instrumental_inspiration"]
EDITING_MODES = {"extend": "upload_extend", "upload_extend": "upload_extend", "cover": "cover", "infill": "infill"}


@pytest.mark.slow
@pytest.mark.parametrize("name", SONG_MODES)
def test_part_b_song_modes_make_two_songs(mclient: TestClient, mkey: str, source: dict[str, Any], name: str) -> None:
    """B §4.2 modes 1–4 as printed: two complete clips reporting the family of the `mv` asked for; the
    instrumental modes sing nothing, the custom one sings the lyrics it was sent."""
    request = PART_B[name]
    sent = orjson.loads(request["body"])
    task = finished(mclient, mkey, submit_id(replay(mclient, request, mkey, **source_ids(source))))
    assert task["status"] == "SUCCESS", task["fail_reason"]
    assert len(task["data"]) == 2
    for clip in task["data"]:
        assert clip["status"] == "complete" and clip["audio_url"] and clip["image_url"]
        metadata = clip["metadata"]
        if "instrumental" in name:
            assert metadata["has_vocal"] is False
        if name == "custom":  # its lyrics are "[Verse]\n…": nothing to sing, but the clip keeps them
            assert metadata["prompt"] == sent["prompt"] and clip["title"] == sent["title"]
        if name == "inspiration":  # 乡愁: Chinese words written for the description, and sung
            assert metadata["has_vocal"] is True and metadata["prompt"]
        if "inspiration" in name:
            assert metadata["gpt_description_prompt"] == sent["gpt_description_prompt"]


@pytest.mark.slow
@pytest.mark.parametrize("name", list(EDITING_MODES))
def test_part_b_editing_modes_make_two_clips(mclient: TestClient, mkey: str, source: dict[str, Any], name: str) -> None:
    """B §4.2 modes 5–8 as printed, on an upload: two complete clips made by the mode (an extend of an upload is
    an upload_extend)."""
    task = finished(mclient, mkey, submit_id(replay(mclient, PART_B[name], mkey, **source_ids(source))))
    assert task["status"] == "SUCCESS", task["fail_reason"]
    assert [clip["metadata"]["task"] for clip in task["data"]] == [EDITING_MODES[name]] * 2


def test_part_b_persona_example_names_its_unknown_persona(
    mclient: TestClient, mkey: str, source: dict[str, Any]
) -> None:
    """B §4.2 mode 9 with the guide's persona id, which is not one of this account's: 400 naming it."""
    response = replay(mclient, PART_B["persona"], mkey, **source_ids(source))
    assert_task_error(response, 400, "task_not_exist", "persona")


def test_part_b_two_stem_example(mclient: TestClient, mkey: str, source: dict[str, Any]) -> None:
    task_id = submit_id(replay(mclient, PART_B["stem_two"], mkey, **source_ids(source)))
    task = finished(mclient, mkey, task_id)
    assert task["status"] == "SUCCESS", task["fail_reason"]
    assert [clip["metadata"]["stem_type_group_name"] for clip in task["data"]] == ["Vocals", "Instrumental"]
    assert [clip["title"] for clip in task["data"]] == [
        f"{source['clip']['title']} (Vocals)",
        f"{source['clip']['title']} (Instrumental)",
    ]


def test_part_b_lyrics_example(mclient: TestClient, mkey: str) -> None:
    task = finished(mclient, mkey, submit_id(replay(mclient, PART_B["lyrics"], mkey)))
    assert task["status"] == "SUCCESS" and task["action"] == "LYRICS"
    assert isinstance(task["data"], dict) and task["data"]["status"] == "complete"


def test_part_b_concat_example_names_what_it_accepts(mclient: TestClient, mkey: str, source: dict[str, Any]) -> None:
    response = replay(mclient, PART_B["concat_after_extend"], mkey, **source_ids(source))
    assert_task_error(response, 400, "invalid_request", "extend")


def test_part_b_fetch_examples(mclient: TestClient, mkey: str, source: dict[str, Any]) -> None:
    task = answer(replay(mclient, PART_B["fetch_single"], mkey, **source_ids(source)))
    decode_task(task)
    assert task["task_id"] == source["task"]["task_id"]
    tasks = answer(replay(mclient, PART_B["fetch_batch"], mkey, task_ids=f'"{task["task_id"]}"'))
    assert [t["task_id"] for t in tasks] == [task["task_id"]]
