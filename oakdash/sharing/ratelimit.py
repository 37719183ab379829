"""Requests per minute to public links, per link and per client, counted in the shared cache.

A fixed one-minute window per counter (``cache.add`` then ``cache.incr``, atomic on Redis and
on the in-process cache), so every worker and host counts against the same limits when the
cache is Redis. Over a limit: 429 with Retry-After (the seconds left in the window).
"""

from __future__ import annotations

import math
import time

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest

from oakdash.sharing.audit import client_hash

WINDOW_SECONDS = 60


class RateLimited(Exception):
    def __init__(self, retry_after: int, scope: str) -> None:
        super().__init__(scope)
        self.retry_after = retry_after
        self.scope = scope


def _hit(name: str, limit: int, now: float) -> int | None:
    """Count one request against counter ``name``; seconds to wait when over ``limit``."""
    window = int(now // WINDOW_SECONDS)
    key = f"oakdash:share-rate:{name}:{window}"
    cache.add(key, 0, timeout=WINDOW_SECONDS + 5)
    try:
        count = cache.incr(key)
    except ValueError:  # the key expired between add and incr
        cache.add(key, 1, timeout=WINDOW_SECONDS + 5)
        count = 1
    if count <= limit:
        return None
    return max(1, math.ceil((window + 1) * WINDOW_SECONDS - now))


def check(request: HttpRequest, public_id: str) -> None:
    """Count this request for its link and its client; RateLimited when either is over."""
    now = time.time()
    limits = (
        (f"client:{client_hash(request)}", settings.OAKDASH_SHARING_CLIENT_RATE, "client"),
        (f"link:{public_id[:64]}", settings.OAKDASH_SHARING_LINK_RATE, "link"),
    )
    for name, limit, scope in limits:
        wait = _hit(name, limit, now)
        if wait is not None:
            raise RateLimited(wait, scope)
