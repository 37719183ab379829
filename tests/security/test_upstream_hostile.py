"""A hostile OakData API, over real HTTP, against the dashboard under gunicorn.

One upstream and one dashboard process for the module; each test scripts the paths it attacks.
"""

from __future__ import annotations

import csv
import functools
import gzip
import io
import json
import time
import zlib

import pytest

from oakdash.demo.projects import ACME_SECRET_KEY, GLOBEX_SECRET_KEY
from tests.support.processes import (
    Reply,
    User,
    dashboard_process,
    proc_status,
    reset_peak,
    scripted_upstream,
)

JSON = ("Content-Type", "application/json")
MB = 1 << 20


@pytest.fixture(scope="module")
def upstream():
    with scripted_upstream() as server:
        yield server


@pytest.fixture(scope="module")
def dash(upstream, tmp_path_factory):
    users = [User("alice", ACME_SECRET_KEY), User("carol", GLOBEX_SECRET_KEY)]
    with dashboard_process(
        tmp_path_factory.mktemp("hostile"), upstream.url + "/api/v1", users
    ) as d:
        yield d


@pytest.fixture(scope="module")
def alice(dash):
    client = dash.login("alice")
    yield client
    client.close()


@functools.cache
def _zeros_gzipped(size: int) -> bytes:
    compressor = zlib.compressobj(6, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    block = bytes(MB)
    return b"".join(compressor.compress(block) for _ in range(size // MB)) + compressor.flush()


@functools.cache
def bomb(layers: int) -> bytes:
    """128 MB of zeros inside `layers` gzip layers: a few KB (two layers) or ~130 KB (one)."""
    body = _zeros_gzipped(128 * MB)
    for _ in range(layers - 1):
        body = gzip.compress(body, 6)
    return body


@pytest.mark.backend_neutral
@pytest.mark.parametrize(
    ("layers", "encoding", "most_growth"),
    [
        pytest.param(2, "gzip, gzip", 64 * MB, id="stacked-layers-refused-unread"),
        # One layer is inflated up to the 32 MiB response cap, then refused.
        pytest.param(1, "gzip", 48 * MB, id="one-layer-inflated-only-to-the-cap"),
    ],
)
def test_a_gzip_bomb_is_a_fast_503_without_inflating_it(
    dash, upstream, alice, layers, encoding, most_growth
):
    body = bomb(layers)
    assert len(body) < 150_000
    upstream.script(
        "/api/v1/journey",
        lambda environ: Reply(200, body, [JSON, ("Content-Encoding", encoding)]),
    )
    (worker,) = dash.worker_pids()
    before = proc_status(worker, "VmRSS")
    reset_peak(worker)
    started = time.monotonic()
    page = alice.get(f"/journey/?range={'7d' if layers == 2 else '30d'}")
    elapsed = time.monotonic() - started
    growth = proc_status(worker, "VmHWM") - before
    assert page.status_code == 503
    assert 'data-problem="unavailable"' in page.text
    assert elapsed < 2.0
    assert growth < most_growth, f"the worker grew by {growth / MB:.0f} MB"


def test_a_value_nested_50000_deep_is_a_503_not_a_traceback(upstream, alice):
    deep = '{"a":' * 50_000 + "1" + "}" * 50_000
    row = {"event": "$pageview", "timestamp": "2026-01-01T10:00:00Z", "properties": deep}
    body = json.dumps({"offset": 0, "limit": 100, "rows": [row], "total": 1}).encode()
    upstream.script("/api/v1/events", lambda environ: Reply(200, body, [JSON]))
    page = alice.get("/events/")
    assert page.status_code == 503
    assert "OakData did not answer" in page.text
    assert "Traceback" not in page.text


def test_a_cookie_the_api_sets_for_one_user_is_never_sent_for_another(dash, upstream):
    live = json.dumps({"active_now": 1, "sessions": []}).encode()
    cookie = ("Set-Cookie", "api_session=belongs-to-alice; Path=/; Max-Age=3600")
    upstream.script("/api/v1/live", lambda environ: Reply(200, live, [JSON, cookie]))
    first = len(upstream.requests)
    for user in ("alice", "carol", "alice"):
        client = dash.login(user)
        assert client.get("/live/").status_code == 200
        client.close()
    sent = [headers for path, _, headers in upstream.requests[first:] if path == "/api/v1/live"]
    # alice's and carol's projects, and alice's again when her cached answer expired meanwhile
    # (three logins can outlast the live cache on a loaded machine): never a cookie in any.
    assert len(sent) in (2, 3)
    assert sent[1]["authorization"] == f"Bearer {GLOBEX_SECRET_KEY}"
    assert [h.get("cookie") for h in sent] == [None] * len(sent)


FORMULAS = {
    "entry_path": "/p;=1+1",
    "exit_path": " =1+1",
    "referring_domain": "x\n=2+2",
    "city": "＝3+3",
    "country": "a | @SUM(A1)",
    "browser": "Firefox - Nightly, 1.5",
    "os": 'Quote "and", comma',
}


def test_the_csv_quotes_text_and_neutralises_formulas_anywhere_a_cell_could_start(upstream, alice):
    session = {
        "session_id": "s_formula",
        "distinct_id": "d1",
        "started_at": "2026-01-01T10:00:00Z",
        "last_at": "2026-01-01T10:00:10Z",
        "pageviews": -1 + 4,
        "events": 12,
        **FORMULAS,
    }
    body = json.dumps({"range": "90d", "count": 1, "sessions": [session]}).encode()
    upstream.script("/api/v1/sessions", lambda environ: Reply(200, body, [JSON]))
    answer = alice.get("/sessions/?range=90d&format=csv")
    assert answer.status_code == 200
    text = answer.content.decode("utf-8-sig")
    header, row = list(csv.reader(io.StringIO(text)))
    cells = dict(zip(header, row, strict=True))
    assert cells["entry_path"] == "'/p;=1+1"
    assert cells["exit_path"] == "' =1+1"
    assert cells["referring_domain"] == "'x\n=2+2"
    assert cells["city"] == "'＝3+3"
    assert cells["country"] == "'a | @SUM(A1)"
    assert cells["browser"] == "Firefox - Nightly, 1.5"  # ordinary text is unchanged
    assert cells["os"] == 'Quote "and", comma'
    # Every text field is quoted; numbers are bare, so spreadsheets keep them numbers.
    assert '"s_formula","d1",' in text and ",3,12," in text
