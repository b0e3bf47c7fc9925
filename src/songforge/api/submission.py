"""What every submit route shares: input caps and the webhook address (creating the task is core's job)."""

from typing import Any

from songforge.api.errors import invalid_request
from songforge.net import UrlRefused, validate_url_syntax


def check_length(field: str, value: str | None, limit: int) -> None:
    if value is not None and len(value) > limit:
        raise invalid_request(f"`{field}` is {len(value)} characters long; the limit is {limit}.")


def notify_hook_of(body: Any) -> str:
    hook = getattr(body, "notify_hook", None) or getattr(body, "callBackUrl", None) or ""
    if not hook:
        return ""
    try:
        return validate_url_syntax(hook)
    except UrlRefused as error:
        raise invalid_request(f"`notify_hook` is not usable: {error}") from error
