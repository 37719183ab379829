"""The aggregate endpoints computed from a snapshot: /overview, /journey and /visitors/{id}.

Decisions where the reference is silent (the client and docs/DECISIONS.md agree on these):
* A session belongs to a window if it *started* in it; its pageviews and events count with it, so
  `timeSeries` sums to `stats`. Visitors are people: anonymous and identified activity of one
  person count once.
* `timeSeries`: hourly for 24h (25 buckets: the hour 24 hours ago, partly covered, through the
  current hour), daily otherwise (8, 31 or 91 buckets); `bucket` is the ISO UTC start.
* `bounceRate` is a percentage (0-100) of sessions with at most one pageview.
* Breakdowns list at most 50 rows by visitors, then pageviews; `label` is null for "none"
  (direct traffic, unknown geo or device). `topSources`/`topCampaigns` list only tagged traffic.
* `/journey` follows human sessions with at least one pageview (bots excluded), consecutive
  repeats of a page collapsed; `totalSessions` is how many that is (the sum of the roots).
"""

from __future__ import annotations

from typing import Any

from .dataset import Snapshot
from .projects import Project
from .rows import session_row, touch
from .timeutil import DAY_MS, HOUR_MS, RANGE_MS, floor_to, iso

TOP_N = 50
JOURNEY_DEPTH = 3
JOURNEY_ROOTS = 25
JOURNEY_CHILDREN = 10
VISITOR_SESSIONS = 50
IDENTITY_TIMELINE_MAX = 100

_IDENTITY_EVENTS = frozenset({"$identify", "$set", "$set_once", "$groupidentify", "$create_alias"})


def _ranked(table: dict[str | None, list[Any]]) -> list[dict[str, Any]]:
    rows = [(label, len(v[0]), v[1]) for label, v in table.items()]
    rows.sort(key=lambda r: (-r[1], -r[2], "" if r[0] is None else r[0]))
    return [{"label": label, "visitors": n, "pageviews": pv} for label, n, pv in rows[:TOP_N]]


def overview(snapshot: Snapshot, range_: str, exclude_bots: bool) -> dict[str, Any]:
    range_ms = RANGE_MS[range_]
    unit = HOUR_MS if range_ == "24h" else DAY_MS
    cutoff = snapshot.cutoff
    first_bucket = floor_to(cutoff - range_ms, unit)
    buckets: dict[int, list[Any]] = {
        b: [set(), 0, 0] for b in range(first_bucket, floor_to(cutoff, unit) + 1, unit)
    }
    names = (
        "pages",
        "referrers",
        "sources",
        "campaigns",
        "countries",
        "cities",
        "browsers",
        "os",
        "devices",
    )
    dims: dict[str, dict[str | None, list[Any]]] = {n: {} for n in names}
    pages, referrers, sources, campaigns = (
        dims["pages"],
        dims["referrers"],
        dims["sources"],
        dims["campaigns"],
    )
    countries, cities, browsers, oses, devices = (
        dims["countries"],
        dims["cities"],
        dims["browsers"],
        dims["os"],
        dims["devices"],
    )
    people: set[str] = set()
    n_sessions = pageviews = events = bounces = 0
    duration_ms = 0

    def add(table: dict[str | None, list[Any]], label: str | None, pid: str, pv: int) -> None:
        row = table.get(label)
        if row is None:
            row = table[label] = [set(), 0]
        row[0].add(pid)
        row[1] += pv

    for s in snapshot.window(range_ms):
        if exclude_bots and s.is_bot:
            continue
        pid = s.person.pid
        pv = s.pageviews
        n_sessions += 1
        pageviews += pv
        events += len(s.events)
        duration_ms += s.end_ms - s.start_ms
        bounces += pv <= 1
        people.add(pid)
        bucket = buckets[floor_to(s.start_ms, unit)]
        bucket[0].add(pid)
        bucket[1] += pv
        bucket[2] += 1
        for e in s.events:
            if e[1] == "$pageview":
                add(pages, e[2], pid, 1)
        add(referrers, s.referring_domain, pid, pv)
        if s.utm is not None:
            if s.utm[0] is not None:
                add(sources, s.utm[0], pid, pv)
            if s.utm[2] is not None:
                add(campaigns, s.utm[2], pid, pv)
        add(countries, s.country, pid, pv)
        add(cities, s.city, pid, pv)
        add(browsers, s.browser, pid, pv)
        add(oses, s.os, pid, pv)
        add(devices, s.device_type, pid, pv)

    return {
        "range": range_,
        "stats": {
            "pageviews": pageviews,
            "visitors": len(people),
            "sessions": n_sessions,
            "avgSessionDurationSec": round(duration_ms / 1000 / n_sessions, 1)
            if n_sessions
            else 0.0,
            "avgPagesPerSession": round(pageviews / n_sessions, 2) if n_sessions else 0.0,
            "bounceRate": round(100 * bounces / n_sessions, 1) if n_sessions else 0.0,
        },
        "timeSeries": [
            {"bucket": iso(b), "visitors": len(v[0]), "pageviews": v[1], "sessions": v[2]}
            for b, v in buckets.items()
        ],
        "topPages": _ranked(pages),
        "topReferrers": _ranked(referrers),
        "topSources": _ranked(sources),
        "topCampaigns": _ranked(campaigns),
        "topCountries": _ranked(countries),
        "topCities": _ranked(cities),
        "browsers": _ranked(browsers),
        "operatingSystems": _ranked(oses),
        "deviceTypes": _ranked(devices),
        "eventCount": events,
    }


