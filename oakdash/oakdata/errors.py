"""Typed errors for the OakData client.

Every upstream outcome becomes one of these classes, decided in exactly one place
(`error_for_status` for HTTP statuses, `oakdash.oakdata.pool` for transport failures). Each
docstring says how a page should answer, so the view layer can translate them in one decorator.
"""

from __future__ import annotations

import re

# Upstream text is untrusted and ends up on a page and in logs: keep it short and printable.
MAX_MESSAGE_LENGTH = 300
_CONTROL_CHARS = re.compile(r"[\x00-\x1f\x7f-\x9f]+")
# A key echoed back by upstream ("invalid key oak_sec_…") must not reach a message or a log.
KEY_LIKE = re.compile(r"oak_(?:sec|pub)_[A-Za-z0-9_\-]+")


def clean_message(text: str) -> str:
    """Make untrusted upstream text safe to show: printable, no key-like tokens, bounded length."""
    text = _CONTROL_CHARS.sub(" ", text).strip()
    text = KEY_LIKE.sub(lambda m: m.group(0)[:8] + "…", text)
    if len(text) > MAX_MESSAGE_LENGTH:
        text = text[: MAX_MESSAGE_LENGTH - 1].rstrip() + "…"
    return text


class OakDataError(Exception):
    """Base class: something went wrong talking to OakData.

    `.message` is the human-readable reason (upstream's `error` text when there was one) and
    `.status` the upstream HTTP status, or None when no response was received.
    """

    default_message = "The OakData API request failed."

    def __init__(self, message: str | None = None, *, status: int | None = None) -> None:
        self.message = clean_message(message) if message else self.default_message
        self.status = status
        super().__init__(self.message)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.message!r}, status={self.status!r})"

    def __reduce__(self):  # keep `.status` (and subclasses' fields) when cached or pickled
        return (type(self), (self.message,), self.__dict__)


class BadRequest(OakDataError):
    """Upstream rejected a query parameter (HTTP 400).

    The page should answer 400 and show the message: the URL the user followed is wrong.
    """

    default_message = "OakData rejected the request as invalid."


class InvalidParameter(BadRequest):
    """A query value failed validation before any call was made; `.param` names it.

    The page should answer 400, naming the parameter; no upstream request was sent.
    """

    def __init__(self, param: str, message: str) -> None:
        self.param = param
        super().__init__(message, status=None)

    def __reduce__(self):  # its constructor takes the parameter name first
        return (type(self), (self.param, self.message), self.__dict__)


class InvalidKey(OakDataError):
    """The key is missing, malformed or no longer valid (HTTP 401).

    The page should say "your key is no longer valid" and link to the settings page.
    """

    default_message = "The OakData key is missing or no longer valid."


class PublicKey(OakDataError):
    """A public (`oak_pub_…`) key was used where a secret key is needed (HTTP 403).

    The page should explain public vs secret keys and link to the settings page.
    """

    default_message = (
        "This is a public key (oak_pub_…): it can only send events. "
        "Use your project's secret key (oak_sec_…) to read data."
    )


class NotFound(OakDataError):
    """No such session, visitor or replay (HTTP 404).

    The page should answer 404.
    """

    default_message = "OakData has no such record."


class Unavailable(OakDataError):
    """OakData did not give a usable answer: 5xx, any other unexpected status, a timeout, a
    connection failure, or a body that is not the expected JSON.

    The page should answer 503 with "OakData did not answer" and a retry link.
    """

    default_message = "OakData did not answer."


_BY_STATUS: dict[int, type[OakDataError]] = {
    400: BadRequest,
    401: InvalidKey,
    403: PublicKey,
    404: NotFound,
}


def error_for_status(status: int, message: str | None = None) -> OakDataError:
    """The error for a non-2xx upstream status: the one place statuses map to classes."""
    cls = _BY_STATUS.get(status, Unavailable)
    if cls is Unavailable and not message:
        message = f"OakData answered with HTTP {status}."
    return cls(message, status=status)


__all__ = [
    "BadRequest",
    "InvalidKey",
    "InvalidParameter",
    "NotFound",
    "OakDataError",
    "PublicKey",
    "Unavailable",
    "error_for_status",
]
