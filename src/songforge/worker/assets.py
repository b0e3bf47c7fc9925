"""Keeping a clip's assets (exact stems, MIDI, word timing, plan) in the blob store, named after the clip."""

from __future__ import annotations

import contextlib
from collections.abc import Mapping

import numpy as np

from songforge.core.clip_files import StoredAsset, stem_asset
from songforge.core.urls import asset_blob_name
from songforge.engines.audio import encode_flac
from songforge.worker.context import JobContext


def store_stems(
    context: JobContext, clip_id: str, stems: Mapping[str, np.ndarray], sample_rate: int
) -> tuple[StoredAsset, ...]:
    """The exact stems as 24-bit FLAC assets of the clip."""
    stored: list[StoredAsset] = []
    for stem, audio in stems.items():
        name = stem_asset(stem)
        blob = asset_blob_name(clip_id, name)
        path = context.workdir / f"{clip_id}-stem-{len(stored)}.flac"
        encode_flac(audio, sample_rate, path)
        context.services.blobs.put_file(blob, path)
        with contextlib.suppress(FileNotFoundError):  # a hard link, or a copy the store made
            path.unlink()
        stored.append(StoredAsset(name, blob))
    return tuple(stored)


def store_documents(context: JobContext, clip_id: str, documents: Mapping[str, bytes]) -> tuple[StoredAsset, ...]:
    stored: list[StoredAsset] = []
    for name, content in documents.items():
        blob = asset_blob_name(clip_id, name)
        context.services.blobs.put_bytes(blob, content)
        stored.append(StoredAsset(name, blob))
    return tuple(stored)
