"""`ReplayLimits`: every cap and knob of the pipeline, in one immutable value.

The defaults are sized for rrweb recordings: a chunk is typically tens of KB to a few MB
gzipped, a FullSnapshot with inlined images can reach a few tens of MB decompressed, and a replay
of several hundred MB is already more than a browser will play comfortably. The caps exist so a
broken or hostile chunk (a gzip bomb, an endless body) fails one request cleanly instead of taking
the host's memory or CPU.
"""

from __future__ import annotations

from dataclasses import dataclass

KiB = 1 << 10
MiB = 1 << 20
GiB = 1 << 30


@dataclass(frozen=True, slots=True)
class ReplayLimits:
    """Caps and knobs for `download_chunks` and `merged_ndjson`.

    max_chunks            most chunk URLs one replay may list
    max_chunk_compressed  most bytes one chunk's download may have (checked while streaming)
    max_replay_compressed most bytes all of a replay's downloads may have together
    max_chunk_bytes       most bytes one chunk may decompress to
    max_replay_bytes      most bytes the whole merged replay may decompress to
    concurrency           most chunk downloads in flight at once (storage answers each request
                          after 20-80 ms: enough of them in flight hide it; bench/README.md)
    timeout               seconds for each network step (connect, each read, pool wait)
    deadline              seconds for the whole download of a replay, however slowly bytes drip,
                          retries and their waits included
    attempts              most tries of one chunk when storage fails transiently (500, 502,
                          503, 504, a connection reset, a read timeout); 1 = never retry
    backoff               seconds before the first retry; doubled for each next one, jittered
    validate_json         parse every line with `json` (about 8x slower); by default only the
                          line's shape is checked, see `oakdash.replay.lines`
    """

    max_chunks: int = 5_000
    max_chunk_compressed: int = 32 * MiB
    max_replay_compressed: int = 256 * MiB
    max_chunk_bytes: int = 128 * MiB
    max_replay_bytes: int = 512 * MiB
    concurrency: int = 32
    timeout: float = 10.0
    deadline: float = 60.0
    attempts: int = 3
    backoff: float = 0.2
    validate_json: bool = False

    def __post_init__(self) -> None:
        for name in (
            "max_chunks",
            "max_chunk_compressed",
            "max_replay_compressed",
            "max_chunk_bytes",
            "max_replay_bytes",
            "concurrency",
            "attempts",
        ):
            value = getattr(self, name)
            if not isinstance(value, int) or isinstance(value, bool) or value < 1:
                raise ValueError(f"ReplayLimits.{name} must be a positive integer, not {value!r}")
        for name in ("timeout", "deadline", "backoff"):
            value = getattr(self, name)
            if not isinstance(value, int | float) or isinstance(value, bool) or not value > 0:
                raise ValueError(f"ReplayLimits.{name} must be a positive number, not {value!r}")


DEFAULT_LIMITS = ReplayLimits()


class ByteBudget:
    """A running total against a cap, shared by every chunk of one replay.

    Used from one thread at a time (the merge runs in the thread that iterates it), so a plain
    attribute is enough.
    """

    __slots__ = ("cap", "used")

    def __init__(self, cap: int) -> None:
        self.cap = cap
        self.used = 0

    @property
    def remaining(self) -> int:
        return self.cap - self.used
