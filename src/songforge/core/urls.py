"""Absolute, signed file URLs (Part A §16).

A file URL carries an HMAC of its blob name, so it works in an <audio> tag with no header, cannot be
guessed from a clip id, and never expires. Without the signature only the owning key may download it.
"""

import hashlib
import hmac
from functools import lru_cache

from songforge.core.clock import is_id


class UrlSigner:
    def __init__(self, base_url: str, secret: bytes) -> None:
        self.base_url = base_url.rstrip("/")
        self._secret = secret
        self.file_path = lru_cache(maxsize=200_000)(self._file_path)

    def signature(self, blob_name: str) -> str:
        return hmac.new(self._secret, blob_name.encode(), hashlib.sha256).hexdigest()[:32]

    def is_valid(self, blob_name: str, signature: str) -> bool:
        return hmac.compare_digest(self.signature(blob_name), signature)

    def _file_path(self, blob_name: str) -> str:
        return f"/files/{blob_name}?sig={self.signature(blob_name)}"

    def file_url(self, blob_name: str | None) -> str:
        """The absolute URL of a blob, or "" when there is none (never a placeholder)."""
        return f"{self.base_url}{self.file_path(blob_name)}" if blob_name else ""


def clip_blob_names(clip_id: str) -> dict[str, str]:
    """Blob names of a clip's files, mirroring Suno's CDN naming."""
    return {
        "audio": f"{clip_id}.mp3",
        "wav": f"{clip_id}.wav",
        "master": f"{clip_id}.master.flac",
        "image": f"image_{clip_id}.jpeg",
        "image_large": f"image_large_{clip_id}.jpeg",
        "video": f"{clip_id}.mp4",
    }


# The files a clip serves (its lossless master stays private: clients get the WAV or the MP3).
PUBLIC_ROLES = frozenset({"audio", "wav", "image", "image_large", "video"})


_ASSET_INFIX = ".asset."
_ASSET_SUFFIXES = {"midi": "mid", "midi_notes": "midi.json", "timing": "timing.json", "plan": "plan.json"}
ASSET_ROLE = "asset"


def asset_blob_name(clip_id: str, asset: str) -> str:
    """Blob name of a generated song's asset (core.clip_files names them): private, never served as a file."""
    suffix = _ASSET_SUFFIXES.get(asset)
    if suffix is None:
        stem = asset.partition(":")[2]
        suffix = "stem-" + stem.lower().replace(" ", "_") + ".flac"
    return f"{clip_id}{_ASSET_INFIX}{suffix}"


def clip_of_blob(blob_name: str) -> tuple[str, str] | None:
    """(clip id, role) of one of a clip's blob names — a role of `clip_blob_names`, or ASSET_ROLE for a
    generated song's asset; None for any other name."""
    clip_id = blob_name.removeprefix("image_large_").removeprefix("image_").partition(".")[0]
    if not is_id(clip_id):
        return None
    if blob_name.startswith(clip_id + _ASSET_INFIX):
        return clip_id, ASSET_ROLE
    for role, name in clip_blob_names(clip_id).items():
        if name == blob_name:
            return clip_id, role
    return None


def clip_id_of_blob(blob_name: str) -> str | None:
    """The clip a public blob name belongs to (None for names that are not public clip files)."""
    found = clip_of_blob(blob_name)
    return found[0] if found is not None and found[1] in PUBLIC_ROLES else None
