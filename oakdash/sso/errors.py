"""Why a sign-in did not happen: one class per meaning, each turned into a page by views.problem.

`message` is written for the person (it may name their e-mail address, never a token); `detail`
goes to the log only.
"""

from __future__ import annotations


class SignInError(Exception):
    status = 403
    title = "Sign-in refused"

    def __init__(self, message: str, detail: str = "") -> None:
        super().__init__(detail or message)
        self.message = message
        self.detail = detail or message


class ProviderUnavailable(SignInError):
    """The provider did not answer, or answered something unusable (discovery, keys, tokens)."""

    status = 503
    title = "Company sign-in is not answering"

    def __init__(self, detail: str) -> None:
        super().__init__(
            "oakdash could not reach the company sign-in service. Try again in a minute; "
            "if it keeps failing, tell your administrator.",
            detail,
        )


class TokenRejected(SignInError):
    """The provider's answer failed a check: signature, issuer, audience, expiry, nonce, state."""

    title = "Sign-in could not be verified"

    def __init__(self, detail: str) -> None:
        super().__init__(
            "The answer from the company sign-in service could not be verified, so oakdash did "
            "not sign you in. Start again; if it keeps happening, tell your administrator.",
            detail,
        )


class StaleSignIn(SignInError):
    """The callback's `state` is not one this browser is waiting for (used, expired, foreign)."""

    title = "This sign-in link is no longer valid"

    def __init__(self, detail: str) -> None:
        super().__init__(
            "This sign-in was already completed, has expired, or was started in another "
            "browser. Start again from the sign-in page.",
            detail,
        )


class AccessRefused(SignInError):
    """The provider vouched for the person, but oakdash's rules do not let them in."""

    title = "No access to oakdash"
