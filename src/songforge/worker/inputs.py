"""What jobs read: the stored master of a clip the job's account owns, or the exact stems of a song songforge
generated; a JobFailed naming what is wrong otherwise."""

from dataclasses import dataclass
from typing import Any

import numpy as np

from songforge.core.clip_files import stem_of_asset
from songforge.core.songs import song_assets_of, song_document
from songforge.core.stem_sets import TWELVE_STEMS, StemSet
from songforge.core.work import clip_data_of, master_of_clip
from songforge.engines.audio import AudioDecodeError, DecodedAudio, decode_file
from songforge.engines.generation.mix import silent
from songforge.worker.context import JobContext, JobFailed

EXACT_STEMS_ENGINE = "exact stems (kept when the song was generated)"
# Two stems from the twelve a song keeps: every voice is "Vocals", everything else "Instrumental".
_SUNG = TWELVE_STEMS[:2]


def read_clip_master(context: JobContext, clip_id: str, use: str) -> DecodedAudio:
    """The clip's lossless master, decoded; `use` says what the job does with it ("render", "separate")."""
    master_key = master_of_clip(context.services, clip_id, context.job.account_id)
    if not master_key:
        raise JobFailed(f"clip {clip_id} has no audio to {use}", error_type="no_audio")
    try:
        path = context.services.blobs.local_path(master_key)
    except FileNotFoundError:
        reason = f"the stored audio of clip {clip_id} is missing from the server's storage, so it cannot be used"
        raise JobFailed(reason, error_type="audio_missing") from None
    try:
        return decode_file(path)
    except AudioDecodeError as error:
        raise JobFailed(
            f"the source audio (clip {clip_id}) could not be read: {error}", error_type="invalid_audio"
        ) from error


@dataclass(frozen=True)
class ExactStems:
    """A generated song's own stems in a stem set's order, each (2, samples) float32."""

    stems: dict[str, np.ndarray]
    sample_rate: int
    engine: str = EXACT_STEMS_ENGINE

    @property
    def samples(self) -> int:
        return int(next(iter(self.stems.values())).shape[1])

    def silent(self, stem: str) -> bool:
        return silent(self.stems[stem])


def exact_stems_of(context: JobContext, clip_id: str, stem_set: StemSet) -> ExactStems | None:
    """The clip's exact stems in `stem_set` (Two sums the twelve), or None when songforge did not generate it."""
    stored = stem_blobs_of(context, clip_id)
    if not stored:
        return None
    decoded = {stem: read_stem(context, clip_id, stem, blob) for stem, blob in stored.items()}
    sample_rate = next(iter(decoded.values())).sample_rate
    twelve = {stem: audio.samples for stem, audio in decoded.items()}
    if stem_set is StemSet.TWELVE:
        return ExactStems({stem: twelve[stem] for stem in stem_set.stem_names}, sample_rate)
    sung = sum(twelve[stem] for stem in _SUNG)
    played = sum(audio for stem, audio in twelve.items() if stem not in _SUNG)
    return ExactStems({"Vocals": np.asarray(sung), "Instrumental": np.asarray(played)}, sample_rate)


def stem_blobs_of(context: JobContext, clip_id: str) -> dict[str, str]:
    """Stem name → blob of the exact stems a song songforge generated keeps; empty for any other clip."""
    return {
        stem: blob
        for name, blob in song_assets_of(context.services, clip_id, context.job.account_id).items()
        if (stem := stem_of_asset(name)) is not None
    }


def read_stem(context: JobContext, clip_id: str, stem: str, blob: str) -> DecodedAudio:
    try:
        return decode_file(context.services.blobs.local_path(blob))
    except (FileNotFoundError, AudioDecodeError):
        raise JobFailed(
            f"the stored {stem} stem of clip {clip_id} is missing or unreadable, so it cannot be handed out",
            error_type="audio_missing",
        ) from None


def read_song_document(context: JobContext, clip_id: str, asset: str) -> dict[str, Any] | None:
    """A JSON asset (plan, timing, MIDI notes) of a clip songforge generated; None for any other clip."""
    return song_document(context.services, clip_id, context.job.account_id, asset)


def read_clip_data(context: JobContext, clip_id: str) -> dict[str, Any]:
    """The clip's wire fields (title, metadata); JobFailed when the account no longer has the clip."""
    data = clip_data_of(context.services, clip_id, context.job.account_id)
    if data is None:
        raise JobFailed(f"clip {clip_id} no longer exists in this account", error_type="no_source")
    return data
