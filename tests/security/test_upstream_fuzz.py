"""Fuzzing the client's parsing: whatever an API answers, `OakDataAPI.get` returns a model or
raises an `OakDataError` (only `Unavailable` for a 2xx answer) — never anything else.

Answers start as real demo answers (one per endpoint) and get hostile values planted anywhere:
deep nesting (as JSON and as JSON inside a string), huge numbers, NaN, wrong types, odd
timestamps, invalid UTF-8, truncation, broken or unknown compression, odd statuses. The known
killers are pinned as explicit examples, so they are tried on every run.
"""

from __future__ import annotations

import copy
import functools
import gzip
import json
from typing import Any

import httpx
from hypothesis import HealthCheck, event, example, given, settings
from hypothesis import strategies as st

from oakdash.demo import get_demo_app
from oakdash.demo.projects import ACME_SECRET_KEY
from oakdash.oakdata import OakDataAPI, OakDataError, Unavailable, models

DEEP_STRING = '{"a":' * 50_000 + "1" + "}" * 50_000
# JSON text planted as is (json.dumps cannot write most of these).
RAW = [
    "NaN",
    "-Infinity",
    "1e400",
    "1" * 5000,
    "-" + "9" * 30,
    "1.5",
    '"\\ud800"',
    '"\\u0000"',
    "[" * 50_000 + "]" * 50_000,
    '{"a":' * 300 + "1" + "}" * 300,
]
TIMESTAMPS = [
    "0001-01-01T00:00:00Z",
    "9999-12-31T23:59:59Z",
    "2024-02-30T00:00:00Z",
    "2024-01-01T00:00:00+25:00",
    "2024-01-01",
    "1700000000",
    "now",
    "",
]
_PLACEHOLDER = "\x00raw-{}\x00"
DEEP_PROPERTIES = {
    "offset": 0,
    "limit": 1,
    "total": 1,
    "rows": [{"event": "x", "timestamp": "2026-01-01T00:00:00Z", "properties": DEEP_STRING}],
}
DEEP_TRAITS = {
    "distinct_id": "d",
    "total_events": 1,
    "sessions": [],
    "replays": [],
    "identityTimeline": [],
    "traits": DEEP_STRING,
}


@functools.cache
def samples() -> list[tuple[str, type[models.BaseModel], Any]]:
    """(path, model, a valid answer as JSON data) for every endpoint, from the demo API."""
    api = OakDataAPI("http://demo.test/api/v1", transport=httpx.WSGITransport(app=get_demo_app()))
    client = api.for_key(ACME_SECRET_KEY)
    session = client.sessions(limit=5).sessions[0]
    replay = client.replays(limit=5).replays[0]
    answers = [
        ("/overview", client.overview()),
        ("/sessions", client.sessions(limit=5)),
        ("/sessions/s", client.session(session.session_id)),
        ("/visitors/v", client.visitor(session.distinct_id)),
        ("/journey", client.journey()),
        ("/live", client.live()),
        ("/events", client.events(limit=5)),
        ("/replays", client.replays(limit=5)),
        ("/replays/r", client.replay(replay.id)),
    ]
    api.close()
    return [(path, type(m), m.model_dump(mode="json", by_alias=True)) for path, m in answers]


VISITOR, EVENTS = 3, 6  # their indexes in samples()

leaf = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**80), max_value=2**80),
    st.floats(),
    st.text(max_size=20),
    st.sampled_from(TIMESTAMPS),
    st.just(DEEP_STRING),
    st.sampled_from(RAW).map(lambda raw: ("raw", raw)),
)
hostile_value = st.recursive(
    leaf,
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3)
    ),
    max_leaves=6,
)


def _like(value: Any) -> st.SearchStrategy:
    """Hostile values of the same JSON type: they keep the answer's shape, so parsing goes on."""
    if isinstance(value, bool):
        return st.booleans()
    if isinstance(value, int | float):
        return st.integers(min_value=-(2**80), max_value=2**80) | st.floats()
    if isinstance(value, str):
        return st.text() | st.sampled_from(TIMESTAMPS)
    return hostile_value


