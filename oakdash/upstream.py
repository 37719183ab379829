"""Glue between Django and the OakData client: one API object per process (a facade per key:
``dashboard.access.open_project``). The seam every app uses to reach OakData, so no app imports
another's internals for it (the import contracts in pyproject.toml)."""

from __future__ import annotations

import threading

import httpx
from django.conf import settings

from oakdash import server_timing
from oakdash.oakdata import OakDataAPI

DEMO_BASE_URL = "http://demo.oakdata.invalid/api/v1"

_lock = threading.Lock()
_api: OakDataAPI | None = None


def get_api() -> OakDataAPI:
    """The process-wide API object (its httpx pool is created lazily on first use)."""
    global _api
    if _api is None:
        with _lock:
            if _api is None:
                _api = _build_api()
    return _api


def _build_api() -> OakDataAPI:
    url = settings.OAKDATA_API_URL
    transport: httpx.BaseTransport | None = None
    if url == "demo":
        from oakdash.demo import get_demo_app  # imported lazily: production never loads the demo

        url = DEMO_BASE_URL
        transport = httpx.WSGITransport(app=get_demo_app())
    return OakDataAPI(
        base_url=url,
        connect_timeout=settings.OAKDATA_CONNECT_TIMEOUT,
        read_timeout=settings.OAKDATA_READ_TIMEOUT,
        transport=transport,
        on_response=server_timing.on_response,
    )
