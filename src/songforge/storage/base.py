"""Where clip files live. Names are flat (`<clip>.mp3`); the store decides the layout."""

from pathlib import Path
from typing import Protocol


class BlobStore(Protocol):
    def put_file(self, name: str, source: Path) -> None:
        """Store `source` under `name` atomically (readers never see half a file)."""

    def put_bytes(self, name: str, data: bytes) -> None: ...

    def exists(self, name: str) -> bool: ...

    def local_path(self, name: str) -> Path:
        """A readable local path of the blob (downloaded to a cache for remote stores)."""

    def delete(self, name: str) -> None: ...
