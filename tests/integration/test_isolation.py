"""Two teammates with keys for different projects never see each other's data, and every
upstream call made for a user carries only that user's key."""

from __future__ import annotations

import re

import httpx
import pytest

from oakdash.dashboard import upstream
from oakdash.demo import get_demo_app
from oakdash.demo.hostile import GLOBEX_HOSTILE_DISTINCT_IDS, HOSTILE_DISTINCT_IDS
from oakdash.demo.projects import ACME_SECRET_KEY, GLOBEX_SECRET_KEY
from oakdash.oakdata import OakDataAPI
from tests.recording import RecordingApp
from tests.urls import ACME, GLOBEX, visitor_url

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _still_demo_clock(still_demo_clock):
    """Pin the demo's clock (tests/conftest.py): a test compares two reads."""


@pytest.fixture
def recorder(monkeypatch):
    app = RecordingApp(get_demo_app())
    api = OakDataAPI(
        base_url=upstream.DEMO_BASE_URL,
        connect_timeout=5.0,
        read_timeout=10.0,
        transport=httpx.WSGITransport(app=app),
    )
    monkeypatch.setattr(upstream, "_api", api)
    yield app
    api.close()


def session_ids(html: str) -> set[str]:
    return set(re.findall(r'<tr data-session-id="([^"]*)"', html))


def event_ids(html: str) -> set[str]:
    return set(re.findall(r'<tr data-uuid="([^"]*)"', html))


def test_sessions_pages_show_only_their_own_project(client_a, client_b):
    url = "/sessions/?range=7d&limit=200"
    page_a = client_a.get(url).content.decode()
    page_b = client_b.get(url).content.decode()
    a, b = session_ids(page_a), session_ids(page_b)
    assert a and b and not a & b
    # Each project's own pages and visitors show up on its own page only.
    assert "/products/oak-desk" in page_a and "/products/oak-desk" not in page_b
    assert "/docs/getting-started" in page_b and "/docs/getting-started" not in page_a
    for distinct_id in HOSTILE_DISTINCT_IDS:
        assert f'href="{visitor_url(distinct_id, GLOBEX)}"' not in page_b
    for distinct_id in GLOBEX_HOSTILE_DISTINCT_IDS:
        assert f'href="{visitor_url(distinct_id)}"' not in page_a


def test_events_pages_show_only_their_own_project(client_a, client_b):
    url = "/events/?offset=0&limit=500"
    page_a = client_a.get(url).content.decode()
    page_b = client_b.get(url).content.decode()
    a, b = event_ids(page_a), event_ids(page_b)
    assert a and b and not a & b
    assert "shop.acme.test" in page_a and "shop.acme.test" not in page_b
    assert "docs.globex.test" in page_b and "docs.globex.test" not in page_a


def test_a_visitor_of_one_project_is_not_found_with_the_other_key(client_a, client_b):
    assert client_a.get(visitor_url("a/b")).status_code == 200
    assert client_b.get(visitor_url("a/b", GLOBEX)).status_code == 404
    assert client_b.get(visitor_url(GLOBEX_HOSTILE_DISTINCT_IDS[0], GLOBEX)).status_code == 200
    assert client_a.get(visitor_url(GLOBEX_HOSTILE_DISTINCT_IDS[0])).status_code == 404


def test_every_upstream_call_carries_only_the_users_own_key(client_a, client_b, recorder):
    # Unscoped paths: each client sends them into its own project (tests/conftest.py).
    pages = ["/sessions/", "/events/?limit=20", "/replays/?limit=5", "/visitors/a%2Fb/"]
    for client, key in ((client_a, ACME_SECRET_KEY), (client_b, GLOBEX_SECRET_KEY)) * 2:
        for url in pages:
            client.get(url)
        seen = recorder.take()
        assert seen, "the pages made no upstream call"
        assert {r["authorization"] for r in seen} == {f"Bearer {key}"}


def test_the_session_page_calls_for_the_session_and_its_visitor_with_one_key(client_b, recorder):
    html = client_b.get("/sessions/?range=7d&limit=20").content.decode()
    session_id = sorted(session_ids(html))[0]
    recorder.take()
    assert client_b.get(f"/sessions/{session_id}/").status_code == 200
    seen = recorder.take()
    paths = [r["path"] for r in seen]
    assert f"/api/v1/sessions/{session_id}" in paths
    assert any(path.startswith("/api/v1/visitors/") for path in paths)
    assert {r["authorization"] for r in seen} == {f"Bearer {GLOBEX_SECRET_KEY}"}


def test_a_person_with_two_projects_reads_each_only_with_its_own_key(client_a, user_a, recorder):
    from oakdash.accounts import keystore

    keystore.store_key(user_a, GLOBEX_SECRET_KEY, verified=True, name="Globex Docs")
    url = "/sessions/?range=7d&limit=200"
    page_a = client_a.get(f"/p/{ACME}{url}").content.decode()  # cached first, under A's key
    recorder.take()
    pages = [
        url,
        "/?range=7d",
        "/journey/",
        "/live/widget/",
        "/events/?limit=20",
        "/replays/?limit=5",
        "/visitors/a%2Fb/",  # an Acme visitor: not found in Globex
    ]
    answers = {p: client_a.get(f"/p/{GLOBEX}{p}") for p in pages}
    assert {r["authorization"] for r in recorder.take()} == {f"Bearer {GLOBEX_SECRET_KEY}"}
    assert answers["/visitors/a%2Fb/"].status_code == 404
    page_b = answers[url].content.decode()
    assert session_ids(page_a) and session_ids(page_b)
    assert not session_ids(page_a) & session_ids(page_b)
    assert "/products/oak-desk" not in page_b and "/docs/getting-started" in page_b
