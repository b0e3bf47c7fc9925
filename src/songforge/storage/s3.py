"""Blob store on S3 or an S3-compatible server (MinIO, Ceph, moto, …): SONGFORGE_STORAGE_URL=s3://bucket/prefix.

Credentials and region come from boto3's own chain (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_DEFAULT_REGION,
profiles, instance roles). Every failure is an OSError: a missing object is FileNotFoundError, anything else
StorageError, so callers handle S3 exactly like the local disk.
"""

import contextlib
import errno
import logging
import mimetypes
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import boto3
from boto3.exceptions import Boto3Error
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from songforge.config import Settings
from songforge.storage.base import READ_CHUNK_BYTES, BlobStat, check_blob_name
from songforge.storage.cache import FileCache

log = logging.getLogger("songforge.storage")

DEFAULT_REGION = "us-east-1"
_MISSING_CODES = frozenset({"404", "NoSuchKey", "NotFound"})
_NO_BUCKET_CODES = frozenset({"404", "NoSuchBucket", "NotFound"})
# Content types objects are stored with (what a presigned download answers with); WAV as the files route names it.
_MEDIA_TYPES = mimetypes.MimeTypes()
_MEDIA_TYPES.add_type("audio/wav", ".wav")


class StorageError(OSError):
    """S3 refused or could not be reached (the message says which, without credentials)."""


def parse_storage_url(url: str) -> tuple[str, str]:
    """(bucket, key prefix ending in "/" or empty) of s3://bucket/prefix; ValueError with a sentence otherwise."""
    parts = urlsplit(url)
    if parts.scheme != "s3" or not parts.netloc or parts.query or parts.fragment:
        raise ValueError(
            f"a storage URL (SONGFORGE_STORAGE_URL) must look like s3://bucket or s3://bucket/prefix, not {url!r}"
        )
    prefix = parts.path.strip("/")
    return parts.netloc, f"{prefix}/" if prefix else ""


def client_error_code(error: ClientError) -> str:
    return str(error.response.get("Error", {}).get("Code", ""))


@contextlib.contextmanager
def _as_os_errors(action: str, name: str) -> Iterator[None]:
    try:
        yield
    except ClientError as error:
        code = client_error_code(error)
        if code in _MISSING_CODES:
            raise FileNotFoundError(errno.ENOENT, f"no blob {name}", name) from None
        raise StorageError(errno.EIO, f"S3 refused to {action} {name}: {code or error}") from error
    except (BotoCoreError, Boto3Error) as error:
        raise StorageError(errno.EIO, f"S3 could not {action} {name}: {error}") from error


