"""The overview's cached answer as other pages may quote it: looked up, never fetched."""

from __future__ import annotations

from oakdash.dashboard.upstream_cache import peek
from oakdash.oakdata import models


def overview_args(range_: str, exclude_bots: bool) -> dict:
    """The cache arguments of one overview answer (the sessions page looks its total up)."""
    return {"range": range_, "exclude_bots": exclude_bots}


def cached_overview(cache_key: str, range_: str) -> models.Overview | None:
    """This project's overview of ``range_`` (bots included) if one is cached, else None —
    never an upstream call: a page that only wants to quote a total must not pay for it."""
    fresh = peek(cache_key, "overview", overview_args(range_, False))
    return fresh.value if fresh is not None else None
