"""new-api's Suno channel against songforge: its upper-case action paths, its rebuilt bodies, its batch poll.

new-api (relay/channel/task/suno/adaptor.go) POSTs `{base}/suno/submit/MUSIC|LYRICS` with a body re-marshalled
from `dto.SunoSubmitReq` (so `task` and the `stem_*` fields never arrive), reads the answer as
`TaskResponse[string]`, and polls every unfinished task of a channel in one `POST /suno/fetch {"ids":[…]}`
read as `TaskResponse[[]SunoDataResponse]`.
"""

import random
import time
import uuid
from collections.abc import Callable
from typing import Any

import orjson
import pytest
from fastapi.testclient import TestClient

from tests.api.helpers import assert_submitted, assert_task_error, is_uuid4
from tests.compat.conftest import load, replay, source_ids
from tests.compat.go_types import decode, decode_task, task_response
from tests.conftest import auth

NEWAPI = load("newapi.json")
CALLBACK = "http://localhost:3000/suno/callback"


def submit_id(response: Any) -> str:
    """The submit answer as new-api reads it: `TaskResponse[string]`, `IsSuccess()`, `data` the task id."""
    assert response.status_code == 200, response.text
    body = orjson.loads(response.content)
    decode(body, task_response("string"))
    assert body["code"] == "success", body
    task_id: str = body["data"]
    assert is_uuid4(task_id), body
    return task_id


def poll(client: TestClient, key: str, ids: list[str]) -> list[dict[str, Any]]:
    """new-api's poll, byte for byte, decoded as `TaskResponse[[]SunoDataResponse]`."""
    response = replay(client, NEWAPI["fetch_batch"], key, ids=",".join(f'"{task_id}"' for task_id in ids))
    assert response.status_code == 200, response.text
    body = orjson.loads(response.content)
    decode(body, task_response([{}]))
    assert body["code"] == "success" and isinstance(body["data"], list), body
    for index, task in enumerate(body["data"]):
        decode_task(task, f"$.data[{index}]")
    tasks: list[dict[str, Any]] = body["data"]
    return tasks


def poll_until_done(client: TestClient, key: str, task_id: str, timeout: float = 120.0) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while True:
        (task,) = poll(client, key, [task_id])
        if task["status"] in ("SUCCESS", "FAILURE"):
            return task
        assert time.monotonic() < deadline, f"task {task_id} still {task['status']}"
        time.sleep(0.1)


# ------------------------------------------------------------------------------- the action segment


@pytest.mark.parametrize("action", ["MUSIC", "Music", "mUsIc"])
def test_music_submit_in_any_case_is_the_music_route(
    mclient: TestClient, mkey: str, mmake_key: Callable[..., str], action: str
) -> None:
    broke = mmake_key(0.0)  # the same answer twice without making songs: validated, then priced
    body = {"gpt_description_prompt": "a song about trains", "mv": "chirp-v4"}
    lower = mclient.post("/suno/submit/music", headers=auth(broke), json=body)
    other = mclient.post(f"/suno/submit/{action}", headers=auth(broke), json=body)
    assert (other.status_code, other.json()) == (lower.status_code, lower.json())
    assert_task_error(other, 403, "quota_not_enough")
    invalid = mclient.post(f"/suno/submit/{action}", headers=auth(mkey), json={"mv": "chirp-v9"})
    assert_task_error(invalid, 400, "invalid_request", "chirp-v9")  # validated exactly like the lower-case route


@pytest.mark.parametrize("action", ["LYRICS", "Lyrics"])
def test_lyrics_submit_in_any_case_is_the_lyrics_route(mclient: TestClient, mkey: str, action: str) -> None:
    assert_submitted(mclient.post(f"/suno/submit/{action}", headers=auth(mkey), json={"prompt": "a night drive"}))
    empty = mclient.post(f"/suno/submit/{action}", headers=auth(mkey), json={"prompt": "  "})
    assert_task_error(empty, 400, "invalid_request", "prompt")


def test_other_answers_of_the_action_segment_match_the_lower_case_ones(mclient: TestClient, mkey: str) -> None:
    missing = str(uuid.uuid4())
    for lower, upper in (("concat", "CONCAT"), ("nothing", "NOTHING")):
        a = mclient.post(f"/suno/submit/{lower}", headers=auth(mkey), json={"clip_id": missing})
        b = mclient.post(f"/suno/submit/{upper}", headers=auth(mkey), json={"clip_id": missing})
        assert (a.status_code, a.json()) == (b.status_code, b.json())
    a, b = mclient.get("/suno/submit/music", headers=auth(mkey)), mclient.get("/suno/submit/MUSIC", headers=auth(mkey))
    assert (a.status_code, a.headers.get("allow")) == (b.status_code, b.headers.get("allow")) and a.status_code == 405
    unauthenticated = mclient.post("/suno/submit/MUSIC", json={})
    assert unauthenticated.status_code == 401


def test_openapi_lists_each_action_once(mclient: TestClient) -> None:
    paths = [path for path in mclient.get("/openapi.json").json()["paths"] if path.lower().startswith("/suno/submit/")]
    assert sorted(paths) == ["/suno/submit/concat", "/suno/submit/lyrics", "/suno/submit/music"]


