"""Bad input gets a 4xx with a sentence in the right envelope; bad audio a FAILURE with a named reason;
limits answer 429; and none of it hurts the service (spec Part A §2, §14, §15; ARCHITECTURE §6)."""

import re
import struct
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from songforge.api.app import create_app
from songforge.config import credits_to_micros
from songforge.core.accounts import revoke_key
from songforge.core.urls import clip_blob_names
from songforge.db.models import Account, ApiKey, LedgerEntry, Task
from songforge.engines.audio import encode_mp3
from tests.api.helpers import (
    assert_auth_error,
    assert_submitted,
    assert_success,
    assert_task_error,
    assert_task_shape,
)
from tests.conftest import (
    auth,
    key_maker,
    synth_song,
    test_settings,
    upload_wav,
    wait_for_task,
    write_wav,
)

JSON_ROUTES = [
    "/suno/submit/music",
    "/suno/submit/lyrics",
    "/suno/submit/concat",
    "/suno/fetch",
    "/suno/uploads/audio-url",
]


def post_raw(client: TestClient, key: str, path: str, content: bytes | str) -> Any:
    return client.post(path, headers={**auth(key), "Content-Type": "application/json"}, content=content)


def stem_request(source: dict[str, Any], **overrides: Any) -> dict[str, Any]:
    body = {
        "task": "gen_stem",
        "task_id": source["task"]["task_id"],
        "continue_clip_id": source["clip"]["id"],
        "mv": "chirp-auk",
        "stem_type_id": 91,
        "stem_type_group_name": "Two",
        "stem_task": "two",
        "prompt": "",
    }
    body.update(overrides)
    return {name: value for name, value in body.items() if value is not None}


def upload_bytes(client: TestClient, key: str, name: str, content: bytes, mime: str = "audio/mpeg") -> Any:
    return client.post("/suno/uploads/audio", headers=auth(key), files={"file": (name, content, mime)})


def account_state(client: TestClient, key: str) -> tuple[int, list[tuple[str, int, str | None]]]:
    """(balance in micros, ledger rows (kind, amount, task_id)) of the key's account."""
    services = client.app.state.services  # type: ignore[attr-defined]
    with services.db.session() as session:
        account_id = session.execute(
            select(ApiKey.account_id).where(ApiKey.key_prefix == key.removeprefix("sk-")[:8])
        ).scalar_one()
        balance = session.execute(select(Account.balance_micros).where(Account.id == account_id)).scalar_one()
        rows = session.execute(
            select(LedgerEntry.kind, LedgerEntry.amount_micros, LedgerEntry.task_id)
            .where(LedgerEntry.account_id == account_id)
            .order_by(LedgerEntry.id)
        ).all()
    return balance, [tuple(row) for row in rows]


# ------------------------------------------------------------------------------------- JSON shape


@pytest.mark.parametrize("path", JSON_ROUTES)
@pytest.mark.parametrize(
    ("content", "words"),
    [
        ("{bad json", ("not valid json",)),
        ('{"prompt": "x",}', ("not valid json",)),
        ("[1, 2, 3]", ("json object",)),
        ('"just a string"', ("json object",)),
        ("42", ("json object",)),
        ("null", ("json object",)),
    ],
    ids=["garbage", "trailing-comma", "array", "string", "number", "null"],
)
def test_body_that_is_not_a_json_object(
    mclient: TestClient, mkey: str, path: str, content: str, words: tuple[str, ...]
) -> None:
    assert_task_error(post_raw(mclient, mkey, path, content), 400, "invalid_request", *words)


