"""Typed results of the OakData read API (pydantic v2).

Attributes are snake_case; where the API spells a field in camelCase, that spelling is the alias
(`Overview.time_series` ← `timeSeries`); both spellings are accepted when building a model.
Nullable fields in the reference are `X | None`; timestamps are timezone-aware (a naive timestamp
is taken as UTC, which is what the API uses). Models are frozen: results are cached and shared
between requests, so nobody should be able to change one in place.
"""

from __future__ import annotations

import json
import math
from datetime import UTC, datetime
from typing import Annotated, Any

from pydantic import AliasChoices, BaseModel, BeforeValidator, ConfigDict, Field
from pydantic.functional_validators import AfterValidator
from pydantic_core import PydanticUndefined

# Outside this window a timestamp is a sentinel or junk (Go's zero time is year 1): converting it to
# a viewer's zone would overflow, so the answer is refused like any other malformed body.
_EARLIEST = datetime(1970, 1, 1, tzinfo=UTC)
_LATEST = datetime(2200, 1, 1, tzinfo=UTC)


def _assume_utc(value: datetime) -> datetime:
    moment = value if value.tzinfo is not None else value.replace(tzinfo=UTC)
    if not _EARLIEST <= moment < _LATEST:
        raise ValueError("timestamp outside 1970-2200")
    return moment


def _whole(value: Any) -> Any:
    # Counts sometimes come back as 12.0 (or 1234.5 ms) from aggregate queries; round, don't fail.
    if isinstance(value, float) and math.isfinite(value):
        return round(value)
    return value


# As deep as pydantic's own JSON parser goes for the body itself: a value nested deeper is junk,
# and would overflow the stack of whatever walks it next (a template, the CSV export).
MAX_JSON_DEPTH = 200


def _nested_deeper_than(value: Any, limit: int) -> bool:
    stack = [(value, 1)]
    while stack:  # iterative: the point is not to recurse
        item, depth = stack.pop()
        if isinstance(item, dict | list):
            if depth > limit:
                return True
            children = item.values() if isinstance(item, dict) else item
            stack.extend((child, depth + 1) for child in children)
    return False


def _json_object(value: Any) -> Any:
    # Raw event rows may carry `properties` as a JSON string (a column type upstream), or null.
    if value is None:
        return {}
    if isinstance(value, str):
        try:
            parsed = json.loads(value)
        except ValueError:
            return value  # let validation report it
        except RecursionError:  # json.loads recurses per level: 50,000 levels overflow the stack
            raise ValueError("JSON value nested too deeply") from None
        if _nested_deeper_than(parsed, MAX_JSON_DEPTH):
            raise ValueError("JSON value nested too deeply")
        return parsed
    return value


Timestamp = Annotated[datetime, AfterValidator(_assume_utc)]
# Counts are never negative, and stay within what a 64-bit column holds (and a float can format).
Count = Annotated[int, BeforeValidator(_whole), Field(ge=0, le=2**63 - 1)]
JSONObject = Annotated[dict[str, Any], BeforeValidator(_json_object)]


def _camel(name: str, camel: str, default: Any = PydanticUndefined) -> Any:
    """A field the API spells in camelCase; accept either spelling, keep camelCase as alias."""
    return Field(default, alias=camel, validation_alias=AliasChoices(camel, name))


class _Model(BaseModel):
    # allow_inf_nan=False: NaN/Infinity are not JSON numbers a page can format.
    model_config = ConfigDict(
        frozen=True, populate_by_name=True, extra="ignore", allow_inf_nan=False
    )


# --- GET /overview ---------------------------------------------------------------------------


class Stats(_Model):
    pageviews: Count
    visitors: Count
    sessions: Count
    avg_session_duration_sec: float = _camel("avg_session_duration_sec", "avgSessionDurationSec")
    avg_pages_per_session: float = _camel("avg_pages_per_session", "avgPagesPerSession")
    bounce_rate: float = _camel("bounce_rate", "bounceRate")  # a percentage, 0 to 100


class TimePoint(_Model):
    bucket: Timestamp  # ISO start of the bucket (hourly for 24h, daily otherwise)
    visitors: Count
    pageviews: Count
    sessions: Count


class BreakdownRow(_Model):
    label: str | None  # e.g. "(direct)" may come back as null
    visitors: Count
    pageviews: Count


class Overview(_Model):
    range: str
    stats: Stats
    time_series: list[TimePoint] = _camel("time_series", "timeSeries")
    top_pages: list[BreakdownRow] = _camel("top_pages", "topPages")
    top_referrers: list[BreakdownRow] = _camel("top_referrers", "topReferrers")
    top_sources: list[BreakdownRow] = _camel("top_sources", "topSources")
    top_campaigns: list[BreakdownRow] = _camel("top_campaigns", "topCampaigns")
    top_countries: list[BreakdownRow] = _camel("top_countries", "topCountries")
    top_cities: list[BreakdownRow] = _camel("top_cities", "topCities")
    browsers: list[BreakdownRow]
    operating_systems: list[BreakdownRow] = _camel("operating_systems", "operatingSystems")
    device_types: list[BreakdownRow] = _camel("device_types", "deviceTypes")
    event_count: Count = _camel("event_count", "eventCount")


