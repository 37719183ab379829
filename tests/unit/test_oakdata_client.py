"""The per-user facade: what it sends, what it refuses to send, and how it fails."""

from __future__ import annotations

import json
import logging
import pickle

import httpx
import pytest
from pydantic import ValidationError

from oakdash.oakdata import (
    BadRequest,
    InvalidKey,
    InvalidParameter,
    NotFound,
    OakDataAPI,
    OakDataClient,
    OakDataError,
    PublicKey,
    Unavailable,
)

KEY = "oak_sec_4f8a2c9e7b1d3f5a6c8e0b2d1a2b"
BASE = "https://oakdata.test/api/v1"
LIVE = {"active_now": 1, "sessions": [{"session_id": "s1", "last_seen": "2026-06-11T14:03:21Z"}]}
VISITOR = {
    "distinct_id": "x",
    "user_id": None,
    "traits": {},
    "groups": {},
    "first_seen": None,
    "last_seen": None,
    "total_events": 0,
    "sessions": [],
    "firstTouch": None,
    "lastTouch": None,
    "identityTimeline": [],
    "replays": [],
}
TIMELINE = {"session_id": "x", "event_count": 0, "events": []}
REPLAY = {
    "session": {
        "id": "x",
        "session_id": "s",
        "started_at": "2026-06-11T14:00:00Z",
        "last_event_at": "2026-06-11T14:01:00Z",
        "duration_ms": 60000,
        "chunks_count": 0,
        "has_errors": False,
    },
    "chunk_urls": [],
}


class Upstream:
    """A MockTransport that records requests and answers from a queue (the last answer repeats)."""

    def __init__(self, *answers: httpx.Response | Exception | dict) -> None:
        self.answers = list(answers) or [LIVE]
        self.requests: list[httpx.Request] = []
        self.transport = httpx.MockTransport(self.handle)

    def handle(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        answer = self.answers.pop(0) if len(self.answers) > 1 else self.answers[0]
        if isinstance(answer, Exception):
            raise answer
        if isinstance(answer, dict):
            return httpx.Response(200, json=answer)
        return answer

    def api(self, **kwargs) -> OakDataAPI:
        kwargs.setdefault("retry_backoff", 0)
        return OakDataAPI(BASE, transport=self.transport, **kwargs)

    def client(self, **kwargs) -> OakDataClient:
        return self.api(**kwargs).for_key(KEY)

    @property
    def paths(self) -> list[bytes]:
        return [request.url.raw_path for request in self.requests]


def error(status: int, message: str | None = None) -> httpx.Response:
    return httpx.Response(status, json={"error": message} if message is not None else {})


# --- authentication ----------------------------------------------------------------------------


def test_the_key_is_sent_as_a_bearer_token_on_every_call():
    upstream = Upstream(LIVE)
    upstream.client().live()
    (request,) = upstream.requests
    assert request.headers["Authorization"] == f"Bearer {KEY}"
    assert "x-api-key" not in request.headers


def test_the_pooled_client_carries_no_auth_header_of_its_own():
    upstream = Upstream(LIVE, httpx.Response(200, content=b"chunk"))
    api = upstream.api()
    api.for_key(KEY).live()
    api.http.get("https://storage.oakdata.test/r/rec_1/0.ndjson.gz?sig=abc")
    chunk_request = upstream.requests[1]
    assert "authorization" not in chunk_request.headers
    assert "x-api-key" not in chunk_request.headers
    assert "authorization" not in api.http.headers


def test_two_users_share_one_pool_but_never_each_others_key():
    upstream = Upstream(LIVE)
    api = upstream.api()
    api.for_key(KEY).live()
    api.for_key("oak_sec_otherprojectkey00000000ffff").live()
    assert [r.headers["Authorization"] for r in upstream.requests] == [
        f"Bearer {KEY}",
        "Bearer oak_sec_otherprojectkey00000000ffff",
    ]


@pytest.mark.parametrize("key", ["oak_pub_abcdefghijklmnop1234", " oak_pub_x"])
def test_a_public_key_is_refused_at_once_without_a_call(key):
    upstream = Upstream()
    with pytest.raises(PublicKey) as exc_info:
        upstream.api().for_key(key)
    assert "secret key" in exc_info.value.message
    assert key.strip() not in str(exc_info.value)
    assert upstream.requests == []


@pytest.mark.parametrize(
    "key", ["", "   ", None, "oak_sec_has space", "oak_sec_new\nline", "oak_sec_é"]
)
def test_an_empty_or_malformed_key_is_refused_as_invalid(key):
    with pytest.raises(InvalidKey) as exc_info:
        Upstream().api().for_key(key)
    if key and key.strip():
        assert key not in str(exc_info.value)


def test_the_facade_repr_shows_only_a_masked_key():
    client = Upstream().client()
    assert KEY not in repr(client)
    assert KEY not in str(client)
    assert "oak_sec_…1a2b" in repr(client)
    assert client.masked_key == "oak_sec_…1a2b"


def test_the_facade_refuses_to_be_pickled_so_its_key_cannot_land_in_a_cache():
    with pytest.raises(TypeError):
        pickle.dumps(Upstream().client())


# --- error mapping -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "cls"),
    [
        (400, BadRequest),
        (401, InvalidKey),
        (403, PublicKey),
        (404, NotFound),
        (500, Unavailable),
        (502, Unavailable),
        (503, Unavailable),
        (504, Unavailable),
        (302, Unavailable),
        (418, Unavailable),
        (429, Unavailable),
    ],
)
def test_each_upstream_status_maps_to_its_error_with_the_upstream_message(status, cls):
    upstream = Upstream(error(status, f"upstream says {status}"))
    with pytest.raises(cls) as exc_info:
        upstream.client().live()
    assert type(exc_info.value) is cls
    assert exc_info.value.status == status
    assert exc_info.value.message == f"upstream says {status}"
    assert str(exc_info.value) == f"upstream says {status}"


