"""The viewer's keys and their projects from the cache: what every dashboard page reads first.

Every project page needs the viewer's keys with their projects (the page's key, and the nav's
project switcher): a query, and on PostgreSQL a connection health check before it. Here the rows
are kept in the session cache (Redis: shared by every worker and host) next to the signed-in user
(``user_cache``), for the same OAKDASH_USER_CACHE_SECONDS.

Only what the database holds is cached: the key's ciphertext, never its plaintext (each request
decrypts the one key it uses). The entry is dropped whenever one of the user's keys, or a project
they have a key for, is saved or deleted through the ORM (a new, replaced or removed key, a
renamed project, a changed slug), immediately and again once the change commits — so the viewer
sees it at their next request. Changes that bypass the ORM's signals (``QuerySet.update()``, raw
SQL, another process while the cache is the in-process one) are seen once the entry expires.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib.auth.models import User
from django.core.cache import caches
from django.db import transaction

from oakdash.accounts import crypto
from oakdash.accounts.models import Project, ProjectKey

KEY_VERSION = 1


@dataclass(frozen=True)
class Membership:
    """One of the viewer's keys, as a dashboard request needs it (ciphertext only)."""

    slug: str
    name: str
    ciphertext: str
    mask: str

    def reveal(self) -> str:
        """The plaintext key, for the one request that uses it. Raises UndecryptableKey."""
        return crypto.decrypt(self.ciphertext)


def _key(user_id: object) -> str:
    return f"oakdash:memberships:{KEY_VERSION}:{user_id}"


def memberships(user: User) -> tuple[Membership, ...]:
    """The user's keys with their projects, by project name (one query on a cache miss)."""
    if not user.is_authenticated:
        return ()
    ttl = settings.OAKDASH_USER_CACHE_SECONDS
    cache = caches[settings.SESSION_CACHE_ALIAS]
    if ttl > 0:
        cached = cache.get(_key(user.pk))
        if cached is not None:
            return cached
    rows = tuple(
        Membership(slug, name, ciphertext, mask)
        for slug, name, ciphertext, mask in ProjectKey.objects.filter(user=user)
        .order_by("project__name", "project__slug")
        .values_list("project__slug", "project__name", "ciphertext", "mask")
    )
    if ttl > 0:
        cache.set(_key(user.pk), rows, ttl)
    return rows


def _forget(user_ids: list[Any]) -> None:
    """Drop these users' entries now and once the change commits (a request that read the old
    rows before the commit could otherwise store them again)."""
    if not user_ids:
        return
    keys = [_key(user_id) for user_id in user_ids]
    cache = caches[settings.SESSION_CACHE_ALIAS]
    cache.delete_many(keys)
    transaction.on_commit(lambda: cache.delete_many(keys))


def forget_key(sender: Any, instance: ProjectKey, **kwargs: Any) -> None:
    """post_save / post_delete of a key (a project's deletion deletes its keys one by one)."""
    _forget([instance.user_id])


def forget_project(sender: Any, instance: Project, **kwargs: Any) -> None:
    """post_save of a project: every member's nav shows its name, their pages its slug."""
    _forget(list(ProjectKey.objects.filter(project=instance).values_list("user_id", flat=True)))
