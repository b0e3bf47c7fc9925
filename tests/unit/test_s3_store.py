"""The S3 blob store against a real S3 server (moto_server on loopback), and the local store through the same
BlobStore contract: what callers rely on — bytes back as stored, FileNotFoundError for a missing blob, OSError
for a broken store, a bounded local cache, retention as an S3 lifecycle rule."""

import threading
import time
import uuid
from pathlib import Path
from typing import Any

import httpx
import pytest

from songforge.config import Settings
from songforge.storage import cache
from songforge.storage.base import READ_CHUNK_BYTES, BlobStore
from songforge.storage.local import LocalBlobStore
from songforge.storage.s3 import S3BlobStore, StorageError, parse_storage_url
from tests.integration.moto_server import MotoServer
from tests.integration.server_process import free_port

pytestmark = pytest.mark.integration

MIB = 1024 * 1024


def s3_settings(moto: MotoServer, data_dir: Path, **overrides: Any) -> Settings:
    """Settings of a store under a prefix of its own (tests share one bucket)."""
    values: dict[str, Any] = {
        "data_dir": data_dir,
        "storage_url": moto.storage_url(f"t-{uuid.uuid4().hex[:8]}"),
        "s3_endpoint_url": moto.endpoint_url,
        **overrides,
    }
    return Settings(**values)


