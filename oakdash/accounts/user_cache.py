"""The signed-in user from the cache: a cache read instead of a database query on every request.

Django's AuthenticationMiddleware asks the session's backend for the user on every request: a
query, and on PostgreSQL a connection health check before it (two round trips, ~1 ms of CPU).
Here what the backend answered is kept in the cache (Redis: shared by every worker and host) for
OAKDASH_USER_CACHE_SECONDS, and Django's own checks still run on every request:

* the session's auth hash is compared with the cached user's, so a password change still ends
  every other session at its next request;
* anything that does not verify goes through `django.contrib.auth.get_user` (fallback secrets,
  flushing the session) exactly as without the cache.

The entry is dropped whenever the user row is saved or deleted through the ORM (password,
`is_active`, staff flags, last login), in this process and, with Redis, on every host. Changes that
bypass the ORM's signals — `QuerySet.update()`, raw SQL, or another process while the cache is
the in-process one — are seen once the entry expires.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import auth
from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.middleware import AuthenticationMiddleware
from django.contrib.auth.models import AnonymousUser
from django.core.cache import caches
from django.db import transaction
from django.http import HttpRequest
from django.utils.crypto import constant_time_compare
from django.utils.functional import SimpleLazyObject

KEY_VERSION = 1


def _key(backend: str, user_id: object) -> str:
    return f"oakdash:user:{KEY_VERSION}:{backend}:{user_id}"


def get_user(request: HttpRequest) -> AbstractBaseUser | AnonymousUser:
    """`django.contrib.auth.get_user`, answered from the cache when the session verifies."""
    ttl = settings.OAKDASH_USER_CACHE_SECONDS
    user_id = request.session.get(auth.SESSION_KEY)
    backend = request.session.get(auth.BACKEND_SESSION_KEY)
    if ttl <= 0 or user_id is None or backend not in settings.AUTHENTICATION_BACKENDS:
        return auth.get_user(request)
    key = _key(backend, user_id)
    cache = caches[settings.SESSION_CACHE_ALIAS]  # where the session itself was read from
    user = cache.get(key)
    if user is not None and _verifies(request, user):
        return user
    user = auth.get_user(request)  # Django's own path: the backend's look-up and every check
    if user.is_authenticated:
        cache.set(key, user, ttl)
    return user


def _verifies(request: HttpRequest, user: AbstractBaseUser) -> bool:
    session_hash = request.session.get(auth.HASH_SESSION_KEY)
    if not isinstance(session_hash, str) or not session_hash:
        return False
    return constant_time_compare(session_hash, user.get_session_auth_hash())


def forget(sender: Any, instance: AbstractBaseUser, **kwargs: Any) -> None:
    """post_save / post_delete of a user: drop its entries now and once the change commits (a
    request that read the old row before the commit could otherwise store it again)."""
    keys = [_key(backend, instance.pk) for backend in settings.AUTHENTICATION_BACKENDS]
    cache = caches[settings.SESSION_CACHE_ALIAS]
    cache.delete_many(keys)
    transaction.on_commit(lambda: cache.delete_many(keys))


class CachedAuthenticationMiddleware(AuthenticationMiddleware):
    """Django's AuthenticationMiddleware with `request.user` from `get_user` above."""

    def process_request(self, request: HttpRequest) -> None:
        super().process_request(request)
        # The stubs type request.user as the concrete user; Django itself assigns a lazy object.
        request.user = SimpleLazyObject(lambda: get_user(request))  # type: ignore[assignment]