class S3BlobStore:
    def __init__(self, client: Any, bucket: str, prefix: str, cache: FileCache) -> None:
        """`client`: a boto3 S3 client; `prefix`: "" or a key prefix ending in "/"."""
        self.client = client
        self.bucket = bucket
        self.prefix = prefix
        self.cache = cache

    @classmethod
    def from_settings(cls, settings: Settings) -> "S3BlobStore":
        """The configured store, after checking that its bucket exists and setting its retention rule."""
        bucket, prefix = parse_storage_url(settings.storage_url)
        endpoint = settings.s3_endpoint_url or None
        session = boto3.session.Session()
        config = Config(
            region_name=session.region_name or DEFAULT_REGION,
            signature_version="s3v4",
            # S3-compatible servers on their own host name rarely serve virtual-host-style bucket names.
            s3={"addressing_style": "path" if endpoint else "auto"},
            connect_timeout=5,
            read_timeout=60,
            retries={"mode": "standard", "max_attempts": 3},
            # Job threads, transfer threads and the API's thread pool share one client.
            max_pool_connections=64,
        )
        client = session.client("s3", endpoint_url=endpoint, config=config)
        cache = FileCache(settings.data_dir / "s3-cache", settings.s3_cache_mb * 1024 * 1024)
        store = cls(client, bucket, prefix, cache)
        store.check_bucket(endpoint or "AWS")
        store.keep_retention(settings.file_retention_days)
        return store

    def check_bucket(self, where: str) -> None:
        """StorageError naming the bucket when it is missing, forbidden or unreachable (never creates one)."""
        try:
            self.client.head_bucket(Bucket=self.bucket)
        except ClientError as error:
            code = client_error_code(error)
            if code in _NO_BUCKET_CODES:
                raise StorageError(
                    errno.ENOENT,
                    f"the S3 bucket {self.bucket!r} does not exist at {where}: create it first "
                    "(songforge never creates buckets)",
                ) from None
            raise StorageError(
                errno.EACCES, f"S3 at {where} refused access to the bucket {self.bucket!r} ({code}): check AWS_*"
            ) from None
        except BotoCoreError as error:
            raise StorageError(errno.EIO, f"cannot reach S3 at {where}: {error}") from None

    # ------------------------------------------------------------------------------------ BlobStore

    def put_file(self, name: str, source: Path) -> None:
        key = self._key(name)
        with _as_os_errors("store", name):
            # upload_file sends big files in parallel parts; S3 shows an object only once it is complete.
            self.client.upload_file(str(source), self.bucket, key, ExtraArgs={"ContentType": _media_type(name)})
        self.cache.forget(name)

    def put_bytes(self, name: str, data: bytes) -> None:
        key = self._key(name)
        with _as_os_errors("store", name):
            self.client.put_object(Bucket=self.bucket, Key=key, Body=data, ContentType=_media_type(name))
        self.cache.forget(name)

    def exists(self, name: str) -> bool:
        try:
            self.stat(name)
        except FileNotFoundError:
            return False
        return True

    def local_path(self, name: str) -> Path:
        key = self._key(name)

        def download(target: Path) -> None:
            with _as_os_errors("download", name):
                self.client.download_file(self.bucket, key, str(target))

        return self.cache.path(name, download)

    def delete(self, name: str) -> None:
        key = self._key(name)
        with _as_os_errors("delete", name):
            self.client.delete_object(Bucket=self.bucket, Key=key)
        self.cache.forget(name)

    def stat(self, name: str) -> BlobStat:
        key = self._key(name)
        with _as_os_errors("read", name):
            head = self.client.head_object(Bucket=self.bucket, Key=key)
        etag = str(head["ETag"])
        return BlobStat(
            size=int(head["ContentLength"]),
            modified=head["LastModified"].timestamp(),
            etag=etag if etag.startswith('"') else f'"{etag}"',
        )

    def read_range(self, name: str, first: int, last: int) -> Iterator[bytes]:
        key = self._key(name)
        if last < first:  # nothing to read (an empty blob): S3 refuses such a range
            return iter(())
        with _as_os_errors("read", name):
            body = self.client.get_object(Bucket=self.bucket, Key=key, Range=f"bytes={first}-{last}")["Body"]
        return self._chunks(body, name)

    def presigned_url(self, name: str, seconds: int) -> str | None:
        key = self._key(name)
        with _as_os_errors("sign a URL for", name):
            url: str = self.client.generate_presigned_url(
                "get_object", Params={"Bucket": self.bucket, "Key": key}, ExpiresIn=seconds
            )
        return url

    # ------------------------------------------------------------------------------------ beyond BlobStore

    def sizes(self) -> dict[str, int]:
        """Every blob under the prefix with its size (one listing, not a request per blob)."""
        found: dict[str, int] = {}
        with _as_os_errors("list", self.prefix or "the bucket"):
            for page in self.client.get_paginator("list_objects_v2").paginate(Bucket=self.bucket, Prefix=self.prefix):
                for item in page.get("Contents", []):
                    name = str(item["Key"])[len(self.prefix) :]
                    if "/" not in name:  # deeper keys are not songforge's
                        found[name] = int(item["Size"])
        return found

    def keep_retention(self, days: int) -> None:
        """Make the bucket expire objects under the prefix after `days` (0: no expiry); writes only on a change."""
        rule_id = f"songforge-expire-{self.prefix or 'all'}"
        try:
            rules: list[dict[str, Any]] = self.client.get_bucket_lifecycle_configuration(Bucket=self.bucket)["Rules"]
        except ClientError as error:
            if client_error_code(error) != "NoSuchLifecycleConfiguration":
                if not days:  # nothing to set: a store that may not read its rules still works
                    log.warning("cannot read the lifecycle rules of bucket %s: %s", self.bucket, error)
                    return
                raise StorageError(
                    errno.EACCES, f"cannot read the lifecycle rules of the S3 bucket {self.bucket!r}: {error}"
                ) from None
            rules = []
        current = next((rule for rule in rules if rule.get("ID") == rule_id), None)
        if _expires_after(current, self.prefix) == days:
            return
        wanted = [rule for rule in rules if rule.get("ID") != rule_id]
        if days:
            wanted.append(
                {"ID": rule_id, "Filter": {"Prefix": self.prefix}, "Status": "Enabled", "Expiration": {"Days": days}}
            )
        with _as_os_errors("set the retention rule of", self.bucket):
            if wanted:
                self.client.put_bucket_lifecycle_configuration(
                    Bucket=self.bucket, LifecycleConfiguration={"Rules": wanted}
                )
            else:
                self.client.delete_bucket_lifecycle(Bucket=self.bucket)

    def _key(self, name: str) -> str:
        return self.prefix + check_blob_name(name)

    @staticmethod
    def _chunks(body: Any, name: str) -> Iterator[bytes]:
        with _as_os_errors("read", name), contextlib.closing(body):
            yield from body.iter_chunks(READ_CHUNK_BYTES)


def _media_type(name: str) -> str:
    return _MEDIA_TYPES.guess_type(name)[0] or "application/octet-stream"


def _expires_after(rule: dict[str, Any] | None, prefix: str) -> int:
    """The days after which `rule` expires the prefix's objects; 0 when it does not."""
    if rule is None or rule.get("Status") != "Enabled" or rule.get("Filter", {}).get("Prefix", "") != prefix:
        return 0
    return int(rule.get("Expiration", {}).get("Days", 0))
