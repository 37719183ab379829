"""/live/, /live/widget/ and the nav's live count, against the in-process demo API."""

from __future__ import annotations

import json
import re
import threading
import time
from html import escape as html_escape

import pytest
from django.core.cache import cache
from django.test import Client

from oakdash.accounts.crypto import fingerprint as project_fingerprint
from oakdash.dashboard.upstream import get_api
from oakdash.demo import get_demo_app
from oakdash.demo.hostile import ARABIC_TEXT, HOSTILE_LABEL
from oakdash.demo.projects import ACME_SECRET_KEY, GLOBEX_SECRET_KEY

pytestmark = pytest.mark.django_db


def _live_and_html(client: Client, url: str, key: str = ACME_SECRET_KEY):
    """The page and the answer it shows: the demo's data moves on each minute, so make sure the
    expected answer was computed within the same minute as the page."""
    for _ in range(3):
        before = get_api().for_key(key).live()
        cache.clear()
        response = client.get(url)
        after = get_api().for_key(key).live()
        if before == after:
            return before, response
    raise AssertionError("the demo's live answer kept changing")


def _fake_live(active_now: int, sessions: list[tuple[str, str]]) -> bytes:
    rows = [{"session_id": sid, "last_seen": seen} for sid, seen in sessions]
    return json.dumps({"active_now": active_now, "sessions": rows}).encode()


def _count_live_calls(monkeypatch) -> list[str]:
    calls: list[str] = []
    lock = threading.Lock()

    def hook(path: str, status: int | None, elapsed: float) -> None:
        if path == "/live":
            with lock:
                calls.append(path)

    monkeypatch.setattr(get_api(), "on_response", hook)
    return calls


# --- what the user sees ------------------------------------------------------------------------


def test_the_live_page_shows_the_active_count_and_every_session_the_api_returned(client_a):
    live, response = _live_and_html(client_a, "/live/")
    html = response.content.decode()
    assert response.status_code == 200
    assert live.sessions, "the demo should have someone live in project A"
    count = re.search(r"data-live-count>([^<]*)<", html.split('id="live-widget"')[1]).group(1)
    assert count == f"{live.active_now:,}"
    for session in live.sessions:
        assert f'href="/p/acme-shop/sessions/{session.session_id}/"' in html
    assert f"<title>({live.active_now:,}) Live · Acme Shop · oakdash</title>" in html
    assert "active in the last 5 minutes · updated" in html
    assert ACME_SECRET_KEY not in html


def test_each_session_says_how_long_ago_it_was_seen_with_the_exact_time_on_hover(client_a):
    body = _fake_live(1, [("s_recent", "2026-06-11T14:03:21.000Z")])
    get_demo_app().faults.add("/api/v1/live", status=200, body=body)
    html = client_a.get("/live/widget/").content.decode()
    row = re.search(r'<tr data-session-id="s_recent">.*?</tr>', html, re.S).group(0)
    assert 'datetime="2026-06-11T14:03:21+00:00"' in row
    assert 'title="2026-06-11 14:03:21 UTC"' in row
    assert re.search(r">\d+ h ago</time>", row)


def test_the_widget_is_a_polling_fragment_and_the_page_a_full_document(client_a):
    live, widget = _live_and_html(client_a, "/live/widget/")
    fragment = widget.content.decode()
    assert widget.status_code == 200
    assert "<html" not in fragment
    assert fragment.lstrip().startswith('<section id="live-widget"')
    assert 'hx-get="/p/acme-shop/live/widget/"' in fragment
    assert 'hx-trigger="every 5s, live:refresh"' in fragment
    assert f'data-active-now="{live.active_now}"' in fragment

    page = client_a.get("/live/").content.decode()
    assert page.startswith("<!doctype html>") and 'id="live-widget"' in page

    htmx = client_a.get("/live/", HTTP_HX_REQUEST="true").content.decode()
    assert "<html" not in htmx and 'id="live-widget"' in htmx


