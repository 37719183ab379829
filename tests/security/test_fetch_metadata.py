"""Fetch Metadata resource isolation: no page of ours loads as another page's resource.

Headers as Chromium sends them; the browser tests (tests/browser, test_recording_requests.py)
prove that our own htmx swaps, live polling and replay stream keep working under the policy.
"""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db

# Every Sec-Fetch-Dest that loads the answer as part of another page (the Fetch standard's list).
SUBRESOURCES = [
    *("image", "style", "script", "font", "json", "xslt"),  # parts of a page
    *("audio", "video", "track", "object", "embed"),  # media and plugins
    *("worker", "sharedworker", "serviceworker", "audioworklet", "paintworklet"),  # code
    *("manifest", "report"),
]


def fetch(client, url: str, dest: str, site: str, mode: str = "no-cors", method: str = "get"):
    return getattr(client, method)(
        url,
        HTTP_SEC_FETCH_DEST=dest,
        HTTP_SEC_FETCH_SITE=site,
        HTTP_SEC_FETCH_MODE=mode,
    )


@pytest.mark.parametrize("dest", SUBRESOURCES)
def test_a_page_requested_as_a_subresource_is_refused_before_the_view(
    client_a, upstream_calls, dest
):
    answer = fetch(client_a, "/?range=30d", dest, "same-origin")
    assert answer.status_code == 403
    assert answer["Content-Type"] == "text/plain; charset=utf-8"
    assert answer.content.decode() == f"Refused: oakdash pages cannot be loaded as {dest}.\n"
    assert answer["Cache-Control"] == "no-store"
    assert upstream_calls == []  # the view never ran


@pytest.mark.parametrize(
    "url", ["/live/", "/live/widget/", "/replays/r/events.ndjson", "/accounts/login/", "/admin/"]
)
def test_every_route_is_covered(client_a, url):
    assert fetch(client_a, url, "image", "same-origin").status_code == 403
    assert fetch(client_a, url, "style", "same-origin").status_code == 403


@pytest.mark.parametrize(
    ("dest", "site", "mode", "method"),
    [
        ("empty", "cross-site", "cors", "get"),  # another site's fetch()
        ("iframe", "cross-site", "navigate", "get"),  # framed by another site
        ("document", "cross-site", "navigate", "post"),  # another site's form
        ("empty", "same-site", "cors", "get"),  # a sibling intranet host counts as foreign
        ("document", "same-site", "navigate", "post"),
    ],
)
def test_another_site_is_refused_except_for_a_link_opening_a_page(
    client_a, upstream_calls, dest, site, mode, method
):
    answer = fetch(client_a, "/?range=30d", dest, site, mode, method)
    assert answer.status_code == 403
    assert "only when a link opens one of its pages" in answer.content.decode()
    assert upstream_calls == []


@pytest.mark.parametrize(
    ("dest", "site", "mode"),
    [
        ("document", "cross-site", "navigate"),  # a link from the wiki or a chat message
        ("document", "none", "navigate"),  # typed or bookmarked
        ("document", "same-origin", "navigate"),
        ("empty", "same-origin", "cors"),  # htmx, live polling
    ],
)
def test_links_and_our_own_fetches_pass(client_a, dest, site, mode):
    assert fetch(client_a, "/?range=30d", dest, site, mode).status_code == 200


def test_clients_without_fetch_metadata_pass(client_a):
    assert client_a.get("/?range=30d").status_code == 200  # curl, probes, older browsers


def test_static_files_still_load_as_resources(client):
    answer = fetch(client, "/static/img/oak.svg", "image", "cross-site")
    assert answer.status_code == 200
