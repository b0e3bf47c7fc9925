"""What a job handler gets (JobContext) and gives back (JobResult)."""

import dataclasses
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from songforge.core.lifecycle import AttachedFile, ClipOutput
from songforge.core.services import Services
from songforge.core.work import ClaimedJob, keep_lease
from songforge.storage.base import BlobStat, BlobStore


class JobFailed(Exception):
    """A failure with a named reason the client sees as `fail_reason` (bad input, unusable audio)."""

    def __init__(self, reason: str, *, error_type: str = "job_failed") -> None:
        super().__init__(reason)
        self.reason = reason
        self.error_type = error_type


class LeaseLost(Exception):
    """The task is no longer ours (deadline passed, or another worker took it): stop quietly."""


@dataclass
class JobResult:
    clips: list[ClipOutput] = field(default_factory=list)
    result: dict[str, Any] | None = None  # the lyrics object
    # Files rendered for clips outside this task (e.g. the WAV of an existing clip).
    attachments: list[AttachedFile] = field(default_factory=list)


class RecordingBlobStore:
    """The blob store as a job sees it: notes every name the job stores, so that the runner can remove the
    files of a job that gave up (see JobRunner._remove_orphans)."""

    def __init__(self, inner: BlobStore) -> None:
        self.inner = inner
        self.written: list[str] = []
        self._lock = threading.Lock()  # the publisher stores clips from several threads

    def _note(self, name: str) -> None:
        with self._lock:
            if name not in self.written:
                self.written.append(name)

    def put_file(self, name: str, source: Path) -> None:
        self._note(name)
        self.inner.put_file(name, source)

    def put_bytes(self, name: str, data: bytes) -> None:
        self._note(name)
        self.inner.put_bytes(name, data)

    def exists(self, name: str) -> bool:
        return self.inner.exists(name)

    def local_path(self, name: str) -> Path:
        return self.inner.local_path(name)

    def delete(self, name: str) -> None:
        self.inner.delete(name)

    def stat(self, name: str) -> BlobStat:
        return self.inner.stat(name)

    def read_range(self, name: str, first: int, last: int) -> Iterator[bytes]:
        return self.inner.read_range(name, first, last)

    def presigned_url(self, name: str, seconds: int) -> str | None:
        return self.inner.presigned_url(name, seconds)


class JobContext:
    """Progress reporting, lease keeping and scratch space for one running job."""

    # Progress writes are throttled: the lease heartbeat also carries them.
    _MIN_PROGRESS_INTERVAL = 0.5

    def __init__(self, services: Services, job: ClaimedJob, worker_id: str) -> None:
        self.blobs = RecordingBlobStore(services.blobs)
        self.services = dataclasses.replace(services, blobs=self.blobs)  # handlers store through the recorder
        self.job = job
        self.worker_id = worker_id
        self._last_write = 0.0
        self._percent = 0
        self._lock = threading.Lock()
        scratch_root = services.settings.scratch_dir
        scratch_root.mkdir(parents=True, exist_ok=True)
        self._scratch = tempfile.TemporaryDirectory(prefix=f"{job.task_id[:8]}-", dir=scratch_root)
        self.workdir = Path(self._scratch.name)
        self.lost = False

    def progress(self, fraction: float, stage: str = "") -> None:
        """Engine progress (0–1) → task progress 1–99 %; raises LeaseLost when the job is not ours."""
        if self.lost:
            raise LeaseLost(self.job.task_id)
        percent = max(1, min(99, int(fraction * 100)))
        with self._lock:
            self._percent = max(self._percent, percent)
            due = time.monotonic() - self._last_write >= self._MIN_PROGRESS_INTERVAL
        if due:
            self.heartbeat()

    def heartbeat(self) -> None:
        """Renew the lease and store progress; marks the job lost when the row is not ours any more."""
        with self._lock:
            percent = self._percent
            self._last_write = time.monotonic()
        if not keep_lease(self.services, self.job.task_id, self.worker_id, percent or None):
            self.lost = True
            raise LeaseLost(self.job.task_id)

    def close(self) -> None:
        self._scratch.cleanup()