def test_empty_body_says_the_body_is_missing(mclient: TestClient, mkey: str) -> None:
    message = assert_task_error(post_raw(mclient, mkey, "/suno/submit/lyrics", b""), 400, "invalid_request")
    assert "``" not in message and "body" in message.lower(), message


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        ("/suno/submit/music", {"continue_at": "abc"}, "continue_at"),
        ("/suno/submit/music", {"continue_at": -1}, "continue_at"),
        ("/suno/submit/music", {"infill_start_s": [1]}, "infill_start_s"),
        ("/suno/submit/music", {"stem_type_id": "ninety-one", "task": "gen_stem"}, "stem_type_id"),
        ("/suno/submit/music", {"metadata": "not an object"}, "metadata"),
        ("/suno/submit/music", {"make_instrumental": "maybe"}, "make_instrumental"),
        ("/suno/submit/music", {"prompt": 12}, "prompt"),
        ("/suno/fetch", {"ids": "notalist"}, "ids"),
        ("/suno/fetch", {"ids": [1, 2]}, "ids"),
        ("/suno/fetch", {"ids": [{"id": "x"}]}, "ids"),
        ("/suno/submit/lyrics", {"prompt": ["a", "b"]}, "prompt"),
        ("/suno/submit/lyrics", {"prompt": None}, "prompt"),
        ("/suno/submit/lyrics", {}, "prompt"),
        ("/suno/submit/lyrics", {"prompt": "x", "seed": "lucky"}, "seed"),
        ("/suno/submit/concat", {"clip_id": "x", "is_infill": "perhaps"}, "is_infill"),
        ("/suno/uploads/audio-url", {}, "url"),
        ("/suno/uploads/audio-url", {"url": 5}, "url"),
    ],
)
def test_wrong_types_name_the_field(
    mclient: TestClient, mkey: str, path: str, body: dict[str, Any], field: str
) -> None:
    # `ids.0` for an item of a list is fine too: the sentence names the field.
    assert_task_error(mclient.post(path, headers=auth(mkey), json=body), 400, "invalid_request", f"`{field}")


# ---------------------------------------------------------------------------------------- limits


