"""Issue 9: every dashboard page under /p/<slug>/, the old addresses redirecting into the viewer's
current project, the access page for a project without a key, and where the switcher leads."""

from __future__ import annotations

import json
import re
from html import unescape
from urllib.parse import parse_qs, urlsplit

import pytest

from oakdash.accounts import keystore
from oakdash.demo.projects import ACME_SECRET_KEY, GLOBEX_SECRET_KEY
from oakdash.upstream import get_api
from tests.urls import ACME, GLOBEX

pytestmark = pytest.mark.django_db

HOSTILE_SESSION = "a/../b c?d#e"  # every id is one encoded path segment, also after a redirect


@pytest.fixture
def ids():
    acme = get_api().for_key(ACME_SECRET_KEY)
    replay = acme.replays(limit=1).replays[0]
    session = acme.sessions(range="7d", limit=1).sessions[0]
    return {"session": session.session_id, "visitor": session.distinct_id, "replay": replay.id}


@pytest.fixture
def alice_ab(client, user_a):
    """alice with keys for Acme Shop and Globex Docs; the client sends paths as they are."""
    keystore.store_key(user_a, GLOBEX_SECRET_KEY, verified=True, name="Globex Docs")
    client.force_login(user_a)
    return client


def _enc(value: str) -> str:
    from urllib.parse import quote

    return quote(value, safe="")


def test_every_page_is_reachable_under_its_project(client_a, ids):
    base = f"/p/{ACME}"
    session, visitor, replay = (_enc(ids[k]) for k in ("session", "visitor", "replay"))
    for path in (
        "/",
        "/sessions/?range=7d",
        "/sessions/?range=7d&format=csv",
        f"/sessions/{session}/",
        f"/visitors/{visitor}/",
        "/journey/",
        "/live/",
        "/live/widget/",
        "/live/widget/?compact=1",
        "/live/count/",
        "/events/?limit=20",
        "/events/?limit=20&format=csv",
        "/replays/",
        f"/replays/{replay}/",
        f"/replays/{replay}/events.ndjson",
    ):
        response = client_a.get(base + path)
        assert response.status_code == 200, path
    jump = client_a.get(f"{base}/events/?limit=20&page=3")
    assert jump.status_code == 302 and jump["Location"] == "?offset=40&limit=20"


def test_every_old_address_redirects_to_the_same_view_of_the_current_project(client, user_a):
    client.force_login(user_a)  # a client that sends paths as they are
    s, v, r = _enc(HOSTILE_SESSION), _enc("../live"), _enc("rec/1?x")
    for old, new in (
        ("/?range=30d&exclude_bots=1", "/?range=30d&exclude_bots=1"),
        ("/sessions/?range=7d&country=DE", "/sessions/?range=7d&country=DE"),
        ("/sessions/?format=csv", "/sessions/?format=csv"),
        (f"/sessions/{s}/", f"/sessions/{s}/"),
        (f"/visitors/{v}/?x=1", f"/visitors/{v}/?x=1"),
        ("/journey/?range=90d", "/journey/?range=90d"),
        ("/live/", "/live/"),
        ("/live/widget/?compact=1", "/live/widget/?compact=1"),
        ("/events/?offset=40&limit=20", "/events/?offset=40&limit=20"),
        ("/replays/?limit=5", "/replays/?limit=5"),
        (f"/replays/{r}/", f"/replays/{r}/"),
        (f"/replays/{r}/events.ndjson", f"/replays/{r}/events.ndjson"),
    ):
        response = client.get(old)
        assert response.status_code == 302, old
        assert response["Location"] == f"/p/{ACME}{new}", old


def test_an_htmx_request_to_an_old_address_reloads_its_page_in_the_project(client, user_a):
    client.force_login(user_a)
    response = client.get(
        "/live/widget/",
        HTTP_HX_REQUEST="true",
        HTTP_HX_CURRENT_URL=f"http://testserver/visitors/{_enc('../live')}/?x=1",
    )
    assert response.status_code == 200
    assert response["HX-Redirect"] == f"/p/{ACME}/visitors/..%2Flive/?x=1"


def test_the_old_stream_address_answers_json_when_logged_out(client):
    response = client.get("/replays/rec_1/events.ndjson")
    assert response.status_code == 401
    assert "log in" in response.json()["error"]


def test_the_current_project_is_the_last_one_opened_else_the_first(alice_ab):
    assert alice_ab.get("/sessions/")["Location"] == f"/p/{ACME}/sessions/"  # first by name
    page = alice_ab.get(f"/p/{GLOBEX}/journey/")
    assert page.cookies["oakdash_project"].value == GLOBEX
    assert alice_ab.get("/sessions/")["Location"] == f"/p/{GLOBEX}/sessions/"
    # A fragment or a download does not move the viewer.
    alice_ab.cookies.pop("oakdash_project")
    fragment = alice_ab.get(f"/p/{GLOBEX}/live/widget/", HTTP_HX_REQUEST="true")
    assert "oakdash_project" not in fragment.cookies


