"""A link's public id and its secret.

The secret is 192 random bits from ``secrets``; only its SHA-256 is stored. A slow password
hash (PBKDF2, argon2) protects *guessable* secrets from an offline attack on a stolen table;
a random 192-bit secret cannot be guessed, so one fast hash gives the same protection and costs
nothing per view. Comparison is constant-time.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets

SECRET_HEADER = "X-Share-Secret"  # noqa: S105 - a header name
# token_urlsafe's alphabet; the id is 72 bits (unguessable, so ids cannot be enumerated either).
_TOKEN = re.compile(r"[A-Za-z0-9_-]{1,64}")


def new_public_id() -> str:
    return secrets.token_urlsafe(9)


def new_secret() -> str:
    return secrets.token_urlsafe(24)


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def secret_matches(secret: str, stored_hash: str) -> bool:
    if not _TOKEN.fullmatch(secret or ""):
        return False
    return hmac.compare_digest(hash_secret(secret), stored_hash)


def looks_like_token(value: str) -> bool:
    return bool(_TOKEN.fullmatch(value or ""))