@pytest.mark.parametrize(
    ("path", "field", "limit"),
    [
        ("/suno/submit/lyrics", "prompt", 5000),
        ("/suno/submit/music", "prompt", 5000),
        ("/suno/submit/music", "gpt_description_prompt", 5000),
        ("/suno/submit/music", "tags", 1000),
        ("/suno/submit/music", "title", 200),
        ("/suno/uploads/audio-url", "title", 200),
    ],
)
def test_too_long_text_names_field_and_limit(mclient: TestClient, mkey: str, path: str, field: str, limit: int) -> None:
    body: dict[str, Any] = {field: "la " * (limit // 3 + 10)}
    if path.endswith("audio-url"):
        body["url"] = "https://example.com/song.mp3"
    response = mclient.post(path, headers=auth(mkey), json=body)
    assert_task_error(response, 400, "invalid_request", f"`{field}`", str(limit))


def test_text_at_the_limit_is_accepted(mclient: TestClient, mkey: str) -> None:
    prompt = ("a long walk by the river at night " * 200)[:5000]
    task_id = assert_submitted(mclient.post("/suno/submit/lyrics", headers=auth(mkey), json={"prompt": prompt}))
    task = wait_for_task(mclient, mkey, task_id)
    assert task["status"] == "SUCCESS", task["fail_reason"]


@pytest.mark.parametrize("prompt", ["", "   ", "\n\t "])
def test_empty_lyrics_prompt_is_400(mclient: TestClient, mkey: str, prompt: str) -> None:
    response = mclient.post("/suno/submit/lyrics", headers=auth(mkey), json={"prompt": prompt})
    assert_task_error(response, 400, "invalid_request", "prompt", "empty")


def test_unknown_task_lists_the_accepted_ones(mclient: TestClient, mkey: str) -> None:
    response = mclient.post("/suno/submit/music", headers=auth(mkey), json={"task": "remix_everything"})
    assert_task_error(response, 400, "invalid_request", "remix_everything", "extend", "cover", "gen_stem")


@pytest.mark.parametrize(("start", "end"), [(10.0, 10.0), (20.0, 5.0)])
def test_infill_range_must_be_ordered(
    mclient: TestClient, mkey: str, source: dict[str, Any], start: float, end: float
) -> None:
    body = {"task": "infill", "continue_clip_id": source["clip"]["id"], "infill_start_s": start, "infill_end_s": end}
    response = mclient.post("/suno/submit/music", headers=auth(mkey), json=body)
    assert_task_error(response, 400, "invalid_request", "infill_start_s", "infill_end_s")


def test_continue_at_past_the_end_of_the_source(mclient: TestClient, mkey: str, source: dict[str, Any]) -> None:
    body = {
        "task": "extend",
        "task_id": source["task"]["task_id"],
        "continue_clip_id": source["clip"]["id"],
        "continue_at": 30.0,
    }
    response = mclient.post("/suno/submit/music", headers=auth(mkey), json=body)
    assert_task_error(response, 400, "invalid_request", "continue_at", "duration")


def test_gen_stem_without_source_clip(mclient: TestClient, mkey: str, source: dict[str, Any]) -> None:
    response = mclient.post(
        "/suno/submit/music", headers=auth(mkey), json=stem_request(source, continue_clip_id=None, task_id=None)
    )
    assert_task_error(response, 400, "invalid_request", "continue_clip_id")


@pytest.mark.parametrize("stem_task", ["three", "TWELVE-ish", ""])
def test_gen_stem_with_invalid_stem_task(
    mclient: TestClient, mkey: str, source: dict[str, Any], stem_task: str
) -> None:
    body = stem_request(source, stem_task=stem_task, stem_type_group_name="Several")
    response = mclient.post("/suno/submit/music", headers=auth(mkey), json=body)
    assert_task_error(response, 400, "invalid_request", "stem_task", "two", "twelve")


def test_gen_stem_of_a_clip_from_another_task(mclient: TestClient, mkey: str, source: dict[str, Any]) -> None:
    lyrics = assert_submitted(mclient.post("/suno/submit/lyrics", headers=auth(mkey), json={"prompt": "dust"}))
    response = mclient.post("/suno/submit/music", headers=auth(mkey), json=stem_request(source, task_id=lyrics))
    assert_task_error(response, 400, "task_not_exist", source["clip"]["id"], lyrics)
    wait_for_task(mclient, mkey, lyrics)


@pytest.mark.parametrize(
    "hook", ["ftp://example.com/hook", "javascript:alert(1)", "not a url", "http://", "file:///etc/passwd"]
)
def test_notify_hook_must_be_http(mclient: TestClient, mkey: str, source: dict[str, Any], hook: str) -> None:
    for path, body in (
        ("/suno/submit/lyrics", {"prompt": "x", "notify_hook": hook}),
        ("/suno/submit/lyrics", {"prompt": "x", "callBackUrl": hook}),
        ("/suno/submit/music", stem_request(source, notify_hook=hook)),
        ("/suno/uploads/audio-url", {"url": "https://example.com/a.mp3", "notify_hook": hook}),
    ):
        assert_task_error(mclient.post(path, headers=auth(mkey), json=body), 400, "invalid_request", "notify_hook")
    response = mclient.post(
        "/suno/uploads/audio",
        headers=auth(mkey),
        files={"file": ("a.wav", b"RIFF", "audio/wav")},
        data={"notify_hook": hook},
    )
    assert_task_error(response, 400, "invalid_request", "notify_hook")


# ------------------------------------------------------------------------------------------ auth


BAD_AUTH = {
    "none": {},
    "empty": {"Authorization": ""},
    "bearer-only": {"Authorization": "Bearer"},
    "bearer-space": {"Authorization": "Bearer "},
    "basic": {"Authorization": "Basic dXNlcjpwYXNz"},
    "sk-only": {"Authorization": "Bearer sk-"},
    "unknown": {"Authorization": "Bearer sk-0123456789abcdef"},
    "no-scheme": {"Authorization": "sk-0123456789abcdef"},
}
AUTHED_ROUTES = [
    ("post", "/suno/submit/lyrics"),
    ("post", "/suno/submit/music"),
    ("get", "/suno/fetch/x"),
    ("post", "/suno/fetch"),
    ("post", "/suno/uploads/audio-url"),
    ("post", "/suno/uploads/audio"),
    ("get", "/suno/act/wav/x"),
    ("post", "/suno/submit/concat"),
]


@pytest.mark.parametrize("variant", list(BAD_AUTH))
def test_missing_or_invalid_key_is_401(mclient: TestClient, variant: str) -> None:
    for method, path in AUTHED_ROUTES:
        kwargs: dict[str, Any] = {"headers": BAD_AUTH[variant]}
        if method == "post":
            kwargs["json"] = {"prompt": "x", "url": "https://example.com/a.mp3", "clip_id": "x"}
        assert_auth_error(getattr(mclient, method)(path, **kwargs), 401)


def test_revoked_key_is_401(mclient: TestClient, mmake_key: Callable[..., str]) -> None:
    key = mmake_key(1.0)
    services = mclient.app.state.services  # type: ignore[attr-defined]
    with services.db.session() as session:
        assert revoke_key(session, key.removeprefix("sk-")[:8]) == 1
    assert_auth_error(mclient.post("/suno/fetch", headers=auth(key), json={}), 401)


# --------------------------------------------------------------------------------------- billing


def test_zero_credits_priced_jobs_refused_free_upload_works(
    mclient: TestClient, mmake_key: Callable[..., str], tmp_path: Path
) -> None:
    key = mmake_key(0.0)
    assert_task_error(
        mclient.post("/suno/submit/lyrics", headers=auth(key), json={"prompt": "x"}), 403, "quota_not_enough"
    )
    upload = upload_wav(mclient, key, write_wav(tmp_path / "free.wav", seconds=1.0))
    assert upload["status"] == "SUCCESS", upload["fail_reason"]
    own = {"task": {"task_id": upload["task_id"]}, "clip": upload["data"][0]}
    for stem_set in ("two", "twelve"):
        response = mclient.post(
            "/suno/submit/music",
            headers=auth(key),
            json=stem_request(own, stem_task=stem_set, stem_type_group_name=None),
        )
        assert_task_error(response, 403, "quota_not_enough")
    assert account_state(mclient, key) == (0, [])
    assert assert_success(mclient.post("/suno/fetch", headers=auth(key), json={"ids": [upload["task_id"]]}))


def test_credits_are_reserved_at_submit(mclient: TestClient, mmake_key: Callable[..., str]) -> None:
    key = mmake_key(0.03)  # one lyrics task (0.02) fits, two do not
    first = assert_submitted(mclient.post("/suno/submit/lyrics", headers=auth(key), json={"prompt": "one"}))
    assert_task_error(
        mclient.post("/suno/submit/lyrics", headers=auth(key), json={"prompt": "two"}), 403, "quota_not_enough"
    )
    assert wait_for_task(mclient, key, first)["status"] == "SUCCESS"
    balance, ledger = account_state(mclient, key)
    assert balance == credits_to_micros(0.01)
    assert [(kind, amount) for kind, amount, _ in ledger] == [
        ("grant", credits_to_micros(0.03)),
        ("charge", -credits_to_micros(0.02)),
    ]


# ------------------------------------------------------------------------------------- bad audio


# A fail_reason is a sentence for the user: never a Python exception's name or a traceback (issue 10, F4).
PYTHON_TYPE_NAME = re.compile(r"Error:|Exception|Traceback|NoneType|\b[A-Z][a-z]+[A-Z]\w*Error\b")


def assert_user_sentence(reason: str) -> None:
    assert reason and PYTHON_TYPE_NAME.search(reason) is None, reason
    assert "internal error" not in reason.lower(), reason


def assert_failed_upload(task: dict[str, Any], *words: str) -> None:
    assert_task_shape(task)
    assert task["status"] == "FAILURE"
    assert_user_sentence(task["fail_reason"])
    reason = task["fail_reason"].lower()
    for word in words:
        assert word in reason, task["fail_reason"]
    assert "traceback" not in reason and "internal error" not in reason
    clip = task["data"][0]
    assert clip["status"] == "error"
    assert clip["metadata"]["error_type"] == "invalid_audio"
    assert clip["metadata"]["error_message"] == task["fail_reason"]
    assert clip["audio_url"] == "" and clip["image_url"] == ""


def test_text_file_upload_fails_with_a_named_reason(mclient: TestClient, mkey: str) -> None:
    response = upload_bytes(mclient, mkey, "notes.txt", b"these are my lyrics, not audio\n" * 200, "text/plain")
    assert_failed_upload(wait_for_task(mclient, mkey, assert_submitted(response)), "not audio")


def test_truncated_mp3_upload_fails_with_a_named_reason(mclient: TestClient, mkey: str, tmp_path: Path) -> None:
    path = tmp_path / "whole.mp3"
    encode_mp3(synth_song(4.0), 44100, path)
    data = path.read_bytes()
    response = upload_bytes(mclient, mkey, "cut.mp3", data[: len(data) // 2])
    assert_failed_upload(wait_for_task(mclient, mkey, assert_submitted(response)), "truncated")
    response = upload_bytes(mclient, mkey, "stub.mp3", data[:200])
    task = wait_for_task(mclient, mkey, assert_submitted(response))
    assert_failed_upload(task)
    assert any(word in task["fail_reason"] for word in ("truncated", "damaged", "no decodable audio")), task


def test_random_bytes_upload_fails_with_a_named_reason(mclient: TestClient, mkey: str) -> None:
    response = upload_bytes(mclient, mkey, "noise.wav", bytes(range(256)) * 64, "audio/wav")
    assert_failed_upload(wait_for_task(mclient, mkey, assert_submitted(response)))


def wav_header(bits: int, *, audio_format: int = 1, channels: int = 1, rate: int = 44100) -> bytes:
    """A WAV file whose fmt chunk says what the arguments say, with 4,000 bytes of silence."""
    data = b"\x00" * 4000
    block = channels * bits // 8
    fmt = struct.pack("<HHIIHH", audio_format, channels, rate, rate * block, block, bits)
    return (
        b"RIFF"
        + struct.pack("<I", 36 + len(data))
        + b"WAVEfmt "
        + struct.pack("<I", 16)
        + fmt
        + (b"data" + struct.pack("<I", len(data)) + data)
    )


@pytest.mark.parametrize(
    "header",
    [{"bits": 0}, {"bits": 0, "channels": 0}, {"bits": 16, "audio_format": 0}, {"bits": 16, "audio_format": 99}],
    ids=["0-bits", "0-bits-0-channels", "format-0", "format-99"],
)
def test_wav_with_an_impossible_header_fails_with_a_sentence(
    mclient: TestClient, mkey: str, header: dict[str, int]
) -> None:
    """A WAV header saying 0 bits per sample was "internal error: AttributeError: 'NoneType' object …"."""
    response = upload_bytes(mclient, mkey, "broken.wav", wav_header(**header), "audio/wav")
    assert_failed_upload(wait_for_task(mclient, mkey, assert_submitted(response)), "header")


def own_source(mclient: TestClient, key: str, tmp_path: Path, name: str) -> dict[str, Any]:
    upload = upload_wav(mclient, key, write_wav(tmp_path / f"{name}.wav", seconds=1.0))
    assert upload["status"] == "SUCCESS", upload["fail_reason"]
    return {"task": {"task_id": upload["task_id"]}, "clip": upload["data"][0]}


def test_stems_of_a_clip_whose_master_is_missing_fail_with_a_sentence(
    mclient: TestClient, mmake_key: Callable[..., str], tmp_path: Path
) -> None:
    """A missing master file was "internal error: FileNotFoundError: …"."""
    key = mmake_key(10.0)
    own = own_source(mclient, key, tmp_path, "lost")
    services = mclient.app.state.services  # type: ignore[attr-defined]
    services.blobs.delete(clip_blob_names(own["clip"]["id"])["master"])
    task_id = assert_submitted(mclient.post("/suno/submit/music", headers=auth(key), json=stem_request(own)))
    task = wait_for_task(mclient, key, task_id)
    assert task["status"] == "FAILURE"
    assert_user_sentence(task["fail_reason"])
    assert "missing" in task["fail_reason"] and own["clip"]["id"] in task["fail_reason"], task["fail_reason"]
    assert task["data"][0]["metadata"]["error_type"] == "audio_missing"
    assert account_state(mclient, key)[0] == credits_to_micros(10.0), "the price is refunded"


@pytest.mark.parametrize("damage", ["missing", "garbage", "zero-bits"])
def test_wav_render_of_a_damaged_master_fails_with_a_sentence(
    mclient: TestClient, mmake_key: Callable[..., str], tmp_path: Path, damage: str
) -> None:
    key = mmake_key(10.0)
    clip_id = own_source(mclient, key, tmp_path, damage)["clip"]["id"]
    services = mclient.app.state.services  # type: ignore[attr-defined]
    master = clip_blob_names(clip_id)["master"]
    if damage == "missing":
        services.blobs.delete(master)
    else:
        content = b"\x00garbage" * 100 if damage == "garbage" else wav_header(0)
        services.blobs.local_path(master).write_bytes(content)
    assert_success(mclient.get(f"/suno/act/wav/{clip_id}", headers=auth(key)))
    with services.db.session() as session:
        task_id = session.execute(
            select(Task.id).where(Task.source_clip_id == clip_id, Task.kind == "wav")
        ).scalar_one()
    task = wait_for_task(mclient, key, task_id)
    assert task["status"] == "FAILURE"
    assert_user_sentence(task["fail_reason"])
    assert clip_id in task["fail_reason"], task["fail_reason"]


def test_failed_priced_job_is_refunded_exactly_once(
    mclient: TestClient, mmake_key: Callable[..., str], tmp_path: Path
) -> None:
    """A gen_stem whose source audio is unreadable FAILs with a reason, and its price comes back (Part A §14)."""
    key = mmake_key(1.0)  # exactly one gen_stem two
    upload = upload_wav(mclient, key, write_wav(tmp_path / "fragile.wav", seconds=1.0))
    clip_id = upload["data"][0]["id"]
    services = mclient.app.state.services  # type: ignore[attr-defined]
    services.blobs.local_path(clip_blob_names(clip_id)["master"]).write_bytes(b"\x00garbage" * 100)
    own = {"task": {"task_id": upload["task_id"]}, "clip": upload["data"][0]}
    task_id = assert_submitted(mclient.post("/suno/submit/music", headers=auth(key), json=stem_request(own)))
    task = wait_for_task(mclient, key, task_id)
    assert_task_shape(task)
    assert task["status"] == "FAILURE"
    assert "source audio" in task["fail_reason"], task["fail_reason"]
    assert_user_sentence(task["fail_reason"])
    assert all(clip["status"] == "error" and clip["audio_url"] == "" for clip in task["data"])
    balance, ledger = account_state(mclient, key)
    assert balance == credits_to_micros(1.0)
    price = credits_to_micros(1.0)
    assert [(kind, amount) for kind, amount, tid in ledger if tid == task_id] == [("charge", -price), ("refund", price)]
    # The refunded credit is spendable again.
    again = assert_submitted(mclient.post("/suno/submit/music", headers=auth(key), json=stem_request(own)))
    assert wait_for_task(mclient, key, again)["status"] == "FAILURE"
    assert account_state(mclient, key)[0] == credits_to_micros(1.0)


# ----------------------------------------------------------------------------------------- uploads


@pytest.mark.parametrize(
    ("host", "problem"),
    [("10.1.2.3", "private"), ("169.254.169.254", "link-local"), ("[::1]", "loopback")],
)
def test_upload_url_to_a_private_address_is_refused(mclient: TestClient, mkey: str, host: str, problem: str) -> None:
    response = mclient.post(
        "/suno/uploads/audio-url", headers=auth(mkey), json={"url": f"http://{host}/latest/meta-data/song.mp3"}
    )
    if response.status_code == 400:
        assert_task_error(response, 400, "invalid_request", problem)
        return
    task = wait_for_task(mclient, mkey, assert_submitted(response))
    assert task["status"] == "FAILURE"
    assert problem in task["fail_reason"] and "public" in task["fail_reason"], task["fail_reason"]
    assert task["data"][0]["status"] == "error"


def test_upload_url_to_a_local_server_never_connects(
    mclient: TestClient, mkey: str, audio_server: dict[str, Any]
) -> None:
    before = len(audio_server["requests"])
    response = mclient.post(
        "/suno/uploads/audio-url", headers=auth(mkey), json={"url": f"{audio_server['url']}/song.wav"}
    )
    if response.status_code != 400:
        task = wait_for_task(mclient, mkey, assert_submitted(response))
        assert task["status"] == "FAILURE" and "loopback" in task["fail_reason"], task["fail_reason"]
    assert len(audio_server["requests"]) == before, "songforge connected to a loopback address"


@pytest.mark.parametrize("url", ["", "   ", "ftp://example.com/a.mp3", "example.com/a.mp3", "http:///a.mp3"])
def test_upload_url_syntax_is_checked_at_submit(mclient: TestClient, mkey: str, url: str) -> None:
    response = mclient.post("/suno/uploads/audio-url", headers=auth(mkey), json={"url": url})
    assert_task_error(response, 400, "invalid_request", "url")


def test_empty_multipart_file_is_400(mclient: TestClient, mkey: str) -> None:
    assert_task_error(upload_bytes(mclient, mkey, "empty.mp3", b""), 400, "invalid_request", "empty")


def test_multipart_without_file_field_is_400(mclient: TestClient, mkey: str) -> None:
    response = mclient.post("/suno/uploads/audio", headers=auth(mkey), data={"title": "x"})
    assert_task_error(response, 400, "invalid_request", "file")
    response = mclient.post("/suno/uploads/audio", headers=auth(mkey), json={"file": "x"})
    assert_task_error(response, 400, "invalid_request", "file")


# ---------------------------------------------------------------------------------- rate & capacity


def test_rate_limit_answers_429_in_the_task_envelope(mclient: TestClient, mmake_key: Callable[..., str]) -> None:
    key = mmake_key(1.0, rate_limit="3/minute")
    for _ in range(3):
        assert assert_success(mclient.post("/suno/fetch", headers=auth(key), json={})) == []
    limited = mclient.post("/suno/fetch", headers=auth(key), json={})
    assert_task_error(limited, 429, "rate_limited", "rate limit")
    assert int(limited.headers["retry-after"]) > 0
    assert_task_error(mclient.post("/suno/submit/lyrics", headers=auth(key), json={"prompt": "x"}), 429, "rate_limited")
    other = mmake_key(1.0)  # the limit is per key
    assert assert_success(mclient.post("/suno/fetch", headers=auth(other), json={})) == []


def test_concurrent_task_limit_answers_429(mclient: TestClient, mmake_key: Callable[..., str], tmp_path: Path) -> None:
    key = mmake_key(1.0, max_concurrent_tasks=1)
    big = write_wav(tmp_path / "long.wav", seconds=20.0)
    with big.open("rb") as handle:
        first = assert_submitted(
            mclient.post("/suno/uploads/audio", headers=auth(key), files={"file": ("long.wav", handle, "audio/wav")})
        )
    running_clip = assert_success(mclient.get(f"/suno/fetch/{first}", headers=auth(key)))["data"][0]
    not_ready = {"task": {"task_id": first}, "clip": running_clip}
    response = mclient.post("/suno/submit/music", headers=auth(key), json=stem_request(not_ready))
    assert_task_error(response, 400, "invalid_request", running_clip["id"], "not complete")
    second = mclient.post("/suno/submit/lyrics", headers=auth(key), json={"prompt": "waiting"})
    message = assert_task_error(second, 429, "too_many_tasks", "1")
    assert "wait" in message.lower()
    assert int(second.headers["retry-after"]) > 0
    assert account_state(mclient, key)[0] == credits_to_micros(1.0), "a refused submit is not charged"
    assert wait_for_task(mclient, key, first)["status"] == "SUCCESS"
    # Once the first task is done, the key may submit again.
    third = assert_submitted(mclient.post("/suno/submit/lyrics", headers=auth(key), json={"prompt": "my turn"}))
    assert wait_for_task(mclient, key, third)["status"] == "SUCCESS"


# ---------------------------------------------------------------------------- never a 500 for input


def no_raise(client: TestClient) -> TestClient:
    """The same app, answering a server error as the 500 a client would see instead of raising it here."""
    return TestClient(client.app, raise_server_exceptions=False)


def test_huge_integer_in_an_unknown_field_is_not_a_500(mclient: TestClient, mkey: str) -> None:
    response = post_raw(
        no_raise(mclient), mkey, "/suno/submit/lyrics", '{"prompt": "x", "foo": 1000000000000000000000000000000}'
    )
    assert response.status_code < 500, response.text


def test_huge_seed_is_not_a_500(mclient: TestClient, mkey: str) -> None:
    response = post_raw(
        no_raise(mclient), mkey, "/suno/submit/lyrics", '{"prompt": "x", "seed": 1000000000000000000000000000000}'
    )
    assert response.status_code < 500, response.text


def test_lone_surrogate_in_prompt_is_not_a_500(mclient: TestClient, mkey: str) -> None:
    response = post_raw(no_raise(mclient), mkey, "/suno/submit/lyrics", '{"prompt": "love \\ud800 song"}')
    assert response.status_code < 500, response.text


def test_deeply_nested_unknown_field_is_not_a_500(mclient: TestClient, mkey: str) -> None:
    nested = "[" * 300 + "]" * 300
    response = post_raw(no_raise(mclient), mkey, "/suno/submit/lyrics", '{"prompt": "x", "foo": ' + nested + "}")
    assert response.status_code < 500, response.text


@pytest.mark.parametrize(
    "content",
    [
        '{"prompt": "x", "foo": NaN}',
        '{"prompt": "x", "foo": Infinity}',
        '{"prompt": "caf\\u00e9 \\ud83c\\udfb5 \\u0000 end"}',
        '{"prompt": "x", "notify_hook": null, "callBackUrl": null, "seed": null}',
        '{"prompt": "x", "prompt": "duplicate keys"}',
    ],
    ids=["nan", "infinity", "unicode-and-nul", "nulls", "duplicate-key"],
)
def test_odd_but_valid_json_is_handled(mclient: TestClient, mkey: str, content: str) -> None:
    response = post_raw(mclient, mkey, "/suno/submit/lyrics", content)
    assert response.status_code in (200, 400), response.text
    if response.status_code == 200:
        task = wait_for_task(mclient, mkey, assert_submitted(response))
        assert task["status"] == "SUCCESS", task["fail_reason"]


def test_odd_paths_are_json_errors(mclient: TestClient, mkey: str) -> None:
    for path in ("/suno/fetch/%00", "/suno/fetch/..%2F..%2Fetc%2Fpasswd", "/suno/act/wav/%ff", "/files/..%2Fsecret.key",
                 "/files/%2e%2e", "/files/" + "a" * 5000 + ".mp3"):  # fmt: skip
        response = mclient.get(path, headers=auth(mkey))
        assert 400 <= response.status_code < 500, (path, response.status_code, response.text[:200])
        assert response.headers["content-type"].startswith("application/json"), path
        assert set(response.json()) == {"code", "message", "data"}, path


# ------------------------------------------------------------------------------------ operator caps


@pytest.fixture(scope="module")
def capped(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[TestClient, str]]:
    """An app whose operator capped uploads at 300 000 bytes and 1 s of audio."""
    data_dir = tmp_path_factory.mktemp("capped") / "data"
    settings = test_settings(data_dir, max_upload_bytes=300_000, max_audio_seconds=1.0)
    with TestClient(create_app(settings)) as client:
        yield client, key_maker(client)(1.0)


def test_upload_over_the_byte_cap_is_413(capped: tuple[TestClient, str]) -> None:
    client, key = capped
    response = upload_bytes(client, key, "big.wav", b"\x00" * 400_000, "audio/wav")
    assert_task_error(response, 413, "file_too_large", "limit")


def test_upload_cap_message_names_the_real_limit(capped: tuple[TestClient, str]) -> None:
    client, key = capped
    message = assert_task_error(
        upload_bytes(client, key, "big.wav", b"\x00" * 400_000, "audio/wav"), 413, "file_too_large"
    )
    assert "0 MB" not in message and any(size in message for size in ("300", "292", "293")), message


def test_upload_over_the_duration_cap_fails_with_a_named_reason(capped: tuple[TestClient, str], tmp_path: Path) -> None:
    client, key = capped
    task = upload_wav(client, key, write_wav(tmp_path / "long.wav", seconds=2.0, sample_rate=8000, channels=1))
    assert_failed_upload(task, "longer", "1 s")
    short = upload_wav(client, key, write_wav(tmp_path / "short.wav", seconds=0.5, sample_rate=8000, channels=1))
    assert short["status"] == "SUCCESS", short["fail_reason"]


# ------------------------------------------------------------------------------------ still healthy


def test_service_is_still_healthy_afterwards(
    mclient: TestClient, mmake_key: Callable[..., str], tmp_path: Path
) -> None:
    """Runs last in this module: everything above left the server answering and working."""
    assert mclient.get("/healthz").status_code == 200
    key = mmake_key(1.0)
    task = upload_wav(mclient, key, write_wav(tmp_path / "after.wav", seconds=1.0))
    assert task["status"] == "SUCCESS", task["fail_reason"]
    lyrics = assert_submitted(mclient.post("/suno/submit/lyrics", headers=auth(key), json={"prompt": "still here"}))
    assert wait_for_task(mclient, key, lyrics)["status"] == "SUCCESS"
