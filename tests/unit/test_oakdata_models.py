"""Every endpoint's full, realistic payload (written from docs/oakdata-api.md) parses into its
model, through the client, with nulls where the reference allows them."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from oakdash.oakdata import OakDataAPI, Unavailable, models

KEY = "oak_sec_4f8a2c9e7b1d3f5a6c8e0b2d1a2b"

SESSION_ROW = {
    "session_id": "s_a1b2c3",
    "distinct_id": "user_42",
    "started_at": "2026-06-11T13:40:02.125Z",
    "last_at": "2026-06-11T14:03:21.000Z",
    "pageviews": 7,
    "events": 19,
    "entry_path": "/pricing",
    "exit_path": "/checkout/done",
    "referring_domain": "news.ycombinator.com",
    "country": "DE",
    "city": "Berlin",
    "browser": "Firefox",
    "os": "Linux",
    "device_type": "desktop",
    "is_bot": False,
    "bot_name": None,
}
BOT_SESSION_ROW = {
    "session_id": "s_bot001",
    "distinct_id": "anon_7f3e",
    "started_at": "2026-06-11T12:00:00.000Z",
    "last_at": "2026-06-11T12:00:01.000Z",
    "pageviews": 1,
    "events": 1,
    "entry_path": None,
    "exit_path": None,
    "referring_domain": None,
    "country": None,
    "city": None,
    "browser": None,
    "os": None,
    "device_type": None,
    "is_bot": True,
    "bot_name": "Googlebot",
}
PAGEVIEW_ROW = {
    "uuid": "0190a3f2-7c1e-7b4a-9d2e-1f0c3b5a7d91",
    "event": "$pageview",
    "timestamp": "2026-06-11T13:40:02.125Z",
    "distinct_id": "user_42",
    "session_id": "s_a1b2c3",
    "pathname": "/pricing",
    "properties": {"$title": "Pricing", "plan": None, "ab": {"variant": "b"}},
    "referring_domain": "news.ycombinator.com",
    "country": "DE",
    "city": "Berlin",
    "browser": "Firefox",
    "os": "Linux",
    "device_type": "desktop",
    "region": "BE",
    "utm_source": "hn",
    "screen_width": 1920,
}
CUSTOM_ROW = {
    "uuid": "0190a3f2-8d00-7b4a-9d2e-aaaaaaaaaaaa",
    "event": "signup_clicked",
    "timestamp": "2026-06-11T13:41:10.000Z",
    "distinct_id": "user_42",
    "session_id": "s_a1b2c3",
    "pathname": None,
    "properties": '{"button": "hero"}',
    "referring_domain": None,
    "country": None,
    "city": None,
    "browser": None,
    "os": None,
    "device_type": None,
}
REPLAY_ROW = {
    "id": "rec_9f8e7d6c",
    "session_id": "s_a1b2c3",
    "distinct_id": "user_42",
    "started_at": "2026-06-11T13:40:01.900Z",
    "last_event_at": "2026-06-11T14:03:20.500Z",
    "duration_ms": 1398600,
    "chunks_count": 4,
    "entry_url": "https://shop.example.com/pricing?ref=hn",
    "viewport_width": 1440,
    "viewport_height": 900,
    "browser": "Firefox",
    "os": "Linux",
    "device_type": "desktop",
    "country": "DE",
    "has_errors": True,
}


def breakdown(*labels):
    return [
        {"label": label, "visitors": 10 - i, "pageviews": 20 - i} for i, label in enumerate(labels)
    ]


OVERVIEW = {
    "range": "7d",
    "stats": {
        "pageviews": 12840,
        "visitors": 3120,
        "sessions": 4410,
        "avgSessionDurationSec": 184.6,
        "avgPagesPerSession": 2.91,
        "bounceRate": 41.7,
    },
    "timeSeries": [
        {"bucket": "2026-06-05T00:00:00.000Z", "visitors": 410, "pageviews": 1702, "sessions": 590},
        {"bucket": "2026-06-06T00:00:00.000Z", "visitors": 455, "pageviews": 1811, "sessions": 631},
    ],
    "topPages": breakdown("/", "/pricing", "/docs"),
    "topReferrers": breakdown("news.ycombinator.com", None),
    "topSources": breakdown("hn", "newsletter"),
    "topCampaigns": breakdown("summer_sale"),
    "topCountries": breakdown("DE", "US"),
    "topCities": breakdown("Berlin", "Austin"),
    "browsers": breakdown("Firefox", "Chrome"),
    "operatingSystems": breakdown("Linux", "macOS"),
    "deviceTypes": breakdown("desktop", "mobile"),
    "eventCount": 20311,
}
SESSIONS = {"range": "24h", "count": 2, "sessions": [SESSION_ROW, BOT_SESSION_ROW]}
SESSION_TIMELINE = {
    "session_id": "s_a1b2c3",
    "event_count": 2,
    "events": [PAGEVIEW_ROW, CUSTOM_ROW],
}
VISITOR = {
    "distinct_id": "user_42",
    "user_id": "user_42",
    "traits": {"email": "ada@example.com", "plan": "pro", "seats": 5},
    "groups": {"company": "acme"},
    "first_seen": "2026-05-02T09:15:00.000Z",
    "last_seen": "2026-06-11T14:03:21.000Z",
    "total_events": 311,
    "sessions": [SESSION_ROW],
    "firstTouch": {
        "referrer": "https://news.ycombinator.com/item?id=1",
        "referring_domain": "news.ycombinator.com",
        "utm_source": "hn",
        "utm_medium": "social",
        "utm_campaign": "launch",
        "utm_term": None,
        "utm_content": None,
        "path": "/",
        "timestamp": "2026-05-02T09:15:00.000Z",
    },
    "lastTouch": {"referrer": None, "path": "/pricing", "timestamp": "2026-06-11T13:40:02.125Z"},
    "identityTimeline": [
        {
            "event": "$identify",
            "timestamp": "2026-05-02T09:20:00.000Z",
            "summary": "anon_7f3e → user_42",
        },
        {"event": "$set", "timestamp": "2026-05-10T11:00:00.000Z", "summary": "plan = pro"},
    ],
    "replays": [
        {
            "id": "rec_9f8e7d6c",
            "session_id": "s_a1b2c3",
            "started_at": "2026-06-11T13:40:01.900Z",
            "last_event_at": "2026-06-11T14:03:20.500Z",
            "has_errors": False,
        }
    ],
}
ANONYMOUS_VISITOR = {
    "distinct_id": "anon_7f3e",
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
JOURNEY = {
    "range": "30d",
    "totalSessions": 4410,
    "depth": 3,
    "roots": [
        {
            "label": "/",
            "count": 2900,
            "children": [
                {
                    "label": "/pricing",
                    "count": 1200,
                    "children": [{"label": "/checkout", "count": 300, "children": []}],
                },
                {"label": "/docs", "count": 800, "children": []},
            ],
        },
        {"label": "/blog/launch", "count": 700, "children": []},
    ],
}
LIVE = {
    "active_now": 2,
    "sessions": [
        {"session_id": "s_a1b2c3", "last_seen": "2026-06-11T14:03:21.000Z"},
        {"session_id": "s_d4e5f6", "last_seen": "2026-06-11T14:01:55.000Z"},
    ],
}
EVENTS = {"offset": 100, "limit": 2, "rows": [CUSTOM_ROW, PAGEVIEW_ROW], "total": 20311}
REPLAYS = {
    "count": 2,
    "replays": [
        REPLAY_ROW,
        REPLAY_ROW
        | {
            "id": "rec_0000",
            "distinct_id": None,
            "entry_url": None,
            "viewport_width": None,
            "viewport_height": None,
            "browser": None,
            "os": None,
            "device_type": None,
            "country": None,
            "has_errors": False,
        },
    ],
}
REPLAY_DETAIL = {
    "session": REPLAY_ROW,
    "chunk_urls": [
        {"url": "https://storage.oakdata.co/r/rec_9f8e7d6c/0.ndjson.gz?sig=abc&exp=1781186601"},
        {"url": "https://storage.oakdata.co/r/rec_9f8e7d6c/1.ndjson.gz?sig=def&exp=1781186601"},
    ],
}


def client_returning(payload):
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=json.dumps(payload).encode())

    return OakDataAPI(
        "https://oakdata.test/api/v1", transport=httpx.MockTransport(handler)
    ).for_key(KEY)


def at(text):
    return datetime.fromisoformat(text)


def test_overview_parses_stats_series_and_every_breakdown():
    overview = client_returning(OVERVIEW).overview()
    assert isinstance(overview, models.Overview)
    assert overview.range == "7d"
    assert overview.stats == models.Stats(
        pageviews=12840,
        visitors=3120,
        sessions=4410,
        avg_session_duration_sec=184.6,
        avg_pages_per_session=2.91,
        bounce_rate=41.7,
    )
    assert overview.time_series[0].bucket == datetime(2026, 6, 5, tzinfo=UTC)
    assert overview.time_series[1].sessions == 631
    assert [row.label for row in overview.top_pages] == ["/", "/pricing", "/docs"]
    assert overview.top_referrers[1].label is None
    for name in ("top_sources", "top_campaigns", "top_countries", "top_cities", "browsers",
                 "operating_systems", "device_types"):  # fmt: skip
        rows = getattr(overview, name)
        assert rows and all(isinstance(row, models.BreakdownRow) for row in rows)
    assert overview.event_count == 20311


def test_models_keep_the_api_camel_case_names_as_aliases():
    overview = client_returning(OVERVIEW).overview()
    dumped = overview.model_dump(by_alias=True, mode="json")
    assert set(dumped) == set(OVERVIEW)
    assert set(dumped["stats"]) == set(OVERVIEW["stats"])


def test_sessions_parse_with_nulls_where_the_reference_allows_them():
    result = client_returning(SESSIONS).sessions(range="24h")
    assert isinstance(result, models.SessionList)
    assert (result.range, result.count) == ("24h", 2)
    human, bot = result.sessions
    assert human == models.Session(**SESSION_ROW | {
        "started_at": at("2026-06-11T13:40:02.125+00:00"),
        "last_at": at("2026-06-11T14:03:21+00:00"),
    })  # fmt: skip
    assert bot.is_bot is True
    assert bot.bot_name == "Googlebot"
    for name in ("entry_path", "exit_path", "referring_domain", "country", "city", "browser",
                 "os", "device_type"):  # fmt: skip
        assert getattr(bot, name) is None


def test_a_session_timeline_keeps_extra_event_columns_and_parses_string_properties():
    timeline = client_returning(SESSION_TIMELINE).session("s_a1b2c3")
    assert isinstance(timeline, models.SessionTimeline)
    assert (timeline.session_id, timeline.event_count) == ("s_a1b2c3", 2)
    pageview, custom = timeline.events
    assert pageview.event == "$pageview"
    assert pageview.uuid == "0190a3f2-7c1e-7b4a-9d2e-1f0c3b5a7d91"
    assert pageview.properties["ab"] == {"variant": "b"}
    assert pageview.model_extra == {"region": "BE", "utm_source": "hn", "screen_width": 1920}
    assert pageview.region == "BE"
    assert custom.pathname is None
    assert custom.properties == {"button": "hero"}
    assert custom.browser is None


def test_a_visitor_parses_touches_identity_timeline_and_replays():
    visitor = client_returning(VISITOR).visitor("user_42")
    assert isinstance(visitor, models.Visitor)
    assert visitor.user_id == "user_42"
    assert visitor.traits["seats"] == 5
    assert visitor.groups == {"company": "acme"}
    assert visitor.first_seen == datetime(2026, 5, 2, 9, 15, tzinfo=UTC)
    assert visitor.total_events == 311
    assert visitor.sessions[0].session_id == "s_a1b2c3"
    assert visitor.first_touch.utm_campaign == "launch"
    assert visitor.first_touch.utm_term is None
    assert visitor.first_touch.timestamp == datetime(2026, 5, 2, 9, 15, tzinfo=UTC)
    assert visitor.last_touch.utm_source is None
    assert visitor.last_touch.path == "/pricing"
    assert visitor.identity_timeline[0] == models.IdentityEntry(
        event="$identify",
        timestamp=datetime(2026, 5, 2, 9, 20, tzinfo=UTC),
        summary="anon_7f3e → user_42",
    )
    assert visitor.replays[0].id == "rec_9f8e7d6c"
    assert visitor.replays[0].has_errors is False


def test_an_anonymous_visitor_with_no_history_parses_its_nulls():
    visitor = client_returning(ANONYMOUS_VISITOR).visitor("anon_7f3e")
    assert visitor.user_id is None
    assert visitor.first_seen is None and visitor.last_seen is None
    assert visitor.first_touch is None and visitor.last_touch is None
    assert visitor.sessions == visitor.replays == visitor.identity_timeline == []


def test_a_touch_accepts_camel_case_utm_names_too():
    touch = models.Touch.model_validate({"utmSource": "hn", "referringDomain": "a.b", "gclid": "x"})
    assert touch.utm_source == "hn"
    assert touch.referring_domain == "a.b"
    assert touch.model_extra == {"gclid": "x"}


def test_the_journey_parses_as_a_tree():
    journey = client_returning(JOURNEY).journey(range="30d")
    assert isinstance(journey, models.Journey)
    assert (journey.range, journey.total_sessions, journey.depth) == ("30d", 4410, 3)
    home = journey.roots[0]
    assert (home.label, home.count) == ("/", 2900)
    assert home.children[0].children[0] == models.JourneyNode(label="/checkout", count=300)
    assert journey.roots[1].children == []


def test_live_parses_the_reference_example():
    live = client_returning(LIVE).live()
    assert live.active_now == 2
    assert live.sessions == [
        models.LiveSession(
            session_id="s_a1b2c3", last_seen=datetime(2026, 6, 11, 14, 3, 21, tzinfo=UTC)
        ),
        models.LiveSession(
            session_id="s_d4e5f6", last_seen=datetime(2026, 6, 11, 14, 1, 55, tzinfo=UTC)
        ),
    ]


def test_an_event_page_parses_rows_and_the_exact_total():
    page = client_returning(EVENTS).events(offset=100, limit=2)
    assert isinstance(page, models.EventPage)
    assert (page.offset, page.limit, page.total) == (100, 2, 20311)
    assert [row.event for row in page.rows] == ["signup_clicked", "$pageview"]


def test_replays_parse_with_device_fields_and_nulls():
    result = client_returning(REPLAYS).replays()
    assert isinstance(result, models.ReplayList)
    assert result.count == 2
    full, bare = result.replays
    assert full.id == "rec_9f8e7d6c"
    assert full.duration_ms == 1398600
    assert (full.viewport_width, full.viewport_height) == (1440, 900)
    assert full.has_errors is True
    for name in ("distinct_id", "entry_url", "viewport_width", "viewport_height", "browser", "os",
                 "device_type", "country"):  # fmt: skip
        assert getattr(bare, name) is None


def test_a_replay_detail_parses_its_metadata_and_chunk_urls():
    detail = client_returning(REPLAY_DETAIL).replay("rec_9f8e7d6c")
    assert isinstance(detail, models.ReplayDetail)
    assert detail.session.session_id == "s_a1b2c3"
    assert [chunk.url for chunk in detail.chunk_urls] == [
        c["url"] for c in REPLAY_DETAIL["chunk_urls"]
    ]


def test_every_timestamp_is_timezone_aware():
    visitor = client_returning(VISITOR).visitor("user_42")
    assert visitor.sessions[0].started_at.utcoffset() == timedelta(0)
    assert visitor.last_seen.tzinfo is not None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-06-11T14:03:21Z", datetime(2026, 6, 11, 14, 3, 21, tzinfo=UTC)),
        ("2026-06-11T16:03:21+02:00", datetime(2026, 6, 11, 14, 3, 21, tzinfo=UTC)),
        ("2026-06-11 14:03:21.000", datetime(2026, 6, 11, 14, 3, 21, tzinfo=UTC)),
    ],
)
def test_timestamps_without_an_offset_are_taken_as_utc(text, expected):
    point = models.LiveSession(session_id="s", last_seen=text)
    assert point.last_seen == expected
    assert point.last_seen.tzinfo is not None


def test_models_are_frozen_so_a_cached_result_cannot_be_changed_in_place():
    live = client_returning(LIVE).live()
    with pytest.raises(ValueError, match="frozen"):
        live.active_now = 99


def _with(base: dict, path: tuple, value) -> dict:
    copy = json.loads(json.dumps(base))
    target = copy
    for step in path[:-1]:
        target = target[step]
    target[path[-1]] = value
    return copy


@pytest.mark.parametrize(
    ("payload", "call"),
    [
        # Go's zero time (a "null" sentinel) and the far future overflow a viewer's time zone.
        (_with(SESSIONS, ("sessions", 0, "started_at"), "0001-01-01T00:00:00Z"), "sessions"),
        (_with(SESSIONS, ("sessions", 0, "last_at"), "9999-12-31T23:59:59Z"), "sessions"),
        # Counts that are negative or too large to format.
        (_with(SESSIONS, ("sessions", 0, "pageviews"), -3), "sessions"),
        (_with(SESSIONS, ("sessions", 0, "events"), 10**400), "sessions"),
    ],
)
def test_values_a_page_cannot_show_make_the_answer_unavailable(payload, call):
    with pytest.raises(Unavailable):
        getattr(client_returning(payload), call)()


@pytest.mark.parametrize("literal", [b"NaN", b"Infinity", b"1e400"])
def test_non_finite_numbers_make_the_answer_unavailable(literal):
    body = json.dumps(OVERVIEW).replace('"bounceRate": 41.7', '"bounceRate": @').encode()
    assert b"@" in body
    transport = httpx.MockTransport(
        lambda request: httpx.Response(200, content=body.replace(b"@", literal))
    )
    client = OakDataAPI("https://oakdata.test/api/v1", transport=transport).for_key(KEY)
    with pytest.raises(Unavailable):
        client.overview()
