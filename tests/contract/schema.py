"""The response shapes of docs/oakdata-api.md, written out independently of the demo's code.

A schema is a dict of field -> type: "str", "int", "num", "bool", "iso" (ISO 8601 UTC timestamp),
"obj" (any JSON object); a trailing "?" allows null; a nested dict is an object schema; a
one-element list is "array of". Objects must have exactly the listed keys.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

SESSION = {
    "session_id": "str",
    "distinct_id": "str",
    "started_at": "iso",
    "last_at": "iso",
    "pageviews": "int",
    "events": "int",
    "entry_path": "str?",
    "exit_path": "str?",
    "referring_domain": "str?",
    "country": "str?",
    "city": "str?",
    "browser": "str?",
    "os": "str?",
    "device_type": "str?",
    "is_bot": "bool",
    "bot_name": "str?",
}

EVENT = {
    "uuid": "str",
    "event": "str",
    "timestamp": "iso",
    "distinct_id": "str",
    "session_id": "str",
    "pathname": "str?",
    "properties": "obj",
    "referring_domain": "str?",
    "country": "str?",
    "city": "str?",
    "browser": "str?",
    "os": "str?",
    "device_type": "str?",
}

BREAKDOWN = [{"label": "str?", "visitors": "int", "pageviews": "int"}]

OVERVIEW = {
    "range": "str",
    "stats": {
        "pageviews": "int",
        "visitors": "int",
        "sessions": "int",
        "avgSessionDurationSec": "num",
        "avgPagesPerSession": "num",
        "bounceRate": "num",
    },
    "timeSeries": [{"bucket": "iso", "visitors": "int", "pageviews": "int", "sessions": "int"}],
    "topPages": BREAKDOWN,
    "topReferrers": BREAKDOWN,
    "topSources": BREAKDOWN,
    "topCampaigns": BREAKDOWN,
    "topCountries": BREAKDOWN,
    "topCities": BREAKDOWN,
    "browsers": BREAKDOWN,
    "operatingSystems": BREAKDOWN,
    "deviceTypes": BREAKDOWN,
    "eventCount": "int",
}

SESSIONS = {"range": "str", "count": "int", "sessions": [SESSION]}

SESSION_TIMELINE = {"session_id": "str", "event_count": "int", "events": [EVENT]}

TOUCH = {
    "referrer": "str?",
    "referring_domain": "str?",
    "utm_source": "str?",
    "utm_medium": "str?",
    "utm_campaign": "str?",
    "utm_term": "str?",
    "utm_content": "str?",
    "path": "str?",
    "timestamp": "iso",
}

VISITOR = {
    "distinct_id": "str",
    "user_id": "str?",
    "traits": "obj",
    "groups": "obj",
    "first_seen": "iso?",
    "last_seen": "iso?",
    "total_events": "int",
    "sessions": [SESSION],
    "firstTouch": ("nullable", TOUCH),
    "lastTouch": ("nullable", TOUCH),
    "identityTimeline": [{"event": "str", "timestamp": "iso", "summary": "str"}],
    "replays": [
        {
            "id": "str",
            "session_id": "str",
            "started_at": "iso",
            "last_event_at": "iso",
            "has_errors": "bool",
        }
    ],
}

JOURNEY_NODE: dict[str, Any] = {"label": "str", "count": "int", "children": "nodes"}
JOURNEY = {"range": "str", "totalSessions": "int", "depth": "int", "roots": [JOURNEY_NODE]}

LIVE = {"active_now": "int", "sessions": [{"session_id": "str", "last_seen": "iso"}]}

EVENTS = {"offset": "int", "limit": "int", "rows": [EVENT], "total": "int"}

REPLAY = {
    "id": "str",
    "session_id": "str",
    "distinct_id": "str",
    "started_at": "iso",
    "last_event_at": "iso",
    "duration_ms": "int",
    "chunks_count": "int",
    "entry_url": "str?",
    "viewport_width": "int",
    "viewport_height": "int",
    "browser": "str?",
    "os": "str?",
    "device_type": "str?",
    "country": "str?",
    "has_errors": "bool",
}
REPLAYS = {"count": "int", "replays": [REPLAY]}
REPLAY_DETAIL = {"session": REPLAY, "chunk_urls": [{"url": "str"}]}

ERROR = {"error": "str"}


def parse_iso(value: str) -> datetime:
    """An ISO 8601 timestamp in UTC ("Z" or +00:00), returned as an aware datetime."""
    parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    assert parsed.tzinfo is not None and parsed.utcoffset().total_seconds() == 0, value
    return parsed.astimezone(UTC)


def check(value: Any, schema: Any, where: str = "$") -> None:
    """Assert that `value` has the shape `schema` (raises AssertionError naming the field)."""
    if isinstance(schema, tuple) and schema[0] == "nullable":
        if value is not None:
            check(value, schema[1], where)
        return
    if isinstance(schema, dict):
        assert isinstance(value, dict), f"{where}: expected object, got {type(value).__name__}"
        assert set(value) == set(schema), (
            f"{where}: keys differ: missing {sorted(set(schema) - set(value))}, "
            f"unexpected {sorted(set(value) - set(schema))}"
        )
        for key, sub in schema.items():
            check(value[key], sub, f"{where}.{key}")
        return
    if isinstance(schema, list):
        assert isinstance(value, list), f"{where}: expected array, got {type(value).__name__}"
        for i, item in enumerate(value):
            check(item, schema[0], f"{where}[{i}]")
        return
    if schema == "nodes":
        check(value, [JOURNEY_NODE], where)
        return
    nullable = schema.endswith("?")
    kind = schema.rstrip("?")
    if value is None:
        assert nullable, f"{where}: null where {kind} is required"
        return
    if kind == "str":
        assert isinstance(value, str), f"{where}: expected string, got {value!r}"
    elif kind == "int":
        assert isinstance(value, int) and not isinstance(value, bool), (
            f"{where}: expected integer, got {value!r}"
        )
        assert value >= 0, f"{where}: negative count {value}"
    elif kind == "num":
        assert isinstance(value, int | float) and not isinstance(value, bool), (
            f"{where}: expected number, got {value!r}"
        )
    elif kind == "bool":
        assert isinstance(value, bool), f"{where}: expected boolean, got {value!r}"
    elif kind == "iso":
        assert isinstance(value, str), f"{where}: expected ISO timestamp, got {value!r}"
        parse_iso(value)
    elif kind == "obj":
        assert isinstance(value, dict), f"{where}: expected object, got {value!r}"
    else:  # pragma: no cover - a typo in a schema above
        raise AssertionError(f"unknown schema type {schema!r}")