def test_a_project_without_a_key_is_a_403_page_naming_it_and_how_to_get_access(
    user_a, client_b, upstream_calls
):
    url = f"/p/{ACME}/sessions/?range=7d&country=DE"
    response = client_b.get(url)
    html = response.content.decode()
    assert response.status_code == 403
    assert "You have no key for Acme Shop" in html
    link = unescape(
        re.search(r'href="(/settings/\?[^"]+)"[^>]*>Store a key for Acme Shop', html)[1]
    )
    query = parse_qs(urlsplit(link).query)
    assert query == {"project": [ACME], "next": [url]}
    assert upstream_calls == []  # never the data

    fragment = client_b.get(url, HTTP_HX_REQUEST="true")
    assert fragment.status_code == 403
    assert "<html" not in fragment.content.decode()
    assert "You have no key for Acme Shop" in fragment.content.decode()

    stream = client_b.get(f"/p/{ACME}/replays/rec_1/events.ndjson")
    assert stream.status_code == 403
    assert "Acme Shop" in stream.json()["error"]
    assert upstream_calls == []


def test_an_unknown_slug_says_no_project_has_that_address(client_a):
    response = client_a.get("/p/no-such-project/sessions/")
    assert response.status_code == 404
    assert "No project has this address" in response.content.decode()
    stream = client_a.get("/p/no-such-project/replays/r/events.ndjson")
    assert stream.status_code == 404 and json.loads(stream.content)["error"]


def _switch_links(html: str) -> dict[str, str]:
    menu = html.split("data-switcher-list", 1)[1].split("</ul>", 1)[0]
    return {
        slug: unescape(url)
        for url, slug in re.findall(r'<a href="([^"]*)" data-project="([^"]+)"', menu)
    }


def test_the_switcher_keeps_the_page_where_it_means_something(alice_ab, ids):
    sessions = alice_ab.get(f"/p/{ACME}/sessions/?range=7d&country=DE").content.decode()
    assert _switch_links(sessions) == {
        ACME: f"/p/{ACME}/sessions/?range=7d&country=DE",
        GLOBEX: f"/p/{GLOBEX}/sessions/?range=7d&country=DE",
    }
    assert re.search(rf'data-project="{ACME}" aria-current="true"', sessions)
    assert "<title>Sessions · Acme Shop · oakdash</title>" in sessions
    assert "data-count-loading" not in sessions  # counts load only when the menu opens

    session = alice_ab.get(f"/p/{ACME}/sessions/{_enc(ids['session'])}/").content.decode()
    assert _switch_links(session)[GLOBEX] == f"/p/{GLOBEX}/sessions/"
    visitor = alice_ab.get(f"/p/{ACME}/visitors/{_enc(ids['visitor'])}/").content.decode()
    assert _switch_links(visitor)[GLOBEX] == f"/p/{GLOBEX}/sessions/"
    replay = alice_ab.get(f"/p/{ACME}/replays/{_enc(ids['replay'])}/").content.decode()
    assert _switch_links(replay)[GLOBEX] == f"/p/{GLOBEX}/replays/"
    settings_page = alice_ab.get("/settings/").content.decode()
    assert _switch_links(settings_page)[GLOBEX] == f"/settings/?project={GLOBEX}"


def test_the_menu_asks_again_for_the_page_as_it_is_now_and_then_loads_counts(alice_ab):
    menu = alice_ab.get(
        "/projects/menu/",
        HTTP_HX_REQUEST="true",
        HTTP_HX_CURRENT_URL=f"http://testserver/p/{GLOBEX}/events/?offset=40",
    ).content.decode()
    assert _switch_links(menu) == {
        ACME: f"/p/{ACME}/events/?offset=40",
        GLOBEX: f"/p/{GLOBEX}/events/?offset=40",
    }
    assert re.search(rf'data-project="{GLOBEX}" aria-current="true"', menu)
    count_urls = re.findall(r'hx-get="([^"]+)" hx-trigger="load"', menu)
    assert count_urls == [f"/p/{ACME}/live/count/", f"/p/{GLOBEX}/live/count/"]
    count = alice_ab.get(count_urls[1], HTTP_HX_REQUEST="true").content.decode()
    live = get_api().for_key(GLOBEX_SECRET_KEY).live()
    assert f'data-live-now="{live.active_now}"' in count


def test_a_logged_out_teammate_signs_in_and_lands_on_the_shared_project_link(client, user_a, ids):
    link = f"/p/{ACME}/sessions/{_enc(ids['session'])}/?range=30d"
    response = client.get(link)
    assert response.status_code == 302
    login = urlsplit(response["Location"])
    assert login.path == "/accounts/login/"
    assert parse_qs(login.query)["next"] == [link]

    response = client.post(
        "/accounts/login/",
        {"username": "alice", "password": "correct horse battery staple", "next": link},
    )
    assert (response.status_code, response["Location"]) == (302, link)
    page = client.get(link)
    assert page.status_code == 200
    assert ids["session"] in unescape(page.content.decode())
