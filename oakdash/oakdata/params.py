"""Query and path parameters: the accepted values, their bounds, and their validation.

Views and forms reuse these constants so the dashboard and the client agree on what is valid.
Every check raises `InvalidParameter` (a `BadRequest`) before any request is made.
"""

from __future__ import annotations

import re
from urllib.parse import quote

from .errors import InvalidParameter

RANGES: tuple[str, ...] = ("24h", "7d", "30d", "90d")
DEFAULT_RANGE = "7d"

# Inclusive (min, max) bounds, and the API's defaults (docs/oakdata-api.md).
SESSIONS_LIMIT = (1, 200)
SESSIONS_DEFAULT_LIMIT = 50
REPLAYS_LIMIT = (1, 200)
REPLAYS_DEFAULT_LIMIT = 100
EVENTS_LIMIT = (1, 500)
EVENTS_DEFAULT_LIMIT = 100
EVENTS_OFFSET = (0, 1_000_000)
EVENTS_DEFAULT_OFFSET = 0

# Ids come from URLs; anything longer is not a real id and would only make a huge upstream URL.
MAX_ID_LENGTH = 1024

_DIGITS = re.compile(r"[0-9]{1,9}")  # ASCII digits only: no fullwidth digits, no "1_000"
_TRUE = frozenset({"1", "true", "on", "yes"})
_FALSE = frozenset({"", "0", "false", "off", "no"})


def check_range(value: str | None, param: str = "range") -> str:
    """A time window from `RANGES`; None means the default."""
    if value is None:
        return DEFAULT_RANGE
    if isinstance(value, str) and value in RANGES:
        return value
    raise InvalidParameter(param, f"{param} must be one of {', '.join(RANGES)}")


def check_int(value: int | str, param: str, bounds: tuple[int, int]) -> int:
    """A whole number within inclusive `bounds`: an int or a string of ASCII digits.

    Bools, floats (even 5.0), "1.5", "-1" and "+1" are refused: they are always a mistake here.
    """
    low, high = bounds
    problem = f"{param} must be a whole number between {low:,} and {high:,}"
    if isinstance(value, bool):
        raise InvalidParameter(param, problem)
    if isinstance(value, int):
        number = value
    elif isinstance(value, str) and _DIGITS.fullmatch(value.strip()):
        number = int(value.strip())
    else:
        raise InvalidParameter(param, problem)
    if not low <= number <= high:
        raise InvalidParameter(param, problem)
    return number


def check_bool(value: bool | str, param: str) -> bool:
    """A flag: a bool, or the usual query-string spellings ("1", "true", "0", "false", "")."""
    if isinstance(value, bool):
        return value
    if isinstance(value, str):
        lowered = value.strip().lower()
        if lowered in _TRUE:
            return True
        if lowered in _FALSE:
            return False
    raise InvalidParameter(param, f"{param} must be true or false")


def path_segment(value: str, param: str) -> str:
    """Encode an id as exactly one URL path segment.

    Everything outside unreserved characters is percent-encoded, including `/`, `%`, `#`, `?`,
    spaces and unicode (as UTF-8). Dots are encoded too: httpx (like browsers) removes `.` and
    `..` segments, so `..` would otherwise turn /visitors/.. into /, and `../live` into /live.
    """
    if not isinstance(value, str) or value == "":
        raise InvalidParameter(param, f"{param} must not be empty")
    if len(value) > MAX_ID_LENGTH:
        raise InvalidParameter(param, f"{param} is too long (at most {MAX_ID_LENGTH} characters)")
    try:
        encoded = quote(value, safe="", encoding="utf-8", errors="strict")
    except UnicodeEncodeError as err:  # lone surrogates cannot be sent at all
        raise InvalidParameter(param, f"{param} is not valid text") from err
    return encoded.replace(".", "%2E")


__all__ = [
    "DEFAULT_RANGE",
    "EVENTS_DEFAULT_LIMIT",
    "EVENTS_DEFAULT_OFFSET",
    "EVENTS_LIMIT",
    "EVENTS_OFFSET",
    "MAX_ID_LENGTH",
    "RANGES",
    "REPLAYS_DEFAULT_LIMIT",
    "REPLAYS_LIMIT",
    "SESSIONS_DEFAULT_LIMIT",
    "SESSIONS_LIMIT",
    "check_bool",
    "check_int",
    "check_range",
    "path_segment",
]
