"""Query-string validation exactly as the reference states it; anything else is a 400."""

from __future__ import annotations

import re
from urllib.parse import parse_qs

RANGES = ("24h", "7d", "30d", "90d")
DEFAULT_RANGE = "7d"
SESSIONS_LIMIT = (1, 200, 50)  # min, max, default
REPLAYS_LIMIT = (1, 200, 100)
EVENTS_LIMIT = (1, 500, 100)
EVENTS_OFFSET = (0, 1_000_000, 0)

_INT = re.compile(r"-?[0-9]{1,15}")  # ASCII digits only; a sign so "-1" is "out of range"
_TRUE = frozenset({"true", "1"})
_FALSE = frozenset({"false", "0"})


class BadParam(ValueError):
    """A query parameter with a value the API does not accept (HTTP 400)."""


def parse_query(query_string: str) -> dict[str, str]:
    """The last value of each parameter (blank values kept: `limit=` is an error, not a default)."""
    parsed = parse_qs(query_string, keep_blank_values=True)
    return {k: v[-1] for k, v in parsed.items()}


def get_range(query: dict[str, str]) -> str:
    value = query.get("range")
    if value is None:
        return DEFAULT_RANGE
    if value not in RANGES:
        raise BadParam(f"range must be one of {', '.join(RANGES)}")
    return value


def get_int(query: dict[str, str], name: str, bounds: tuple[int, int, int]) -> int:
    low, high, default = bounds
    value = query.get(name)
    if value is None:
        return default
    if not _INT.fullmatch(value):
        raise BadParam(f"{name} must be a whole number between {low} and {high:,}")
    number = int(value)
    if not low <= number <= high:
        raise BadParam(f"{name} must be between {low} and {high:,}")
    return number


def get_bool(query: dict[str, str], name: str, default: bool = False) -> bool:
    value = query.get(name)
    if value is None:
        return default
    lowered = value.lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    raise BadParam(f"{name} must be true or false (or 1 or 0)")
