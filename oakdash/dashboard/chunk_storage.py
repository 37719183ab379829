"""Glue between Django settings and the replay pipeline's process-wide pieces.

get_storage_http()   the storage client for chunk downloads (its own pool; SSRF policy)
get_memory_budget()  the cap on chunk bytes held by every stream of this process
get_stream_slots()   the per-user and total caps on streams, in the shared cache
"""

from __future__ import annotations

import threading

import httpx
from django.conf import settings
from django.core.cache import cache

from oakdash.replay import ChunkHostPolicy, MemoryBudget, StorageClient, storage_client
from oakdash.replay.storage import pool_limits

from .stream_slots import StreamSlots
from .upstream import DEMO_BASE_URL

_lock = threading.Lock()
_http: StorageClient | None = None
_memory: MemoryBudget | None = None


def chunk_policy() -> ChunkHostPolicy:
    """OAKDASH_REPLAY_CHUNK_HOSTS (plus the API's own host when set) and _CHUNK_NETWORKS."""
    api_url = DEMO_BASE_URL if settings.OAKDATA_API_URL == "demo" else settings.OAKDATA_API_URL
    return ChunkHostPolicy.from_lists(
        settings.OAKDASH_REPLAY_CHUNK_HOSTS,
        settings.OAKDASH_REPLAY_CHUNK_NETWORKS,
        also=[httpx.URL(api_url).host],
    )


def get_storage_http() -> StorageClient:
    """The process-wide storage client (built on first use)."""
    global _http
    if _http is None:
        with _lock:
            if _http is None:
                transport: httpx.BaseTransport | None = None
                if settings.OAKDATA_API_URL == "demo":
                    from oakdash.demo import get_demo_app  # production never loads the demo

                    # The embedded demo's storage is in this process too: no socket at all.
                    transport = httpx.WSGITransport(app=get_demo_app())
                _http = storage_client(
                    chunk_policy(),
                    transport=transport,
                    limits=pool_limits(settings.OAKDASH_REPLAY_CONCURRENCY),
                    timeout=settings.OAKDATA_READ_TIMEOUT,
                )
    return _http


def get_memory_budget() -> MemoryBudget:
    global _memory
    cap = settings.OAKDASH_REPLAY_MEMORY_BUDGET
    if _memory is None or _memory.cap != cap:  # a changed setting (tests) starts a new count
        with _lock:
            if _memory is None or _memory.cap != cap:
                _memory = MemoryBudget(cap)
    return _memory


def get_stream_slots() -> StreamSlots:
    return StreamSlots(
        cache,
        per_user=settings.OAKDASH_REPLAY_STREAMS_PER_USER,
        total=settings.OAKDASH_REPLAY_STREAMS_TOTAL,
    )


def reset_storage() -> None:
    """Forget the storage client (tests that change OAKDATA_* or chunk settings call this)."""
    global _http
    with _lock:
        client, _http = _http, None
    if client is not None:
        client.close()
