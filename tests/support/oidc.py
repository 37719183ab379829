"""The SSO tests' OpenID Connect provider: Node's certified `oidc-provider` (tests/oidc/).

    with oidc_provider(ACCOUNTS) as provider:         # node tests/oidc/provider.mjs on 127.0.0.1
        client_id, secret = provider.register("http://testserver")   # dynamic registration
        provider.set_account("carol", {...})           # claims change between logins
        provider.tamper("aud")                        # the next ID tokens break one check
        provider.stats()                              # {"discovery": n, "jwks": n, "token": n}

    agent = ProviderAgent(provider)                   # a browser-like httpx client for its pages
    callback = agent.sign_in(authorize_url, "alice")  # → the redirect back to the dashboard

`./scripts/test` installs tests/oidc's pinned packages (`npm ci`); when Node or the packages are
missing the tests fail, never skip.
"""

from __future__ import annotations

import contextlib
import json
import re
import shutil
import subprocess
import threading
from collections.abc import Iterator
from typing import Any
from urllib.parse import urljoin

import httpx

from tests.support.processes import ROOT, stop_process

PROVIDER_DIR = ROOT / "tests" / "oidc"
CALLBACK_PATH = "/accounts/oidc/callback/"
LOGIN_PATH = "/accounts/login/"
_FORM = re.compile(r'<form[^>]*action="([^"]+)"[^>]*method="post"', re.IGNORECASE)


class OidcProvider:
    def __init__(self, process: subprocess.Popen, issuer: str) -> None:
        self.process = process
        self.issuer = issuer
        self.http = httpx.Client(base_url=issuer, timeout=30)
        self._clients: dict[str, tuple[str, str]] = {}

    def register(self, origin: str) -> tuple[str, str]:
        """(client_id, client_secret) of a confidential client redirecting back to `origin`."""
        if origin not in self._clients:
            answer = self.http.post(
                "/reg",
                json={
                    "redirect_uris": [origin + CALLBACK_PATH],
                    "post_logout_redirect_uris": [origin + LOGIN_PATH],
                    "token_endpoint_auth_method": "client_secret_basic",
                    "client_name": "oakdash tests",
                },
            )
            answer.raise_for_status()
            body = answer.json()
            self._clients[origin] = (body["client_id"], body["client_secret"])
        return self._clients[origin]

    def set_account(self, account: str, claims: dict[str, Any]) -> None:
        self.http.put(f"/__test__/accounts/{account}", json=claims).raise_for_status()

    def tamper(self, mode: str | None) -> None:
        self.http.post("/__test__/tamper", json={"mode": mode}).raise_for_status()

    def reset(self) -> None:
        self.http.post("/__test__/reset").raise_for_status()

    def stats(self) -> dict[str, int]:
        return self.http.get("/__test__/stats").json()


@contextlib.contextmanager
def oidc_provider(accounts: dict[str, dict[str, Any]]) -> Iterator[OidcProvider]:
    node = shutil.which("node")
    if node is None:
        raise RuntimeError("Node.js is missing: the SSO tests run `node tests/oidc/provider.mjs`")
    if not (PROVIDER_DIR / "node_modules" / "oidc-provider").is_dir():
        raise RuntimeError("tests/oidc has no node_modules: run ./scripts/test (it runs npm ci)")
    process = subprocess.Popen(
        [node, str(PROVIDER_DIR / "provider.mjs"), json.dumps({"accounts": accounts})],
        cwd=PROVIDER_DIR,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    first_line: list[str] = []
    reader = threading.Thread(target=lambda: first_line.append(process.stdout.readline()))
    reader.start()
    reader.join(timeout=60)
    try:
        if not first_line or not first_line[0].strip():
            stop_process(process)
            raise RuntimeError(f"the OIDC provider did not start:\n{process.stderr.read()[-3000:]}")
        provider = OidcProvider(process, json.loads(first_line[0])["issuer"])
        yield provider
    finally:
        stop_process(process)


class ProviderAgent:
    """Goes through the provider's own login and consent pages like a person with a browser."""

    def __init__(self, provider: OidcProvider) -> None:
        self.provider = provider
        self.http = httpx.Client(timeout=30)  # keeps the provider's session cookies

    def sign_in(self, url: str, account: str | None = None, *, max_steps: int = 12) -> str:
        """Follow `url` until the provider redirects away from itself; return that URL.

        At the login page, sign in as `account` (any password: the package's development
        pages); at the consent page, consent. Without `account`, a login page is an error.
        """
        for _ in range(max_steps):
            if not url.startswith(self.provider.issuer):
                return url
            page = self.http.get(url)
            if page.is_redirect:
                url = urljoin(url, page.headers["location"])
                continue
            form = _FORM.search(page.text)
            assert page.status_code == 200 and form, f"{url}: {page.status_code} {page.text[:500]}"
            if 'name="login"' in page.text:
                assert account, "the provider asked for a login"
                data = {"prompt": "login", "login": account, "password": "any"}
            else:
                data = {"prompt": "consent"}
            answer = self.http.post(urljoin(url, form.group(1)), data=data)
            assert answer.is_redirect, f"{answer.status_code} {answer.text[:500]}"
            url = urljoin(url, answer.headers["location"])
        raise AssertionError(f"still at the provider after {max_steps} steps: {url}")

    def close(self) -> None:
        self.http.close()


def path_of(url: str) -> str:
    """`http://testserver/a/?b` → `/a/?b` (what Django's test client takes)."""
    match = re.match(r"^https?://[^/]+(/.*)$", url)
    assert match, url
    return match.group(1)
