"""OakData keys: telling secret from public, and showing one without revealing it."""

from __future__ import annotations

import re

from .errors import InvalidKey, PublicKey

SECRET_PREFIX = "oak_sec_"  # noqa: S105 (a prefix, not a secret)
PUBLIC_PREFIX = "oak_pub_"

# A key travels in an HTTP header: printable ASCII without spaces, or httpx fails with an error
# whose text could contain the key itself.
_KEY_CHARS = re.compile(r"[\x21-\x7e]+")
_SHOWN_TAIL = 4
# Below this many secret characters, showing the tail would reveal too much of the key.
_MIN_HIDDEN = 12


def mask_key(key: str | None) -> str:
    """A safe display form of a key, e.g. `oak_sec_…1a2b`; empty for no key.

    Shows the known prefix and the last four characters, and only the prefix for a key too short
    for the tail to be safe to show.
    """
    if not key:
        return ""
    prefix = next((p for p in (SECRET_PREFIX, PUBLIC_PREFIX) if key.startswith(p)), "")
    rest = key[len(prefix) :]
    tail = rest[-_SHOWN_TAIL:] if len(rest) >= _MIN_HIDDEN + _SHOWN_TAIL else ""
    return f"{prefix}…{tail}"


def check_key(key: str | None) -> str:
    """The key, if it can be used to read data; else `InvalidKey` or `PublicKey` at once."""
    if not isinstance(key, str) or not key.strip():
        raise InvalidKey("No OakData key is set.")
    key = key.strip()
    if key.startswith(PUBLIC_PREFIX):
        raise PublicKey()
    if not _KEY_CHARS.fullmatch(key):
        raise InvalidKey("That does not look like an OakData key.")
    return key


__all__ = ["PUBLIC_PREFIX", "SECRET_PREFIX", "check_key", "mask_key"]
