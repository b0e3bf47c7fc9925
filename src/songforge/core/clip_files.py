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


# A generated song's own files, kept beside its audio (clip_assets rows): its exact stems, MIDI, word timing
# and plan. gen_stem on such a clip hands out the exact stems; the timing and MIDI routes read the others.
MIDI_ASSET = "midi"  # the Standard MIDI File
MIDI_NOTES_ASSET = "midi_notes"  # the same notes as the MIDI route's JSON
TIMING_ASSET = "timing"
PLAN_ASSET = "plan"
_STEM_PREFIX = "stem:"


def stem_asset(stem: str) -> str:
    """The asset name of one exact stem ("stem:Backing Vocals")."""
    return _STEM_PREFIX + stem


def stem_of_asset(name: str) -> str | None:
    return name.removeprefix(_STEM_PREFIX) if name.startswith(_STEM_PREFIX) else None


@dataclass(frozen=True)
class StoredAsset:
    name: str  # MIDI_ASSET, MIDI_NOTES_ASSET, TIMING_ASSET, PLAN_ASSET or stem_asset(stem)
    blob_name: str
