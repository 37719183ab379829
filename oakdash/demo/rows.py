"""JSON rows: a session, an event (with its properties rendered on demand), a replay, a touch."""

from __future__ import annotations

import hashlib
from typing import Any

from .generator import Session
from .projects import Project
from .timeutil import iso

_LIB = {"$lib": "web", "$lib_version": "1.187.0"}


def session_row(s: Session) -> dict[str, Any]:
    return {
        "session_id": s.sid,
        "distinct_id": s.distinct_id,
        "started_at": iso(s.start_ms),
        "last_at": iso(s.end_ms),
        "pageviews": s.pageviews,
        "events": len(s.events),
        "entry_path": s.entry_path,
        "exit_path": s.exit_path,
        "referring_domain": s.referring_domain,
        "country": s.country,
        "city": s.city,
        "browser": s.browser,
        "os": s.os,
        "device_type": s.device_type,
        "is_bot": s.is_bot,
        "bot_name": s.bot_name,
    }


def event_uuid(session_id: str, position: int) -> str:
    """A stable UUIDv4-shaped id (same text as `uuid.UUID(bytes=digest, version=4)`, faster)."""
    d = bytearray(hashlib.blake2b(f"{session_id}:{position}".encode(), digest_size=16).digest())
    d[6] = (d[6] & 0x0F) | 0x40  # version 4
    d[8] = (d[8] & 0x3F) | 0x80  # RFC 4122 variant
    h = d.hex()
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


def properties(project: Project, s: Session, position: int) -> dict[str, Any]:
    _, name, path, extra, _ = s.events[position]
    url = project.site + path if path is not None else None
    if name == "$pageview":
        previous = next((e[2] for e in reversed(s.events[:position]) if e[1] == "$pageview"), None)
        first = previous is None
        props: dict[str, Any] = {
            "$current_url": url,
            "$host": project.site.split("://", 1)[1],
            "$pathname": path,
            "$title": project.titles.get(path or "", None),
            "$referrer": (s.referrer if previous is None else project.site + previous)
            if not s.is_bot
            else None,
            "$referring_domain": s.referring_domain if first else None,
            **_LIB,
        }
        if first and s.utm is not None:
            for key, value in zip(
                ("utm_source", "utm_medium", "utm_campaign", "utm_term", "utm_content"),
                s.utm,
                strict=True,
            ):
                props[key] = value
        if s.is_bot:
            props["$bot_name"] = s.bot_name
        return props
    if name == "$autocapture":
        tag, text = extra
        return {
            "$event_type": "click",
            "$current_url": url,
            "$el_text": text,
            "tag_name": tag,
            "$elements_chain": f'{tag}.btn:text="{text}"nth-child="1"',
            **_LIB,
        }
    props = dict(extra) if isinstance(extra, dict) else {}
    if url is not None:
        props.setdefault("$current_url", url)
    return props


def event_row(project: Project, s: Session, position: int) -> dict[str, Any]:
    ts, name, path, _, distinct_id = s.events[position]
    return {
        "uuid": event_uuid(s.sid, position),
        "event": name,
        "timestamp": iso(ts),
        "distinct_id": distinct_id,
        "session_id": s.sid,
        "pathname": path,
        "properties": properties(project, s, position),
        "referring_domain": s.referring_domain,
        "country": s.country,
        "city": s.city,
        "browser": s.browser,
        "os": s.os,
        "device_type": s.device_type,
    }


def touch(s: Session) -> dict[str, Any]:
    utm = s.utm or (None, None, None, None, None)
    return {
        "referrer": s.referrer,
        "referring_domain": s.referring_domain,
        "utm_source": utm[0],
        "utm_medium": utm[1],
        "utm_campaign": utm[2],
        "utm_term": utm[3],
        "utm_content": utm[4],
        "path": s.entry_path,
        "timestamp": iso(s.start_ms),
    }
