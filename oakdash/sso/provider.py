"""The provider's discovery document and signing keys: fetched lazily, cached per process.

Nothing is fetched at start-up, so a provider that is down never stops oakdash; the first
sign-in asks, and a failure is a clear page (ProviderUnavailable), retried a few seconds later.
A cached document outlives its refresh time while the provider is down (endpoints rarely move).
The JWKS is fetched again whenever a token names a key it does not hold: key rotation.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass
from typing import Any

import jwt
import requests

from oakdash.sso.config import OidcConfig
from oakdash.sso.errors import ProviderUnavailable

log = logging.getLogger("oakdash.sso")

METADATA_TTL = 3600.0  # seconds a discovery document is used before it is fetched again
FAILURE_TTL = 5.0  # seconds a failed fetch is remembered (no hammering a provider that is down)
# Asymmetric algorithms only: with a public JWKS, HS256 would let anyone forge tokens.
ASYMMETRIC_ALGORITHMS = frozenset(
    {"RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA"}
)


@dataclass(frozen=True)
class Metadata:
    issuer: str
    authorization_endpoint: str
    token_endpoint: str
    jwks_uri: str
    userinfo_endpoint: str | None
    end_session_endpoint: str | None
    signing_algorithms: tuple[str, ...]


@dataclass
class _Entry:
    value: Any = None
    fetched_at: float = 0.0
    failed_at: float = 0.0
    failure: str = ""


_lock = threading.Lock()
_documents: dict[str, _Entry] = {}
_keys: dict[str, _Entry] = {}


def clear_caches() -> None:
    with _lock:
        _documents.clear()
        _keys.clear()


def _get_json(url: str, timeout: float) -> dict[str, Any]:
    try:
        response = requests.get(url, timeout=timeout, headers={"Accept": "application/json"})
        response.raise_for_status()
        body = response.json()
    except requests.RequestException as exc:
        raise ProviderUnavailable(f"GET {url} failed: {type(exc).__name__}: {exc}") from None
    except ValueError:
        raise ProviderUnavailable(f"GET {url} did not answer JSON") from None
    if not isinstance(body, dict):
        raise ProviderUnavailable(f"GET {url} did not answer a JSON object")
    return body


def _parse_metadata(document: dict[str, Any], issuer: str) -> Metadata:
    # OpenID Connect Discovery 1.0 §4.3: the document must name the issuer we asked.
    if str(document.get("issuer", "")).rstrip("/") != issuer:
        raise ProviderUnavailable(
            f"the discovery document names issuer {document.get('issuer')!r}, not {issuer!r}"
        )
    missing = [
        name
        for name in ("authorization_endpoint", "token_endpoint", "jwks_uri")
        if not isinstance(document.get(name), str)
    ]
    if missing:
        raise ProviderUnavailable(f"the discovery document lacks {', '.join(missing)}")
    offered = document.get("id_token_signing_alg_values_supported") or ["RS256"]
    algorithms = tuple(a for a in offered if a in ASYMMETRIC_ALGORITHMS)
    if not algorithms:
        raise ProviderUnavailable(f"no asymmetric ID token signing algorithm in {offered!r}")
    return Metadata(
        issuer=document["issuer"],
        authorization_endpoint=document["authorization_endpoint"],
        token_endpoint=document["token_endpoint"],
        jwks_uri=document["jwks_uri"],
        userinfo_endpoint=document.get("userinfo_endpoint") or None,
        end_session_endpoint=document.get("end_session_endpoint") or None,
        signing_algorithms=algorithms,
    )


def metadata(config: OidcConfig) -> Metadata:
    """The provider's endpoints (discovery), cached; raises ProviderUnavailable."""
    now = time.monotonic()
    with _lock:
        entry = _documents.setdefault(config.issuer, _Entry())
        if entry.value is not None and now - entry.fetched_at < METADATA_TTL:
            return entry.value
        if now - entry.failed_at < FAILURE_TTL:
            if entry.value is not None:
                return entry.value
            raise ProviderUnavailable(entry.failure)
        url = config.issuer + "/.well-known/openid-configuration"
        try:
            entry.value = _parse_metadata(_get_json(url, config.timeout), config.issuer)
            entry.fetched_at = now
        except ProviderUnavailable as exc:
            entry.failed_at, entry.failure = now, exc.detail
            if entry.value is None:
                raise
            log.warning("OIDC discovery failed, using the cached document: %s", exc.detail)
        return entry.value


def _matching_key(keys: list[Any], kid: str | None, algorithm: str) -> jwt.PyJWK | None:
    candidates = [
        k
        for k in keys
        if isinstance(k, dict)
        and k.get("use", "sig") == "sig"
        and k.get("alg", algorithm) == algorithm
        and (kid is None or k.get("kid") == kid)
    ]
    # A token without "kid" is only accepted when the provider publishes one key it could mean.
    if not candidates or (kid is None and len(candidates) > 1):
        return None
    try:
        return jwt.PyJWK(candidates[0], algorithm=algorithm)
    except jwt.PyJWKError:
        return None


def signing_key(config: OidcConfig, jwks_uri: str, kid: str | None, algorithm: str) -> jwt.PyJWK:
    """The provider's public key for a token header; the JWKS is re-read for an unknown key."""
    with _lock:
        entry = _keys.setdefault(jwks_uri, _Entry())
        if entry.value is not None:
            key = _matching_key(entry.value, kid, algorithm)
            if key is not None:
                return key
        # Not cached, or a key we have not seen: the provider may have rotated its keys.
        body = _get_json(jwks_uri, config.timeout)
        keys = body.get("keys")
        if not isinstance(keys, list):
            raise ProviderUnavailable(f"GET {jwks_uri} answered no 'keys' list")
        entry.value, entry.fetched_at = keys, time.monotonic()
    key = _matching_key(keys, kid, algorithm)
    if key is None:
        raise jwt.InvalidTokenError(f"no published key matches kid={kid!r} alg={algorithm!r}")
    return key
