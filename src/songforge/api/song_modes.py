"""The music submits that make songs (B §4.2 modes 1–9): new songs (inspiration, custom, instrumental), songs in
a persona's voice, and songs made from a clip (extend, upload_extend, infill, cover). Each validates its fields,
names the clips it works from, and submits two clips of its job kind."""

from __future__ import annotations

import dataclasses
import secrets
from typing import Any

from songforge.api.errors import invalid_request
from songforge.api.schemas import MusicSubmitRequest
from songforge.core import jobs
from songforge.core.accounts import Caller
from songforge.core.clip_data import base_clip_data, family_for
from songforge.core.jobs import DerivedSongParams, JobKind, SongParams
from songforge.core.lifecycle import NewClip
from songforge.core.personas import find_persona
from songforge.core.services import Services
from songforge.core.submission import SourceClip, find_visible_clip, require_complete, submit_task

SONGS_PER_SUBMIT = 2  # two variations per submit (Part A §6)
SEED_RANGE = 2**31 - 1


def submit_song(
    services: Services, caller: Caller, body: MusicSubmitRequest, mv: str, notify_hook: str, request_body: Any
) -> str:
    """A new song: inspiration (`gpt_description_prompt`), custom lyrics (`prompt`) or instrumental (tags only,
    or `make_instrumental`). new-api's `customMode` is ignored: the fields say which mode it is."""
    description = (body.gpt_description_prompt or "").strip()
    lyrics = "" if description else (body.prompt or "").strip()
    tags = (body.tags or "").strip()
    if not description and not lyrics and not tags:
        raise invalid_request(
            "`prompt` is empty: send lyrics in `prompt`, style `tags` for an instrumental, "
            "or `gpt_description_prompt` to have the song written for you."
        )
    instrumental = bool(body.make_instrumental or body.instrumental) or (not description and not lyrics)
    params = _song_params(services, body, lyrics=lyrics, description=description, tags=tags, instrumental=instrumental)
    metadata = {"gpt_description_prompt": description or None}
    return _submit(services, caller, jobs.GENERATE, params, mv, notify_hook, request_body, metadata, None, instrumental)


def submit_persona_song(
    services: Services, caller: Caller, body: MusicSubmitRequest, mv: str, notify_hook: str, request_body: Any
) -> str:
    """`task: "artist_consistency"`: a new song sung in a persona's voice, in its style unless `tags` say
    otherwise."""
    if body.artist_clip_id:  # named first: a clip the caller cannot see is the clearer error
        find_visible_clip(services, caller, body.artist_clip_id, "artist_clip_id", None)
    persona = find_persona(services, caller, body.persona_id)
    artist = find_visible_clip(services, caller, body.artist_clip_id or persona.root_clip_id, "artist_clip_id", None)
    lyrics = (body.prompt or "").strip()
    tags = (body.tags or "").strip() or persona.tags
    params = _song_params(services, body, lyrics=lyrics, description="", tags=tags, instrumental=not lyrics)
    params = dataclasses.replace(params, vocal_gender=persona.voice, timbre=persona.timbre)
    metadata = {"task": "artist_consistency", "persona_id": persona.id, "artist_clip_id": artist.id}
    return _submit(services, caller, jobs.GENERATE, params, mv, notify_hook, request_body, metadata, None, not lyrics)


def submit_derived_song(
    services: Services,
    caller: Caller,
    body: MusicSubmitRequest,
    mode: str,
    mv: str,
    notify_hook: str,
    request_body: Any,
) -> str:
    """extend / upload_extend / infill / cover: two songs made from a clip the caller can see."""
    kind, source, metadata = _source_of(services, caller, body, mode)
    params = DerivedSongParams(
        source_clip_id=source.id,
        lyrics=(body.prompt or "").strip(),
        tags=(body.tags or "").strip(),
        negative_tags=(body.negative_tags or "").strip(),
        title=(body.title or "").strip(),
        vocal_gender=vocal_gender_of(body),
        seed=_seed_of(body),
        max_duration=services.settings.max_song_seconds,
        continue_at=body.continue_at,
        window_start=body.infill_start_s,
        window_end=body.infill_end_s,
        duration=_duration_of(services, body),
    )
    metadata = {**metadata, "prompt": params.lyrics, "tags": params.tags or source.data.get("metadata", {}).get("tags")}
    instrumental = not params.lyrics and kind is not jobs.COVER  # a cover sings its source's words
    return _submit(services, caller, kind, params, mv, notify_hook, request_body, metadata, source.id, instrumental)