# ------------------------------------------------------------------------- new-api's rebuilt bodies


@pytest.mark.slow
@pytest.mark.parametrize("name", ["submit_music_inspiration", "submit_music_custom", "submit_music_instrumental"])
def test_newapi_song_submits_make_two_songs(mclient: TestClient, mkey: str, source: dict[str, Any], name: str) -> None:
    """new-api's rebuilt generate bodies (callBackUrl, customMode, mv) are songs: two clips, polled to SUCCESS
    the way new-api polls, each with audio, duration and the family new-api asked for."""
    task_id = submit_id(replay(mclient, NEWAPI[name], mkey, **source_ids(source)))
    task = poll_until_done(mclient, mkey, task_id, timeout=300.0)
    assert task["status"] == "SUCCESS", task["fail_reason"]
    assert len(task["data"]) == 2
    for clip in task["data"]:
        assert clip["status"] == "complete" and clip["audio_url"] and clip["metadata"]["duration"] > 1.0


@pytest.mark.slow
def test_newapi_continue_body_is_an_extend(mclient: TestClient, mkey: str, source: dict[str, Any]) -> None:
    """new-api drops `task`: its continuation body (continue_clip_id + continue_at) is read as an extend (Part A
    §8) — of an upload here, so an upload_extend — and polled to SUCCESS like any task."""
    task_id = submit_id(replay(mclient, NEWAPI["submit_music_continue"], mkey, **source_ids(source)))
    task = poll_until_done(mclient, mkey, task_id, timeout=300.0)
    assert task["status"] == "SUCCESS", task["fail_reason"]
    assert [clip["metadata"]["task"] for clip in task["data"]] == ["upload_extend"] * 2


def test_newapi_drops_the_stem_fields_so_stems_do_not_reach_songforge(
    mclient: TestClient, mkey: str, source: dict[str, Any]
) -> None:
    """What is left of a gen_stem body after new-api's rebuild is not a stem request: no task is created."""
    before = poll(mclient, mkey, [source["task"]["task_id"]])
    response = replay(mclient, NEWAPI["submit_music_stems_through_gateway"], mkey, **source_ids(source))
    # continue_clip_id without continue_at and without `task` (Part A §8): a 400 asking for `task`.
    assert_task_error(response, 400, "invalid_request", "`task`")
    assert poll(mclient, mkey, [source["task"]["task_id"]]) == before


def test_newapi_lyrics_submit_then_poll(mclient: TestClient, mkey: str) -> None:
    task_id = submit_id(replay(mclient, NEWAPI["submit_lyrics"], mkey))
    task = poll_until_done(mclient, mkey, task_id)
    assert task["status"] == "SUCCESS", task["fail_reason"]
    assert task["action"] == "LYRICS" and task["task_id"] == task_id
    assert isinstance(task["data"], dict) and task["data"]["text"].strip()
    assert task["notify_hook"] == CALLBACK  # callBackUrl is read as the webhook address
    assert task["submit_time"] <= task["start_time"] <= task["finish_time"]


def test_newapi_poll_decodes_music_tasks(mclient: TestClient, mkey: str, source: dict[str, Any]) -> None:
    (task,) = poll(mclient, mkey, [source["task"]["task_id"]])
    assert task["action"] == "MUSIC" and task["status"] == "SUCCESS"
    assert len(task["data"]) == 1 and task["data"][0]["status"] == "complete"
    assert task["data"][0]["video_url"] == ""  # no video rendered yet (Part A §4)


# ------------------------------------------------------------------------------ the 1000-id poll


def test_newapi_polls_1000_unfinished_tasks_in_one_call(idle_client: TestClient, idle_key: str) -> None:
    limit = NEWAPI["fetch_batch"]["task_query_limit"]
    assert idle_client.app.state.services.settings.max_batch_ids >= limit  # type: ignore[attr-defined]
    ids = [submit_id(replay(idle_client, NEWAPI["submit_lyrics"], idle_key)) for _ in range(limit)]
    random.Random(10).shuffle(ids)
    started = time.perf_counter()
    tasks = poll(idle_client, idle_key, ids)
    elapsed = time.perf_counter() - started
    assert [task["task_id"] for task in tasks] == ids  # request order
    assert {task["status"] for task in tasks} == {"QUEUED"}
    assert elapsed < 5.0, f"a 1000-id poll took {elapsed:.2f} s"

    # Duplicates are answered once, unknown ids dropped, and the limit is a sentence, not a crash.
    mixed = [ids[0], str(uuid.uuid4()), ids[1], ids[0]]
    assert [task["task_id"] for task in poll(idle_client, idle_key, mixed)] == [ids[0], ids[1]]
    over = [*ids, str(uuid.uuid4())]
    response = replay(idle_client, NEWAPI["fetch_batch"], idle_key, ids=",".join(f'"{i}"' for i in over))
    assert_task_error(response, 400, "invalid_request", "ids", str(limit + 1), str(limit))