def _plant(data: Any, draw) -> Any:
    """Replace one node of `data` (chosen by walking down at random) with a hostile value."""
    if isinstance(data, dict | list) and data and draw(st.integers(0, 5)):
        keys = list(data) if isinstance(data, dict) else list(range(len(data)))
        key = draw(st.sampled_from(keys))
        data[key] = _plant(data[key], draw)
        return data
    return draw(_like(data) if draw(st.booleans()) else hostile_value)


def _serialise(data: Any) -> bytes:
    raws: list[str] = []

    def swap(node: Any) -> Any:
        if isinstance(node, tuple) and node[:1] == ("raw",):
            raws.append(node[1])
            return _PLACEHOLDER.format(len(raws) - 1)
        if isinstance(node, dict):
            return {k: swap(v) for k, v in node.items()}
        if isinstance(node, list):
            return [swap(v) for v in node]
        return node

    text = json.dumps(swap(data))  # NaN and Infinity floats come out as NaN / Infinity
    for i, raw in enumerate(raws):
        text = text.replace(json.dumps(_PLACEHOLDER.format(i)), raw)
    return text.encode()


@st.composite
def hostile_answers(draw) -> tuple[int, int, dict[str, str], bytes]:
    index = draw(st.integers(0, len(samples()) - 1))
    data = copy.deepcopy(samples()[index][2])
    for _ in range(draw(st.integers(1, 3))):
        data = _plant(data, draw)
    body = _serialise(data)
    damage = draw(st.sampled_from(["none"] * 6 + ["utf8", "truncate"]))
    if damage == "utf8":
        at = draw(st.integers(0, len(body)))
        body = (
            body[:at] + draw(st.sampled_from([b"\xff", b"\xc3\x28", b"\xed\xa0\x80"])) + body[at:]
        )
    elif damage == "truncate":
        body = body[: draw(st.integers(0, len(body)))]
    headers: dict[str, str] = {}
    encoding = draw(st.sampled_from([""] * 6 + ["gzip", "gzip", "gzip-lie", "br", "gzip, gzip"]))
    if encoding == "gzip":
        body, headers["Content-Encoding"] = gzip.compress(body), "gzip"
    elif encoding == "gzip-lie":
        headers["Content-Encoding"] = "gzip"
    elif encoding:
        headers["Content-Encoding"] = encoding
    status = draw(st.sampled_from([200] * 8 + [204, 400, 401, 404, 500, 503]))
    return index, status, headers, body


@settings(
    max_examples=300,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(answer=hostile_answers())
@example(answer=(EVENTS, 200, {}, json.dumps(DEEP_PROPERTIES).encode()))
@example(answer=(VISITOR, 200, {}, json.dumps(DEEP_TRAITS).encode()))
@example(answer=(EVENTS, 500, {}, ("[" * 50_000 + "]" * 50_000).encode()))
@example(answer=(EVENTS, 404, {}, json.dumps({"error": DEEP_STRING}).encode()))
def test_nothing_but_a_model_or_an_oakdata_error_comes_out(answer):
    index, status, headers, body = answer
    path, model, _ = samples()[index]
    # A stream, not `content=`: httpx would decode `content` itself, before our decoder.
    transport = httpx.MockTransport(
        lambda request: httpx.Response(status, headers=headers, stream=httpx.ByteStream(body))
    )
    with OakDataAPI("http://api.test/api/v1", transport=transport, retry_backoff=0) as api:
        try:
            result = api.get(path, model, key=ACME_SECRET_KEY)
        except OakDataError as err:
            event(f"{type(err).__name__}: {err.message}")
            # A 2xx answer that cannot be read is Unavailable; other statuses have their class.
            assert isinstance(err, Unavailable) or not 200 <= status < 300, repr(err)
            return
    event("parsed")
    assert 200 <= status < 300 and isinstance(result, model)
