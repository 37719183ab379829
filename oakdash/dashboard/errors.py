"""Upstream errors → pages: one place decides the status and the words for every failure."""

from __future__ import annotations

from dataclasses import dataclass

from django.http import HttpRequest, HttpResponse

from oakdash.dashboard.pages import render_page
from oakdash.oakdata import errors


@dataclass(frozen=True)
class Problem:
    status: int
    kind: str
    title: str
    detail: str


def describe(err: errors.OakDataError) -> Problem:
    if isinstance(err, errors.InvalidParameter):
        return Problem(400, "bad-request", "That link has a value oakdash cannot use", str(err))
    if isinstance(err, errors.BadRequest):
        return Problem(400, "bad-request", "OakData refused the request", err.message)
    if isinstance(err, errors.NotFound):
        return Problem(
            404, "not-found", "Not found", err.message or "OakData has nothing with that id."
        )
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
    return render_problem(request, describe(err))