@pytest.mark.parametrize("status", [400, 401, 403, 404, 500])
def test_an_error_without_an_upstream_message_gets_a_readable_default(status):
    upstream = Upstream(httpx.Response(status, text="<html>Bad gateway</html>"))
    with pytest.raises(OakDataError) as exc_info:
        upstream.client().live()
    assert exc_info.value.message
    assert "<html>" not in exc_info.value.message


def test_a_404_for_a_session_is_not_found():
    upstream = Upstream(error(404, "session not found"))
    with pytest.raises(NotFound, match="session not found"):
        upstream.client().session("s_missing")


def test_a_huge_upstream_message_is_truncated_and_control_characters_removed():
    upstream = Upstream(error(400, "bad\x1b[31m range " + "x" * 10_000))
    with pytest.raises(BadRequest) as exc_info:
        upstream.client().overview()
    assert len(exc_info.value.message) <= 300
    assert exc_info.value.message.startswith("bad [31m range xxx")
    assert exc_info.value.message.endswith("…")


@pytest.mark.parametrize("body", [{"error": 42}, {"error": None}, ["error"], {"message": "x"}])
def test_an_error_body_of_another_shape_still_maps_by_status(body):
    upstream = Upstream(httpx.Response(401, json=body))
    with pytest.raises(InvalidKey) as exc_info:
        upstream.client().live()
    assert exc_info.value.message == InvalidKey.default_message


@pytest.mark.parametrize(
    "body", [b"<html>hello</html>", b"", b'{"active_now": 1', b"\xff\xfe\x00", b"{'a': 1}"]
)
def test_a_success_body_that_is_not_json_is_unavailable(body):
    upstream = Upstream(httpx.Response(200, content=body))
    with pytest.raises(Unavailable, match="not JSON") as exc_info:
        upstream.client().live()
    assert isinstance(exc_info.value.__cause__, ValidationError)


