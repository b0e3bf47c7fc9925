"""POST /suno/submit/{music,lyrics,concat}; the action segment in any case (Part A §1)."""

from typing import Any

from fastapi import APIRouter, Depends, Request
from starlette.types import ASGIApp, Receive, Scope, Send

from songforge.api.auth import current_caller
from songforge.api.errors import invalid_request
from songforge.api.schemas import ConcatSubmitRequest, LyricsSubmitRequest, MusicSubmitRequest
from songforge.api.song_modes import submit_derived_song, submit_persona_song, submit_song
from songforge.api.state import services_of
from songforge.api.submission import check_length, notify_hook_of
from songforge.core import jobs
from songforge.core.accounts import Caller
from songforge.core.clip_data import base_clip_data, family_for
from songforge.core.jobs import KNOWN_MUSIC_TASKS, ConcatParams, LyricsParams, StemParams
from songforge.core.lifecycle import NewClip
from songforge.core.models_catalog import accepted_mv_names, canonical_mv
from songforge.core.services import Services
from songforge.core.stem_sets import StemSet
from songforge.core.submission import find_visible_clip, require_complete, submit_task

router = APIRouter(prefix="/suno/submit", tags=["submit"])

SUBMIT_RESPONSES: dict[int | str, dict[str, Any]] = {
    400: {"description": "invalid_request / task_not_exist"},
    401: {"description": "missing or invalid API key"},
    403: {"description": "quota_not_enough"},
    429: {"description": "rate, concurrency or queue limit"},
}
STEM_TYPE_ID = 91
JOINABLE_TASKS = ("extend", "upload_extend", "infill")


_SUBMIT_PREFIX = "/suno/submit/"


