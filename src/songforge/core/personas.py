"""Personas (B §16): a singer kept from a song songforge generated — its voice (gender and timbre) and its
style — that `task: "artist_consistency"` sings new songs with."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import orjson
from sqlalchemy import select
from sqlalchemy.orm import Session

from songforge.config import credits_to_micros, micros_to_credits
from songforge.core.accounts import Caller
from songforge.core.clip_files import PLAN_ASSET
from songforge.core.clock import is_id, new_id, now
from songforge.core.errors import InvalidInput, NotInAccount
from songforge.core.lifecycle import charge_account
from songforge.core.queries import render_task_object
from songforge.core.services import Services
from songforge.core.songs import song_document
from songforge.core.submission import find_visible_clip, require_complete
from songforge.core.wire import with_base_url
from songforge.db.models import Persona

_LEAD = "Vocals"


@dataclass(frozen=True)
class PersonaVoice:
    """What a persona song is sung with."""

    id: str
    root_clip_id: str
    voice: str  # "m" or "f"
    timbre: int
    tags: str


@dataclass(frozen=True)
class PersonaListing:
    id: str
    account_id: str
    name: str
    root_clip_id: str
    voice: str
    timbre: int
    tags: str


def create_persona(
    services: Services, caller: Caller, *, root_clip_id: str, name: str, description: str, is_public: bool
) -> dict[str, Any]:
    """Keep the voice and style of a generated clip of the caller's as a persona (its price is charged); the
    raw persona object of B §16.1."""
    clip = find_visible_clip(services, caller, root_clip_id, "root_clip_id", None)
    require_complete(clip, "make a persona of it")
    if clip.data.get("metadata", {}).get("type") == "upload":
        raise InvalidInput(
            f"clip {clip.id} is an upload; a persona keeps the voice of a song songforge generated (its voice is "
            "known), so make it from one of those."
        )
    lead = _lead_voice(services, caller, clip.id)
    persona_id = new_id()
    price = credits_to_micros(services.settings.price_persona)
    with services.db.session() as session:
        charge_account(session, caller.account_id, price, f"persona {persona_id}")
        session.add(
            Persona(
                id=persona_id,
                account_id=caller.account_id,
                root_clip_id=clip.id,
                name=name,
                description=description,
                is_public=is_public,
                voice=lead["voice"],
                timbre=int(lead["timbre"]),
                tags=str(clip.data.get("metadata", {}).get("tags") or ""),
                created_at=now(),
            )
        )
        wire = render_task_object(session.connection(), clip.task_id, services.signer)
    clip_object = _clip_of(wire, clip.id, services.signer.base_url)
    return {
        "id": persona_id,
        "name": name,
        "description": description,
        "image_s3_id": clip_object.get("image_large_url", ""),
        "root_clip_id": clip.id,
        "clip": clip_object,
        "user_display_name": "songforge",
        "user_handle": "songforge",
        "user_image_url": "",
        "is_public": is_public,
        "persona_clips": [{"clip": clip_object, "id": 1}],
        # songforge: the voice this persona sings with
        "vocal_gender": lead["voice"],
        "timbre": int(lead["timbre"]),
        "price_credits": micros_to_credits(price),
    }


def find_persona(services: Services, caller: Caller, persona_id: str | None) -> PersonaVoice:
    """The caller's persona; NotInAccount naming the id otherwise (personas do not cross accounts)."""
    if not persona_id:
        raise InvalidInput("`persona_id` is required for task artist_consistency (from POST /suno/persona/create).")
    with services.db.session() as session:
        row = (
            session.execute(select(Persona).where(Persona.id == persona_id, Persona.account_id == caller.account_id))
            .scalars()
            .one_or_none()
            if is_id(persona_id)
            else None
        )
        if row is None:
            raise NotInAccount(f"persona {persona_id} (`persona_id`) does not exist in this account.")
        return PersonaVoice(row.id, row.root_clip_id, row.voice, row.timbre, row.tags)


def list_personas(session: Session) -> list[PersonaListing]:
    """Every persona, oldest first (the operator's `songforge personas`)."""
    rows = session.execute(select(Persona).order_by(Persona.created_at)).scalars().all()
    return [
        PersonaListing(row.id, row.account_id, row.name, row.root_clip_id, row.voice, row.timbre, row.tags)
        for row in rows
    ]


def _lead_voice(services: Services, caller: Caller, clip_id: str) -> dict[str, Any]:
    plan = song_document(services, clip_id, caller.account_id, PLAN_ASSET)
    if plan is None:
        raise InvalidInput(
            f"clip {clip_id} was not generated by songforge, so its voice is not known; make the persona from a "
            "song songforge generated."
        )
    lead = next((vocal for vocal in plan.get("vocals", []) if vocal.get("stem") == _LEAD), None)
    if lead is None:
        raise InvalidInput(f"clip {clip_id} is an instrumental: it has no voice to keep as a persona.")
    return dict(lead)


def _clip_of(wire: dict[str, Any] | None, clip_id: str, base_url: str) -> dict[str, Any]:
    clips = (wire or {}).get("data") or []
    found: dict[str, Any] = next((clip for clip in clips if clip.get("id") == clip_id), {})
    loaded: dict[str, Any] = orjson.loads(with_base_url(orjson.dumps(found), base_url))
    return loaded
