"""Signing in through the provider: the way there and back, the account, the discovery cache."""

from __future__ import annotations

import pytest

from oakdash.demo.projects import ACME_SECRET_KEY
from oakdash.sso.models import OidcIdentity
from tests.integration.test_settings import _manage
from tests.sso.conftest import LABEL, query_of, signed_in_user_id, sso_link
from tests.support.processes import free_port

# Passes the start-up checks on secret keys (long, varied, not a placeholder).
STRONG_SECRET = "x9!Qz" * 12

pytestmark = pytest.mark.django_db


def test_company_sign_in_is_off_unless_configured(client):
    page = client.get("/accounts/login/").content.decode()
    assert "oidc/start" not in page and 'name="password"' in page
    assert client.get("/accounts/oidc/start/").status_code == 404
    assert client.get("/accounts/oidc/callback/?code=x&state=y").status_code == 404


def test_a_logged_out_link_comes_back_to_exactly_that_url_after_signing_in(client, sso, user_a):
    user_a.email = "alice@acme.example"
    user_a.save()
    opened = "/p/acme-shop/visitors/a%2Fb/?range=30d"
    to_login = client.get(opened)
    login_page = client.get(to_login["Location"]).content.decode()
    assert f"Sign in with {LABEL}" in login_page
    start = client.get(sso_link(login_page))
    authorize = start["Location"]
    params = query_of(authorize)
    assert params["code_challenge_method"] == ["S256"] and params["code_challenge"]
    assert params["state"] and params["nonce"] and "prompt" not in params
    back = client.get(sso.callback_path_for(authorize, "alice"))

    assert back.status_code == 302 and back["Location"] == opened
    assert signed_in_user_id(client) == str(user_a.pk)  # the pre-created account, now linked
    assert OidcIdentity.objects.get(user=user_a).subject == "alice"
    page = client.get(opened).content.decode()
    assert 'data-distinct-id="a/b"' in page
    assert "oak_sec_…a1b2" in page and ACME_SECRET_KEY not in page  # alice's own key


@pytest.mark.parametrize(
    "target",
    ["https://evil.example/", "//evil.example/x", "/\\evil.example", "http://testserver.evil/"],
)
def test_next_cannot_send_anyone_off_site(client, sso, user_a, target):
    user_a.email = "alice@acme.example"
    user_a.save()
    assert sso.sign_in(client, "alice", target)["Location"] == "/"


def test_a_first_sign_in_creates_a_linked_account_without_a_password(
    client, sso, django_user_model
):
    back = sso.sign_in(client, "carol", "/sessions/?range=30d")
    carol = django_user_model.objects.get(username="carol@acme.example")
    assert back["Location"] == "/sessions/?range=30d"
    assert signed_in_user_id(client) == str(carol.pk)
    assert carol.email == "carol@acme.example" and not carol.has_usable_password()
    assert OidcIdentity.objects.get(user=carol).subject == "carol"
    # No OakData key yet: the page asks for one and keeps the way back.
    assert client.get("/sessions/?range=30d")["Location"].startswith("/settings/?next=")


def test_pre_created_accounts_only_refuses_everyone_else(client, sso, settings, django_user_model):
    settings.OAKDASH_OIDC_CREATE_USERS = False
    refused = sso.sign_in(client, "carol")
    assert refused.status_code == 403
    assert "There is no oakdash account for carol@acme.example" in refused.content.decode()
    assert not django_user_model.objects.filter(email="carol@acme.example").exists()
    assert signed_in_user_id(client) is None


def test_the_account_is_found_by_its_subject_even_after_the_address_changes(client, sso, user_a):
    user_a.email = "alice@acme.example"
    user_a.save()
    sso.sign_in(client, "alice")
    client.logout()
    sso.provider.set_account(
        "alice",
        {"email": "alice.new@acme.example", "email_verified": True, "groups": ["oakdash-users"]},
    )
    sso.sign_in(client, "alice")
    user_a.refresh_from_db()
    assert signed_in_user_id(client) == str(user_a.pk)
    assert user_a.email == "alice.new@acme.example"


def test_discovery_waits_for_the_first_sign_in_and_is_cached(client, sso, user_a):
    user_a.email = "alice@acme.example"
    user_a.save()
    before = sso.provider.stats()
    client.get("/accounts/login/")
    assert sso.provider.stats()["discovery"] == before["discovery"]
    sso.sign_in(client, "alice")
    client.logout()
    sso.sign_in(client, "alice")
    after = sso.provider.stats()
    assert after["discovery"] == before["discovery"] + 1
    assert after["jwks"] == before["jwks"] + 1
    assert after["token"] == before["token"] + 2


def test_a_provider_that_is_down_gets_a_clear_page_not_a_crash(client, sso, settings):
    settings.OAKDASH_OIDC_ISSUER = f"http://127.0.0.1:{free_port()}"
    answer = client.get("/accounts/oidc/start/?next=/journey/")
    assert answer.status_code == 503
    page = answer.content.decode()
    assert "Company sign-in is not answering" in page and 'class="topbar"' in page
    assert 'href="/accounts/oidc/start/?next=/journey/"' in page  # try again, same way back


def test_oakdash_starts_while_the_provider_is_down():
    dead = f"http://127.0.0.1:{free_port()}"
    result = _manage(
        "check",
        DJANGO_SECRET_KEY=STRONG_SECRET,
        OAKDASH_OIDC_ISSUER=dead,
        OAKDASH_OIDC_CLIENT_ID="oakdash",
        OAKDASH_OIDC_CLIENT_SECRET="s3cret",
        OAKDASH_PASSWORD_LOGIN="0",
    )
    assert result.returncode == 0, result.stderr


def test_password_login_off_without_company_sign_in_refuses_to_start():
    result = _manage("check", DJANGO_SECRET_KEY=STRONG_SECRET, OAKDASH_PASSWORD_LOGIN="0")
    assert result.returncode != 0
    assert "OAKDASH_PASSWORD_LOGIN=0 needs company sign-in" in result.stderr
