"""Job scratch space lives beside the blobs (publishing links instead of copying) and crashes leave no litter."""

import os
import time
from pathlib import Path

from songforge.config import Settings
from songforge.core.services import build_services
from songforge.storage.local import LocalBlobStore
from songforge.worker.sweeper import remove_stale_scratch


def test_stale_scratch_dirs_are_removed_and_fresh_ones_kept(tmp_path: Path) -> None:
    services = build_services(Settings(data_dir=tmp_path, job_deadline_seconds=600))
    root = services.settings.scratch_dir
    stale, fresh = root / "dead-job", root / "running-job"
    for folder in (stale, fresh):
        folder.mkdir(parents=True)
        (folder / "part.flac").write_bytes(b"x")
    old = time.time() - 3600
    os.utime(stale, (old, old))
    assert remove_stale_scratch(services) == 1
    assert not stale.exists() and (fresh / "part.flac").exists()


def test_a_file_put_from_the_same_filesystem_is_linked_not_copied(tmp_path: Path) -> None:
    store = LocalBlobStore(tmp_path / "blobs")
    source = tmp_path / "scratch" / "audio.mp3"
    source.parent.mkdir()
    source.write_bytes(b"ID3 audio")
    store.put_file("clip.mp3", source)
    stored = store.local_path("clip.mp3")
    assert stored.read_bytes() == b"ID3 audio"
    assert stored.stat().st_ino == source.stat().st_ino
    source.unlink()  # the scratch dir is cleaned up after the job: the blob stays
    assert store.local_path("clip.mp3").read_bytes() == b"ID3 audio"
