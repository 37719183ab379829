"""mozilla-django-oidc's backend, with what oakdash needs on top.

The library exchanges the code (with the PKCE verifier), checks the nonce and fetches userinfo.
Added here: endpoints from discovery instead of settings; the ID token's signature checked
against the provider's JWKS (cached, re-read for an unknown key) with its issuer, audience,
expiry and issue time required and checked (the library leaves audience and issuer unchecked);
userinfo merged over the ID token's claims only when both name the same `sub`; who may enter
(policy.py) and which account they get (identities.py).
"""

from __future__ import annotations

from typing import Any

import jwt
import requests
from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.http import HttpRequest
from mozilla_django_oidc.auth import OIDCAuthenticationBackend

from oakdash.sso import identities, policy
from oakdash.sso.config import get_config, library_setting
from oakdash.sso.errors import AccessRefused, ProviderUnavailable, TokenRejected
from oakdash.sso.provider import Metadata, metadata, signing_key

CLOCK_SKEW = 60  # seconds of leeway on exp / iat / nbf between us and the provider
ID_TOKEN_CLAIMS = ["iss", "sub", "aud", "exp", "iat"]  # OpenID Connect Core §2: all required


class OidcBackend(OIDCAuthenticationBackend):
    get_settings = staticmethod(library_setting)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        # Django builds every backend for each password login and each session lookup: no
        # settings checks and no network here (the library's __init__ does both).
        self.UserModel = get_user_model()
        self.config = get_config()
        self._provider: Metadata | None = None

    # Django's user lookup, which (unlike the library's) refuses deactivated accounts.
    get_user = ModelBackend.get_user

    @property
    def provider(self) -> Metadata:
        if self._provider is None:
            self._provider = metadata(self.config)
        return self._provider

    # The attributes the library reads, answered from configuration and discovery.
    @property
    def OIDC_RP_CLIENT_ID(self) -> str:
        return self.config.client_id

    @property
    def OIDC_RP_CLIENT_SECRET(self) -> str:
        return self.config.client_secret

    @property
    def OIDC_OP_TOKEN_ENDPOINT(self) -> str:
        return self.provider.token_endpoint

    @property
    def OIDC_OP_USER_ENDPOINT(self) -> str | None:
        return self.provider.userinfo_endpoint

    def authenticate(self, request: HttpRequest | None, **kwargs: Any) -> Any:
        # Only the callback view passes a nonce: a password login that happens to carry
        # ?code=&state= in its URL must never start a token exchange.
        if request is None or not self.config.enabled or "nonce" not in kwargs:
            return None
        try:
            return super().authenticate(request, **kwargs)
        except requests.HTTPError as exc:
            raise TokenRejected(f"the provider refused: {exc}") from None
        except requests.RequestException as exc:
            raise ProviderUnavailable(f"{type(exc).__name__}: {exc}") from None

    def verify_token(self, token: str, **kwargs: Any) -> dict[str, Any]:
        """The ID token's claims, once signature, issuer, audience, times and nonce check out."""
        try:
            claims = self._decode(token, required=ID_TOKEN_CLAIMS)
        except jwt.InvalidTokenError as exc:
            raise TokenRejected(f"ID token refused: {type(exc).__name__}: {exc}") from None
        if "nonce" in kwargs and (
            kwargs["nonce"] is None or claims.get("nonce") != kwargs["nonce"]
        ):
            raise TokenRejected("ID token refused: nonce does not match the one sent")
        audiences = claims["aud"] if isinstance(claims["aud"], list) else [claims["aud"]]
        if len(audiences) > 1 and claims.get("azp") != self.config.client_id:
            raise TokenRejected("ID token refused: several audiences and azp is not ours")
        return claims

    def _decode(self, token: str, required: list[str]) -> dict[str, Any]:
        header = jwt.get_unverified_header(token)
        algorithm = header.get("alg")
        if algorithm not in self.provider.signing_algorithms:
            raise jwt.InvalidAlgorithmError(f"algorithm {algorithm!r} is not accepted")
        key = signing_key(self.config, self.provider.jwks_uri, header.get("kid"), algorithm)
        return jwt.decode(
            token,
            key,
            algorithms=[algorithm],
            audience=self.config.client_id,
            issuer=self.provider.issuer,
            leeway=CLOCK_SKEW,
            options={"require": required},
        )

    def get_userinfo(self, access_token: str, id_token: str, payload: dict[str, Any]) -> dict:
        """The ID token's claims, with the userinfo endpoint's (if any) laid over them."""
        if not self.provider.userinfo_endpoint:
            return dict(payload)
        response = requests.get(
            self.provider.userinfo_endpoint,
            headers={"Authorization": f"Bearer {access_token}"},
            timeout=self.config.timeout,
        )
        response.raise_for_status()
        if response.headers.get("content-type", "").lower().startswith("application/jwt"):
            try:  # signed userinfo: same key and issuer, no expiry of its own
                info = self._decode(response.text, required=["sub"])
            except jwt.InvalidTokenError as exc:
                raise TokenRejected(f"signed userinfo refused: {exc}") from None
        else:
            info = response.json()
        if not isinstance(info, dict) or info.get("sub") != payload["sub"]:
            # OpenID Connect Core §5.3.2: a different sub means the answer is not about this person.
            raise TokenRejected("userinfo is not about the person in the ID token")
        return {**payload, **info}

    def get_or_create_user(self, access_token: str, id_token: str, payload: dict[str, Any]):
        claims = self.get_userinfo(access_token, id_token, payload)
        verdict = policy.evaluate(claims, self.config)
        if not verdict.allowed:
            identities.revoke_admin_flags(self.provider.issuer, str(claims["sub"]), self.config)
            raise AccessRefused(
                verdict.reason, f"refused {claims.get('email')!r}: {verdict.reason}"
            )
        return identities.user_for(claims, self.provider.issuer, verdict, self.config)
