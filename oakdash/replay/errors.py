"""Typed errors of the replay pipeline.

Every failure of a download, a gunzip or a merge becomes one of these, with a `.message` a viewer
can read. Messages name a chunk by its position ("chunk 3 of 12"), never by its URL: a signed URL's
query string is a credential, and these messages end up on pages, in the stream's final
`{"error": ...}` line and in logs. For the same reason the underlying httpx exception (whose text
and `.request` carry the URL) is not chained as `__cause__`; its class name is kept in `.detail`.
"""

from __future__ import annotations


class ReplayError(Exception):
    """Base class: the replay could not be (fully) produced.

    `.message` is the user-readable reason. `.chunk` is the 0-based index of the chunk at fault
    (None when the replay as a whole is at fault); messages count chunks from 1.
    """

    default_message = "The replay could not be loaded."

    def __init__(
        self, message: str | None = None, *, chunk: int | None = None, detail: str | None = None
    ) -> None:
        self.message = message or self.default_message
        self.chunk = chunk
        self.detail = detail
        super().__init__(self.message)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.message!r}, chunk={self.chunk!r})"

    def __reduce__(self):  # keep the keyword fields when pickled (e.g. across a cache)
        return (type(self), (self.message,), self.__dict__)


class ChunkFetchError(ReplayError):
    """A chunk could not be downloaded: refused URL, HTTP error, timeout, connection failure.

    `.status` is the HTTP status when a response came, else None. `.expired` is True when storage
    said the signed link expired (after oakdash already asked the API for fresh links once).
    `.timed_out` is True when storage accepted the connection and then did not answer in time,
    or the downloads ran past the deadline (a view answers 504 for that, 502 for the rest).
    `.attempts` is how many times it was tried.
    """

    default_message = "A replay chunk could not be downloaded."

    def __init__(
        self,
        message: str | None = None,
        *,
        chunk: int | None = None,
        status: int | None = None,
        detail: str | None = None,
        expired: bool = False,
        timed_out: bool = False,
        attempts: int = 1,
    ) -> None:
        super().__init__(message, chunk=chunk, detail=detail)
        self.status = status
        self.expired = expired
        self.timed_out = timed_out
        self.attempts = attempts


class ChunkDecodeError(ReplayError):
    """A chunk is not valid gzipped NDJSON of rrweb events.

    Corrupt, truncated or trailing-garbage gzip, or a line that is not a JSON object with a
    numeric top-level `timestamp`. `.line` is the 1-based line number within the decompressed
    chunk when a line is at fault.
    """

    default_message = "A replay chunk is damaged."

    def __init__(
        self, message: str | None = None, *, chunk: int | None = None, line: int | None = None
    ) -> None:
        super().__init__(message, chunk=chunk)
        self.line = line


class ReplayTooLarge(ReplayError):
    """A size cap of `ReplayLimits` was hit; `.limit` names the field, `.cap` its value."""

    default_message = "The replay is too large to play here."

    def __init__(
        self,
        message: str | None = None,
        *,
        chunk: int | None = None,
        limit: str | None = None,
        cap: int | None = None,
    ) -> None:
        super().__init__(message, chunk=chunk)
        self.limit = limit
        self.cap = cap


class ReplayBusy(ReplayError):
    """This process already holds as many replay chunks in memory as it may: try again soon.

    Not the replay's fault and not the viewer's: other replays are playing. `.retry_after` is a
    suggested wait in seconds.
    """

    default_message = "The server is busy playing other replays: try again in a few seconds."

    def __init__(self, message: str | None = None, *, retry_after: int = 5) -> None:
        super().__init__(message)
        self.retry_after = retry_after


def chunk_label(index: int, total: int) -> str:
    """'chunk 3 of 12' for index 2: people count from one."""
    return f"chunk {index + 1} of {total}"


def human_size(n: int) -> str:
    """A byte count as people write it in a limit: '512 MiB', '64 KiB', '100 bytes'."""
    for unit, size in (("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)):
        if n >= size:
            value = n / size
            return f"{value:.0f} {unit}" if value == int(value) else f"{value:.1f} {unit}"
    return f"{n} bytes"
