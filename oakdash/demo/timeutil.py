"""Time helpers: the generator works in integer epoch milliseconds, the API speaks ISO 8601 UTC."""

from __future__ import annotations

import functools
from datetime import UTC, datetime

SECOND_MS = 1_000
MINUTE_MS = 60_000
HOUR_MS = 3_600_000
DAY_MS = 86_400_000

RANGE_MS: dict[str, int] = {
    "24h": DAY_MS,
    "7d": 7 * DAY_MS,
    "30d": 30 * DAY_MS,
    "90d": 90 * DAY_MS,
}


@functools.lru_cache(maxsize=512)
def _date_prefix(day: int) -> str:
    return datetime.fromtimestamp(day * 86_400, UTC).strftime("%Y-%m-%dT")


def iso(ms: int) -> str:
    """`2026-06-11T14:03:21.000Z`: the format of the reference's examples (always milliseconds)."""
    # By hand: `strftime` per timestamp was the most expensive part of rendering 500 event rows.
    seconds, millis = divmod(ms, 1000)
    day, rest = divmod(seconds, 86_400)
    hour, rest = divmod(rest, 3600)
    minute, second = divmod(rest, 60)
    return f"{_date_prefix(day)}{hour:02d}:{minute:02d}:{second:02d}.{millis:03d}Z"


def floor_to(ms: int, unit_ms: int) -> int:
    return ms - ms % unit_ms


def cutoff_ms(now_seconds: float) -> int:
    """The instant the data is "as of": the clock floored to the minute.

    Everything the API shows is a function of (seed, this minute), so repeated requests within a
    minute agree (and cache), while live sessions still come and go from one minute to the next.
    """
    return floor_to(int(now_seconds * 1000), MINUTE_MS)
