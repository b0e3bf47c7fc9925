"""The files a song songforge generated keeps beside its audio: exact stems, MIDI, word timing and plan.

Workers record them with the clip (`ClipOutput.assets`); gen_stem hands out the exact stems instead of
separating the mix, and the timing and MIDI act routes answer from them. Uploads keep a timing asset (no words,
their loudness curve); any other clip's MIDI is transcribed on first ask and attached as an asset.
"""

from typing import Any

import orjson
from sqlalchemy import select

from songforge.core import jobs
from songforge.core.accounts import Caller
from songforge.core.clip_files import MIDI_NOTES_ASSET, TIMING_ASSET
from songforge.core.errors import InvalidInput
from songforge.core.jobs import MidiParams
from songforge.core.renders import queue_render
from songforge.core.services import Services
from songforge.core.submission import find_visible_clip
from songforge.db.models import Clip, ClipAsset


def song_assets_of(services: Services, clip_id: str, account_id: str) -> dict[str, str]:
    """Asset name → blob name for a clip of the account that songforge generated; empty for any other clip."""
    with services.db.session() as session:
        rows = session.execute(
            select(ClipAsset.name, ClipAsset.blob_key)
            .join(Clip, Clip.id == ClipAsset.clip_id)
            .where(ClipAsset.clip_id == clip_id, Clip.account_id == account_id)
        ).all()
    return {str(name): str(blob) for name, blob in rows}


def song_document(services: Services, clip_id: str, account_id: str, asset: str) -> dict[str, Any] | None:
    """A JSON asset (plan, word timing, MIDI notes) of a clip of the account; None when it has none."""
    blob = song_assets_of(services, clip_id, account_id).get(asset)
    if blob is None:
        return None
    try:
        return _read_json(services, blob)
    except (FileNotFoundError, orjson.JSONDecodeError):
        return None


def word_timing_of(services: Services, caller: Caller, clip_id: str) -> dict[str, Any]:
    """The clip's aligned words (B §15.1 shape), exact for a song songforge sang."""
    return _json_asset(services, caller, clip_id, TIMING_ASSET, "word timing")


def midi_of(services: Services, caller: Caller, clip_id: str) -> dict[str, Any]:
    """`{"state": "complete", "instruments": [...]}` (B §15.5): a generated song's own notes, or notes transcribed
    from any other clip (the first ask queues the transcription); `{"state": "running"}` until they exist."""
    clip = find_visible_clip(services, caller, clip_id, "clip_id", None)
    notes = song_document(services, clip.id, caller.account_id, MIDI_NOTES_ASSET)
    if notes is not None:
        return notes
    if clip.is_complete:
        queue_render(services, caller, clip, jobs.MIDI, MidiParams(clip_id=clip.id))
    return {"state": "running"}


def _json_asset(services: Services, caller: Caller, clip_id: str, asset: str, what: str) -> dict[str, Any]:
    clip = find_visible_clip(services, caller, clip_id, "clip_id", None)
    document = song_document(services, clip.id, caller.account_id, asset)
    if document is None:
        raise InvalidInput(
            f"clip {clip.id} has no {what}: it is known for songs songforge generated and for uploads, and this "
            f"clip {'is still being made' if not clip.is_complete else 'is neither'}."
        )
    return document


def _read_json(services: Services, blob: str) -> dict[str, Any]:
    with services.blobs.local_path(blob).open("rb") as file:
        loaded: dict[str, Any] = orjson.loads(file.read())
    return loaded
