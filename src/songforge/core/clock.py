"""Ids and time, in one place so that every row agrees on their shape."""

import time
import uuid
from datetime import UTC, datetime


def new_id() -> str:
    """A UUID v4 string (task, clip, account and delivery ids; Part A §3)."""
    return str(uuid.uuid4())


def now() -> float:
    return time.time()


def iso_now() -> str:
    """Suno's clip `created_at`: ISO-8601 UTC with milliseconds."""
    stamp = datetime.now(UTC)
    return stamp.strftime("%Y-%m-%dT%H:%M:%S.") + f"{stamp.microsecond // 1000:03d}Z"
