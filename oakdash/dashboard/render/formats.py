"""Numbers, durations and percentages as every page shows them: plain functions, used by the
fragment builders here and registered as template filters by `templatetags/oakfmt.py`."""

from __future__ import annotations

from typing import Any


def compact(value: Any) -> str:
    """1,234 below ten thousand; 12.3k, 4.5M above (for tight places: cards, bars)."""
    if value is None or value == "":
        return "—"
    number = float(value)
    for limit, suffix in ((1e9, "B"), (1e6, "M"), (1e4, "k")):
        if abs(number) >= limit:
            scaled = number / (limit if suffix != "k" else 1e3)
            text = f"{scaled:.1f}".rstrip("0").rstrip(".")
            return f"{text}{suffix}"
    if number == int(number):
        return f"{int(number):,}"
    return f"{number:,.1f}"


def thousands(value: Any) -> str:
    """1234567 → 1,234,567 (exact, for tables)."""
    if value is None or value == "":
        return "—"
    return f"{int(value):,}"


def whole_seconds(seconds: Any) -> int:
    """Every duration is shown in whole seconds, rounded down as a media player's clock is: a
    23.9 s recording reads "23s" in lists and headers and 0:23 in the player (replay.js)."""
    return max(0, int(float(seconds)))


def clock(seconds: Any) -> str:
    """Seconds → m:ss, or h:mm:ss from an hour up (the average session duration card)."""
    if seconds is None:
        return "—"
    total = whole_seconds(seconds)
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def humanduration(seconds: Any) -> str:
    """Seconds → "45s", "3m 12s", "2h 5m", "3d 4h" (the two largest units)."""
    if seconds is None:
        return "—"
    total = whole_seconds(seconds)
    if total < 60:
        return f"{total}s"
    units = (("d", 86400), ("h", 3600), ("m", 60), ("s", 1))
    parts: list[str] = []
    for name, size in units:
        amount, total = divmod(total, size)
        if amount or parts:
            parts.append(f"{amount}{name}")
        if len(parts) == 2:
            break
    return " ".join(part for part in parts if not part.startswith("0"))


def ms_duration(milliseconds: Any) -> str:
    return "—" if milliseconds is None else humanduration(float(milliseconds) / 1000)


def percent(value: Any, digits: int = 1) -> str:
    """A percentage 0–100 → "42.5%"."""
    if value is None:
        return "—"
    return f"{float(value):.{int(digits)}f}%"


def share(part: Any, whole: Any) -> float:
    """part / whole as a percentage (0 when whole is 0), for bar widths and shares."""
    try:
        return 100.0 * float(part) / float(whole) if float(whole) else 0.0
    except (TypeError, ValueError):
        return 0.0
