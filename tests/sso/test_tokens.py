"""Every check on the provider's answer refuses a forged or broken one, with a clear page.

The provider (tests/oidc/provider.mjs) re-signs the ID tokens it hands out with one thing
broken, with its real key unless the signature is the point, so each test fails without exactly
its check.
"""

from __future__ import annotations

import logging

import pytest

from tests.sso.conftest import query_of, signed_in_user_id

pytestmark = pytest.mark.django_db


@pytest.fixture
def alice(user_a):
    user_a.email = "alice@acme.example"
    user_a.save()
    return user_a


@pytest.mark.parametrize(
    ("mode", "logged"),
    [
        ("aud", "InvalidAudienceError"),
        ("iss", "InvalidIssuerError"),
        ("exp", "ExpiredSignatureError"),
        ("sig", "InvalidSignatureError"),
        ("nonce", "nonce does not match"),
        ("userinfo", "userinfo is not about the person in the ID token"),
    ],
)
def test_a_token_failing_a_check_signs_nobody_in(client, sso, alice, caplog, mode, logged):
    sso.provider.tamper(mode)
    with caplog.at_level(logging.WARNING, logger="oakdash.sso"):
        answer = sso.sign_in(client, "alice", "/journey/")
    assert answer.status_code == 403
    assert "Sign-in could not be verified" in answer.content.decode()
    assert signed_in_user_id(client) is None
    assert logged in caplog.text
    assert client.get("/journey/").status_code == 302  # still logged out


def test_a_rotated_signing_key_is_fetched_once_and_accepted(client, sso, alice):
    sso.sign_in(client, "alice")
    client.logout()
    fetched = sso.provider.stats()["jwks"]
    sso.provider.tamper("rotate")  # tokens now signed by a key the cached JWKS does not hold
    assert sso.sign_in(client, "alice").status_code == 302
    assert signed_in_user_id(client) == str(alice.pk)
    client.logout()
    sso.sign_in(client, "alice")
    assert sso.provider.stats()["jwks"] == fetched + 1


def test_a_used_state_cannot_be_replayed(client, sso, alice):
    callback = sso.callback(client, "alice")
    assert client.get(callback).status_code == 302
    exchanges = sso.provider.stats()["token"]
    again = client.get(callback)  # the same answer, opened a second time in the same session
    assert again.status_code == 403
    assert "This sign-in link is no longer valid" in again.content.decode()
    assert sso.provider.stats()["token"] == exchanges  # refused before any token exchange


def test_a_code_from_another_sign_in_is_refused(client, sso, alice):
    waiting = query_of(sso.authorize_url(client))["state"][0]
    other = query_of(sso.callback(client, "alice"))
    answer = client.get(
        "/accounts/oidc/callback/",
        {"code": other["code"][0], "state": waiting, "iss": other["iss"][0]},
    )
    assert answer.status_code == 403  # the code is bound to the other request's PKCE verifier
    assert signed_in_user_id(client) is None


def test_an_answer_naming_another_issuer_is_refused(client, sso, alice):
    path = sso.callback(client, "alice").replace("iss=", "iss=https%3A%2F%2Fimpostor.example&x=")
    answer = client.get(path)
    assert answer.status_code == 403
    assert signed_in_user_id(client) is None
