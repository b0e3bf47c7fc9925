"""Job kinds: what each kind of task is, costs and produces (Part A §5, §6, §14)."""

from dataclasses import dataclass
from enum import StrEnum

from songforge.config import Settings, credits_to_micros


class JobKind(StrEnum):
    LYRICS = "lyrics"
    UPLOAD = "upload"
    WAV = "wav"
    GEN_STEM_TWO = "gen_stem_two"
    GEN_STEM_TWELVE = "gen_stem_twelve"


@dataclass(frozen=True)
class JobSpec:
    kind: JobKind
    action: str  # MUSIC | LYRICS
    price_micros: int


def job_spec(kind: JobKind, settings: Settings) -> JobSpec:
    prices = {
        JobKind.LYRICS: settings.price_lyrics,
        JobKind.UPLOAD: settings.price_upload,
        JobKind.WAV: settings.price_wav,
        JobKind.GEN_STEM_TWO: settings.price_stem_two,
        JobKind.GEN_STEM_TWELVE: settings.price_stem_twelve,
    }
    action = "LYRICS" if kind is JobKind.LYRICS else "MUSIC"
    return JobSpec(kind=kind, action=action, price_micros=credits_to_micros(prices[kind]))


# Music-submit modes whose engine does not exist yet (answered 501; never a fake result).
PENDING_MUSIC_MODES: dict[str, str] = {
    "generate": "song generation",
    "extend": "extend",
    "upload_extend": "upload_extend",
    "cover": "cover",
    "infill": "infill (replace section)",
    "artist_consistency": "artist_consistency (persona)",
}
KNOWN_MUSIC_TASKS: frozenset[str] = frozenset({*PENDING_MUSIC_MODES, "gen_stem"}) - {"generate"}
