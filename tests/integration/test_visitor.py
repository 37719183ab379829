"""/visitors/<id>/: identity, traits, attribution, sessions, replays; ids that need encoding."""

from __future__ import annotations

import html as htmllib
import json
from urllib.parse import parse_qs, urlsplit

import pytest

from oakdash.dashboard.templatetags.oakfmt import pretty_json
from oakdash.dashboard.upstream import get_api
from oakdash.demo import get_demo_app
from oakdash.demo.hostile import HOSTILE_DISTINCT_IDS, HOSTILE_LABEL, HOSTILE_TRAITS
from oakdash.demo.projects import ACME_SECRET_KEY
from tests.urls import replay_url, session_url, visitor_url

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True, scope="module")
def _warm_demo():
    get_demo_app().warm()  # build the demo's data once, outside any request's timeout


def acme():
    return get_api().for_key(ACME_SECRET_KEY)


def esc(value) -> str:
    return htmllib.escape(str(value), quote=True)


def test_the_profile_shows_identity_counts_and_traits(client_a):
    visitor = acme().visitor("a/b")
    html = client_a.get(visitor_url("a/b")).content.decode()
    assert f'data-distinct-id="{esc(visitor.distinct_id)}"' in html
    assert f'data-stat="total_events">{visitor.total_events:,}<' in html
    assert f'datetime="{visitor.first_seen.isoformat()}"' in html
    for key, value in visitor.traits.items():
        assert esc(key) in html
        if value is not None and not isinstance(value, dict | list):
            assert esc(value) in html
    for key in visitor.groups:
        assert esc(key) in html


def test_hostile_traits_are_escaped_and_none_is_a_dash(client_a):
    html = client_a.get(visitor_url("a/b")).content.decode()
    assert "<script>alert" not in html
    assert "<img src=x" not in html
    assert esc(HOSTILE_TRAITS["bio"]) in html
    assert 'href="javascript:' not in html
    nickname_row = html.split(">nickname</bdi>", 1)[1].split("</tr>", 1)[0]
    assert "—" in nickname_row and "None" not in nickname_row


def test_nested_trait_values_are_pretty_printed(client_a):
    visitor = {
        "distinct_id": "nested",
        "traits": {"address": {"city": "Kraków", "lines": ["1 Oak St", HOSTILE_LABEL]}},
        "groups": {"company": {"name": "Initech", "plan": "pro"}},
        "total_events": 3,
        "sessions": [],
        "identityTimeline": [],
        "replays": [],
    }
    get_demo_app().faults.add("/api/v1/visitors/", status=200, body=json.dumps(visitor).encode())
    html = client_a.get("/visitors/nested/").content.decode()
    assert f'<pre class="json">{esc(pretty_json(visitor["traits"]["address"]))}</pre>' in html
    assert f'<pre class="json">{esc(pretty_json(visitor["groups"]["company"]))}</pre>' in html
    assert "No sessions for this visitor" in html
    assert "No recordings of this visitor" in html
    assert "No attribution recorded" in html


def test_first_and_last_touch_stand_side_by_side(client_a):
    visitor = acme().visitor("a/b")
    assert visitor.first_touch is not None and visitor.last_touch is not None
    html = client_a.get(visitor_url("a/b")).content.decode()
    table = html.split('class="kv attribution"', 1)[1].split("</table>", 1)[0]
    for name in ("referrer", "utm_source", "utm_medium", "utm_campaign", "path"):
        first = getattr(visitor.first_touch, name)
        last = getattr(visitor.last_touch, name)
        for value in (first, last):
            if value:
                assert esc(value) in table
    assert "First touch" in table and "Last touch" in table


def test_the_identity_timeline_shows_each_summary(client_a):
    visitor = acme().visitor("a/b")
    assert visitor.identity_timeline
    html = client_a.get(visitor_url("a/b")).content.decode()
    for entry in visitor.identity_timeline:
        assert esc(entry.event) in html
        if entry.summary:
            assert esc(entry.summary) in html


def test_the_sessions_use_the_same_table_as_the_sessions_page(client_a):
    visitor = acme().visitor("a/b")
    html = client_a.get(visitor_url("a/b")).content.decode()
    assert 'class="data-table sessions-table cards-on-phone"' in html
    for s in visitor.sessions:
        assert f'data-session-id="{esc(s.session_id)}"' in html
        assert f'href="{session_url(s.session_id)}"' in html
    # Every row is this visitor's: no visitor column repeating their id.
    table = html.split('class="data-table sessions-table', 1)[1].split("</table>", 1)[0]
    assert '<th scope="col">Visitor</th>' not in table
    assert 'class="visitor-link"' not in table


