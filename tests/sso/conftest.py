"""Company sign-in tests: one real OpenID Connect provider per test session (tests/oidc/).

The dashboard runs in Django's test client (or live_server for Chromium); it talks to the
provider over real HTTP (discovery, JWKS, token, userinfo), and `ProviderAgent` plays the
person's browser on the provider's own login and consent pages.
"""

from __future__ import annotations

import html
import re
import time
from collections.abc import Iterator
from dataclasses import dataclass
from urllib.parse import parse_qs, urlsplit

import pytest
from django.test import Client

from tests.support.oidc import OidcProvider, ProviderAgent, oidc_provider, path_of

LABEL = "Test IdP"
ACCOUNTS = {
    "alice": {  # user_a's identity at the provider: a pre-created account with a key
        "email": "alice@acme.example",
        "email_verified": True,
        "given_name": "Alice",
        "family_name": "Acme",
        "groups": ["oakdash-users"],
    },
    "carol": {  # an admin, no oakdash account yet
        "email": "carol@acme.example",
        "email_verified": True,
        "groups": ["oakdash-users", "oakdash-admins"],
    },
    "dave": {"email": "dave@acme.example", "email_verified": True, "groups": ["marketing"]},
    "mallory": {
        "email": "mallory@elsewhere.example",
        "email_verified": True,
        "groups": ["oakdash-users"],
    },
}
SSO_LINK = re.compile(r'href="(/accounts/oidc/start/[^"]*)"')
META_REFRESH = re.compile(r'<meta http-equiv="refresh" content="0;url=([^"]+)">')


def sso_link(page: str) -> str:
    """The login page's "Sign in with …" link."""
    return html.unescape(SSO_LINK.search(page).group(1))


def to_provider(response) -> str:
    """Where a "moving on to the provider" page (a meta refresh, not a 302) goes."""
    assert response.status_code == 200, response.status_code
    assert "no-store" in response["Cache-Control"]
    return html.unescape(META_REFRESH.search(response.content.decode()).group(1))


@pytest.fixture(scope="session")
def provider() -> Iterator[OidcProvider]:
    with oidc_provider(ACCOUNTS) as running:
        yield running


@pytest.fixture(autouse=True)
def _fresh(clean_demo, provider):
    """Each test: healthy demo, the provider's accounts as above, no cached discovery or keys."""
    from oakdash.sso.provider import clear_caches

    provider.reset()
    clear_caches()
    yield
    provider.reset()
    clear_caches()


def configure(settings, provider: OidcProvider, origin: str, **overrides) -> None:
    """Company sign-in on, for a dashboard reached at `origin`."""
    client_id, secret = provider.register(origin)
    values = {
        "OAKDASH_OIDC_ISSUER": provider.issuer,
        "OAKDASH_OIDC_CLIENT_ID": client_id,
        "OAKDASH_OIDC_CLIENT_SECRET": secret,
        "OAKDASH_OIDC_SCOPES": "openid email profile groups",
        "OAKDASH_OIDC_BUTTON_LABEL": LABEL,
        "OAKDASH_OIDC_ALLOWED_DOMAINS": ["acme.example"],
        "OAKDASH_OIDC_ALLOWED_GROUPS": ["oakdash-users"],
        "OAKDASH_OIDC_STAFF_GROUPS": ["oakdash-admins"],
        "OAKDASH_OIDC_SUPERUSER_GROUPS": [],
        "OAKDASH_OIDC_CREATE_USERS": True,
        "OAKDASH_OIDC_REVALIDATE_SECONDS": 900,
        **overrides,
    }
    for name, value in values.items():
        setattr(settings, name, value)


@dataclass
class Sso:
    """Signs people in through the provider with Django's test client."""

    provider: OidcProvider
    agent: ProviderAgent

    def authorize_url(self, client: Client, next_url: str | None = None) -> str:
        start = client.get("/accounts/oidc/start/", {"next": next_url} if next_url else {})
        assert start.status_code == 302, start.content[:500]
        assert start["Location"].startswith(self.provider.issuer)
        return start["Location"]

    def callback_path_for(self, authorize_url: str, account: str | None) -> str:
        """The path the provider sends the browser back to (not yet opened)."""
        return path_of(self.agent.sign_in(authorize_url, account))

    def callback(self, client: Client, account: str | None, next_url: str | None = None) -> str:
        return self.callback_path_for(self.authorize_url(client, next_url), account)

    def sign_in(self, client: Client, account: str, next_url: str | None = None):
        return client.get(self.callback(client, account, next_url))

    def follow(self, client: Client, response) -> object:
        """A page moving on to the provider, followed back to the dashboard (silent re-checks)."""
        return client.get(path_of(self.agent.sign_in(to_provider(response))))


@pytest.fixture
def sso(settings, provider) -> Iterator[Sso]:
    configure(settings, provider, "http://testserver")
    agent = ProviderAgent(provider)
    yield Sso(provider, agent)
    agent.close()


def signed_in_user_id(client: Client) -> str | None:
    return client.session.get("_auth_user_id")


def expire_recheck(client: Client, seconds_ago: float = 1) -> None:
    """Make the session's company sign-in due for its re-check."""
    session = client.session
    session["oidc_id_token_expiration"] = time.time() - seconds_ago
    session.save()


def query_of(url: str) -> dict[str, list[str]]:
    return parse_qs(urlsplit(url).query)