def vocal_gender_of(body: MusicSubmitRequest) -> str:
    """ "m", "f" or "" from `vocal_gender` (top level or in `metadata`); anything else is a 400."""
    given = body.vocal_gender
    if given is None and body.metadata:
        given = body.metadata.get("vocal_gender")
    value = str(given or "").strip().lower()
    if value not in ("", "m", "f"):
        raise invalid_request(f'`vocal_gender` must be "m" or "f" (or empty); got {given!r}.')
    return value


def _source_of(
    services: Services, caller: Caller, body: MusicSubmitRequest, mode: str
) -> tuple[JobKind, SourceClip, dict[str, Any]]:
    """The job kind, the clip it works from (checked: visible, complete, the times inside it) and the clip
    metadata the mode shows from the start."""
    if mode == "cover":
        source = find_visible_clip(services, caller, body.cover_clip_id, "cover_clip_id", body.task_id)
        require_complete(source, "cover it")
        return jobs.COVER, source, {"task": "cover", "cover_clip_id": source.id}
    source = find_visible_clip(services, caller, body.continue_clip_id, "continue_clip_id", body.task_id)
    require_complete(source, f"use it for {mode}")
    duration = source.duration or 0.0
    if mode == "infill":
        start, end = body.infill_start_s, body.infill_end_s
        if start is None or end is None:
            raise invalid_request("`infill_start_s` and `infill_end_s` are required for task infill (seconds).")
        if duration and end > duration + 0.05:
            raise invalid_request(f"`infill_end_s` ({end} s) is past the clip's end ({duration} s).")
        return jobs.INFILL, source, {"task": "infill", "infill": True, "infill_start_s": start, "infill_end_s": end}
    if body.continue_at is None:
        raise invalid_request(f"`continue_at` is required for task {mode}: the second where the continuation starts.")
    if duration and body.continue_at >= duration:
        raise invalid_request(
            f"`continue_at` ({body.continue_at} s) must be less than the clip's duration ({duration} s)."
        )
    upload = source.data.get("metadata", {}).get("type") == "upload"
    task = "upload_extend" if upload else "extend"
    return jobs.EXTEND, source, {"task": task, "continue_at": body.continue_at}


def _song_params(
    services: Services, body: MusicSubmitRequest, *, lyrics: str, description: str, tags: str, instrumental: bool
) -> SongParams:
    return SongParams(
        lyrics="" if instrumental else lyrics,
        description=description,
        tags=tags,
        negative_tags=(body.negative_tags or "").strip(),
        title=(body.title or "").strip(),
        instrumental=instrumental,
        vocal_gender=vocal_gender_of(body),
        seed=_seed_of(body),
        duration=_duration_of(services, body),
        max_duration=services.settings.max_song_seconds,
    )


def _seed_of(body: MusicSubmitRequest) -> int:
    """The caller's seed, or a random one (stored with the task, so a retried job makes the same song)."""
    return body.seed if body.seed is not None else secrets.randbelow(SEED_RANGE - 1)


def _duration_of(services: Services, body: MusicSubmitRequest) -> float | None:
    cap = services.settings.max_song_seconds
    if body.duration is not None and body.duration > cap:
        raise invalid_request(f"`duration` ({body.duration} s) is over the limit of {cap} s.")
    return body.duration


def _submit(
    services: Services,
    caller: Caller,
    kind: JobKind,
    params: SongParams | DerivedSongParams,
    mv: str,
    notify_hook: str,
    request_body: Any,
    metadata: dict[str, Any],
    source_clip_id: str | None,
    instrumental: bool,
) -> str:
    clips = []
    for index in range(SONGS_PER_SUBMIT):
        clip_metadata = {
            "tags": params.tags,
            "negative_tags": params.negative_tags,
            "prompt": params.lyrics,
            "make_instrumental": instrumental,
            "has_vocal": not instrumental,
            "stream": True,
            **metadata,
        }
        data = base_clip_data(
            title=params.title,
            family=family_for(mv),
            account_id=caller.account_id,
            batch_index=index,
            metadata=clip_metadata,
        )
        clips.append(NewClip(title=params.title, data=data))
    return submit_task(
        services,
        caller,
        kind,
        params,
        request_body=request_body,
        notify_hook=notify_hook,
        clips=clips,
        source_clip_id=source_clip_id,
    )
