"""Glue between Django and the OakData client: one API object per process, a facade per user."""

from __future__ import annotations

import threading

import httpx
from django.conf import settings
from django.http import HttpRequest
from django.views.decorators.debug import sensitive_variables

from oakdash.accounts import keystore
from oakdash.dashboard import server_timing
from oakdash.dashboard.upstream_cache import project_fingerprint
from oakdash.oakdata import OakDataAPI, OakDataClient

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


def reset_api() -> None:
    """Forget the API object and the storage client (tests that change OAKDATA_* settings)."""
    global _api
    with _lock:
        _api = None
    from oakdash.dashboard.chunk_storage import reset_storage  # it imports this module

    reset_storage()


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


class NoKey(Exception):
    """The user has not stored a key yet: send them to /settings/."""


@sensitive_variables("key")
def client_for(request: HttpRequest) -> OakDataClient:
    """A facade holding this user's key, decrypted for this request only.

    Also sets ``request.project`` — a keyed hash of the key that names the project in caches.
    """
    record = keystore.stored_key(request.user)
    if record is None:
        raise NoKey
    key = record.reveal()
    request.project = project_fingerprint(key)
    return get_api().for_key(key)
