"""Blob store on the local disk (the embedded default)."""

import os
import shutil
import tempfile
import uuid
from pathlib import Path


class LocalBlobStore:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.root.mkdir(parents=True, exist_ok=True)

    def _path(self, name: str) -> Path:
        if "/" in name or "\\" in name or name.startswith(".") or not name:
            raise ValueError(f"invalid blob name {name!r}")
        # Two-level fan-out keeps directories small when there are millions of clips.
        return self.root / name[:2] / name

    def put_file(self, name: str, source: Path) -> None:
        target = self._path(name)
        target.parent.mkdir(parents=True, exist_ok=True)
        temporary = target.parent / f".incoming-{uuid.uuid4().hex}"
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
        fd, temporary = tempfile.mkstemp(dir=target.parent, prefix=".incoming-")
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
