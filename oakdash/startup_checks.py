"""Refuse settings that are unsafe to run with, at start-up, naming the variable to fix.

Used by `oakdash/settings.py` before Django is set up, so it imports nothing from Django but the
exception. A refused secret key is never echoed: the message says what is wrong, not the value.
"""

from __future__ import annotations

import secrets
import sys

from django.core.exceptions import ImproperlyConfigured

LOOPBACK_HOSTS = frozenset({"127.0.0.1", "::1", "[::1]", "localhost"})
# Django's own deployment check uses the same figures (django.core.checks.security.base).
SECRET_KEY_MIN_LENGTH = 50
SECRET_KEY_MIN_UNIQUE = 5
# Values people paste from examples and tutorials; .env.example's is "change-me-…".
PLACEHOLDERS = ("change-me", "changeme", "change_me", "replace-me", "replace_me", "placeholder")
MAKE_ONE = "make one with: python -c 'import secrets; print(secrets.token_urlsafe(50))'"


def check_debug_hosts(debug: bool, allowed_hosts: list[str]) -> None:
    """DEBUG pages show settings, locals and headers: only ever on this machine."""
    if not debug:
        return
    others = [host for host in allowed_hosts if host.lower() not in LOOPBACK_HOSTS]
    if others:
        raise ImproperlyConfigured(
            "DJANGO_DEBUG=1 is for a development server on this machine only: "
            "DJANGO_ALLOWED_HOSTS may then list only 127.0.0.1, ::1 or localhost "
            f"(it lists {', '.join(others)}). Set DJANGO_DEBUG=0 for any other host."
        )


def secret_key(value: str | None, *, debug: bool) -> str:
    """`DJANGO_SECRET_KEY` if it is a real secret; a random one for DEBUG without one."""
    if not value:
        if not debug:
            raise ImproperlyConfigured(
                f"DJANGO_SECRET_KEY must be set ({MAKE_ONE}), "
                "or DJANGO_DEBUG=1 for a throwaway development key."
            )
        sys.stderr.write(
            "oakdash: DJANGO_DEBUG=1 without DJANGO_SECRET_KEY: this process uses a random "
            "secret key. Sessions end, and OakData keys stored under a key derived from it "
            "(OAKDASH_ENCRYPTION_KEYS unset) become unreadable, when it restarts.\n"
        )
        return secrets.token_urlsafe(SECRET_KEY_MIN_LENGTH)
    problem = _weakness(value)
    if problem:
        raise ImproperlyConfigured(f"DJANGO_SECRET_KEY {problem}: {MAKE_ONE}.")
    return value


def _weakness(value: str) -> str | None:
    lowered = value.lower()
    if lowered.startswith("django-insecure"):
        return "is a development key (django-insecure-…)"
    if any(marker in lowered for marker in PLACEHOLDERS):
        return "is a placeholder from an example, not a secret"
    if len(value) < SECRET_KEY_MIN_LENGTH:
        return f"is too short ({len(value)} characters; at least {SECRET_KEY_MIN_LENGTH})"
    if len(set(value)) < SECRET_KEY_MIN_UNIQUE:
        return f"has fewer than {SECRET_KEY_MIN_UNIQUE} different characters"
    return None
