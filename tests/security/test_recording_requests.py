"""A hostile recording, played in Chromium, makes no request to oakdash as the viewer.

Anyone who visits the tracked site records their own session, so a recording's DOM is theirs to
write: here it points an image, a stylesheet, a font, CSS backgrounds, a video, an object, an
input image, prefetch/preload links and an iframe at dashboard URLs. Requests are counted where
they would land — at the server — and only the page's own ones may arrive.
"""

from __future__ import annotations

import gzip
import json
import time
from itertools import count

import pytest

from oakdash.dashboard.links import id_url
from oakdash.demo import get_demo_app
from oakdash.demo.projects import ACME_SECRET_KEY
from tests.urls import ACME

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def server_paths():
    """Every request path (with its query) the live server receives during the test."""
    from django.core.signals import request_started

    paths: list[str] = []

    def record(sender, environ, **kwargs) -> None:
        query = environ.get("QUERY_STRING")
        paths.append(environ["PATH_INFO"] + (f"?{query}" if query else ""))

    request_started.connect(record, weak=False)
    yield paths
    request_started.disconnect(record)


def element(ids, tag: str, attributes: dict | None = None, children=()) -> dict:
    return {
        "type": 2,
        "tagName": tag,
        "attributes": attributes or {},
        "childNodes": list(children),
        "id": next(ids),
    }


def text(ids, content: str, *, style: bool = False) -> dict:
    node = {"type": 3, "textContent": content, "id": next(ids)}
    if style:
        node["isStyle"] = True
    return node


def hostile_recording(base: str, other_replay: str) -> tuple[bytes, dict[str, str]]:
    """One gzipped NDJSON chunk, and the dashboard URL each planted reference points at."""
    targets = {
        "img": f"{base}/live/",
        "stylesheet": f"{base}{id_url('replay', ACME, other_replay)}events.ndjson",
        "css background": f"{base}/?refresh=1",
        "css @import": f"{base}/settings/",
        "font": f"{base}/events/",
        "inline style": f"{base}/sessions/?from=style-attribute",
        "video": f"{base}/sessions/",
        "object": f"{base}/journey/",
        "input image": f"{base}/replays/",
        "prefetch": f"{base}/visitors/someone/",
        "preload image": f"{base}/healthz",
        "iframe": f"{base}/accounts/login/",
    }
    css = (
        f"@import url({targets['css @import']});"
        f"@font-face{{font-family:probe;src:url({targets['font']})}}"
        f"body{{font-family:probe;background:url({targets['css background']})}}"
    )
    ids = count(3)
    head = element(
        ids,
        "head",
        children=[
            element(ids, "link", {"rel": "stylesheet", "href": targets["stylesheet"]}),
            element(ids, "link", {"rel": "prefetch", "href": targets["prefetch"]}),
            element(
                ids, "link", {"rel": "preload", "as": "image", "href": targets["preload image"]}
            ),
            element(ids, "style", children=[text(ids, css, style=True)]),
        ],
    )
    body = element(
        ids,
        "body",
        children=[
            element(ids, "h1", {"id": "probe"}, [text(ids, "A recorded page")]),
            element(ids, "img", {"src": targets["img"], "alt": ""}),
            element(ids, "div", {"style": f"background-image:url({targets['inline style']})"}),
            element(ids, "video", {"src": targets["video"]}),
            element(ids, "object", {"data": targets["object"]}),
            element(ids, "input", {"type": "image", "src": targets["input image"]}),
            element(ids, "iframe", {"src": targets["iframe"]}),
        ],
    )
    document = {
        "type": 0,
        "childNodes": [
            {"type": 1, "name": "html", "publicId": "", "systemId": "", "id": 1},
            element(ids, "html", children=[head, body]),
        ],
        "id": 2,
    }
    start = int(time.time() * 1000) - 60_000
    events = [
        {"type": 4, "data": {"href": "https://shop.example/", "width": 800, "height": 600}},
        {"type": 2, "data": {"node": document, "initialOffset": {"left": 0, "top": 0}}},
        {
            "type": 3,
            "data": {"source": 1, "positions": [{"x": 5, "y": 5, "id": 3, "timeOffset": 0}]},
        },
    ]
    lines = [
        json.dumps({**event, "timestamp": start + i * 1000}, separators=(",", ":"))
        for i, event in enumerate(events)
    ]
    return gzip.compress(("\n".join(lines) + "\n").encode()), targets


def test_a_recording_pointing_at_dashboard_urls_makes_no_request_to_oakdash(
    logged_in_page, live_server, server_paths
):
    from oakdash.dashboard.upstream import get_api

    page = logged_in_page
    other = get_api().for_key(ACME_SECRET_KEY).replays(limit=1).replays[0].id
    chunk, targets = hostile_recording(live_server.url, other)
    replay_id = get_demo_app().add_replay("acme", {"duration_ms": 2000}, [chunk])
    refused: dict[str, str] = {}
    page.on("requestfailed", lambda request: refused.update({request.url: request.failure}))

    page_path = id_url("replay", ACME, replay_id)
    page.goto(page_path)
    recorded = page.frame_locator("#replay-player iframe")
    recorded.locator("#probe").wait_for(state="attached")
    page.wait_for_selector("body[data-replay-loaded='1']", state="attached")
    page.wait_for_timeout(1500)  # time for anything the recorded DOM would still fetch

    own = {page_path, page_path + "events.ndjson", f"/p/{ACME}/live/widget/?compact=1"}
    reached = [p for p in server_paths if p not in own and not p.startswith("/static/")]
    assert reached == [], f"requests from the recording reached oakdash: {reached}"
    # The browser did try, and its policy refused: the test saw the attempts, not silence.
    assert {targets["img"], targets["stylesheet"], targets["css background"]} <= set(refused)
    assert {refused[url] for url in targets.values() if url in refused} == {"csp"}, refused
