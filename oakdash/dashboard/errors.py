"""Upstream errors → pages: one place decides the status and the words for every failure."""

from __future__ import annotations

from dataclasses import dataclass

from django.http import HttpRequest, HttpResponse
from django.urls import reverse

from oakdash.dashboard.pages import render_page
from oakdash.oakdata import errors


@dataclass(frozen=True)
class LookedFor:
    """What a detail page asked OakData for, to say so when it is not there."""

    noun: str  # "session"
    value: str  # the id, as the user gave it (untrusted: the template escapes it)
    list_url: str  # where such things are listed
    list_label: str


@dataclass(frozen=True)
class Problem:
    status: int
    kind: str
    title: str
    detail: str
    looked_for: LookedFor | None = None


# Detail routes → (noun, the route listing them, the link's words).
_DETAIL_ROUTES = {
    "session": ("session", "sessions", "Browse recent sessions"),
    "visitor": ("visitor", "sessions", "Find visitors among recent sessions"),
    "replay": ("replay", "replays", "Browse recordings"),
}


def looked_for(request: HttpRequest) -> LookedFor | None:
    """The id a detail page was opened with (``/sessions/<id>/`` …), None for other pages."""
    match = getattr(request, "resolver_match", None)
    if match is None or match.url_name not in _DETAIL_ROUTES or not match.kwargs:
        return None
    noun, list_route, list_label = _DETAIL_ROUTES[match.url_name]
    value = str(next(iter(match.kwargs.values())))
    return LookedFor(noun, value, reverse(list_route), list_label)


def _not_found(err: errors.NotFound, subject: LookedFor | None) -> Problem:
    if subject is None:
        return Problem(404, "not-found", "Not found", "OakData has nothing with that id.")
    # The API's own words ("session not found") add nothing to ours, which name the id.
    return Problem(
        404,
        "not-found",
        f"{subject.noun.capitalize()} not found",
        f"OakData has no {subject.noun} with this id. Check that the link is complete, or find "
        f"the {subject.noun} in the list.",
        looked_for=subject,
    )


def describe(err: errors.OakDataError, subject: LookedFor | None = None) -> Problem:
    if isinstance(err, errors.InvalidParameter):
        return Problem(400, "bad-request", "That link has a value oakdash cannot use", str(err))
    if isinstance(err, errors.BadRequest):
        return Problem(400, "bad-request", "OakData refused the request", err.message)
    if isinstance(err, errors.NotFound):
        return _not_found(err, subject)
    if isinstance(err, errors.PublicKey):
        return Problem(
            403,
            "public-key",
            "Your stored key is a public key",
            "Public keys (oak_pub_…) can only send events. Store your project's secret key "
            "(oak_sec_…) in settings to read analytics.",
        )
    if isinstance(err, errors.InvalidKey):
        return Problem(
            403,
            "invalid-key",
            "Your key is no longer valid",
            "OakData rejected the key stored for your account — it may have been revoked or "
            "rotated. Store a current secret key in settings.",
        )
    return Problem(
        503,
        "unavailable",
        "OakData did not answer",
        "The analytics API is unreachable or answered with something unexpected. "
        "Nothing is lost: try again in a moment.",
    )


def render_problem(request: HttpRequest, problem: Problem) -> HttpResponse:
    response = render_page(
        request,
        "errors/problem.html",
        {"problem": problem},
        partial="problem",
        status=problem.status,
    )
    if problem.status == 503:
        response["Retry-After"] = "5"
    return response


def render_upstream_error(request: HttpRequest, err: errors.OakDataError) -> HttpResponse:
    return render_problem(request, describe(err, looked_for(request)))
