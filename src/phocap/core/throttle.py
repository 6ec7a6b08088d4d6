"""A fixed-window counter per client address for what the public can send without an account (the self-check,
complaints): the same limit for the web page and the API, keyed by the address as `accounts.signin` reads it
behind the configured proxies. The counter lives in Django's cache: with the default local-memory cache each
server process counts on its own, so with N gunicorn workers an address gets up to N times the limit (no shared
cache is configured yet)."""

from __future__ import annotations

from django.core.cache import cache
from django.utils import timezone

from phocap.core.errors import DomainError


class TooMany(DomainError):
    status = 429
    code = "too_many_requests"


def hit(scope: str, address: str, *, limit: int, per_seconds: int) -> None:
    """Count one request of `address` in the current window; refuse it once the window holds `limit`."""
    window = int(timezone.now().timestamp()) // per_seconds
    key = f"phocap:throttle:{scope}:{address}:{window}"
    cache.add(key, 0, per_seconds + 1)
    try:
        count = cache.incr(key)
    except ValueError:  # evicted between add and incr: count this one as the first
        cache.set(key, 1, per_seconds + 1)
        count = 1
    if count > limit:
        minutes = max(1, per_seconds // 60)
        raise TooMany(f"Bạn đã gửi quá nhiều lần. Vui lòng thử lại sau {minutes} phút.")
