"""Where clip files live. Names are flat (`<clip>.mp3`); the store decides the layout."""

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

# Chunks a ranged read yields: big enough for few calls, small enough that many downloads stay light.
READ_CHUNK_BYTES = 256 * 1024


def check_blob_name(name: str) -> str:
    """`name` when it is a flat blob name; ValueError otherwise (no paths, no hidden or empty names)."""
    if "/" in name or "\\" in name or name.startswith(".") or not name:
        raise ValueError(f"invalid blob name {name!r}")
    return name


@dataclass(frozen=True)
class BlobStat:
    size: int
    modified: float  # Unix seconds
    etag: str  # an HTTP entity tag, quoted ("…"), that changes when the content does


class BlobStore(Protocol):
    def put_file(self, name: str, source: Path) -> None:
        """Store `source` under `name` atomically (readers never see half a file)."""

    def put_bytes(self, name: str, data: bytes) -> None: ...

    def exists(self, name: str) -> bool: ...

    def local_path(self, name: str) -> Path:
        """A readable local path of the blob (downloaded to a cache for remote stores)."""

    def delete(self, name: str) -> None: ...

    def stat(self, name: str) -> BlobStat:
        """Size, time and entity tag of the blob; FileNotFoundError when there is none."""

    def read_range(self, name: str, first: int, last: int) -> Iterator[bytes]:
        """Bytes `first`..`last` (inclusive, within the blob) in chunks of at most READ_CHUNK_BYTES.

        FileNotFoundError is raised by the call itself, before any chunk, so a caller can still answer 404.
        """

    def presigned_url(self, name: str, seconds: int) -> str | None:
        """A URL anyone may GET the blob from for `seconds`, or None when the store has no such URLs."""
