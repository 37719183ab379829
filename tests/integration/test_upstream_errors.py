"""Every dashboard page answers every kind of upstream failure with its page — the one
translation point (`@dashboard_page` + `dashboard/errors.py`) — as a whole page and as the htmx
fragment, whatever the page. The pages come from the URL table, so a new page is covered."""

from __future__ import annotations

import pytest

from oakdash.dashboard.urls import PROJECT_ROUTES
from oakdash.demo import get_demo_app
from tests.conftest import ACME, GLOBEX

# Live answers failures its own way (the widget keeps the last good state, marked stale:
# tests/integration/test_live.py); the replay stream answers JSON (test_replay_stream.py).
OWN_ANSWERS = {"live", "live_widget", "live_count", "replay_events"}
IDS = {"session_id": "s-1", "distinct_id": "a/b", "replay_id": "r-1"}


def _page_urls() -> list[str]:
    urls = []
    for route, _, name, _ in PROJECT_ROUTES:
        if name in OWN_ANSWERS:
            continue
        for param, value in IDS.items():
            route = route.replace(f"<path:{param}>", value)
        assert "<" not in route, f"give {name}'s route an id in IDS"
        urls.append(f"/p/{ACME}/{route}")
    return urls


FAILURES = [
    # (what OakData answers, the dashboard's status, words the page says)
    ((401, b'{"error": "revoked"}'), 403, "Your key is no longer valid"),
    ((403, b'{"error": "public key"}'), 403, "Your stored key is a public key"),
    ((400, b'{"error": "bad range"}'), 400, "OakData refused the request"),
    ((502, b"<html>Bad gateway</html>"), 503, "OakData did not answer"),
    ((200, b"<html>proxy login</html>"), 503, "OakData did not answer"),
]


@pytest.mark.parametrize("url", _page_urls())
@pytest.mark.parametrize(
    ("answer", "status", "words"), FAILURES, ids=["401", "403", "400", "502", "junk"]
)
def test_each_upstream_failure_gets_its_page_on_every_page(client_a, url, answer, status, words):
    upstream_status, body = answer
    get_demo_app().faults.add("/api/v1/", status=upstream_status, body=body)
    page = client_a.get(url)
    html = page.content.decode()
    assert page.status_code == status, html[:300]
    assert words in html and "<html" in html and "Traceback" not in html
    fragment = client_a.get(url, HTTP_HX_REQUEST="true")
    text = fragment.content.decode()
    assert fragment.status_code == status
    assert words in text and "<html" not in text


@pytest.mark.parametrize(
    ("answer", "status", "words"), FAILURES, ids=["401", "403", "400", "502", "junk"]
)
def test_the_replay_stream_answers_the_same_failures_in_the_same_words_as_json(
    client_a, answer, status, words
):
    upstream_status, body = answer
    get_demo_app().faults.add("/api/v1/", status=upstream_status, body=body)
    response = client_a.get(f"/p/{ACME}/replays/r-1/events.ndjson")
    assert response.status_code == status
    assert response["Content-Type"] == "application/json"
    assert words in response.json()["error"]


@pytest.mark.parametrize(
    ("project", "status", "words"),
    [
        ("no-such-project", 404, "No project has this address"),
        (GLOBEX, 403, "You have no key for Globex Docs"),  # bob's project; alice has none
    ],
)
def test_a_project_the_viewer_cannot_read_is_said_the_same_way_by_page_and_stream(
    client_a, user_b, project, status, words
):
    page = client_a.get(f"/p/{project}/sessions/")
    assert page.status_code == status and words in page.content.decode()
    stream = client_a.get(f"/p/{project}/replays/r-1/events.ndjson")
    assert stream.status_code == status and words in stream.json()["error"]
