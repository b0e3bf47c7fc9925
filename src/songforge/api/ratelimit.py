"""Per-key token buckets: in process memory, in a shared file when several API processes serve one port, or
in Redis when a broker joins API nodes into a fleet.

`limits` parses the rate strings ("600/minute"); its in-memory storage starts a timer thread for key
expiry that cost ~1 ms per request under load here, so the bucket itself is these few lines.
"""

import fcntl
import hashlib
import logging
import mmap
import os
import struct
import threading
import time
from functools import lru_cache
from pathlib import Path
from typing import Protocol

from limits import RateLimitItem, parse
from redis import Redis, RedisError

log = logging.getLogger("songforge")


@lru_cache(maxsize=256)
def parse_rate(text: str) -> RateLimitItem:
    return parse(text)


class RateLimiter(Protocol):
    def hit(self, rate: RateLimitItem, key: str) -> bool:
        """Take one token from `key`'s bucket; False when it is empty."""


def _refill(rate: RateLimitItem, tokens: float, last: float, moment: float) -> tuple[float, float]:
    """(tokens now, refill per second) for a bucket that held `tokens` at `last`."""
    capacity = float(rate.amount)
    per_second = capacity / rate.get_expiry()
    return min(capacity, tokens + (moment - last) * per_second), per_second


class TokenBuckets:
    """Each key holds up to `amount` tokens, refilled at amount/period per second (one process)."""

    def __init__(self) -> None:
        self._buckets: dict[str, tuple[float, float]] = {}  # key → (tokens, last refill)
        self._lock = threading.Lock()

    def hit(self, rate: RateLimitItem, key: str) -> bool:
        moment = time.monotonic()
        with self._lock:
            tokens, last = self._buckets.get(key, (float(rate.amount), moment))
            tokens, _ = _refill(rate, tokens, last, moment)
            allowed = tokens >= 1.0
            self._buckets[key] = (tokens - 1.0 if allowed else tokens, moment)
        return allowed


# key hash (0: free), tokens, last refill, moment the bucket is full again
_SLOT = struct.Struct("=Qddd")
_PROBES = 64


class SharedTokenBuckets:
    """The same buckets in a memory-mapped file that every API process of one server maps.

    An open-addressing table keyed by a stable 64-bit hash of the key. A bucket that has refilled
    completely is the same as no bucket, so its slot may be taken by another key. The critical
    section holds an flock, which the kernel releases if a process dies inside it, so a killed
    process never wedges the others. CLOCK_MONOTONIC is shared by all processes of the machine.
    """

    def __init__(self, path: Path, slots: int = 8192) -> None:
        size = slots * _SLOT.size
        self._slots = slots
        self._fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
        if os.fstat(self._fd).st_size < size:
            os.ftruncate(self._fd, size)
        self._map = mmap.mmap(self._fd, size)
        self._thread_lock = threading.Lock()  # flock is per open file, not per thread

    def hit(self, rate: RateLimitItem, key: str) -> bool:
        digest = int.from_bytes(hashlib.blake2b(key.encode(), digest_size=8).digest(), "little") or 1
        moment = time.monotonic()
        with self._thread_lock:
            fcntl.flock(self._fd, fcntl.LOCK_EX)
            try:
                return self._take(rate, digest, moment)
            finally:
                fcntl.flock(self._fd, fcntl.LOCK_UN)

    def _take(self, rate: RateLimitItem, digest: int, moment: float) -> bool:
        offset = self._find(digest, moment)
        if offset is None:
            return True  # the table is full of busy keys: fail open rather than refuse everyone
        stored, tokens, last, _ = _SLOT.unpack_from(self._map, offset)
        if stored != digest:
            tokens, last = float(rate.amount), moment
        tokens, per_second = _refill(rate, tokens, last, moment)
        allowed = tokens >= 1.0
        if allowed:
            tokens -= 1.0
        full_at = moment + (float(rate.amount) - tokens) / per_second
        _SLOT.pack_into(self._map, offset, digest, tokens, moment, full_at)
        return allowed

    def _find(self, digest: int, moment: float) -> int | None:
        """The slot of `digest`, else the first reusable slot on its probe path."""
        reusable: int | None = None
        for probe in range(_PROBES):
            offset = ((digest + probe) % self._slots) * _SLOT.size
            stored, _, _, full_at = _SLOT.unpack_from(self._map, offset)
            if stored == digest:
                return offset
            if reusable is None and (stored == 0 or full_at <= moment):
                reusable = offset
            if stored == 0:
                break  # our key was never placed past an empty slot
        return reusable


# KEYS[1]: the bucket; ARGV: capacity, refill per second. Redis's own clock, so the nodes' clocks need not
# agree. The bucket expires when it would be full again: a full bucket is the same as no bucket.
_BUCKET_SCRIPT = """
local capacity = tonumber(ARGV[1])
local per_second = tonumber(ARGV[2])
local clock = redis.call('TIME')
local moment = tonumber(clock[1]) + tonumber(clock[2]) / 1000000
local stored = redis.call('HMGET', KEYS[1], 'tokens', 'last')
local tokens = tonumber(stored[1]) or capacity
local last = tonumber(stored[2]) or moment
tokens = math.min(capacity, tokens + math.max(moment - last, 0) * per_second)
local allowed = 0
if tokens >= 1 then
  tokens = tokens - 1
  allowed = 1
end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'last', tostring(moment))
redis.call('PEXPIRE', KEYS[1], math.ceil((capacity - tokens) / per_second * 1000) + 1)
return allowed
"""


class RedisTokenBuckets:
    """The same buckets in Redis, shared by every API node of a fleet; one atomic script per hit.

    Rate limiting must not take the API down: when Redis does not answer (the client's timeouts bound
    the wait), requests are let through and Redis is not asked again for `retry_after` seconds.
    """

    def __init__(self, client: Redis, retry_after: float = 5.0) -> None:
        self._take = client.register_script(_BUCKET_SCRIPT)
        self._retry_after = retry_after
        self._skip_until = 0.0

    def hit(self, rate: RateLimitItem, key: str) -> bool:
        if time.monotonic() < self._skip_until:
            return True
        capacity = float(rate.amount)
        try:
            allowed = self._take(keys=[f"songforge:ratelimit:{key}"], args=[capacity, capacity / rate.get_expiry()])
        except RedisError as error:
            self._skip_until = time.monotonic() + self._retry_after
            log.warning("rate limits are off for %.0f s: Redis did not answer (%s)", self._retry_after, error)
            return True
        return bool(allowed)