def test_every_page_has_the_compact_live_count_in_its_navigation(client_a):
    html = client_a.get("/live/").content.decode()
    pill = re.search(r'<a class="live-pill[^>]*>', html).group(0)
    assert 'href="/p/acme-shop/live/"' in pill
    assert 'hx-get="/p/acme-shop/live/widget/?compact=1"' in pill
    assert 'hx-trigger="load, every 5s, live:refresh"' in pill
    assert '/static/js/live.js"' in html


def test_the_compact_count_shows_the_number_and_polls_without_reloading_itself(client_a):
    live, response = _live_and_html(client_a, "/live/widget/?compact=1")
    html = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in html and 'id="live-widget"' not in html
    assert re.search(r"data-live-count>([^<]*)<", html).group(1) == f"{live.active_now:,}"
    # A "load" trigger on the swapped-in copy would fire again at once, forever.
    assert 'hx-trigger="every 5s, live:refresh"' in html


def test_nobody_active_gets_an_empty_state_that_says_so(client_a):
    get_demo_app().faults.add("/api/v1/live", status=200, body=_fake_live(0, []))
    html = client_a.get("/live/").content.decode()
    assert "Nobody is active right now" in html
    assert "sessions active in the last 5 minutes show up here" in html
    assert "<table" not in html


def test_hostile_session_ids_are_escaped_and_encoded_in_links(client_a):
    body = _fake_live(
        3,
        [
            (HOSTILE_LABEL, "2026-06-11T14:03:21.000Z"),
            (ARABIC_TEXT, "2026-06-11T14:03:20.000Z"),
            ("", "2026-06-11T14:03:19.000Z"),
            ("../live", "2026-06-11T14:03:18.000Z"),
        ],
    )
    get_demo_app().faults.add("/api/v1/live", status=200, body=body)
    response = client_a.get("/live/")
    html = response.content.decode()
    assert response.status_code == 200
    assert HOSTILE_LABEL not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert 'href="/p/acme-shop/sessions/%3Cscript%3Ealert%281%29%3C%2Fscript%3E/"' in html
    assert 'href="/p/acme-shop/sessions/..%2Flive/"' in html  # not a link to /live/
    assert f"<bdi>{ARABIC_TEXT}</bdi>" in html
    assert "(no id)" in html  # an empty id is shown, not linked to /sessions//
    assert "style=" not in html
    assert not re.search(r"<script(?![^>]*\bsrc=)", html)


# --- when OakData fails ------------------------------------------------------------------------


def test_a_failing_api_after_a_good_answer_keeps_the_numbers_with_a_stale_marker(
    client_a, settings
):
    settings.OAKDASH_LIVE_CACHE_SECONDS = 0  # every poll goes upstream
    body = _fake_live(7, [("s_still_here", "2026-06-11T14:03:21.000Z")])
    get_demo_app().faults.add("/api/v1/live", status=200, body=body, times=1)
    good = client_a.get("/live/widget/").content.decode()
    assert "data-stale-marker" not in good

    get_demo_app().faults.add("/api/v1/live", status=503)
    response = client_a.get("/live/widget/")
    html = response.content.decode()
    assert response.status_code == 200
    assert "data-stale-marker" in html and "Stale" in html
    assert "OakData did not answer" in html
    assert re.search(r"data-live-count>7<", html)
    assert 'href="/p/acme-shop/sessions/s_still_here/"' in html

    page = client_a.get("/live/")
    assert page.status_code == 200
    assert "data-stale-marker" in page.content.decode()


def test_the_compact_count_turns_stale_rather_than_blank(client_a, settings):
    settings.OAKDASH_LIVE_CACHE_SECONDS = 0
    get_demo_app().faults.add("/api/v1/live", status=200, body=_fake_live(12, []), times=1)
    client_a.get("/live/widget/?compact=1")
    get_demo_app().faults.add("/api/v1/live", status=502)
    html = client_a.get("/live/widget/?compact=1").content.decode()
    assert 'class="live-pill stale"' in html
    assert re.search(r"data-live-count>12<", html)


