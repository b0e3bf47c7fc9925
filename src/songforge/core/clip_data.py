"""The Suno clip fields songforge fills in at submit time (B §11.1); URLs and status are added on render."""

from typing import Any

from songforge.core.clock import iso_now
from songforge.core.models_catalog import MODEL_FAMILIES, ModelFamily

UPLOAD_FAMILY = ModelFamily("", "")
HANDLE = "songforge"


def base_clip_data(
    *,
    title: str,
    family: ModelFamily,
    account_id: str,
    batch_index: int,
    metadata: dict[str, Any],
) -> dict[str, Any]:
    return {
        "title": title,
        "entity_type": "song_schema",
        "model_name": family.model_name,
        "major_model_version": family.major_model_version,
        "user_id": account_id,
        "display_name": "songforge",
        "handle": HANDLE,
        "is_handle_updated": False,
        "avatar_image_url": "",
        "is_liked": False,
        "reaction": None,
        "is_public": False,
        "is_trashed": False,
        "is_hidden": False,
        "explicit": False,
        "created_at": iso_now(),
        "play_count": 0,
        "upvote_count": 0,
        "flag_count": 0,
        "batch_index": batch_index,
        "metadata": {
            "tags": "",
            "negative_tags": "",
            "prompt": "",
            "gpt_description_prompt": None,
            "audio_prompt_id": None,
            "history": None,
            "concat_history": None,
            "type": "gen",
            "duration": None,
            "refund_credits": False,
            "stream": False,
            "infill": False,
            "error_type": None,
            "error_message": None,
            **metadata,
        },
    }


def family_for(mv: str) -> ModelFamily:
    return MODEL_FAMILIES[mv]