class SubmitActionCase:
    """Routes `/suno/submit/MUSIC`, `/suno/submit/Lyrics`, … to the lower-case routes (Part A §1).

    new-api builds its upstream URL as `{base}/suno/submit/` + the upper-cased action. Folding the action
    segment before routing (no redirect: a gateway would not follow one with its POST body) makes every
    spelling the very same route as the lower-case one: same validation, same answers, same metrics label,
    and one operation per action in the OpenAPI document. Pure ASGI, so other routes pay one substring test.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and _SUBMIT_PREFIX in scope["path"]:
            scope = _fold_action(scope)
        await self.app(scope, receive, send)


def _fold_action(scope: Scope) -> Scope:
    path: str = scope["path"]
    head, _, action = path.rpartition("/")
    if not head.endswith(_SUBMIT_PREFIX[:-1]) or action == action.lower():
        return scope
    folded = {**scope, "path": f"{head}/{action.lower()}"}
    raw_path = scope.get("raw_path")
    if raw_path:
        raw_head, _, raw_action = raw_path.rpartition(b"/")
        folded["raw_path"] = raw_head + b"/" + raw_action.lower()
    return folded


def _envelope(task_id: str) -> dict[str, Any]:
    return {"code": "success", "message": "", "data": task_id}


def _raw_body(request_body: Any) -> Any:
    return request_body.model_dump(exclude_unset=True)


@router.post("/music", responses=SUBMIT_RESPONSES)
def submit_music(
    body: MusicSubmitRequest, request: Request, caller: Caller = Depends(current_caller)
) -> dict[str, Any]:
    """All music jobs: generate, extend, cover, infill, persona and `gen_stem` (Two / Twelve stems)."""
    services = services_of(request)
    settings = services.settings
    mv = canonical_mv(body.mv) if body.mv else canonical_mv(settings.default_mv)
    if mv is None:
        raise invalid_request(f"unknown `mv` {body.mv!r}; accepted: {', '.join(accepted_mv_names())}.")
    mode = body.task or "generate"
    if mode not in KNOWN_MUSIC_TASKS and mode != "generate":
        accepted = ", ".join(sorted(KNOWN_MUSIC_TASKS))
        raise invalid_request(f"unknown `task` {mode!r}; accepted: {accepted} (or no `task` to generate).")
    check_length("prompt", body.prompt, settings.max_prompt_chars)
    check_length("gpt_description_prompt", body.gpt_description_prompt, settings.max_prompt_chars)
    check_length("tags", body.tags, settings.max_tags_chars)
    check_length("negative_tags", body.negative_tags, settings.max_tags_chars)
    check_length("title", body.title, settings.max_title_chars)
    if body.infill_start_s is not None and body.infill_end_s is not None and body.infill_start_s >= body.infill_end_s:
        raise invalid_request("`infill_start_s` must be smaller than `infill_end_s`.")
    notify_hook = notify_hook_of(body)
    if mode == "gen_stem":
        return _envelope(_submit_stems(services, caller, body, mv, notify_hook))
    if mode == "generate" and body.continue_clip_id:
        if body.continue_at is None:
            raise invalid_request(
                "`continue_clip_id` without `continue_at`: send `task` (extend, infill, cover, gen_stem) to say "
                "what to do with the clip, or `continue_at` to extend it."
            )
        mode = "extend"  # Part A §8: gateways drop `task`; a numeric continue_at means extend
    raw = _raw_body(body)
    if mode == "generate":
        return _envelope(submit_song(services, caller, body, mv, notify_hook, raw))
    if mode == "artist_consistency":
        return _envelope(submit_persona_song(services, caller, body, mv, notify_hook, raw))
    return _envelope(submit_derived_song(services, caller, body, mode, mv, notify_hook, raw))


def _stem_set_of(body: MusicSubmitRequest) -> StemSet:
    for value in (body.stem_task, body.stem_type_group_name):
        if value and value.lower() in ("two", "twelve"):
            return StemSet(value.lower())
    raise invalid_request('`stem_task` must be "two" or "twelve" (or `stem_type_group_name` "Two"/"Twelve").')


def _submit_stems(services: Services, caller: Caller, body: MusicSubmitRequest, mv: str, notify_hook: str) -> str:
    stem_set = _stem_set_of(body)
    source = find_visible_clip(services, caller, body.continue_clip_id, "continue_clip_id", body.task_id)
    require_complete(source, "separate it")
    source_id = source.id
    source_data = source.data
    source_title = source_data.get("title") or ""
    history = [
        {
            "id": source_id,
            "type": "gen",
            "source": "web",
            "infill": False,
            "stem_type_id": STEM_TYPE_ID,
            "stem_type_group_name": stem_set.group_name,
            "stem_task": stem_set.value,
            "stem_from_id": source_id,
        }
    ]
    clips = []
    for index, stem_name in enumerate(stem_set.stem_names):
        metadata = {
            "task": "gen_stem",
            "type": "gen",
            "prompt": source_data.get("metadata", {}).get("prompt", "") if stem_name == "Vocals" else "",
            "tags": source_data.get("metadata", {}).get("tags", ""),
            "history": history,
            "stem_from_id": source_id,
            "edited_clip_id": source_id,
            "stem_task": stem_set.value,
            "stem_type_id": STEM_TYPE_ID,
            "stem_type_group_name": stem_name,
            "is_remix": True,
            "can_remix": True,
            "make_instrumental": stem_name != "Vocals",
        }
        title = f"{source_title} ({stem_name})"
        data = base_clip_data(
            title=title, family=family_for(mv), account_id=caller.account_id, batch_index=index, metadata=metadata
        )
        clips.append(NewClip(title=title, data=data))
    kind = jobs.GEN_STEM_TWO if stem_set is StemSet.TWO else jobs.GEN_STEM_TWELVE
    return submit_task(
        services,
        caller,
        kind,
        StemParams(source_clip_id=source_id, stem_set=stem_set.value),
        request_body=_raw_body(body),
        notify_hook=notify_hook,
        clips=clips,
        source_clip_id=source_id,
    )


@router.post("/lyrics", responses=SUBMIT_RESPONSES)
def submit_lyrics(
    body: LyricsSubmitRequest, request: Request, caller: Caller = Depends(current_caller)
) -> dict[str, Any]:
    """Write lyrics for a topic (sections, rhymes, a title); the task's `data` is one lyrics object."""
    services = services_of(request)
    if not body.prompt.strip():
        raise invalid_request("`prompt` is empty: say what the song is about (prompt_empty).")
    check_length("prompt", body.prompt, services.settings.max_prompt_chars)
    task_id = submit_task(
        services,
        caller,
        jobs.LYRICS,
        LyricsParams(prompt=body.prompt, seed=body.seed),
        request_body=_raw_body(body),
        notify_hook=notify_hook_of(body),
        clips=[],
    )
    return _envelope(task_id)


@router.post("/concat", responses=SUBMIT_RESPONSES)
def submit_concat(
    body: ConcatSubmitRequest, request: Request, caller: Caller = Depends(current_caller)
) -> dict[str, Any]:
    """Join an extended (or infilled) clip with its history into the full song."""
    services = services_of(request)
    clip = find_visible_clip(services, caller, body.clip_id, "clip_id", None)
    made_by = clip.made_by
    if made_by not in JOINABLE_TASKS:
        raise invalid_request(
            f"clip {body.clip_id} was made by `{made_by}`; only clips made by extend, upload_extend or infill "
            "can be joined."
        )
    if bool(body.is_infill) != (made_by == "infill"):
        expected = "true" if made_by == "infill" else "false"
        raise invalid_request(f"`is_infill` must be {expected} for a clip made by `{made_by}`.")
    require_complete(clip, "join it")
    title = str(clip.data.get("title") or "")
    metadata = {"type": "concat", "task": "concat", "tags": clip.data.get("metadata", {}).get("tags", "")}
    data = base_clip_data(
        title=title,
        family=family_for(canonical_mv(str(clip.data.get("model_name") or "")) or services.settings.default_mv),
        account_id=caller.account_id,
        batch_index=0,
        metadata=metadata,
    )
    task_id = submit_task(
        services,
        caller,
        jobs.CONCAT,
        ConcatParams(clip_id=clip.id, is_infill=made_by == "infill"),
        request_body=_raw_body(body),
        notify_hook=notify_hook_of(body),
        clips=[NewClip(title=title, data=data)],
        source_clip_id=clip.id,
    )
    return _envelope(task_id)