# --- GET /sessions ---------------------------------------------------------------------------


class Session(_Model):
    session_id: str
    distinct_id: str
    started_at: Timestamp
    last_at: Timestamp
    pageviews: Count
    events: Count
    entry_path: str | None = None
    exit_path: str | None = None
    referring_domain: str | None = None
    country: str | None = None
    city: str | None = None
    browser: str | None = None
    os: str | None = None
    device_type: str | None = None
    is_bot: bool = False
    bot_name: str | None = None


class SessionList(_Model):
    range: str
    count: Count
    sessions: list[Session]


# --- GET /sessions/{id} and GET /events ------------------------------------------------------


class Event(_Model):
    """A raw event row. Columns beyond these are kept (`extra="allow"`, see `model_extra`)."""

    model_config = ConfigDict(frozen=True, populate_by_name=True, extra="allow")

    event: str
    timestamp: Timestamp
    pathname: str | None = None
    properties: JSONObject = Field(default_factory=dict)
    uuid: str | None = None
    distinct_id: str | None = None
    session_id: str | None = None
    referring_domain: str | None = None
    country: str | None = None
    city: str | None = None
    browser: str | None = None
    os: str | None = None
    device_type: str | None = None


class SessionTimeline(_Model):
    session_id: str
    event_count: Count
    events: list[Event]  # oldest first


class EventPage(_Model):
    offset: Count
    limit: Count
    rows: list[Event]  # newest first
    total: Count  # exact count across all pages


# --- GET /visitors/{distinctId} --------------------------------------------------------------


class Touch(_Model):
    """First/last-touch attribution. The reference only says "referrer, UTM, path, timestamp",
    so every field is optional, camelCase spellings are accepted, and unknown keys are kept."""

    model_config = ConfigDict(frozen=True, populate_by_name=True, extra="allow")

    referrer: str | None = None
    referring_domain: str | None = _camel("referring_domain", "referringDomain", None)
    utm_source: str | None = _camel("utm_source", "utmSource", None)
    utm_medium: str | None = _camel("utm_medium", "utmMedium", None)
    utm_campaign: str | None = _camel("utm_campaign", "utmCampaign", None)
    utm_term: str | None = _camel("utm_term", "utmTerm", None)
    utm_content: str | None = _camel("utm_content", "utmContent", None)
    path: str | None = None
    timestamp: Timestamp | None = None


class IdentityEntry(_Model):
    event: str
    timestamp: Timestamp
    summary: str | None = None


class VisitorReplay(_Model):
    id: str
    session_id: str
    started_at: Timestamp
    last_event_at: Timestamp
    has_errors: bool = False


class Visitor(_Model):
    distinct_id: str
    user_id: str | None = None
    traits: JSONObject = Field(default_factory=dict)
    groups: JSONObject = Field(default_factory=dict)
    first_seen: Timestamp | None = None
    last_seen: Timestamp | None = None
    total_events: Count
    sessions: list[Session]
    first_touch: Touch | None = _camel("first_touch", "firstTouch", None)
    last_touch: Touch | None = _camel("last_touch", "lastTouch", None)
    identity_timeline: list[IdentityEntry] = _camel("identity_timeline", "identityTimeline")
    replays: list[VisitorReplay]


# --- GET /journey ----------------------------------------------------------------------------


class JourneyNode(_Model):
    label: str
    count: Count  # sessions whose path passes through this node
    children: list[JourneyNode] = Field(default_factory=list)


class Journey(_Model):
    range: str
    total_sessions: Count = _camel("total_sessions", "totalSessions")
    depth: Count
    roots: list[JourneyNode]


# --- GET /live -------------------------------------------------------------------------------


class LiveSession(_Model):
    session_id: str
    last_seen: Timestamp


class Live(_Model):
    active_now: Count
    sessions: list[LiveSession]


# --- GET /replays and GET /replays/{id} ------------------------------------------------------


class Replay(_Model):
    id: str  # the recording id, not the analytics session id
    session_id: str
    distinct_id: str | None = None
    started_at: Timestamp
    last_event_at: Timestamp
    duration_ms: Count
    chunks_count: Count
    entry_url: str | None = None
    viewport_width: Count | None = None
    viewport_height: Count | None = None
    browser: str | None = None
    os: str | None = None
    device_type: str | None = None
    country: str | None = None
    has_errors: bool = False


class ReplayList(_Model):
    count: Count
    replays: list[Replay]


class ChunkUrl(_Model):
    url: str  # signed, short-lived (~30 min): fetch fresh each time a recording plays


class ReplayDetail(_Model):
    session: Replay
    chunk_urls: list[ChunkUrl]


__all__ = [
    "BreakdownRow",
    "ChunkUrl",
    "Event",
    "EventPage",
    "IdentityEntry",
    "Journey",
    "JourneyNode",
    "Live",
    "LiveSession",
    "Overview",
    "Replay",
    "ReplayDetail",
    "ReplayList",
    "Session",
    "SessionList",
    "SessionTimeline",
    "Stats",
    "Touch",
    "Visitor",
    "VisitorReplay",
]
