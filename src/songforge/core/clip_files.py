"""A clip's published files, described once: the blob names a clip row stores and the URLs it serves."""

from dataclasses import asdict, dataclass
from typing import Any


@dataclass(frozen=True)
class ClipFiles:
    """What publishing a clip's audio produced (mp3 for playback, FLAC master, two images).

    `wav_key` and `video_key` are rendered later, on request (act routes), and attached on their own.
    """

    audio_key: str
    master_key: str
    image_key: str
    image_large_key: str
    duration: float
    sample_rate: int

    def columns(self) -> dict[str, Any]:
        """The clip row's columns these files fill in."""
        return asdict(self)


# Files rendered after a clip is complete, attached to it by name (AttachedFile.role).
ATTACHABLE_ROLES: frozenset[str] = frozenset({"wav_key", "video_key"})
