"""Server-side replay pipeline: chunk download, streaming gunzip with caps, k-way merge.

Pure Python, no Django. See "The replay pipeline" in docs/ARCHITECTURE.md.

    http = storage_client(ChunkHostPolicy())                  # its own pool, vetted connections
    chunks = download_chunks(http, urls, limits)              # raises before any output
    blocks = merged_ndjson(chunks, limits)                    # raises early, then may mid-way
    stream = open_replay_stream(http, urls, limits, refresh=..., memory=...)  # both, 1st block
"""

from __future__ import annotations

from .download import DownloadStats, download_chunks
from .errors import (
    ChunkDecodeError,
    ChunkFetchError,
    ReplayBusy,
    ReplayError,
    ReplayTooLarge,
)
from .limits import DEFAULT_LIMITS, ReplayLimits
from .memory import MemoryBudget
from .policy import ChunkHostPolicy
from .storage import StorageClient, storage_client
from .stream import ReplayStream, error_line, merged_ndjson, open_replay_stream, with_error_line

__all__ = [
    "DEFAULT_LIMITS",
    "ChunkDecodeError",
    "ChunkFetchError",
    "ChunkHostPolicy",
    "DownloadStats",
    "MemoryBudget",
    "ReplayBusy",
    "ReplayError",
    "ReplayLimits",
    "ReplayStream",
    "ReplayTooLarge",
    "StorageClient",
    "download_chunks",
    "error_line",
    "merged_ndjson",
    "open_replay_stream",
    "storage_client",
    "with_error_line",
]
