"""Turn an audio array into a clip's files (mp3 for playback, FLAC master, cover images)."""

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from typing import Any

from songforge.core.lifecycle import ClipOutput
from songforge.core.urls import clip_blob_names
from songforge.engines.audio import DecodedAudio, decode_file, encode_flac, encode_mp3
from songforge.engines.images import render_cover_pair
from songforge.storage.base import BlobStore


@dataclass(frozen=True)
class PublishedAudio:
    audio_key: str
    master_key: str
    image_key: str
    image_large_key: str
    duration: float
    sample_rate: int

    def clip_output(self, clip_id: str, data: dict[str, Any]) -> ClipOutput:
        """The finished clip: its wire fields plus these files."""
        data["metadata"]["duration"] = self.duration
        return ClipOutput(
            clip_id=clip_id,
            data=data,
            duration=self.duration,
            sample_rate=self.sample_rate,
            audio_key=self.audio_key,
            master_key=self.master_key,
            image_key=self.image_key,
            image_large_key=self.image_large_key,
        )


def publish_clip_audio(
    blobs: BlobStore, workdir: Path, clip_id: str, samples: np.ndarray, sample_rate: int, title: str
) -> PublishedAudio:
    names = clip_blob_names(clip_id)
    scratch = workdir / clip_id
    scratch.mkdir(parents=True, exist_ok=True)
    files = {
        "master": scratch / "master.flac",
        "audio": scratch / "audio.mp3",
        "image": scratch / "image.jpeg",
        "image_large": scratch / "image_large.jpeg",
    }
    encode_flac(samples, sample_rate, files["master"])
    encode_mp3(samples, sample_rate, files["audio"])
    render_cover_pair(samples, sample_rate, files["image"], files["image_large"], title)
    for role, path in files.items():
        blobs.put_file(names[role], path)
    return PublishedAudio(
        audio_key=names["audio"],
        master_key=names["master"],
        image_key=names["image"],
        image_large_key=names["image_large"],
        duration=round(samples.shape[-1] / sample_rate, 2),
        sample_rate=sample_rate,
    )


def load_master(blobs: BlobStore, master_key: str) -> DecodedAudio:
    return decode_file(blobs.local_path(master_key))
