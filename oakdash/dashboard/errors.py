"""Upstream errors → pages: one place decides the status and the words for every failure.

"This user's client failed" — no project at the address, no key for it, a key that cannot be
decrypted, or an OakData error — is described once (`client_problem`); the pages answer it as HTML
(`@dashboard_page`), the replay stream as JSON (`json_problem`)."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode

from django.http import HttpResponse, JsonResponse
from django.urls import reverse

from oakdash.dashboard.access import KeyUnreadable, NoAccess, ProjectRef, UnknownProject
from oakdash.dashboard.links import id_url
from oakdash.dashboard.pages import render_page
from oakdash.http_types import HtmxHttpRequest
from oakdash.oakdata import errors


@dataclass(frozen=True)
class LookedFor:
    """What a detail page asked OakData for, to say so when it is not there."""

    noun: str  # "session"
    value: str  # the id, as the user gave it (untrusted: the template escapes it)
    list_url: str  # where such things are listed
    list_label: str


@dataclass(frozen=True)
class Action:
    """The one thing to do about a problem, as a button."""

    label: str
    url: str


@dataclass(frozen=True)
class Problem:
    status: int
    kind: str
    title: str
    detail: str
    looked_for: LookedFor | None = None
    action: Action | None = None


# Detail routes → (noun, the route listing them, the link's words).
_DETAIL_ROUTES = {
    "session": ("session", "sessions", "Browse recent sessions"),
    "visitor": ("visitor", "sessions", "Find visitors among recent sessions"),
    "replay": ("replay", "replays", "Browse recordings"),
}


def looked_for(request: HtmxHttpRequest) -> LookedFor | None:
    """The id a detail page was opened with (``/sessions/<id>/`` …), None for other pages."""
    match = getattr(request, "resolver_match", None)
    if match is None or match.url_name not in _DETAIL_ROUTES or "project" not in match.kwargs:
        return None
    noun, list_route, list_label = _DETAIL_ROUTES[match.url_name]
    ids = [str(value) for name, value in match.kwargs.items() if name != "project"]
    if not ids:
        return None
    list_url = id_url(list_route, match.kwargs["project"])
    return LookedFor(noun, ids[0], list_url, list_label)


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


# Everything opening the viewer's client for a project, or one call through it, can raise.
CLIENT_FAILURES = (UnknownProject, NoAccess, KeyUnreadable, errors.OakDataError)
ClientFailure = UnknownProject | NoAccess | KeyUnreadable | errors.OakDataError


def client_problem(err: ClientFailure, request: HtmxHttpRequest, back: str) -> Problem:
    """What went wrong for this viewer, in words; ``back`` is where storing a key returns to."""
    if isinstance(err, UnknownProject):
        return unknown_project(err.slug)
    if isinstance(err, NoAccess):
        return no_access(err.project, back)
    if isinstance(err, KeyUnreadable):
        return Problem(
            403,
            "undecryptable",
            f"Your stored key for {err.project.name} can no longer be decrypted",
            "The server's encryption keys changed. Please store it again.",
            action=Action("Store it again", access_url(err.project, back)),
        )
    return describe(err, looked_for(request))


def json_error(status: int, message: str, retry_after: int | None = None) -> JsonResponse:
    """An error for fetch() callers (the replay stream): ``{"error": message}``, never cached."""
    response = JsonResponse({"error": message}, status=status)
    response["Cache-Control"] = "no-store"
    if retry_after is not None:
        response["Retry-After"] = str(retry_after)
    return response


def json_problem(problem: Problem) -> JsonResponse:
    """The JSON flavour of a problem page: its title and detail, its status."""
    retry_after = 5 if problem.status == 503 else None  # as the page says "try again in a moment"
    return json_error(problem.status, f"{problem.title}. {problem.detail}", retry_after)


def render_problem(request: HtmxHttpRequest, problem: Problem) -> HttpResponse:
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


def unknown_project(slug: str) -> Problem:
    """404 for /p/<slug>/ when no project has that slug: it says so, not "page not found"."""
    return Problem(
        404,
        "unknown-project",
        "No project has this address",
        f"No oakdash project is at /p/{slug}/. The link may be mistyped, or an admin "
        "changed the project's address.",
        action=Action("Your projects", reverse("settings")),
    )


def access_url(project: ProjectRef, back: str) -> str:
    """Settings with ``project`` preselected, coming back to ``back`` once a key proves access."""
    return reverse("settings") + "?" + urlencode({"project": project.slug, "next": back})


def no_access(project: ProjectRef, back: str) -> Problem:
    """403 for a project the viewer has no key for: which one, and how to get access."""
    return Problem(
        403,
        "no-access",
        f"You have no key for {project.name}",
        f"oakdash reads {project.name} with your own OakData secret key for it, and you "
        "have not stored one. Store it (ask a teammate where to find the project's secret "
        "key in OakData) and you will come back to this page.",
        action=Action(f"Store a key for {project.name}", access_url(project, back)),
    )