@pytest.fixture(params=["local", "s3"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> BlobStore:
    if request.param == "local":
        return LocalBlobStore(tmp_path / "blobs")
    moto: MotoServer = request.getfixturevalue("moto")
    return S3BlobStore.from_settings(s3_settings(moto, tmp_path / "data"))


def random_bytes(size: int) -> bytes:
    return uuid.uuid4().bytes * (size // 16) + uuid.uuid4().bytes[: size % 16]


# ------------------------------------------------------------------------------------ the BlobStore contract


def test_what_is_stored_comes_back_byte_for_byte(store: BlobStore, tmp_path: Path) -> None:
    small = random_bytes(1000)
    store.put_bytes("a.mp3", small)
    # Past boto3's 8 MiB multipart threshold: the upload goes in parts and must still be one object.
    big = random_bytes(9 * MIB + 123)
    source = tmp_path / "big.flac"
    source.write_bytes(big)
    store.put_file("b.master.flac", source)

    assert store.exists("a.mp3") and store.exists("b.master.flac")
    assert store.stat("a.mp3").size == 1000 and store.stat("b.master.flac").size == len(big)
    assert store.local_path("a.mp3").read_bytes() == small
    assert store.local_path("b.master.flac").read_bytes() == big
    assert b"".join(store.read_range("b.master.flac", 0, len(big) - 1)) == big
    chunks = list(store.read_range("b.master.flac", 5, 3 * READ_CHUNK_BYTES))
    assert b"".join(chunks) == big[5 : 3 * READ_CHUNK_BYTES + 1]
    assert max(len(chunk) for chunk in chunks) <= READ_CHUNK_BYTES  # bounded memory per chunk
    assert b"".join(store.read_range("a.mp3", 999, 999)) == small[-1:]


def test_a_replaced_blob_reads_as_its_new_content(store: BlobStore) -> None:
    store.put_bytes("c.mp3", b"old")
    assert store.local_path("c.mp3").read_bytes() == b"old"
    store.put_bytes("c.mp3", b"new content")
    assert store.local_path("c.mp3").read_bytes() == b"new content"
    assert store.stat("c.mp3").size == len(b"new content")


def test_a_missing_blob_is_file_not_found_everywhere(store: BlobStore) -> None:
    store.put_bytes("gone.mp3", b"x")
    store.local_path("gone.mp3")  # cached locally by a remote store, then deleted
    store.delete("gone.mp3")
    store.delete("gone.mp3")  # deleting twice is fine
    assert not store.exists("gone.mp3")
    with pytest.raises(FileNotFoundError):
        store.local_path("gone.mp3")
    with pytest.raises(FileNotFoundError):
        store.stat("gone.mp3")
    with pytest.raises(FileNotFoundError):
        store.read_range("gone.mp3", 0, 0)  # raised by the call, before any chunk


@pytest.mark.parametrize("name", ["", ".hidden", "a/b.mp3", "../x.mp3", "a\\b.mp3"])
def test_names_are_flat(store: BlobStore, name: str) -> None:
    with pytest.raises(ValueError, match="invalid blob name"):
        store.put_bytes(name, b"x")
    with pytest.raises(ValueError, match="invalid blob name"):
        store.stat(name)


def test_entity_tags_change_with_the_content(store: BlobStore) -> None:
    store.put_bytes("e.mp3", b"one")
    first = store.stat("e.mp3")
    time.sleep(0.01)  # the local store's tag includes the mtime
    store.put_bytes("e.mp3", b"two!")
    second = store.stat("e.mp3")
    assert first.etag.startswith('"') and first.etag.endswith('"')
    assert first.etag != second.etag and second.modified >= first.modified


# ------------------------------------------------------------------------------------ S3 specifics


def test_objects_live_under_the_prefix_with_their_media_type(moto: MotoServer, tmp_path: Path) -> None:
    settings = s3_settings(moto, tmp_path)
    store = S3BlobStore.from_settings(settings)
    store.put_bytes("k.mp3", b"mp3")
    store.put_bytes("k.wav", b"wav")
    bucket, prefix = parse_storage_url(settings.storage_url)
    client = moto.client()
    assert client.head_object(Bucket=bucket, Key=f"{prefix}k.mp3")["ContentType"] == "audio/mpeg"
    assert client.head_object(Bucket=bucket, Key=f"{prefix}k.wav")["ContentType"] == "audio/wav"
    assert store.sizes() == {"k.mp3": 3, "k.wav": 3}


def test_presigned_urls_serve_the_bytes_and_ranges(moto: MotoServer, tmp_path: Path) -> None:
    store = S3BlobStore.from_settings(s3_settings(moto, tmp_path))
    content = random_bytes(5000)
    store.put_bytes("p.mp3", content)
    url = store.presigned_url("p.mp3", 60)
    assert url is not None and "Signature" in url
    assert httpx.get(url).content == content
    partial = httpx.get(url, headers={"Range": "bytes=100-199"})
    assert partial.status_code == 206 and partial.content == content[100:200]
    assert LocalBlobStore(tmp_path / "local").presigned_url("p.mp3", 60) is None


def test_storage_urls_are_checked() -> None:
    assert parse_storage_url("s3://bucket") == ("bucket", "")
    assert parse_storage_url("s3://bucket/a/b/") == ("bucket", "a/b/")
    for bad in ("bucket/prefix", "http://bucket/x", "s3:///prefix", "s3://bucket/x?y=1"):
        with pytest.raises(ValueError, match="s3://bucket"):
            parse_storage_url(bad)


def test_a_missing_bucket_is_named_and_never_created(moto: MotoServer, tmp_path: Path) -> None:
    settings = s3_settings(moto, tmp_path, storage_url="s3://no-such-bucket/x")
    with pytest.raises(OSError, match="'no-such-bucket' does not exist") as raised:
        S3BlobStore.from_settings(settings)
    assert isinstance(raised.value, StorageError)
    names = [bucket["Name"] for bucket in moto.client().list_buckets()["Buckets"]]
    assert "no-such-bucket" not in names


def test_an_unreachable_endpoint_is_an_os_error(moto: MotoServer, tmp_path: Path) -> None:
    settings = s3_settings(moto, tmp_path, s3_endpoint_url=f"http://127.0.0.1:{free_port()}")
    with pytest.raises(StorageError, match=r"cannot reach S3 at http://127\.0\.0\.1"):
        S3BlobStore.from_settings(settings)


def test_a_bucket_that_goes_away_fails_writes_as_os_errors(moto: MotoServer, tmp_path: Path) -> None:
    """What /readyz's storage probe catches (`except OSError`) when the bucket disappears under a running node."""
    client = moto.client()
    client.create_bucket(Bucket="short-lived")
    store = S3BlobStore.from_settings(s3_settings(moto, tmp_path, storage_url="s3://short-lived"))
    store.put_bytes("probe.mp3", b"ok")
    store.delete("probe.mp3")
    client.delete_bucket(Bucket="short-lived")
    with pytest.raises(OSError) as raised:
        store.put_bytes("probe.mp3", b"ok")
    assert "NoSuchBucket" in (raised.value.strerror or "")


def lifecycle_rules(moto: MotoServer) -> list[dict[str, Any]]:
    try:
        rules: list[dict[str, Any]] = moto.client().get_bucket_lifecycle_configuration(Bucket=moto.bucket)["Rules"]
    except Exception as error:  # noqa: BLE001 - botocore's ClientError: no configuration at all
        assert "NoSuchLifecycleConfiguration" in str(error)
        return []
    return rules


def test_retention_is_a_lifecycle_rule_on_the_prefix(moto: MotoServer, tmp_path: Path) -> None:
    client = moto.client()
    foreign = {"ID": "operators-own", "Filter": {"Prefix": "logs/"}, "Status": "Enabled", "Expiration": {"Days": 3}}
    client.put_bucket_lifecycle_configuration(Bucket=moto.bucket, LifecycleConfiguration={"Rules": [foreign]})
    settings = s3_settings(moto, tmp_path, file_retention_days=30)
    _, prefix = parse_storage_url(settings.storage_url)

    S3BlobStore.from_settings(settings)
    S3BlobStore.from_settings(settings)  # every start sets it again: still one rule of ours
    ours = [rule for rule in lifecycle_rules(moto) if rule["ID"] != "operators-own"]
    assert len(ours) == 1
    assert ours[0]["Expiration"]["Days"] == 30 and ours[0]["Filter"]["Prefix"] == prefix
    assert ours[0]["Status"] == "Enabled"

    S3BlobStore.from_settings(settings.model_copy(update={"file_retention_days": 7}))
    assert [rule["Expiration"]["Days"] for rule in lifecycle_rules(moto) if rule["ID"] != "operators-own"] == [7]

    S3BlobStore.from_settings(settings.model_copy(update={"file_retention_days": 0}))  # files kept again
    assert [rule["ID"] for rule in lifecycle_rules(moto)] == ["operators-own"]


# ------------------------------------------------------------------------------------ the local read cache


def cached_copies(data_dir: Path) -> set[str]:
    return {path.name for path in (data_dir / "s3-cache").glob("*/*") if not path.name.startswith(".")}


def test_the_cache_keeps_its_size_and_evicts_the_least_recently_used(
    moto: MotoServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Copies a caller may still be about to open are normally spared; here every copy counts at once.
    monkeypatch.setattr(cache, "IN_USE_SECONDS", 0.0)
    data_dir = tmp_path / "data"
    store = S3BlobStore.from_settings(s3_settings(moto, data_dir, s3_cache_mb=1))
    blobs = {name: random_bytes(400 * 1024) for name in ("a.mp3", "b.mp3", "c.mp3")}
    for name, content in blobs.items():
        store.put_bytes(name, content)

    store.local_path("a.mp3")
    time.sleep(0.02)
    store.local_path("b.mp3")
    time.sleep(0.02)
    assert store.local_path("a.mp3").read_bytes() == blobs["a.mp3"]  # a is now used more recently than b
    time.sleep(0.02)
    assert store.local_path("c.mp3").read_bytes() == blobs["c.mp3"]
    assert cached_copies(data_dir) == {"a.mp3", "c.mp3"}  # 1.2 MB > 1 MiB: b, the least recently used, went
    assert store.local_path("b.mp3").read_bytes() == blobs["b.mp3"]  # fetched again when asked for
    assert sum(path.stat().st_size for path in (data_dir / "s3-cache").glob("*/*")) <= MIB


def test_a_copy_just_handed_out_is_never_evicted(moto: MotoServer, tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    store = S3BlobStore.from_settings(s3_settings(moto, data_dir, s3_cache_mb=0))
    store.put_bytes("x.mp3", b"x" * 1000)
    store.put_bytes("y.mp3", b"y" * 1000)
    x = store.local_path("x.mp3")
    y = store.local_path("y.mp3")
    assert x.read_bytes() == b"x" * 1000 and y.read_bytes() == b"y" * 1000


def test_many_threads_and_processes_asking_at_once_get_whole_copies(moto: MotoServer, tmp_path: Path) -> None:
    """Two stores on one cache dir stand for two processes; eight threads ask each for the same blobs."""
    data_dir = tmp_path / "data"
    settings = s3_settings(moto, data_dir)
    stores = [S3BlobStore.from_settings(settings), S3BlobStore.from_settings(settings)]
    blobs = {f"m{index}.mp3": random_bytes(300 * 1024) for index in range(4)}
    for name, content in blobs.items():
        stores[0].put_bytes(name, content)
    failures: list[str] = []
    start = threading.Barrier(16)

    def read_all(store: S3BlobStore) -> None:
        start.wait()
        for name, content in blobs.items():
            if store.local_path(name).read_bytes() != content:
                failures.append(name)

    threads = [threading.Thread(target=read_all, args=(stores[index % 2],)) for index in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert not failures
    assert cached_copies(data_dir) == set(blobs)
    assert not list((data_dir / "s3-cache").glob("*/.incoming-*")), "half-written copies left behind"
