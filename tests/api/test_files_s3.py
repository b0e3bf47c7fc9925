"""GET/HEAD /files/{name} with the files in S3 (a real moto_server on loopback): streamed through songforge with
exact bytes, ranges and validators, or redirected to a presigned S3 URL; the URLs clients hold never change."""

import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from songforge.api.app import create_app
from songforge.core.services import Services
from songforge.storage.s3 import parse_storage_url
from tests.api.helpers import BASE_URL, assert_task_error, local_path_of
from tests.conftest import auth, key_maker, test_settings, upload_wav, write_wav
from tests.integration.moto_server import MotoServer

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def storage(moto: MotoServer, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """Where the module's apps keep their state: one data dir (SQLite, secret key) and one S3 prefix."""
    return {
        "data_dir": tmp_path_factory.mktemp("s3-app") / "data",
        "storage_url": moto.storage_url("clips"),
        "s3_endpoint_url": moto.endpoint_url,
    }


@pytest.fixture(scope="module")
def s3_client(storage: dict[str, Any]) -> Iterator[TestClient]:
    """An app that keeps its files in S3 and streams them to clients."""
    with TestClient(create_app(test_settings(**storage))) as client:
        yield client


@pytest.fixture(scope="module")
def redirect_client(storage: dict[str, Any], s3_client: TestClient) -> Iterator[TestClient]:
    """A second node of the same install (same database, bucket and secret) that redirects to S3 instead."""
    settings = test_settings(**{**storage, "workers": 0, "s3_redirect": True, "s3_presign_seconds": 120})
    with TestClient(create_app(settings), follow_redirects=False) as client:
        yield client


@pytest.fixture(scope="module")
def owner_key(s3_client: TestClient) -> str:
    return key_maker(s3_client)(100.0)


@pytest.fixture(scope="module")
def clip(s3_client: TestClient, owner_key: str, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """A finished upload whose files the upload job stored in S3."""
    path = write_wav(tmp_path_factory.mktemp("audio") / "s3 song.wav", seconds=2.0)
    task = upload_wav(s3_client, owner_key, path)
    assert task["status"] == "SUCCESS", task["fail_reason"]
    clip: dict[str, Any] = task["data"][0]
    return clip


def stored_object(moto: MotoServer, storage: dict[str, Any], url: str) -> dict[str, Any]:
    """The S3 object behind a songforge file URL: {"body", "etag"}."""
    name = local_path_of(url).split("?", 1)[0].removeprefix("/files/")
    bucket, prefix = parse_storage_url(storage["storage_url"])
    found = moto.client().get_object(Bucket=bucket, Key=prefix + name)
    return {"body": found["Body"].read(), "etag": found["ETag"]}


# ------------------------------------------------------------------------------------ streaming through songforge


def test_clients_keep_songforge_urls_and_get_the_stored_bytes(
    s3_client: TestClient, moto: MotoServer, storage: dict[str, Any], clip: dict[str, Any]
) -> None:
    for field, media_type in (("audio_url", "audio/mpeg"), ("image_large_url", "image/jpeg")):
        url = clip[field]
        assert url.startswith(f"{BASE_URL}/files/") and "?sig=" in url  # not an S3 URL
        stored = stored_object(moto, storage, url)
        response = s3_client.get(local_path_of(url))
        assert response.status_code == 200, response.text
        assert response.content == stored["body"] and len(stored["body"]) > 1000
        assert response.headers["content-type"] == media_type
        assert response.headers["content-length"] == str(len(stored["body"]))
        assert response.headers["accept-ranges"] == "bytes"
        assert response.headers["etag"] == stored["etag"]
        assert response.headers["last-modified"].endswith(" GMT")
    blob_dir = storage["data_dir"] / "blobs"
    assert not list(blob_dir.glob("*/*")), "files were written to the local disk instead of S3"


def test_head_answers_the_headers_without_the_body(
    s3_client: TestClient, moto: MotoServer, storage: dict[str, Any], clip: dict[str, Any]
) -> None:
    stored = stored_object(moto, storage, clip["audio_url"])
    head = s3_client.head(local_path_of(clip["audio_url"]))
    assert head.status_code == 200 and head.content == b""
    assert head.headers["content-length"] == str(len(stored["body"]))
    assert head.headers["etag"] == stored["etag"]
    ranged = s3_client.head(local_path_of(clip["audio_url"]), headers={"Range": "bytes=0-9"})
    assert ranged.status_code == 206 and ranged.headers["content-range"] == f"bytes 0-9/{len(stored['body'])}"


def test_ranges_are_exact(
    s3_client: TestClient, moto: MotoServer, storage: dict[str, Any], clip: dict[str, Any]
) -> None:
    path = local_path_of(clip["audio_url"])
    whole = stored_object(moto, storage, clip["audio_url"])["body"]
    size = len(whole)
    for header, first, last in (
        ("bytes=100-199", 100, 199),
        ("bytes=-10", size - 10, size - 1),
        (f"bytes={size - 5}-", size - 5, size - 1),
        (f"bytes=0-{size * 10}", 0, size - 1),
        (f"bytes={size + 5}-,10-19", 10, 19),  # one range past the end among good ones
    ):
        response = s3_client.get(path, headers={"Range": header})
        assert response.status_code == 206, (header, response.text)
        assert response.content == whole[first : last + 1], header
        assert response.headers["content-range"] == f"bytes {first}-{last}/{size}", header
        assert response.headers["content-length"] == str(last - first + 1), header


def test_a_range_past_the_end_is_416_in_the_envelope(s3_client: TestClient, clip: dict[str, Any]) -> None:
    path = local_path_of(clip["audio_url"])
    size = int(s3_client.head(path).headers["content-length"])
    for method in ("GET", "HEAD"):
        response = s3_client.request(method, path, headers={"Range": f"bytes={size}-"})
        assert response.status_code == 416, method
        assert response.headers["content-range"] == f"bytes */{size}"
        assert response.headers["content-type"].startswith("application/json")
    assert_task_error(s3_client.get(path, headers={"Range": "bytes=-0"}), 416, "range_not_satisfiable", str(size))


def test_unusable_ranges_send_the_whole_file(s3_client: TestClient, clip: dict[str, Any]) -> None:
    path = local_path_of(clip["audio_url"])
    whole = s3_client.get(path)
    etag = whole.headers["etag"]
    for headers in (
        {"Range": "bytes=0-9,20-29"},  # several ranges: the whole file
        {"Range": "bytes=abc"},  # malformed: ignored
        {"Range": "items=0-5"},
        {"Range": "bytes=0-9", "If-Range": '"another-version"'},  # the client's copy is stale
    ):
        response = s3_client.get(path, headers=headers)
        assert response.status_code == 200, headers
        assert response.content == whole.content, headers
    current = s3_client.get(path, headers={"Range": "bytes=0-9", "If-Range": etag})
    assert current.status_code == 206 and current.content == whole.content[:10]


def test_only_a_signature_or_the_owner_opens_a_file(
    s3_client: TestClient, owner_key: str, clip: dict[str, Any]
) -> None:
    bare = local_path_of(clip["audio_url"]).split("?", 1)[0]
    assert_task_error(s3_client.get(bare), 404, "file_not_found")
    assert_task_error(s3_client.get(bare + "?sig=" + "0" * 32), 404, "file_not_found")
    stranger = key_maker(s3_client)(1.0)
    assert_task_error(s3_client.get(bare, headers=auth(stranger)), 404, "file_not_found")
    assert s3_client.get(bare, headers=auth(owner_key)).status_code == 200


def services_of(client: TestClient) -> Services:
    return client.app.state.services  # type: ignore[attr-defined,no-any-return]


def test_an_object_gone_from_s3_is_404(s3_client: TestClient, moto: MotoServer, storage: dict[str, Any]) -> None:
    name = f"{uuid.uuid4()}.mp3"
    services_of(s3_client).blobs.put_bytes(name, b"soon gone")
    path = services_of(s3_client).signer.file_path(name)
    assert s3_client.get(path).content == b"soon gone"
    bucket, prefix = parse_storage_url(storage["storage_url"])
    moto.client().delete_object(Bucket=bucket, Key=prefix + name)
    assert_task_error(s3_client.get(path), 404, "file_not_found")


@pytest.mark.usefixtures("moto")  # the AWS_* credentials
def test_an_unreachable_store_is_503_not_a_crash(tmp_path: Path) -> None:
    doomed = MotoServer(bucket="doomed").start()
    try:
        settings = test_settings(
            tmp_path / "data", workers=0, storage_url=doomed.storage_url(), s3_endpoint_url=doomed.endpoint_url
        )
        with TestClient(create_app(settings)) as client:
            doomed.stop()
            response = client.get(services_of(client).signer.file_path(f"{uuid.uuid4()}.mp3"))
            assert_task_error(response, 503, "storage_unavailable")
            assert response.headers["retry-after"]
            assert client.get("/readyz").status_code == 503
    finally:
        doomed.stop()


# ------------------------------------------------------------------------------------ redirect mode


def test_redirects_go_to_a_fresh_presigned_url_that_serves_bytes_and_ranges(
    redirect_client: TestClient, moto: MotoServer, storage: dict[str, Any], clip: dict[str, Any]
) -> None:
    stored = stored_object(moto, storage, clip["audio_url"])["body"]
    path = local_path_of(clip["audio_url"])
    response = redirect_client.get(path)
    assert response.status_code == 307, response.text
    assert response.headers["cache-control"] == "no-store"
    location = response.headers["location"]
    assert location.startswith(moto.endpoint_url + "/") and "X-Amz-Signature=" in location
    assert "X-Amz-Expires=120" in location
    assert httpx.get(location).content == stored
    partial = httpx.get(location, headers={"Range": "bytes=10-29"})
    assert partial.status_code == 206 and partial.content == stored[10:30]
    time.sleep(1.1)  # made at request time: a second later, another signature
    assert redirect_client.get(path).headers["location"] != location


def test_redirect_mode_checks_access_first_and_answers_head_itself(
    redirect_client: TestClient, clip: dict[str, Any]
) -> None:
    path = local_path_of(clip["audio_url"])
    assert_task_error(redirect_client.get(path.split("?", 1)[0]), 404, "file_not_found")
    missing = services_of(redirect_client).signer.file_path(f"{uuid.uuid4()}.mp3")
    assert_task_error(redirect_client.get(missing), 404, "file_not_found")
    head = redirect_client.head(path)
    assert head.status_code == 200 and int(head.headers["content-length"]) > 1000