def journey(snapshot: Snapshot, range_: str) -> dict[str, Any]:
    root: dict[str, list[Any]] = {}
    total = 0
    for s in snapshot.window(RANGE_MS[range_]):
        if s.is_bot or not s.pageviews:
            continue
        route: list[str] = []
        for e in s.events:
            if e[1] == "$pageview" and e[2] is not None and (not route or route[-1] != e[2]):
                route.append(e[2])
                if len(route) == JOURNEY_DEPTH:
                    break
        total += 1
        level = root
        for label in route:
            node = level.get(label)
            if node is None:
                node = level[label] = [0, {}]
            node[0] += 1
            level = node[1]

    def render(level: dict[str, list[Any]], limit: int) -> list[dict[str, Any]]:
        ordered = sorted(level.items(), key=lambda kv: (-kv[1][0], kv[0]))[:limit]
        return [
            {"label": label, "count": node[0], "children": render(node[1], JOURNEY_CHILDREN)}
            for label, node in ordered
        ]

    return {
        "range": range_,
        "totalSessions": total,
        "depth": JOURNEY_DEPTH,
        "roots": render(root, JOURNEY_ROOTS),
    }


def _summary(name: str, props: dict[str, Any], user_id: str | None) -> str:
    if name == "$identify":
        keys = sorted(props.get("$set") or {}) + sorted(props.get("$set_once") or {})
        text = f"Identified as {user_id} (previously anonymous {props.get('$anon_distinct_id')})"
        return text + (f"; set {', '.join(keys)}" if keys else "")
    if name == "$groupidentify":
        return f"Joined {props.get('$group_type')} {props.get('$group_key')}"
    parts = []
    if props.get("$set"):
        parts.append("set " + ", ".join(sorted(props["$set"])))
    if props.get("$set_once"):
        parts.append("set once " + ", ".join(sorted(props["$set_once"])))
    return "; ".join(parts).capitalize() or name


def visitor(project: Project, snapshot: Snapshot, distinct_id: str) -> dict[str, Any] | None:
    pid = snapshot.dataset.person_for_id.get(distinct_id)
    if pid is None:
        return None
    sessions = snapshot.person_sessions(pid)
    if not sessions:
        return None
    person = sessions[0].person
    identified = (
        person.user_id is not None
        and person.signup_ms is not None
        and person.signup_ms <= snapshot.cutoff
    )
    if distinct_id == person.user_id and not identified:
        return None  # the user id does not exist yet: the sign-up is later today
    traits: dict[str, Any] = {}
    groups: dict[str, Any] = {}
    timeline: list[dict[str, Any]] = []
    first = sessions[0].events[0]
    timeline.append(
        {"event": first[1], "timestamp": iso(first[0]), "summary": f"First seen as {first[4]}"}
    )
    for s in sessions:
        for ts, name, _, extra, _ in s.events:
            if name not in _IDENTITY_EVENTS or not isinstance(extra, dict):
                continue
            traits.update(extra.get("$set") or {})
            for key, value in (extra.get("$set_once") or {}).items():
                traits.setdefault(key, value)
            if name == "$groupidentify" and extra.get("$group_type"):
                groups[extra["$group_type"]] = extra.get("$group_key")
            groups.update(extra.get("$groups") or {})
            timeline.append(
                {
                    "event": name,
                    "timestamp": iso(ts),
                    "summary": _summary(name, extra, person.user_id),
                }
            )
    if len(timeline) > IDENTITY_TIMELINE_MAX:
        timeline = [timeline[0], *timeline[-(IDENTITY_TIMELINE_MAX - 1) :]]
    touched = [s for s in sessions if s.referrer or s.utm]
    replays = [s for s in reversed(sessions) if s.replay is not None]
    return {
        "distinct_id": person.user_id if identified else person.anon_id,
        "user_id": person.user_id if identified else None,
        "traits": traits,
        "groups": groups,
        "first_seen": iso(sessions[0].start_ms),
        "last_seen": iso(max(s.end_ms for s in sessions)),
        "total_events": sum(len(s.events) for s in sessions),
        "sessions": [session_row(s) for s in reversed(sessions[-VISITOR_SESSIONS:])],
        "firstTouch": None if person.is_bot else touch(sessions[0]),
        "lastTouch": touch(touched[-1]) if touched and not person.is_bot else None,
        "identityTimeline": timeline,
        "replays": replays,  # sessions: the app turns them into rows (it knows recording timing)
    }
