"""Per-key token buckets, in process memory.

`limits` parses the rate strings ("600/minute"); its in-memory storage starts a timer thread for key
expiry that cost ~1 ms per request under load here, so the bucket itself is these few lines.
"""

import threading
import time
from functools import lru_cache

from limits import RateLimitItem, parse


@lru_cache(maxsize=256)
def parse_rate(text: str) -> RateLimitItem:
    return parse(text)


class TokenBuckets:
    """Each key holds up to `amount` tokens, refilled at amount/period per second."""

    def __init__(self) -> None:
        self._buckets: dict[str, tuple[float, float]] = {}  # key → (tokens, last refill)
        self._lock = threading.Lock()

    def hit(self, rate: RateLimitItem, key: str) -> bool:
        capacity = float(rate.amount)
        refill_per_second = capacity / rate.get_expiry()
        moment = time.monotonic()
        with self._lock:
            tokens, last = self._buckets.get(key, (capacity, moment))
            tokens = min(capacity, tokens + (moment - last) * refill_per_second)
            allowed = tokens >= 1.0
            self._buckets[key] = (tokens - 1.0 if allowed else tokens, moment)
        return allowed
