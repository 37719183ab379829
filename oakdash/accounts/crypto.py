"""Encryption at rest for OakData secret keys, with rotatable key-encryption keys.

``OAKDASH_ENCRYPTION_KEYS`` lists Fernet keys newest first: new tokens are written with the first,
and every listed key can still read old tokens (MultiFernet). When unset, one key is derived from
``SECRET_KEY`` — changing the secret key then makes stored API keys unreadable (docs/OPERATIONS.md).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from functools import cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.views.decorators.debug import sensitive_variables


class UndecryptableKey(Exception):
    """No configured key can decrypt the stored token: the user must store their key again."""


def derived_key(secret: str) -> bytes:
    digest = hashlib.sha256(b"oakdash-key-encryption:" + secret.encode()).digest()
    return base64.urlsafe_b64encode(digest)


@cache
def _fernet(keys: tuple[str, ...], secret: str) -> MultiFernet:
    if not keys:
        return MultiFernet([Fernet(derived_key(secret))])
    try:
        return MultiFernet([Fernet(key.encode()) for key in keys])
    except ValueError:
        raise ImproperlyConfigured(
            "OAKDASH_ENCRYPTION_KEYS must be comma-separated Fernet keys "
            "(make one with: python -c 'from cryptography.fernet import Fernet; "
            "print(Fernet.generate_key().decode())')."
        ) from None


def _current() -> MultiFernet:
    return _fernet(tuple(settings.OAKDASH_ENCRYPTION_KEYS), settings.SECRET_KEY)


@sensitive_variables("plaintext")
def encrypt(plaintext: str) -> str:
    return _current().encrypt(plaintext.encode()).decode()


def decrypt(token: str) -> str:
    """Return the plaintext; raise UndecryptableKey rather than ever returning the ciphertext."""
    try:
        return _current().decrypt(token.encode()).decode()
    except (InvalidToken, ValueError, TypeError) as err:
        raise UndecryptableKey(
            "the stored key cannot be decrypted with the configured keys"
        ) from err


def rotate(token: str) -> str:
    """Re-encrypt a token under the newest key (readable by any configured key)."""
    try:
        return _current().rotate(token.encode()).decode()
    except InvalidToken as err:
        raise UndecryptableKey(
            "the stored key cannot be decrypted with the configured keys"
        ) from err


@sensitive_variables("plaintext")
def fingerprint(plaintext: str) -> str:
    """A keyed hash of a secret key: the same for everyone who stores that key, useless to
    anyone without SECRET_KEY. It names the key's project in caches and finds teammates' keys.
    It depends on SECRET_KEY: `manage.py rotate_keys` recomputes stored ones after a change."""
    mac = hmac.new(settings.SECRET_KEY.encode(), b"oakdash-project:" + plaintext.encode(), "sha256")
    return mac.hexdigest()[:32]
