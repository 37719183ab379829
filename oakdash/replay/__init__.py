"""Server-side replay pipeline: chunk download, streaming gunzip with caps, k-way merge.

Pure Python, no Django. See "The replay pipeline" in docs/ARCHITECTURE.md.

    chunks = download_chunks(api.http, urls, limits)          # raises before any output
    blocks = merged_ndjson(chunks, limits)                    # raises early, then may mid-way
    blocks = open_replay_stream(api.http, urls, limits)       # both, plus the first block
"""

from __future__ import annotations

from .download import download_chunks
from .errors import ChunkDecodeError, ChunkFetchError, ReplayError, ReplayTooLarge
from .limits import DEFAULT_LIMITS, ReplayLimits
from .stream import error_line, merged_ndjson, open_replay_stream, with_error_line

__all__ = [
    "DEFAULT_LIMITS",
    "ChunkDecodeError",
    "ChunkFetchError",
    "ReplayError",
    "ReplayLimits",
    "ReplayTooLarge",
    "download_chunks",
    "error_line",
    "merged_ndjson",
    "open_replay_stream",
    "with_error_line",
]
