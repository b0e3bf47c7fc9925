"""The six-step file upload (spec B §14.2, Part A §12, issue 10 item 3): songforge's own signed upload target,
upload-finish, the status step and initialize-clip, under `/suno` and `/sunoi`; the one-shot multipart upload
stays as it was (the request's Content-Type decides)."""

import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from songforge.api.app import create_app
from songforge.core.uploads import target_signature
from tests.api.helpers import (
    BASE_URL,
    assert_submitted,
    assert_task_error,
    fetch_task,
    is_uuid4,
    local_path_of,
    poll_task,
)
from tests.conftest import auth, key_maker, test_settings, upload_wav, wait_for_task, write_wav

PREFIXES = ("/suno", "/sunoi")
STATUS_FIELDS = {"id", "status", "error_message", "s3_id", "title", "image_url"}


@pytest.fixture(scope="module")
def wav_bytes(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    return write_wav(tmp_path_factory.mktemp("flow") / "x.wav", seconds=0.5, sample_rate=16000, channels=1).read_bytes()


def start(client: TestClient, key: str, extension: str = "wav", prefix: str = "/suno") -> dict[str, Any]:
    response = client.post(f"{prefix}/uploads/audio", headers=auth(key), json={"extension": extension})
    assert response.status_code == 200, response.text
    target: dict[str, Any] = response.json()
    return target


def post_to_target(
    client: TestClient, target: dict[str, Any], content: bytes, *, fields: dict[str, str] | None = None
) -> Any:
    """Step 2 as a client does it: every field, then `file`, to `url`, with no API key."""
    return client.post(
        local_path_of(target["url"]),
        data=target["fields"] if fields is None else fields,
        files={"file": ("my song.wav", content, target["fields"]["Content-Type"])},
    )


def finish(client: TestClient, key: str, upload_id: str, prefix: str = "/suno", name: str = "my song.wav") -> Any:
    return client.post(
        f"{prefix}/uploads/audio/{upload_id}/upload-finish",
        headers=auth(key),
        json={"upload_type": "file_upload", "upload_filename": name},
    )


def status_of(client: TestClient, key: str, upload_id: str, prefix: str = "/suno") -> dict[str, Any]:
    response = client.get(f"{prefix}/uploads/audio/{upload_id}", headers=auth(key))
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    assert set(body) == STATUS_FIELDS, body
    return body


def initialize(client: TestClient, key: str, upload_id: str, prefix: str = "/suno") -> Any:
    return client.post(f"{prefix}/uploads/audio/{upload_id}/initialize-clip", headers=auth(key), json={})


def uploaded_and_finished(client: TestClient, key: str, content: bytes) -> str:
    target = start(client, key)
    assert post_to_target(client, target, content).status_code == 204
    assert finish(client, key, target["id"]).status_code == 200
    upload_id: str = target["id"]
    return upload_id


# ------------------------------------------------------------------------------------------ the flow


@pytest.mark.parametrize("prefix", PREFIXES)
def test_six_steps_end_in_a_successful_upload_clip(
    mclient: TestClient, mkey: str, wav_bytes: bytes, prefix: str
) -> None:
    # 1. an upload target
    target = start(mclient, mkey, "mp3" if prefix == "/sunoi" else "wav", prefix)
    assert set(target) == {"id", "url", "fields", "is_file_uploaded"}, target
    upload_id = target["id"]
    assert is_uuid4(upload_id)
    assert target["is_file_uploaded"] is False
    assert target["url"].startswith(BASE_URL + "/"), target["url"]
    fields = target["fields"]
    assert fields["Content-Type"] == ("audio/mpeg" if prefix == "/sunoi" else "audio/wav")
    assert fields["key"].startswith(f"raw_uploads/{upload_id}.")
    assert fields["signature"] and fields["policy"]
    assert status_of(mclient, mkey, upload_id, prefix)["status"] == "pending"
    assert_task_error(finish(mclient, mkey, upload_id, prefix), 400, "invalid_request", "file", "url")

    # 2. the file, to songforge's own target (any bytes of a WAV; the extension is the client's word)
    assert post_to_target(mclient, target, wav_bytes).status_code == 204

    # 3. upload-finish; 4. the status step
    finished = finish(mclient, mkey, upload_id, prefix)
    assert finished.status_code == 200, finished.text
    status = status_of(mclient, mkey, upload_id, prefix)
    assert status["id"] == upload_id
    assert status["status"] == "complete" and status["error_message"] is None, status
    assert status["title"] == "my song"
    assert status["s3_id"].startswith("m_")

    # 5. initialize-clip: the clip exists at once
    response = initialize(mclient, mkey, upload_id, prefix)
    assert response.status_code == 200, response.text
    answer = response.json()
    assert set(answer) == {"clip_id", "task_id"}, answer
    clip_id, task_id = answer["clip_id"], answer["task_id"]
    assert is_uuid4(clip_id) and is_uuid4(task_id)
    assert status["s3_id"] == f"m_{clip_id}"
    queued = fetch_task(mclient, mkey, task_id)
    assert [clip["id"] for clip in queued["data"]] == [clip_id]
    assert initialize(mclient, mkey, upload_id, prefix).json() == answer, "initialize-clip twice: the same clip"

    task, _ = poll_task(mclient, mkey, task_id)
    assert task["status"] == "SUCCESS", task["fail_reason"]
    clip = task["data"][0]
    assert clip["id"] == clip_id
    assert clip["metadata"]["type"] == "upload"
    assert clip["title"] == "my song"
    assert abs(clip["metadata"]["duration"] - 0.5) < 0.05
    after = status_of(mclient, mkey, upload_id, prefix)
    assert after["status"] == "complete" and after["image_url"].startswith(BASE_URL + "/files/")
    # The other prefix serves the same upload.
    other = "/suno" if prefix == "/sunoi" else "/sunoi"
    assert status_of(mclient, mkey, upload_id, other)["s3_id"] == f"m_{clip_id}"


def test_a_file_that_is_not_audio_ends_in_error(mclient: TestClient, mkey: str) -> None:
    upload_id = uploaded_and_finished(mclient, mkey, b"this is not audio\n" * 100)
    status = status_of(mclient, mkey, upload_id)
    assert status["status"] == "error"
    assert "not audio" in status["error_message"]
    assert_task_error(initialize(mclient, mkey, upload_id), 400, "invalid_request", "not audio")


def test_a_wav_whose_header_has_no_sample_size_ends_in_error(mclient: TestClient, mkey: str, wav_bytes: bytes) -> None:
    assert wav_bytes[12:16] == b"fmt "
    broken = wav_bytes[:34] + b"\x00\x00" + wav_bytes[36:]  # bits per sample: 0
    upload_id = uploaded_and_finished(mclient, mkey, broken)
    status = status_of(mclient, mkey, upload_id)
    assert status["status"] == "error" and "not audio" in status["error_message"], status


def test_the_status_step_reports_a_failed_upload_task(mclient: TestClient, mkey: str) -> None:
    upload_id = uploaded_and_finished(mclient, mkey, b"ID3" + b"\x00" * 7 + b"no frames here" * 200)
    assert status_of(mclient, mkey, upload_id)["status"] == "complete"  # it looks like an MP3 …
    answer = initialize(mclient, mkey, upload_id).json()
    task = wait_for_task(mclient, mkey, answer["task_id"])
    assert task["status"] == "FAILURE"  # … but does not decode
    status = status_of(mclient, mkey, upload_id)
    assert status["status"] == "error" and status["error_message"] == task["fail_reason"], status


def test_initialize_before_finish_is_400(mclient: TestClient, mkey: str, wav_bytes: bytes) -> None:
    target = start(mclient, mkey)
    assert post_to_target(mclient, target, wav_bytes).status_code == 204
    assert_task_error(initialize(mclient, mkey, target["id"]), 400, "invalid_request", "upload-finish")


def test_the_target_takes_no_file_after_finish(mclient: TestClient, mkey: str, wav_bytes: bytes) -> None:
    target = start(mclient, mkey)
    assert post_to_target(mclient, target, b"first try, replaced by the next POST").status_code == 204
    assert post_to_target(mclient, target, wav_bytes).status_code == 204  # a second POST replaces the file
    assert finish(mclient, mkey, target["id"]).status_code == 200
    assert status_of(mclient, mkey, target["id"])["status"] == "complete"
    assert_task_error(post_to_target(mclient, target, wav_bytes), 400, "invalid_request", "finished")


# --------------------------------------------------------------------------------- the signed target


def test_a_tampered_target_is_403(mclient: TestClient, mkey: str, wav_bytes: bytes) -> None:
    target = start(mclient, mkey)
    fields = dict(target["fields"])
    signature = fields["signature"]
    tampered = {**fields, "signature": ("0" if signature[0] != "0" else "1") + signature[1:]}
    assert_task_error(
        post_to_target(mclient, target, wav_bytes, fields=tampered), 403, "upload_target_refused", "signature"
    )
    later = {**fields, "expires": str(int(fields["expires"]) + 86400)}  # a longer life is not for the client to pick
    assert_task_error(
        post_to_target(mclient, target, wav_bytes, fields=later), 403, "upload_target_refused", "signature"
    )
    other = start(mclient, mkey)  # a valid signature of another upload does not open this one
    assert_task_error(
        post_to_target(mclient, target, wav_bytes, fields=other["fields"]), 403, "upload_target_refused", "signature"
    )
    missing = {name: value for name, value in fields.items() if name != "signature"}
    assert_task_error(
        post_to_target(mclient, target, wav_bytes, fields=missing), 403, "upload_target_refused", "signature"
    )
    assert status_of(mclient, mkey, target["id"])["status"] == "pending"
    assert post_to_target(mclient, target, wav_bytes).status_code == 204  # the real fields still work


def test_an_expired_target_is_403(mclient: TestClient, mkey: str, wav_bytes: bytes) -> None:
    target = start(mclient, mkey)
    expires = int(target["fields"]["expires"])
    assert 3500 < expires - time.time() <= 3600, "a target lives one hour"
    secret = mclient.app.state.services.settings.resolved_secret_key  # type: ignore[attr-defined]
    past = int(time.time()) - 5
    old = {**target["fields"], "expires": str(past), "signature": target_signature(secret, target["id"], past)}
    assert_task_error(post_to_target(mclient, target, wav_bytes, fields=old), 403, "upload_target_refused", "expired")


def test_the_target_needs_a_file(mclient: TestClient, mkey: str) -> None:
    target = start(mclient, mkey)
    response = mclient.post(local_path_of(target["url"]), data=target["fields"], files={"other": ("a.txt", b"x")})
    assert_task_error(response, 400, "invalid_request", "file")
    assert_task_error(post_to_target(mclient, target, b""), 400, "invalid_request", "empty")


@pytest.fixture(scope="module")
def capped(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[TestClient, str]]:
    """An app whose operator capped uploads at 300 000 bytes."""
    data_dir = tmp_path_factory.mktemp("capped-flow") / "data"
    with TestClient(create_app(test_settings(data_dir, max_upload_bytes=300_000, workers=0))) as client:
        yield client, key_maker(client)(1.0)


def test_the_target_refuses_a_file_over_the_cap_with_413(capped: tuple[TestClient, str]) -> None:
    client, key = capped
    target = start(client, key)
    for size in (300_001, 5_000_000):  # found while streaming / refused by its Content-Length at once
        message = assert_task_error(post_to_target(client, target, b"\x00" * size), 413, "file_too_large", "limit")
        assert "292" in message or "293" in message or "300" in message, message
    assert status_of(client, key, target["id"])["status"] == "pending"
    assert post_to_target(client, target, b"RIFF" + b"\x00" * 299_996).status_code == 204  # exactly the cap


def test_the_cap_holds_without_a_content_length(capped: tuple[TestClient, str]) -> None:
    client, key = capped
    target = start(client, key)
    boundary = "songforgeboundary"
    head = "".join(
        f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'
        for name, value in target["fields"].items()
    )
    head += f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="big.wav"\r\n\r\n'

    def chunked() -> Iterator[bytes]:  # a generator body goes out chunked, with no Content-Length
        yield head.encode()
        for _ in range(10):
            yield b"\x00" * 65536
        yield f"\r\n--{boundary}--\r\n".encode()

    response = client.post(
        local_path_of(target["url"]),
        content=chunked(),
        headers={"Content-Type": f"multipart/form-data; boundary={boundary}"},
    )
    assert_task_error(response, 413, "file_too_large", "limit")


# ------------------------------------------------------------------------------------- accounts, input


def test_another_account_cannot_see_finish_or_initialize_an_upload(
    mclient: TestClient, mkey: str, mmake_key: Callable[..., str], wav_bytes: bytes
) -> None:
    target = start(mclient, mkey)
    assert post_to_target(mclient, target, wav_bytes).status_code == 204
    upload_id = target["id"]
    stranger = mmake_key(10.0)
    for prefix in PREFIXES:
        response = mclient.get(f"{prefix}/uploads/audio/{upload_id}", headers=auth(stranger))
        assert_task_error(response, 400, "task_not_exist", upload_id)
        assert_task_error(finish(mclient, stranger, upload_id, prefix), 400, "task_not_exist", upload_id)
        assert_task_error(initialize(mclient, stranger, upload_id, prefix), 400, "task_not_exist", upload_id)
    assert finish(mclient, mkey, upload_id).status_code == 200
    assert_task_error(initialize(mclient, stranger, upload_id), 400, "task_not_exist", upload_id)
    assert status_of(mclient, mkey, upload_id)["status"] == "complete", "the owner's upload is untouched"
    for unknown in ("00000000-0000-4000-8000-000000000000", "not-an-id"):
        response = mclient.get(f"/suno/uploads/audio/{unknown}", headers=auth(mkey))
        assert_task_error(response, 400, "task_not_exist")


@pytest.mark.parametrize(
    ("body", "words"),
    [
        ({"extension": "exe"}, ("extension", "mp3")),
        ({"extension": ""}, ("extension",)),
        ({}, ("extension", "file")),
        ({"extension": 5}, ("extension",)),
        ([], ("object",)),
    ],
)
def test_step_one_refuses_bad_input(mclient: TestClient, mkey: str, body: Any, words: tuple[str, ...]) -> None:
    for prefix in PREFIXES:
        response = mclient.post(f"{prefix}/uploads/audio", headers=auth(mkey), json=body)
        assert_task_error(response, 400, "invalid_request", *words)


def test_step_one_accepts_the_extension_in_any_spelling(mclient: TestClient, mkey: str) -> None:
    assert start(mclient, mkey, ".MP3")["fields"]["key"].endswith(".mp3")
    assert start(mclient, mkey, "flac")["fields"]["Content-Type"] == "audio/flac"


def test_the_routes_need_a_key(mclient: TestClient) -> None:
    upload_id = "00000000-0000-4000-8000-000000000000"
    for prefix in PREFIXES:
        assert mclient.post(f"{prefix}/uploads/audio", json={"extension": "mp3"}).status_code == 401
        assert mclient.get(f"{prefix}/uploads/audio/{upload_id}").status_code == 401
        assert mclient.post(f"{prefix}/uploads/audio/{upload_id}/upload-finish", json={}).status_code == 401
        assert mclient.post(f"{prefix}/uploads/audio/{upload_id}/initialize-clip", json={}).status_code == 401


# ------------------------------------------------------------------------------ the one-shot upload


@pytest.mark.parametrize("prefix", PREFIXES)
def test_multipart_direct_upload_still_works(mclient: TestClient, mkey: str, tmp_path: Path, prefix: str) -> None:
    path = write_wav(tmp_path / "direct song.wav", seconds=0.5, sample_rate=16000, channels=1)
    if prefix == "/suno":
        task = upload_wav(mclient, mkey, path)
    else:
        response = mclient.post(
            f"{prefix}/uploads/audio",
            headers=auth(mkey),
            files={"file": (path.name, path.read_bytes(), "audio/wav")},
            data={"title": "Direct"},
        )
        task = wait_for_task(mclient, mkey, assert_submitted(response))
    assert task["status"] == "SUCCESS", task["fail_reason"]
    assert task["data"][0]["title"] == ("direct song" if prefix == "/suno" else "Direct")


# ------------------------------------------------------------------------------------------- restart


def test_an_upload_survives_a_restart(tmp_path: Path, wav_bytes: bytes) -> None:
    settings = test_settings(tmp_path / "data")
    with TestClient(create_app(settings, start_workers=False)) as first:
        key = key_maker(first)(10.0)
        target = start(first, key)
        assert post_to_target(first, target, wav_bytes).status_code == 204
    with TestClient(create_app(settings)) as second:
        assert finish(second, key, target["id"]).status_code == 200
        response = initialize(second, key, target["id"])
        assert response.status_code == 200, response.text
        task = wait_for_task(second, key, response.json()["task_id"])
        assert task["status"] == "SUCCESS", task["fail_reason"]
        assert task["data"][0]["id"] == response.json()["clip_id"]


def test_suno_trailing_slashes_are_served_without_a_redirect(mclient: TestClient, mkey: str) -> None:
    response = mclient.post(
        "/sunoi/uploads/audio/", headers=auth(mkey), json={"extension": "mp3"}, follow_redirects=False
    )
    assert response.status_code == 200, response.text
    upload_id = response.json()["id"]
    response = mclient.get(f"/suno/uploads/audio/{upload_id}/", headers=auth(mkey), follow_redirects=False)
    assert response.status_code == 200 and response.json()["status"] == "pending", response.text
    response = mclient.post(
        f"/suno/uploads/audio/{upload_id}/upload-finish/", headers=auth(mkey), json={}, follow_redirects=False
    )
    assert_task_error(response, 400, "invalid_request", "file")


def test_concurrent_initialize_clip_calls_make_one_task(mclient: TestClient, mkey: str, wav_bytes: bytes) -> None:
    from concurrent.futures import ThreadPoolExecutor

    upload_id = uploaded_and_finished(mclient, mkey, wav_bytes)
    with ThreadPoolExecutor(4) as pool:
        answers = list(pool.map(lambda _: initialize(mclient, mkey, upload_id), range(4)))
    assert all(answer.status_code == 200 for answer in answers), [answer.text for answer in answers]
    assert len({(answer.json()["clip_id"], answer.json()["task_id"]) for answer in answers}) == 1
    task = wait_for_task(mclient, mkey, answers[0].json()["task_id"])
    assert task["status"] == "SUCCESS", task["fail_reason"]