def test_an_api_that_never_answered_says_so_and_shows_no_numbers(client_a):
    get_demo_app().faults.add("/api/v1/live", status=503)
    widget = client_a.get("/live/widget/")
    html = widget.content.decode()
    assert widget.status_code == 200  # polling carries on and recovers by itself
    assert "OakData did not answer" in html and "data-live-unavailable" in html
    assert "data-live-count" not in html and "<table" not in html
    assert 'hx-trigger="every 5s, live:refresh"' in html

    page = client_a.get("/live/")
    assert page.status_code == 503
    assert "data-live-unavailable" in page.content.decode()
    assert "<title>Live · Acme Shop · oakdash</title>" in page.content.decode()

    pill = client_a.get("/live/widget/?compact=1").content.decode()
    assert 'class="live-pill stale"' in pill and "data-live-count>—<" in pill


def test_a_revoked_key_is_not_hidden_behind_stale_numbers(client_a):
    get_demo_app().faults.add("/api/v1/live", status=401, body=b'{"error": "revoked"}')
    widget = client_a.get("/live/widget/", HTTP_HX_REQUEST="true")
    assert widget.status_code == 403
    assert "Your key is no longer valid" in widget.content.decode()
    # ...but the nav count on every page stays a small pill.
    pill = client_a.get("/live/widget/?compact=1", HTTP_HX_REQUEST="true")
    assert pill.status_code == 200 and "live-pill" in pill.content.decode()


def test_a_bad_compact_value_is_a_400_not_a_traceback(client_a):
    response = client_a.get("/live/widget/?compact=maybe")
    assert response.status_code == 400
    assert "compact" in response.content.decode()


def test_without_a_key_the_widget_sends_you_to_settings(client_nokey):
    response = client_nokey.get("/live/widget/")
    assert response.status_code == 302
    assert response["Location"].startswith("/settings/?next=")


# --- what the API receives ---------------------------------------------------------------------


