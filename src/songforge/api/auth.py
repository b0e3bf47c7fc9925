"""Bearer-key authentication (cached briefly) and the per-key rate limit."""

import threading
import time

from fastapi import Request

from songforge.api.errors import AuthError, TaskApiError
from songforge.api.ratelimit import RateLimiter, TokenBuckets, parse_rate
from songforge.core.accounts import Caller, hash_key_secret, key_secret_from_header, lookup_caller
from songforge.core.services import Services


class Authenticator:
    def __init__(self, services: Services, limiter: RateLimiter | None = None) -> None:
        self._services = services
        self._cache: dict[str, tuple[Caller | None, float]] = {}
        self._lock = threading.Lock()
        self._limiter = limiter or TokenBuckets()
        self._default_limit = parse_rate(services.settings.rate_limit)

    def authenticate(self, authorization: str | None) -> Caller:
        secret = key_secret_from_header(authorization)
        if secret is None:
            raise AuthError(401, "missing_api_key", "missing API key: send the header `Authorization: Bearer sk-…`")
        caller = self._lookup(secret)
        if caller is None:
            raise AuthError(401, "invalid_api_key", "invalid API key: it is unknown or was revoked")
        limit = parse_rate(caller.rate_limit) if caller.rate_limit else self._default_limit
        if not self._limiter.hit(limit, caller.key_id):
            raise TaskApiError(
                429,
                "rate_limited",
                f"rate limit exceeded for this key ({limit}); slow down and retry in a few seconds",
                headers={"Retry-After": "5"},
            )
        return caller

    def _lookup(self, secret: str) -> Caller | None:
        # Cached by the key's hash (never the key), so a revoked key stops working within auth_cache_seconds.
        cache_key = hash_key_secret(secret)
        moment = time.monotonic()
        with self._lock:
            hit = self._cache.get(cache_key)
        if hit is not None and hit[1] > moment:
            return hit[0]
        caller = lookup_caller(self._services.db, cache_key)
        with self._lock:
            if len(self._cache) > 10_000:
                self._cache.clear()
            self._cache[cache_key] = (caller, moment + self._services.settings.auth_cache_seconds)
        return caller


async def current_caller(request: Request) -> Caller:
    """FastAPI dependency: the authenticated caller of this request."""
    authenticator: Authenticator = request.app.state.authenticator
    return authenticator.authenticate(request.headers.get("authorization"))
