"""The journey page `/journey/`: the path tree with shares and drop-offs, and its failures."""

from __future__ import annotations

import html
import json
import re

import pytest

from oakdash.dashboard.journey import build_tree
from oakdash.dashboard.upstream import get_api
from oakdash.demo import get_demo_app
from oakdash.demo import hostile as h
from oakdash.demo.projects import ACME_SECRET_KEY, GLOBEX_SECRET_KEY
from oakdash.oakdata import models

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _still_demo_clock(still_demo_clock):
    """Pin the demo's clock: its data moves on every minute, and a test compares two reads."""


def acme(range_: str = "7d") -> models.Journey:
    return get_api().for_key(ACME_SECRET_KEY).journey(range=range_)


def node(label: str, count: int, *children: dict) -> dict:
    return {"label": label, "count": count, "children": list(children)}


def canned(total: int, *roots: dict) -> bytes:
    return json.dumps(
        {"range": "7d", "totalSessions": total, "depth": 3, "roots": list(roots)}
    ).encode()


def row_for(page: str, key: str) -> str:
    """The summary row of the branch with this key (j0 = first entry page, j0-1 its 2nd child)."""
    match = re.search(rf'data-key="{key}">\s*<summary class="jn-row">(.*?)</summary>', page, re.S)
    assert match, f"no branch {key}"
    return match.group(1)


# --- the tree's numbers, without a page -------------------------------------------------------


def test_shares_and_drop_offs_are_computed_from_the_counts():
    journey = models.Journey.model_validate(
        json.loads(canned(200, node("/", 120, node("/a", 30, node("/x", 10)), node("/b", 60))))
    )
    tree = build_tree(journey)
    root = tree.roots[0]
    assert (root.count, root.share_of_parent, root.share_of_total) == (120, 60.0, 60.0)
    assert root.drop_off == 30 and root.drop_off_share == 25.0
    first, second = root.children
    assert (first.label, first.share_of_parent, first.share_of_total) == ("/b", 50.0, 30.0)
    assert first.drop_off == 60  # no children below level 3: everyone stopped here
    assert second.children[0].drop_off is None  # level 3 is the end of the analysed path
    assert second.children[0].last_level
    assert tree.unlisted_entries == 80


def test_children_come_biggest_first_whatever_order_the_api_used():
    journey = models.Journey.model_validate(
        json.loads(canned(10, node("/", 10, node("/z", 1), node("/m", 5), node("/a", 1))))
    )
    assert [c.label for c in build_tree(journey).roots[0].children] == ["/m", "/a", "/z"]


def test_inconsistent_counts_never_give_a_negative_drop_off():
    journey = models.Journey.model_validate(
        json.loads(canned(5, node("/", 5, node("/a", 4), node("/b", 4))))
    )
    assert build_tree(journey).roots[0].drop_off == 0


def test_a_tree_deeper_than_promised_is_cut_at_the_analysed_depth():
    deep = node("/4", 1, node("/5", 1))
    journey = models.Journey.model_validate(
        json.loads(canned(1, node("/1", 1, node("/2", 1, node("/3", 1, deep)))))
    )
    third = build_tree(journey).roots[0].children[0].children[0]
    assert third.children == [] and third.last_level


# --- the page -------------------------------------------------------------------------------


def test_the_page_shows_every_entry_page_with_its_count_and_share(client_a):
    expected = acme("7d")
    page = client_a.get("/journey/?range=7d").content.decode()
    assert f'data-total-sessions="{expected.total_sessions}"' in page
    assert f"{expected.total_sessions:,}</strong> sessions" in page
    ordered = sorted(expected.roots, key=lambda n: (-n.count, n.label))
    for i, root in enumerate(ordered):
        row = row_for(page, f"j{i}") if root.children else page
        assert f"<bdi>{html.escape(root.label)}</bdi>" in row
        assert f'title="{root.count:,} sessions"' in row
        assert f"{100 * root.count / expected.total_sessions:.1f}%" in row


def test_second_steps_show_their_share_of_the_step_before_and_of_all(client_a):
    expected = acme("30d")
    page = client_a.get("/journey/?range=30d").content.decode()
    top = max(expected.roots, key=lambda n: n.count)
    child = max(top.children, key=lambda n: n.count)
    row = row_for(page, "j0-0")
    assert f"<bdi>{html.escape(child.label)}</bdi>" in row
    assert f"{100 * child.count / top.count:.1f}%" in row
    assert f"{100 * child.count / expected.total_sessions:.1f}% of all" in row


def test_each_step_says_how_many_dropped_off_and_the_last_level_says_it_ends(client_a):
    expected = acme("7d")
    page = client_a.get("/journey/?range=7d").content.decode()
    top = max(expected.roots, key=lambda n: n.count)
    dropped = top.count - sum(c.count for c in top.children)
    assert f'title="{dropped:,} of {top.count:,} sessions went no further' in row_for(page, "j0")
    assert "end of analysed path" in page
    assert page.count('data-level="3"') == page.count("end of analysed path")


def test_branches_are_open_details_so_they_collapse_without_javascript(client_a):
    page = client_a.get("/journey/").content.decode()
    assert '<details open class="jn-branch" data-key="j0">' in page
    assert "js/journey.js" in page


def test_children_are_listed_biggest_first(client_a):
    get_demo_app().faults.add(
        "/api/v1/journey",
        status=200,
        body=canned(40, node("/", 40, node("/small", 3), node("/big", 30), node("/mid", 5))),
    )
    page = client_a.get("/journey/").content.decode()
    assert page.index("/big") < page.index("/mid") < page.index("/small")
    assert "↘ 2 dropped off (5%)" in page


