"""Leftover files: job scratch lives beside the blobs (publishing links instead of copying); crashes and
abandoned uploads leave no litter."""

import os
import time
from pathlib import Path

import pytest
from sqlalchemy import update

from songforge.config import Settings
from songforge.core.accounts import create_account, find_caller, issue_key
from songforge.core.errors import NotInAccount
from songforge.core.services import build_services
from songforge.core.uploads import accept_file, discard_abandoned_uploads, find_upload, start_upload
from songforge.db.models import UploadSession
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


def test_uploads_abandoned_before_initialize_clip_are_discarded_with_their_file(tmp_path: Path) -> None:
    services = build_services(Settings(data_dir=tmp_path))
    with services.db.session() as session:
        account = create_account(session, "t", 0)
        caller = find_caller(session, issue_key(session, account, "t").key[3:])
    assert caller is not None
    abandoned, fresh = (start_upload(services, caller, "wav") for _ in range(2))
    for upload in (abandoned, fresh):
        services.blobs.put_bytes(f"staged-{upload.id}", b"RIFF")
        accept_file(services, upload.id, f"staged-{upload.id}", 4)
    with services.db.session() as session:
        session.execute(update(UploadSession).where(UploadSession.id == abandoned.id).values(expires_at=0.0))
    assert discard_abandoned_uploads(services) == 1
    assert not services.blobs.exists(f"staged-{abandoned.id}") and services.blobs.exists(f"staged-{fresh.id}")
    assert find_upload(services, caller, fresh.id).id == fresh.id
    with pytest.raises(NotInAccount):
        find_upload(services, caller, abandoned.id)
