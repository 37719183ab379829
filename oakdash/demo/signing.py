"""Signed, expiring chunk URLs: HMAC-SHA256 over the path and the expiry.

The signature is the only credential a chunk download needs (like a pre-signed object-store URL):
no API key is asked for, and an Authorization header, if sent, changes nothing.
"""

from __future__ import annotations

import hashlib
import hmac
import math


class Signer:
    EXPIRED = "signed URL has expired"

    def __init__(self, secret: bytes) -> None:
        self._secret = secret

    def signature(self, path: str, expires: int) -> str:
        message = f"{path}\n{expires}".encode()
        return hmac.new(self._secret, message, hashlib.sha256).hexdigest()

    def query(self, path: str, now: float, ttl: float) -> str:
        """`expires=<unix seconds>&sig=<hex>` for a URL valid for `ttl` seconds from `now`."""
        expires = math.ceil(now + ttl)
        return f"expires={expires}&sig={self.signature(path, expires)}"

    def check(self, path: str, expires: str | None, sig: str | None, now: float) -> str | None:
        """None if the signature is good and unexpired, else the reason it is refused."""
        if not expires or not sig or not expires.isdigit() or len(expires) > 12:
            return "missing or malformed signature"
        if not hmac.compare_digest(self.signature(path, int(expires)), sig):
            return "bad signature"
        if now >= int(expires):
            return self.EXPIRED
        return None
