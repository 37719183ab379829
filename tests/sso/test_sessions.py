"""Sessions after signing in: silent re-checks, htmx polling, logout at the provider too,
and password login turned off."""

from __future__ import annotations

import re
import time
from urllib.parse import urljoin

import pytest

from tests.conftest import PASSWORD
from tests.sso.conftest import expire_recheck, query_of, signed_in_user_id, to_provider
from tests.support.oidc import ProviderAgent, path_of

pytestmark = pytest.mark.django_db

OPENED = "/p/acme-shop/visitors/a%2Fb/?range=30d"  # a link as people share them


@pytest.fixture
def alice(user_a):
    user_a.email = "alice@acme.example"
    user_a.save()
    return user_a


def test_a_due_recheck_goes_silently_through_the_provider_back_to_the_same_url(client, sso, alice):
    sso.sign_in(client, "alice")
    expire_recheck(client)
    recheck = client.get(OPENED)
    assert query_of(to_provider(recheck))["prompt"] == ["none"]

    back = sso.follow(client, recheck)
    assert back.status_code == 302 and back["Location"] == OPENED
    assert signed_in_user_id(client) == str(alice.pk)
    assert client.session["oidc_id_token_expiration"] > time.time() + 800
    assert client.get(OPENED).status_code == 200


def test_htmx_polling_that_needs_a_recheck_reloads_the_page_instead_of_a_redirect(
    client, sso, alice
):
    sso.sign_in(client, "alice")
    expire_recheck(client)
    poll = client.get("/live/widget/", headers={"HX-Request": "true", "HX-Current-URL": "/live/"})
    assert poll.status_code == 200 and poll["HX-Refresh"] == "true"
    assert signed_in_user_id(client) == str(alice.pk)  # the reload does the re-check


def test_posts_get_one_more_interval_then_the_session_ends(client, sso, alice, settings):
    sso.sign_in(client, "alice")
    expire_recheck(client)
    kept = client.post("/settings/", {"action": "remove"})
    assert kept.status_code == 302 and kept["Location"] == "/settings/"  # done, not lost

    expire_recheck(client, seconds_ago=settings.OAKDASH_OIDC_REVALIDATE_SECONDS + 1)
    ended = client.post("/settings/", {"action": "remove"})
    assert ended["Location"].startswith("/accounts/login/")
    assert signed_in_user_id(client) is None


def test_an_ended_provider_session_sends_the_person_back_to_sign_in(client, sso, alice):
    sso.sign_in(client, "alice")
    expire_recheck(client)
    recheck = client.get(OPENED)
    stranger = ProviderAgent(sso.provider)  # a browser with no session at the provider
    try:
        back = client.get(path_of(stranger.sign_in(to_provider(recheck))))
    finally:
        stranger.close()
    assert query_of(back["Location"]) == {"next": [OPENED]}
    assert back["Location"].startswith("/accounts/login/")
    assert signed_in_user_id(client) is None


def test_logout_ends_the_provider_session_too(client, sso, alice):
    sso.sign_in(client, "alice")
    id_token = client.session["oidc_id_token"]
    end_session = to_provider(client.post("/accounts/logout/"))
    assert signed_in_user_id(client) is None
    assert end_session.startswith(sso.provider.issuer + "/session/end?")
    assert query_of(end_session) == {
        "id_token_hint": [id_token],
        "post_logout_redirect_uri": ["http://testserver/accounts/login/"],
        "client_id": [sso.provider.register("http://testserver")[0]],
    }

    confirm = sso.agent.http.get(end_session)  # the provider asks "sign out?"; yes
    form = re.search(r'<form[^>]*id="op.logoutForm"[^>]*action="([^"]+)"', confirm.text)
    hidden = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', confirm.text))
    done = sso.agent.http.post(
        urljoin(end_session, form.group(1)), data={**hidden, "logout": "yes"}
    )
    assert done.headers["location"] == "http://testserver/accounts/login/"

    # Signing in again needs the provider's login page: its session is gone.
    authorize = sso.authorize_url(client)
    with pytest.raises(AssertionError, match="the provider asked for a login"):
        sso.agent.sign_in(authorize)


def test_password_login_can_be_turned_off(client, sso, user_a, settings):
    user_a.is_staff = True
    user_a.save()
    settings.OAKDASH_PASSWORD_LOGIN = False
    page = client.get("/accounts/login/").content.decode()
    assert "Sign in with" in page and 'name="password"' not in page
    refused = client.post("/accounts/login/", {"username": "alice", "password": PASSWORD})
    assert refused.status_code == 403
    assert "Password sign-in is turned off" in refused.content.decode()
    assert signed_in_user_id(client) is None
    # The admin site's own login form is refused too (one switch, every password form).
    admin = client.post("/admin/login/", {"username": "alice", "password": PASSWORD})
    assert admin.status_code == 200 and signed_in_user_id(client) is None


def test_password_sessions_end_when_password_login_is_turned_off(client_a, sso, settings):
    assert client_a.get("/journey/").status_code == 200
    settings.OAKDASH_PASSWORD_LOGIN = False
    assert client_a.get("/journey/")["Location"] == "/accounts/login/?next=/p/acme-shop/journey/"
    assert signed_in_user_id(client_a) is None