def test_no_sessions_gets_an_empty_state(client_a):
    get_demo_app().faults.add("/api/v1/journey", status=200, body=canned(0))
    page = client_a.get("/journey/?range=24h").content.decode()
    assert "No sessions with a pageview in the last 24 hours" in page
    assert 'id="journey-tree"' not in page


def test_the_htmx_partial_carries_only_the_tree(client_a):
    expected = acme("24h")
    response = client_a.get("/journey/?range=24h", HTTP_HX_REQUEST="true")
    page = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in page and 'id="page-content"' not in page
    assert f'data-total-sessions="{expected.total_sessions}"' in page
    assert "HX-Request" in response["Vary"]


def test_the_range_links_are_real_links_that_htmx_pushes(client_a):
    page = client_a.get("/journey/?range=30d").content.decode()
    assert '<a href="?range=90d" hx-get="?range=90d" hx-target="#page-content"' in page
    assert 'data-range="30d" aria-current="true"' in page


@pytest.mark.parametrize("query", ["range=1y", "range=", "range=7d&range=24h"])
def test_a_bad_query_value_gets_the_400_page_or_the_default(client_a, query):
    response = client_a.get(f"/journey/?{query}")
    if query == "range=":  # an empty value means the default, like an absent one
        assert response.status_code == 200
        assert 'data-range="7d" aria-current="true"' in response.content.decode()
    else:
        assert response.status_code == 400
        assert "That link has a value oakdash cannot use" in response.content.decode()


def test_a_second_view_within_a_minute_makes_no_upstream_call(client_a, upstream_calls):
    client_a.get("/journey/?range=7d")
    client_a.get("/journey/?range=7d", HTTP_HX_REQUEST="true")
    assert upstream_calls == ["/journey"]


def test_refresh_is_a_post_that_asks_upstream_again(client_a, upstream_calls):
    client_a.get("/journey/?range=7d")
    page = client_a.post("/journey/?range=7d", HTTP_HX_REQUEST="true").content.decode()
    assert upstream_calls == ["/journey", "/journey"]
    assert 'action="?range=7d" hx-post="?range=7d"' in page
    assert "refresh" not in " ".join(re.findall(r'(?:href|hx-get)="([^"]*)"', page))
    client_a.get("/journey/?range=7d&refresh=1")  # a GET never refreshes
    assert upstream_calls == ["/journey", "/journey"]
    response = client_a.post("/journey/?range=90d")
    assert response.status_code == 303 and response["Location"] == "/p/acme-shop/journey/?range=90d"


@pytest.mark.parametrize(
    ("status", "expected_status", "words"),
    [
        (401, 403, "Your key is no longer valid"),
        (403, 403, "Your stored key is a public key"),
        (502, 503, "OakData did not answer"),
    ],
)
def test_each_upstream_error_gets_its_page(client_a, status, expected_status, words):
    get_demo_app().faults.add("/api/v1/journey", status=status, body=b'{"error": "nope"}')
    response = client_a.get("/journey/")
    assert response.status_code == expected_status
    assert words in response.content.decode()
    partial = client_a.get("/journey/?range=24h", HTTP_HX_REQUEST="true")
    assert partial.status_code == expected_status and "<html" not in partial.content.decode()


def test_junk_from_the_api_is_the_unavailable_page(client_a):
    get_demo_app().faults.add("/api/v1/journey", status=200, body=b'{"roots": "nope"}')
    response = client_a.get("/journey/")
    assert response.status_code == 503
    assert "Traceback" not in response.content.decode()


def test_hostile_labels_are_escaped(client_a):
    get_demo_app().faults.add(
        "/api/v1/journey",
        status=200,
        body=canned(
            9,
            node(h.HOSTILE_PATH, 5, node(h.RTL_PATH, 3, node(h.LONG_PATH, 1))),
            node(h.HOSTILE_IMG, 4),
        ),
    )
    page = client_a.get("/journey/").content.decode()
    assert "<script>alert(1)" not in page and "<img src=x" not in page
    assert "<bdi>/search/&lt;script&gt;alert(1)&lt;/script&gt;</bdi>" in page
    assert f"<bdi>{h.RTL_PATH}</bdi>" in page
    assert f'title="{h.LONG_PATH}"' in page


def test_the_demo_journeys_hostile_paths_are_escaped(client_a):
    labels = []

    def walk(nodes):
        for n in nodes:
            labels.append(n.label)
            walk(n.children)

    walk(acme("30d").roots)
    page = client_a.get("/journey/?range=30d").content.decode()
    assert "<script>alert(1)" not in page
    for label in labels:
        assert f"<bdi>{html.escape(label)}</bdi>" in page


def test_two_users_see_their_own_projects(client_a, client_b):
    acme_journey = acme("7d")
    globex = get_api().for_key(GLOBEX_SECRET_KEY).journey(range="7d")
    assert acme_journey.total_sessions != globex.total_sessions
    page_a = client_a.get("/journey/?range=7d").content.decode()
    page_b = client_b.get("/journey/?range=7d").content.decode()
    assert f'data-total-sessions="{acme_journey.total_sessions}"' in page_a
    assert f'data-total-sessions="{globex.total_sessions}"' in page_b
    assert "<bdi>/products/oak-desk</bdi>" in page_a and "/products/oak-desk" not in page_b
    for page in (page_a, page_b):
        assert ACME_SECRET_KEY not in page and GLOBEX_SECRET_KEY not in page