def _burst(clients: list[Client], per_client: int, url: str) -> list[int]:
    barrier = threading.Barrier(len(clients) * per_client)
    statuses: list[int] = []
    lock = threading.Lock()

    def poll(client: Client) -> None:
        barrier.wait()
        status = client.get(url).status_code
        with lock:
            statuses.append(status)

    threads = [
        threading.Thread(target=poll, args=(client,))
        for client in clients
        for _ in range(per_client)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return statuses


@pytest.fixture
def teammate_a(transactional_db, django_user_model):
    """A second user holding project A's key (a teammate)."""
    from oakdash.accounts import keystore

    user = django_user_model.objects.create_user(username="ada", password="x")
    keystore.store_key(user, ACME_SECRET_KEY, verified=True)
    client = Client()
    client.force_login(user)
    return client


@pytest.mark.django_db(transaction=True)
def test_a_burst_of_widget_polls_from_two_teammates_costs_one_upstream_call(
    client_a, teammate_a, monkeypatch
):
    get_api().for_key(ACME_SECRET_KEY).live()  # warm the demo's data outside the count
    cache.clear()
    calls = _count_live_calls(monkeypatch)
    # Slow upstream: every poll arrives while the first call is still in flight.
    get_demo_app().faults.add("/api/v1/live", status=None, delay=0.5)
    statuses = _burst([client_a, teammate_a], per_client=8, url="/p/acme-shop/live/widget/")
    assert statuses == [200] * 16
    assert len(calls) == 1


@pytest.mark.django_db(transaction=True)
def test_two_projects_cost_one_upstream_call_each(client_a, client_b, monkeypatch):
    get_api().for_key(ACME_SECRET_KEY).live()
    get_api().for_key(GLOBEX_SECRET_KEY).live()
    cache.clear()
    calls = _count_live_calls(monkeypatch)
    get_demo_app().faults.add("/api/v1/live", status=None, delay=0.3)
    statuses = _burst([client_a, client_b], per_client=6, url="/live/widget/?compact=1")
    assert statuses == [200] * 12
    assert len(calls) == 2


def _stored_keys() -> list[str]:
    """The real keys as written to the store (LocMemCache's dict, or Redis's KEYS)."""
    store = cache._cache
    if hasattr(store, "get_client"):  # Redis (--backend=postgres-redis)
        return [key.decode() for key in store.get_client().keys("*")]
    return list(store.keys())


def test_the_cache_keys_name_the_project_by_a_keyed_hash_never_by_the_key(client_a, client_b):
    client_a.get("/live/widget/")
    client_b.get("/live/widget/")
    keys = _stored_keys()
    assert keys
    for key in keys:
        assert ACME_SECRET_KEY not in key and GLOBEX_SECRET_KEY not in key
        assert ACME_SECRET_KEY[-8:] not in key and GLOBEX_SECRET_KEY[-8:] not in key
    assert any(project_fingerprint(ACME_SECRET_KEY) in key for key in keys)
    assert any(project_fingerprint(GLOBEX_SECRET_KEY) in key for key in keys)


# --- what the recent sessions tell about each live session --------------------------------------


def test_each_live_session_shows_its_page_source_location_and_device(client_a, still_demo_clock):
    live = get_api().for_key(ACME_SECRET_KEY).live()
    recent = get_api().for_key(ACME_SECRET_KEY).sessions(range="24h", limit=200).sessions
    known = {s.session_id: s for s in recent}
    html = client_a.get("/live/").content.decode()
    described = [s for s in live.sessions if s.session_id in known]
    assert described, "the demo's live sessions started recently"
    order = re.findall(r'<tr data-session-id="([^"]+)">', html)
    assert order == [s.session_id for s in sorted(live.sessions, key=lambda s: s.last_seen)][::-1]
    for entry in described:
        session = known[entry.session_id]
        row = re.search(rf'<tr data-session-id="{entry.session_id}">.*?</tr>', html, re.S).group(0)
        for value in (
            session.exit_path,
            session.referring_domain,
            session.country,
            session.browser,
        ):
            if value:
                shown = html_escape(value)
                assert f'title="{shown}">{shown}</bdi>' in row
        if not session.referring_domain:
            assert "Direct / none" in row
    assert "the latest 200 sessions of the last 24 hours" in html


def test_at_most_one_extra_upstream_call_per_project_and_interval(client_a, upstream_calls):
    for _ in range(8):  # a teammate's widget polls and nav counts within one interval
        assert client_a.get("/live/widget/").status_code == 200
        assert client_a.get("/live/widget/?compact=1").status_code == 200
    assert upstream_calls.count("/live") == 1
    assert upstream_calls.count("/sessions") == 1
    assert set(upstream_calls) == {"/live", "/sessions"}


def test_the_nav_count_never_asks_for_sessions(client_a, upstream_calls):
    client_a.get("/live/widget/?compact=1")
    assert upstream_calls == ["/live"]


def test_a_new_interval_asks_again_once(client_a, upstream_calls, settings):
    settings.OAKDASH_LIVE_CACHE_SECONDS = 0.3
    client_a.get("/live/widget/")
    client_a.get("/live/widget/")
    time.sleep(0.4)
    client_a.get("/live/widget/")
    client_a.get("/live/widget/")
    assert upstream_calls.count("/live") == 2
    assert upstream_calls.count("/sessions") == 2


def test_the_ids_still_show_when_the_recent_sessions_fail(client_a):
    get_demo_app().faults.add("/api/v1/sessions", status=503)
    live, response = _live_and_html(client_a, "/live/widget/")
    html = response.content.decode()
    assert response.status_code == 200
    for session in live.sessions:
        assert f'href="/p/acme-shop/sessions/{session.session_id}/"' in html
    assert "could not be loaded just now" in html
