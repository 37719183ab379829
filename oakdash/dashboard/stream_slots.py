"""Caps on replay streams at once, per user and in total, counted in the shared cache.

A replay stream holds a server thread while it plays, so a few careless (or hostile) viewers
could take every thread. Each stream takes two slots: one of the user's
(`OAKDASH_REPLAY_STREAMS_PER_USER`) and one of everybody's (`OAKDASH_REPLAY_STREAMS_TOTAL`).

A slot is a cache key taken with `cache.add(key, token, timeout=lease)` - atomic on every Django
cache backend (SET NX on Redis) - so with a shared cache (Redis) every worker and every host
counts against the same caps; with the in-process cache each process counts its own. A slot is
renewed while its stream lives (`StreamWatch`) and deleted when it ends; a worker that dies
stops renewing, and its slots free themselves when the lease runs out. Only the portable cache
API is used (add, get_many, get, touch, delete).
"""

from __future__ import annotations

import random
import secrets
from dataclasses import dataclass

from django.core.cache import BaseCache

LEASE_SECONDS = 30  # a slot nobody renews is free again after this
RETRY_AFTER_SECONDS = 5


class StreamLimit(Exception):
    """Over a cap: `.message` for the viewer, `.retry_after` seconds for the Retry-After header."""

    def __init__(self, message: str, retry_after: int = RETRY_AFTER_SECONDS) -> None:
        super().__init__(message)
        self.message = message
        self.retry_after = retry_after


@dataclass(frozen=True)
class Slot:
    """One stream's two cache keys and the token proving they are its own."""

    keys: tuple[str, ...]
    token: str


class StreamSlots:
    """Take, renew and give back stream slots in `cache` (see the module docstring)."""

    def __init__(
        self,
        cache: BaseCache,
        per_user: int,
        total: int,
        *,
        lease: int = LEASE_SECONDS,
        prefix: str = "oakdash:replay-stream",
    ) -> None:
        self.cache = cache
        self.per_user = per_user
        self.total = total
        self.lease = lease
        self.prefix = prefix

    def acquire(self, user: str, *, over_own_cap: str = "") -> Slot:
        """A slot for one more stream of `user`, or `StreamLimit` (`over_own_cap`: the message
        when `user`'s own cap is reached, for owners that are not a person)."""
        token = secrets.token_hex(8)
        mine = [f"{self.prefix}:user:{user}:{i}" for i in range(self.per_user)]
        user_key = self._take(mine, token)
        if user_key is None:
            streams = "replay" if self.per_user == 1 else "replays"
            raise StreamLimit(
                over_own_cap
                or f"You already have {self.per_user} {streams} loading, the most one person "
                "may. Close another replay tab, or try again in a few seconds."
            )
        everybody = [f"{self.prefix}:all:{i}" for i in range(self.total)]
        start = random.randrange(self.total)  # spread the keys tried first
        all_key = self._take(everybody[start:] + everybody[:start], token)
        if all_key is None:
            self._give_back(user_key, token)
            raise StreamLimit(
                f"The server is already streaming {self.total} replays, as many as it may at "
                "once. Try again in a few seconds."
            )
        return Slot((user_key, all_key), token)

    def renew(self, slot: Slot) -> None:
        """Extend the lease of a live stream's slot (retaken if it had lapsed and is free)."""
        for key in slot.keys:
            if self.cache.get(key) == slot.token:
                self.cache.touch(key, self.lease)
            else:
                self.cache.add(key, slot.token, timeout=self.lease)

    def release(self, slot: Slot) -> None:
        for key in slot.keys:
            self._give_back(key, slot.token)

    def in_use(self, user: str | None = None) -> int:
        """How many slots are taken (a user's, or everybody's): for tests and diagnostics."""
        if user is None:
            keys = [f"{self.prefix}:all:{i}" for i in range(self.total)]
        else:
            keys = [f"{self.prefix}:user:{user}:{i}" for i in range(self.per_user)]
        return len(self.cache.get_many(keys))

    def _take(self, keys: list[str], token: str) -> str | None:
        taken = self.cache.get_many(keys)
        for key in keys:
            if key not in taken and self.cache.add(key, token, timeout=self.lease):
                return key
        return None

    def _give_back(self, key: str, token: str) -> None:
        # Only our own: a slot whose lease lapsed may be someone else's by now.
        if self.cache.get(key) == token:
            self.cache.delete(key)


__all__ = ["LEASE_SECONDS", "Slot", "StreamLimit", "StreamSlots"]
