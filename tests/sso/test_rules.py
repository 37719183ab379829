"""The pure rules: who may enter, start-up checks of the settings, choosing a signing key."""

from __future__ import annotations

from dataclasses import replace

import jwt
import pytest
from django.core.exceptions import ImproperlyConfigured

from oakdash.sso.checks import check_oidc_settings
from oakdash.sso.config import OidcConfig
from oakdash.sso.policy import Verdict, evaluate
from oakdash.sso.provider import _matching_key

CONFIG = OidcConfig(
    issuer="https://id.example",
    client_id="oakdash",
    client_secret="s",
    scopes="openid email",
    label="Example ID",
    allowed_domains=frozenset({"acme.example"}),
    allowed_groups=frozenset({"users"}),
    groups_claim="groups",
    staff_groups=frozenset({"staff"}),
    superuser_groups=frozenset({"root"}),
    create_users=True,
    revalidate_seconds=900,
    timeout=5.0,
    password_login=True,
)


def claims(**extra):
    return {"sub": "1", "email": "ann@acme.example", "email_verified": True, **extra}


@pytest.mark.parametrize(
    ("given", "config", "expected"),
    [
        (claims(groups=["users"]), CONFIG, Verdict(True)),
        (claims(groups="users"), CONFIG, Verdict(True)),  # a single name, not a list
        (claims(groups=["staff"]), CONFIG, Verdict(True, is_staff=True)),  # admins may enter
        (claims(groups=["root"]), CONFIG, Verdict(True, is_staff=True, is_superuser=True)),
        (claims(email="Ann@ACME.example", groups=["users"]), CONFIG, Verdict(True)),
        (claims(), replace(CONFIG, allowed_groups=frozenset()), Verdict(True)),
        (
            claims(email="ann@evil.example", groups=["users"]),
            replace(CONFIG, allowed_groups=frozenset(), allowed_domains=frozenset()),
            Verdict(True),
        ),
    ],
)
def test_who_is_let_in_and_with_which_rights(given, config, expected):
    assert evaluate(given, config) == expected


@pytest.mark.parametrize(
    ("given", "reason"),
    [
        (claims(groups=["Users"]), "not in a group"),  # group names are exact
        (claims(groups={"users": True}), "not in a group"),
        (claims(groups=["users"], email="ann@sub.acme.example"), "only admits addresses at"),
        (claims(groups=["users"], email="ann@acme.example.evil"), "only admits addresses at"),
        (claims(groups=["users"], email_verified=False), "is not verified"),
        (claims(groups=["users"], email=None), "did not tell oakdash your e-mail"),
        (claims(groups=["users"], email="not-an-address"), "did not tell oakdash your e-mail"),
    ],
)
def test_who_is_refused_and_why(given, reason):
    verdict = evaluate(given, CONFIG)
    assert not verdict.allowed and reason in verdict.reason
    assert not verdict.is_staff and not verdict.is_superuser


GOOD = {
    "issuer": "https://id.example",
    "client_id": "c",
    "client_secret": "s",
    "scopes": "openid email",
    "password_login": True,
}


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"issuer": "http://id.example"}, "must be an https:// URL"),
        ({"issuer": "https://id.example/?x=1"}, "is not an issuer URL"),
        ({"client_secret": ""}, "OAKDASH_OIDC_CLIENT_SECRET must be set"),
        ({"scopes": "email profile"}, "must include 'openid'"),
        ({"issuer": "", "password_login": False}, "needs company sign-in"),
    ],
)
def test_unusable_settings_stop_the_process(changes, message):
    with pytest.raises(ImproperlyConfigured, match=message):
        check_oidc_settings(**{**GOOD, **changes})


def test_usable_settings_pass():
    check_oidc_settings(**GOOD)
    check_oidc_settings(**{**GOOD, "issuer": "http://127.0.0.1:8080/realms/x"})
    check_oidc_settings(**{**GOOD, "issuer": "", "client_id": ""})


def _rsa(kid: str | None, alg: str | None = "RS256", use: str | None = "sig") -> dict:
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048).public_key()
    jwk = jwt.algorithms.RSAAlgorithm.to_jwk(key, as_dict=True)
    jwk.update({k: v for k, v in {"kid": kid, "alg": alg, "use": use}.items() if v})
    return jwk


def test_the_signing_key_is_chosen_by_kid_alg_and_use():
    a, b, enc = _rsa("a"), _rsa("b"), _rsa("c", use="enc")
    assert _matching_key([a, b], "b", "RS256").key_id == "b"
    assert _matching_key([a, b], "c", "RS256") is None  # unknown: the JWKS is fetched again
    assert _matching_key([a, b], "a", "ES256") is None  # the key is for another algorithm
    assert _matching_key([enc], "c", "RS256") is None  # an encryption key never verifies
    assert _matching_key([a], None, "RS256").key_id == "a"  # no kid: the only key there is
    assert _matching_key([a, b], None, "RS256") is None  # no kid and a choice: refuse
