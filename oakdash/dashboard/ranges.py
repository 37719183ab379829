"""The time ranges as pages name them (the values are `oakdash.oakdata.params.RANGES`)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Final

# In running text: "No pages in the last 7 days."
RANGE_NAMES: Final[Mapping[str, str]] = {
    "24h": "the last 24 hours",
    "7d": "the last 7 days",
    "30d": "the last 30 days",
    "90d": "the last 90 days",
}
# On the range buttons.
RANGE_SHORT: Final[Mapping[str, str]] = {
    "24h": "24 hours",
    "7d": "7 days",
    "30d": "30 days",
    "90d": "90 days",
}

# How far back each range reaches.
RANGE_SPANS: Final[Mapping[str, dt.timedelta]] = {
    "24h": dt.timedelta(hours=24),
    "7d": dt.timedelta(days=7),
    "30d": dt.timedelta(days=30),
    "90d": dt.timedelta(days=90),
}
