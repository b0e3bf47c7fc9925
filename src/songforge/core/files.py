"""Who may download a clip's files without a signed URL (the account that owns the clip), and which stored
files a clip points to (so that a job that gave up can remove what it wrote, and nothing else)."""

from collections.abc import Iterable

from sqlalchemy import select

from songforge.core.clock import is_id
from songforge.core.services import Services
from songforge.core.status import TaskStatus
from songforge.core.urls import clip_of_blob
from songforge.db.models import Clip, ClipAsset, Task


def account_of_clip(services: Services, clip_id: str) -> str | None:
    """The owning account of a clip; None for an unknown clip."""
    if not is_id(clip_id):
        return None
    with services.db.read_engine.connect() as connection:
        return connection.execute(select(Clip.account_id).where(Clip.id == clip_id)).scalar_one_or_none()


def blobs_to_keep(services: Services, names: Iterable[str]) -> set[str]:
    """The names among `names` that must stay: a clip points to them, or they are not clip files at all.

    What a job that gave up wrote, less these, is garbage no clip can ever show.
    """
    keep: set[str] = set()
    by_clip: dict[str, set[str]] = {}
    for name in names:
        found = clip_of_blob(name)
        if found is None:
            keep.add(name)
        else:
            by_clip.setdefault(found[0], set()).add(name)
    if not by_clip:
        return keep
    with services.db.session() as session:
        assets = session.execute(select(ClipAsset.blob_key).where(ClipAsset.clip_id.in_(list(by_clip)))).scalars()
        keep |= set(assets) & set().union(*by_clip.values())
    columns = (Clip.audio_key, Clip.wav_key, Clip.master_key, Clip.image_key, Clip.image_large_key, Clip.video_key)
    with services.db.session() as session:
        rows = session.execute(select(Clip.id, *columns).where(Clip.id.in_(list(by_clip)))).all()
    for clip_id, *keys in rows:
        keep |= by_clip[clip_id] & {key for key in keys if key}
    return keep


def task_has_failed(services: Services, task_id: str) -> bool:
    """True when the task ended FAILURE: nobody can complete it any more."""
    with services.db.session() as session:
        status = session.execute(select(Task.status).where(Task.id == task_id)).scalar_one_or_none()
    return status == TaskStatus.FAILURE
