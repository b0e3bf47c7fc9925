"""Local copies of remote blobs, kept up to a size; the least recently used go first.

Safe across threads and processes: a copy appears by rename once it is complete, every use touches the file's
mtime (the one LRU clock all processes share), and eviction tolerates files vanishing under it.
"""

import os
import threading
import time
import uuid
import zlib
from collections.abc import Callable
from pathlib import Path

from songforge.storage.base import check_blob_name

INCOMING_PREFIX = ".incoming-"
# A copy used this recently is never evicted: the caller that asked for it may not have opened it yet.
IN_USE_SECONDS = 60.0
# Half-written copies of processes that died are removed once they are this old.
ABANDONED_SECONDS = 3600.0
_LOCK_STRIPES = 64


class FileCache:
    def __init__(self, root: Path, max_bytes: int) -> None:
        self.root = root
        self.max_bytes = max_bytes
        self.root.mkdir(parents=True, exist_ok=True)
        # Threads asking for the same name wait for one download instead of each making their own.
        self._name_locks = [threading.Lock() for _ in range(_LOCK_STRIPES)]
        self._eviction_lock = threading.Lock()

    def _path(self, name: str) -> Path:
        return self.root / name[:2] / check_blob_name(name)

    def path(self, name: str, download: Callable[[Path], None]) -> Path:
        """The local copy of `name`, made by `download(target)` when there is none."""
        path = self._path(name)
        if _touch(path):
            return path
        with self._name_locks[zlib.crc32(name.encode()) % _LOCK_STRIPES]:
            if _touch(path):  # another thread fetched it while we waited
                return path
            path.parent.mkdir(parents=True, exist_ok=True)
            temporary = path.parent / f"{INCOMING_PREFIX}{uuid.uuid4().hex}"
            try:
                download(temporary)
                os.replace(temporary, path)
            finally:
                temporary.unlink(missing_ok=True)
        self._evict(keep=path)
        return path

    def forget(self, name: str) -> None:
        """Drop the local copy (the blob was replaced or deleted)."""
        self._path(name).unlink(missing_ok=True)

    def _evict(self, keep: Path) -> None:
        with self._eviction_lock:
            now = time.time()
            copies: list[tuple[float, int, Path]] = []
            for path in self.root.glob("*/*"):
                try:
                    status = path.stat()
                except FileNotFoundError:  # evicted or renamed by another process meanwhile
                    continue
                if path.name.startswith(INCOMING_PREFIX):
                    if now - status.st_mtime > ABANDONED_SECONDS:
                        path.unlink(missing_ok=True)
                    continue
                copies.append((status.st_mtime, status.st_size, path))
            total = sum(size for _, size, _ in copies)
            for used_at, size, path in sorted(copies):
                if total <= self.max_bytes:
                    break
                if path == keep or now - used_at < IN_USE_SECONDS:
                    continue
                path.unlink(missing_ok=True)
                total -= size


def _touch(path: Path) -> bool:
    """Mark the copy as just used; False when there is none."""
    try:
        os.utime(path)
    except FileNotFoundError:
        return False
    return True