@pytest.mark.parametrize(
    "payload",
    [
        [],
        "live",
        None,
        {},
        {"active_now": "many", "sessions": []},
        {"active_now": 1, "sessions": [{"session_id": None, "last_seen": "2026-06-11T14:03:21Z"}]},
        {"active_now": 1, "sessions": [{"session_id": "s", "last_seen": "yesterday"}]},
        {"error": "looks like an error but has status 200"},
    ],
)
def test_json_of_the_wrong_shape_is_unavailable(payload):
    upstream = Upstream(httpx.Response(200, content=json.dumps(payload).encode()))
    with pytest.raises(Unavailable, match="unexpected shape") as exc_info:
        upstream.client().live()
    assert isinstance(exc_info.value.__cause__, ValidationError)


def test_an_oversized_body_is_unavailable_instead_of_filling_memory():
    upstream = Upstream(httpx.Response(200, content=b" " * 2000 + json.dumps(LIVE).encode()))
    with pytest.raises(Unavailable, match="too large"):
        upstream.client(max_response_bytes=1000).live()


def test_a_connection_failure_is_unavailable_and_chains_the_original_error():
    failure = httpx.ConnectError("[Errno 111] Connection refused")
    upstream = Upstream(failure)
    with pytest.raises(Unavailable) as exc_info:
        upstream.client().live()
    assert exc_info.value.status is None
    assert exc_info.value.__cause__ is failure


def test_a_read_timeout_is_unavailable_and_not_retried():
    upstream = Upstream(httpx.ReadTimeout("timed out"))
    with pytest.raises(Unavailable, match="in time") as exc_info:
        upstream.client().live()
    assert isinstance(exc_info.value.__cause__, httpx.ReadTimeout)
    assert len(upstream.requests) == 1


# --- retries -----------------------------------------------------------------------------------


@pytest.mark.parametrize("status", [502, 503, 504])
def test_a_gateway_error_is_retried_once_and_then_succeeds(status):
    upstream = Upstream(error(status, "busy"), LIVE)
    assert upstream.client().live().active_now == 1
    assert len(upstream.requests) == 2


def test_a_503_twice_is_unavailable_after_exactly_one_retry():
    upstream = Upstream(error(503, "maintenance"))
    with pytest.raises(Unavailable, match="maintenance") as exc_info:
        upstream.client().live()
    assert exc_info.value.status == 503
    assert len(upstream.requests) == 2


@pytest.mark.parametrize("status", [500, 400, 401, 403, 404, 429])
def test_other_errors_are_not_retried(status):
    upstream = Upstream(error(status, "no"))
    with pytest.raises(OakDataError):
        upstream.client().live()
    assert len(upstream.requests) == 1


def test_a_connection_error_is_retried_once_then_succeeds():
    upstream = Upstream(httpx.ConnectError("refused"), LIVE)
    assert upstream.client().live().active_now == 1
    assert len(upstream.requests) == 2


def test_a_connection_error_twice_is_unavailable_after_exactly_one_retry():
    upstream = Upstream(httpx.ConnectError("refused"))
    with pytest.raises(Unavailable, match="Could not reach"):
        upstream.client().live()
    assert len(upstream.requests) == 2


# --- path encoding -----------------------------------------------------------------------------

HOSTILE_IDS = [
    ("a/b", b"a%2Fb"),
    ("..", b"%2E%2E"),
    (".", b"%2E"),
    ("../live", b"%2E%2E%2Flive"),
    ("../../overview", b"%2E%2E%2F%2E%2E%2Foverview"),
    ("%", b"%25"),
    ("%2e%2e", b"%252e%252e"),
    ("#", b"%23"),
    ("?", b"%3F"),
    ("a?range=90d", b"a%3Frange%3D90d"),
    ("a b", b"a%20b"),
    ("x@y.z", b"x%40y%2Ez"),
    ("zoë 用户", b"zo%C3%AB%20%E7%94%A8%E6%88%B7"),
    ("\\..\\", b"%5C%2E%2E%5C"),
]
ENDPOINTS = [("session", b"sessions", TIMELINE), ("visitor", b"visitors", VISITOR),
             ("replay", b"replays", REPLAY)]  # fmt: skip


