"""Blob store on the local disk (the embedded default)."""

import hashlib
import os
import shutil
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

from songforge.storage.base import READ_CHUNK_BYTES, BlobStat, check_blob_name

INCOMING_PREFIX = ".incoming-"


class LocalBlobStore:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.root.mkdir(parents=True, exist_ok=True)

    def _path(self, name: str) -> Path:
        # Two-level fan-out keeps directories small when there are millions of clips.
        return self.root / name[:2] / check_blob_name(name)

    def put_file(self, name: str, source: Path) -> None:
        target = self._path(name)
        target.parent.mkdir(parents=True, exist_ok=True)
        temporary = target.parent / f"{INCOMING_PREFIX}{uuid.uuid4().hex}"
        try:
            # A hard link costs nothing when the source is on the same filesystem (a job's scratch dir
            # lives in the data dir); elsewhere the bytes are copied.
            os.link(source, temporary)
        except OSError:
            shutil.copyfile(source, temporary)
        os.replace(temporary, target)

    def put_bytes(self, name: str, data: bytes) -> None:
        target = self._path(name)
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, temporary = tempfile.mkstemp(dir=target.parent, prefix=INCOMING_PREFIX)
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.replace(temporary, target)

    def exists(self, name: str) -> bool:
        return self._path(name).is_file()

    def local_path(self, name: str) -> Path:
        path = self._path(name)
        if not path.is_file():
            raise FileNotFoundError(name)
        return path

    def delete(self, name: str) -> None:
        self._path(name).unlink(missing_ok=True)

    def stat(self, name: str) -> BlobStat:
        result = self.local_path(name).stat()
        # The same entity tag Starlette's FileResponse sends for this file.
        tag = hashlib.md5(f"{result.st_mtime}-{result.st_size}".encode(), usedforsecurity=False).hexdigest()
        return BlobStat(size=result.st_size, modified=result.st_mtime, etag=f'"{tag}"')

    def read_range(self, name: str, first: int, last: int) -> Iterator[bytes]:
        handle = self.local_path(name).open("rb")  # opened now: a missing file fails the call, not the iteration
        return _chunks(handle, first, last)

    def presigned_url(self, name: str, seconds: int) -> str | None:
        return None

    def names(self) -> Iterator[str]:
        """Every stored blob's name (files being written are left out)."""
        for path in self.root.glob("*/*"):
            if path.is_file() and not path.name.startswith(INCOMING_PREFIX):
                yield path.name


def _chunks(handle: BinaryIO, first: int, last: int) -> Iterator[bytes]:
    with handle:
        handle.seek(first)
        remaining = last - first + 1
        while remaining > 0:
            chunk = handle.read(min(READ_CHUNK_BYTES, remaining))
            if not chunk:
                return
            remaining -= len(chunk)
            yield chunk