def test_replays_link_to_the_player_and_flag_errors(client_a):
    visitor = acme().visitor("a/b")
    with_errors = [r for r in visitor.replays if r.has_errors]
    assert with_errors
    html = client_a.get(visitor_url("a/b")).content.decode()
    table = html.split('class="data-table visitor-replays"', 1)[1].split("</table>", 1)[0]
    assert table.count('class="badge badge-error"') == len(with_errors)
    for r in visitor.replays:
        assert f'href="{replay_url(r.id)}"' in table


@pytest.mark.parametrize("distinct_id", HOSTILE_DISTINCT_IDS)
def test_a_hostile_id_linked_from_the_sessions_page_opens_that_visitor(client_a, distinct_id):
    html = client_a.get("/sessions/?range=7d&limit=200").content.decode()
    link = visitor_url(distinct_id)
    assert f'href="{link}"' in html
    response = client_a.get(link)
    assert response.status_code == 200
    assert f'data-distinct-id="{esc(distinct_id)}"' in response.content.decode()


def test_links_encode_each_id_as_one_path_segment():
    assert visitor_url("a/b") == "/p/acme-shop/visitors/a%2Fb/"
    assert visitor_url("../live") == "/p/acme-shop/visitors/..%2Flive/"
    assert visitor_url("x@y.z") == "/p/acme-shop/visitors/x@y.z/"
    encoded = "/p/acme-shop/visitors/%C3%BCn%C3%AF%20c%C3%B8d%C3%A9%20%231%3F50%25/"
    assert visitor_url("ünï cødé #1?50%") == encoded


@pytest.mark.parametrize("distinct_id", HOSTILE_DISTINCT_IDS)
def test_a_logged_out_teammate_comes_back_to_exactly_that_visitor(client, user_a, distinct_id):
    url = visitor_url(distinct_id) + "?x=1"
    response = client.get(url)
    assert response.status_code == 302
    login = urlsplit(response["Location"])
    assert login.path == "/accounts/login/"
    (next_url,) = parse_qs(login.query)["next"]
    assert next_url == url

    response = client.post(
        "/accounts/login/",
        {"username": "alice", "password": "correct horse battery staple", "next": next_url},
    )
    assert response.status_code == 302
    assert response["Location"] == url
    page = client.get(response["Location"])
    assert f'data-distinct-id="{esc(distinct_id)}"' in page.content.decode()


def test_the_htmx_partial_is_only_the_content(client_a):
    response = client_a.get(visitor_url("x@y.z"), HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in html and 'data-distinct-id="x@y.z"' in html


def test_an_unknown_visitor_is_the_404_page(client_a):
    response = client_a.get("/visitors/nobody-at-all/")
    assert response.status_code == 404
    assert 'data-problem="not-found"' in response.content.decode()


def test_an_unavailable_api_is_a_503_page(client_a):
    get_demo_app().faults.add("/api/v1/visitors/", status=504)
    response = client_a.get(visitor_url("a/b"))
    assert response.status_code == 503
    assert "OakData did not answer" in response.content.decode()


def test_a_revoked_key_is_the_invalid_key_page(client_a):
    get_demo_app().faults.add("/api/v1/visitors/", status=401, body=b'{"error": "revoked"}')
    response = client_a.get(visitor_url("a/b"))
    assert response.status_code == 403
    assert 'data-problem="invalid-key"' in response.content.decode()


def test_a_trait_or_group_named_items_is_shown_like_any_other(client_a):
    from oakdash.demo import get_demo_app

    body = json.dumps(
        {
            "distinct_id": "shopper",
            "user_id": None,
            "traits": {"items": "3 in cart", "plan": "pro"},
            "groups": {"items": 7},
            "first_seen": None,
            "last_seen": None,
            "total_events": 0,
            "sessions": [],
            "firstTouch": None,
            "lastTouch": None,
            "identityTimeline": [],
            "replays": [],
        }
    ).encode()
    get_demo_app().faults.add("/api/v1/visitors/shopper", status=200, body=body)
    response = client_a.get("/visitors/shopper/")
    html = response.content.decode()
    assert response.status_code == 200
    assert html.count('<bdi class="clip" title="items">items</bdi>') == 2  # a trait and a group
    assert "3 in cart" in html
