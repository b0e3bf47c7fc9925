"""Ids and time, in one place so that every row agrees on their shape."""

import re
import time
import uuid
from datetime import UTC, datetime


def new_id() -> str:
    """A UUID v4 string (task, clip, account and delivery ids; Part A §3)."""
    return str(uuid.uuid4())


_ID_SHAPE = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def is_id(value: str) -> bool:
    """Every id songforge issues has this shape; anything else is unknown without asking the database
    (PostgreSQL refuses some strings, e.g. with NUL, that SQLite would simply not find)."""
    return _ID_SHAPE.fullmatch(value) is not None


def now() -> float:
    return time.time()


def iso_now() -> str:
    """Suno's clip `created_at`: ISO-8601 UTC with milliseconds."""
    stamp = datetime.now(UTC)
    return stamp.strftime("%Y-%m-%dT%H:%M:%S.") + f"{stamp.microsecond // 1000:03d}Z"