@pytest.mark.parametrize(("method", "prefix", "payload"), ENDPOINTS)
@pytest.mark.parametrize(("hostile", "encoded"), HOSTILE_IDS)
def test_a_hostile_id_reaches_upstream_as_one_encoded_segment(
    method, prefix, payload, hostile, encoded
):
    upstream = Upstream(payload)
    getattr(upstream.client(), method)(hostile)
    (request,) = upstream.requests
    assert request.url.raw_path == b"/api/v1/" + prefix + b"/" + encoded
    assert request.url.query == b""
    assert request.url.path.removeprefix(f"/api/v1/{prefix.decode()}/") == hostile


@pytest.mark.parametrize("method", ["session", "visitor", "replay"])
def test_an_empty_id_is_refused_without_a_call(method):
    upstream = Upstream()
    with pytest.raises(InvalidParameter):
        getattr(upstream.client(), method)("")
    assert upstream.requests == []


def test_a_base_url_with_a_trailing_slash_does_not_double_it():
    upstream = Upstream(LIVE)
    OakDataAPI(BASE + "/", transport=upstream.transport).for_key(KEY).live()
    assert upstream.paths == [b"/api/v1/live"]


# --- query parameters --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("call", "query"),
    [
        (lambda c: c.overview(), "range=7d&exclude_bots=false"),
        (lambda c: c.overview(range="90d", exclude_bots=True), "range=90d&exclude_bots=true"),
        (lambda c: c.overview(range=None, exclude_bots="1"), "range=7d&exclude_bots=true"),
        (lambda c: c.sessions(), "range=7d&limit=50"),
        (lambda c: c.sessions(range="24h", limit="200"), "range=24h&limit=200"),
        (lambda c: c.journey(), "range=7d"),
        (lambda c: c.journey(range="30d"), "range=30d"),
        (lambda c: c.live(), ""),
        (lambda c: c.events(), "offset=0&limit=100"),
        (lambda c: c.events(offset="1000000", limit=500), "offset=1000000&limit=500"),
        (lambda c: c.replays(), "limit=100"),
        (lambda c: c.replays(limit=1), "limit=1"),
    ],
)
def test_valid_query_values_are_sent_normalised(call, query):
    upstream = Upstream(httpx.Response(500))
    with pytest.raises(Unavailable):
        call(upstream.client())
    assert upstream.requests[0].url.query.decode() == query


@pytest.mark.parametrize(
    ("call", "param"),
    [
        (lambda c: c.overview(range="1y"), "range"),
        (lambda c: c.overview(exclude_bots="maybe"), "exclude_bots"),
        (lambda c: c.overview(exclude_bots=1), "exclude_bots"),
        (lambda c: c.sessions(range=""), "range"),
        (lambda c: c.sessions(limit=0), "limit"),
        (lambda c: c.sessions(limit=201), "limit"),
        (lambda c: c.sessions(limit="1.5"), "limit"),
        (lambda c: c.sessions(limit=True), "limit"),
        (lambda c: c.journey(range="7d "), "range"),
        (lambda c: c.events(offset=-1), "offset"),
        (lambda c: c.events(offset=1_000_001), "offset"),
        (lambda c: c.events(offset="abc"), "offset"),
        (lambda c: c.events(limit=501), "limit"),
        (lambda c: c.events(limit=0), "limit"),
        (lambda c: c.events(limit=2.0), "limit"),
        (lambda c: c.replays(limit=201), "limit"),
        (lambda c: c.replays(limit="-5"), "limit"),
        (lambda c: c.session(""), "session_id"),
        (lambda c: c.visitor(""), "distinct_id"),
        (lambda c: c.replay(""), "replay_id"),
    ],
)
def test_an_invalid_value_is_refused_before_any_call(call, param):
    upstream = Upstream()
    with pytest.raises(InvalidParameter) as exc_info:
        call(upstream.client())
    assert exc_info.value.param == param
    assert param in exc_info.value.message
    assert exc_info.value.status is None
    assert upstream.requests == []


