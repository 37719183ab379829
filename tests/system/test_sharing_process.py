"""Issue 11 over real HTTP, under gunicorn: a public link's secret reaches no log line, and the
portable replay file of a large replay is streamed without holding the replay in memory."""

from __future__ import annotations

import base64
import gzip
import os
import re
import time
import zlib
from collections.abc import Iterator

import pytest

from oakdash.demo import ACME_SECRET_KEY
from tests.support.processes import (
    User,
    dashboard_env,
    dashboard_process,
    proc_status,
    reset_peak,
    scripted_upstream,
)

REPLAY_MB = 64
LINES = REPLAY_MB * 512  # 2 KiB each


def _large_replay(app) -> str:
    """64 MB of events that compress about as well as real rrweb (not a run of one byte)."""
    start = int(time.time() * 1000) - 3_600_000
    filler = b"y" * 1700
    lines = [
        b'{"type":3,"data":{"source":1,"n":"%s","pad":"%s"},"timestamp":%d}\n'
        % (os.urandom(80).hex().encode(), filler, start + i)
        for i in range(LINES)
    ]
    chunks = [gzip.compress(b"".join(lines[i : i + 2048]), 1) for i in range(0, LINES, 2048)]
    return app.add_replay("acme", {"duration_ms": LINES}, chunks)


@pytest.fixture(scope="module")
def dash(tmp_path_factory) -> Iterator:
    tmp = tmp_path_factory.mktemp("sharing")
    with scripted_upstream() as upstream:
        upstream.large = _large_replay(upstream.app)
        env = dashboard_env(
            tmp,
            upstream.url + "/api/v1",
            OAKDASH_REPLAY_CHUNK_NETWORKS="127.0.0.1/32",  # the test's storage is on loopback
            DJANGO_LOG_LEVEL="DEBUG",  # every line Django would log, to search for the secret
        )
        with dashboard_process(
            tmp, "", [User("alice", ACME_SECRET_KEY)], env=env, extra_args=["--access-logfile=-"]
        ) as process:
            process.upstream = upstream
            yield process


def _a_replay(dash) -> tuple[str, str]:
    """(alice's project slug, a demo replay's id) from her replays page."""
    listing = dash.login("alice").get("/replays/", follow_redirects=True).text
    return re.search(r'href="/p/([^/]+)/replays/(rec_[^/"]+)/"', listing).groups()


def test_a_links_secret_reaches_no_log_line(dash):
    alice = dash.login("alice")
    slug, replay_id = _a_replay(dash)
    page = alice.get(f"/p/{slug}/replays/{replay_id}/")
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
    created = alice.post(
        "/shared/new",
        data={
            "csrfmiddlewaretoken": token,
            "project": slug,
            "replay_id": replay_id,
            "expiry": "1d",
        },
    )
    assert created.status_code == 201
    public_id, secret = re.search(r'value="http://[^"]+/s/([^/]+)/#([^"]+)"', created.text).groups()

    stranger = dash.client(headers={"User-Agent": "Mozilla/5.0 Firefox/133.0"})
    assert stranger.get(f"/s/{public_id}/").status_code == 200
    header = {"X-Share-Secret": secret}
    assert stranger.get(f"/s/{public_id}/meta", headers=header).status_code == 200
    stream = stranger.get(f"/s/{public_id}/events.ndjson", headers=header)
    assert stream.status_code == 200 and stream.content.count(b"\n") > 10
    wrong = {"X-Share-Secret": secret[::-1]}
    assert stranger.get(f"/s/{public_id}/meta", headers=wrong).status_code == 404  # logged

    log = dash.log_text()
    assert f"GET /s/{public_id}/meta" in log and f"/s/{public_id}/events.ndjson" in log
    assert "Not Found: /s/" in log  # Django's own log line for the refused attempt
    assert secret not in log and secret[::-1] not in log


def test_the_portable_file_of_a_large_replay_streams_in_bounded_memory(dash):
    alice = dash.login("alice")
    slug, _ = _a_replay(dash)
    url = f"/p/{slug}/replays/{dash.upstream.large}/portable.html"
    (worker,) = dash.worker_pids()
    alice.get(f"/p/{slug}/replays/")  # warm the worker: imports, templates
    before = proc_status(worker, "VmRSS")
    reset_peak(worker)
    size, pieces, tail = 0, [], b""
    with alice.stream("GET", url) as answer:
        assert answer.status_code == 200
        assert answer.headers["Content-Disposition"].startswith("attachment; filename=")
        for block in answer.iter_bytes():
            size += len(block)
            text = tail + block
            found = list(re.finditer(rb'class="oakdash-events">([^<]*)</script>', text))
            pieces += [match.group(1) for match in found]
            tail = text[found[-1].end() :] if found else text
            tail = tail[-2_000_000:]
    growth = proc_status(worker, "VmHWM") - before
    assert tail.rstrip().endswith(b"</html>")
    events = zlib.decompress(b"".join(base64.b64decode(p) for p in pieces), wbits=31)
    assert events.count(b"\n") == LINES and b'"error"' not in events[-200:]
    assert len(pieces) > 1  # written in pieces, as the merge went
    # The file is ~1/6 of the replay; the worker never held the replay (64 MB) or the file.
    assert growth < 32 * 2**20, f"peak RSS grew {growth / 2**20:.1f} MB for {size} bytes"
    print(
        f"portable file {size / 2**20:.1f} MB of {REPLAY_MB} MB: peak RSS +{growth / 2**20:.1f} MB"
    )
