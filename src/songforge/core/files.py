"""Who may download a clip's files without a signed URL: the account that owns the clip."""

from sqlalchemy import select

from songforge.core.clock import is_id
from songforge.core.services import Services
from songforge.db.models import Clip


def account_of_clip(services: Services, clip_id: str) -> str | None:
    """The owning account of a clip; None for an unknown clip."""
    if not is_id(clip_id):
        return None
    with services.db.read_engine.connect() as connection:
        return connection.execute(select(Clip.account_id).where(Clip.id == clip_id)).scalar_one_or_none()