# --- the key stays secret ----------------------------------------------------------------------


def everything_that_can_go_wrong():
    return [
        error(400, "bad range"),
        error(401, f"invalid key {KEY}"),
        error(403, f"public key used: {KEY}"),
        error(404, "nope"),
        error(500, f"crashed while handling Bearer {KEY}"),
        error(503, "down"),
        httpx.Response(200, content=b"not json"),
        httpx.Response(200, json={"shape": "wrong", "key": KEY}),
        httpx.ConnectError("refused"),
        httpx.ReadTimeout("slow"),
    ]


@pytest.mark.parametrize("answer", everything_that_can_go_wrong())
def test_the_key_never_appears_in_an_error_its_repr_or_its_causes(answer):
    upstream = Upstream(answer)
    with pytest.raises(OakDataError) as exc_info:
        upstream.client().live()
    err: BaseException | None = exc_info.value
    while err is not None:
        assert KEY not in str(err)
        assert KEY not in repr(err)
        err = err.__cause__


def test_a_key_echoed_by_upstream_is_shown_masked():
    upstream = Upstream(error(401, f"invalid key {KEY}"))
    with pytest.raises(InvalidKey) as exc_info:
        upstream.client().live()
    assert exc_info.value.message.startswith("invalid key oak_sec_…")


def test_the_key_never_appears_in_logs_even_at_debug(caplog):
    caplog.set_level(logging.DEBUG)
    for answer in [LIVE, *everything_that_can_go_wrong()]:
        upstream = Upstream(answer)
        try:
            upstream.client().live()
        except OakDataError:
            logging.getLogger("test").exception("page failed")
    assert caplog.records
    assert KEY not in caplog.text
    assert KEY[8:] not in caplog.text


def test_each_upstream_call_is_logged_at_debug_with_path_status_and_time(caplog):
    caplog.set_level(logging.DEBUG, logger="oakdash.oakdata")
    with pytest.raises(Unavailable):
        Upstream(error(500, "x")).client().sessions(range="24h")
    (record,) = [r for r in caplog.records if r.name == "oakdash.oakdata"]
    assert record.levelno == logging.DEBUG
    assert record.getMessage().startswith("GET /sessions -> 500 in ")
    assert record.getMessage().endswith(" ms")
    assert "range" not in record.getMessage()


# --- timing hook -------------------------------------------------------------------------------


def test_the_on_response_hook_sees_every_attempt_with_status_and_elapsed_seconds():
    seen = []
    upstream = Upstream(error(503, "busy"), LIVE)
    client = upstream.client(on_response=lambda *args: seen.append(args))
    client.live()
    assert [(path, status) for path, status, _ in seen] == [("/live", 503), ("/live", 200)]
    assert all(isinstance(elapsed, float) and elapsed >= 0 for *_, elapsed in seen)


def test_the_on_response_hook_gets_none_when_no_response_came():
    seen = []
    upstream = Upstream(httpx.ReadTimeout("slow"))
    with pytest.raises(Unavailable):
        upstream.client(on_response=lambda *args: seen.append(args)).visitor("a/b")
    assert [(path, status) for path, status, _ in seen] == [("/visitors/a%2Fb", None)]


def test_a_broken_on_response_hook_does_not_break_the_call():
    def explode(*args):
        raise RuntimeError("benchmark bug")

    assert Upstream(LIVE).client(on_response=explode).live().active_now == 1
