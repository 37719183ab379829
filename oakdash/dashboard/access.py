"""Which project a dashboard request reads, and with which of the viewer's keys.

Every dashboard URL names its project (``/p/<slug>/…``). ``open_project`` reads the viewer's keys
with their projects (``key_cache``: the cache, else one query), picks the one for that slug,
decrypts only that key and puts what the page needs on the request as ``request.project`` (a
``ViewedProject``). A view is typed with ``DashboardRequest`` — the django-htmx ``HtmxHttpRequest``
style: the attributes exist because middleware and ``@dashboard_page`` set them before any view
runs.

The project a person is "in" when a URL names none (old links, the brand link) is the last one
they opened, remembered in a cookie (a client-side preference: a GET changes nothing on the
server), else their first project by name.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth.models import User
from django.http import HttpRequest
from django.views.decorators.debug import sensitive_variables

from oakdash.accounts import crypto, key_cache
from oakdash.accounts.models import Project
from oakdash.http_types import AuthenticatedHttpRequest
from oakdash.oakdata import OakDataClient
from oakdash.upstream import get_api

COOKIE = "oakdash_project"
COOKIE_MAX_AGE = 365 * 24 * 3600


@dataclass(frozen=True)
class ProjectRef:
    """A project as a link shows it."""

    slug: str
    name: str


@dataclass(frozen=True)
class ViewedProject:
    """The project a dashboard page reads, as the viewer's key for it sees it."""

    slug: str
    name: str
    cache_key: str  # the viewer's key's fingerprint: names the project in shared caches
    key_mask: str
    mine: tuple[ProjectRef, ...]  # every project the viewer has a key for, by name

    @property
    def ref(self) -> ProjectRef:
        return ProjectRef(self.slug, self.name)


class DashboardRequest(AuthenticatedHttpRequest):
    """The request a dashboard view receives (for type checkers; never instantiated)."""

    project: ViewedProject


class UnknownProject(Exception):
    """No project has this slug: a 404 that says so."""

    def __init__(self, slug: str) -> None:
        super().__init__(slug)
        self.slug = slug


class NoAccess(Exception):
    """The viewer has no key for this project: the access page names it."""

    def __init__(self, project: ProjectRef) -> None:
        super().__init__(project.slug)
        self.project = project


class KeyUnreadable(Exception):
    """The viewer's key for this project cannot be decrypted any more: store it again."""

    def __init__(self, project: ProjectRef) -> None:
        super().__init__(project.slug)
        self.project = project


@sensitive_variables("key")
def open_project(request: AuthenticatedHttpRequest, slug: str) -> OakDataClient:
    """The viewer's client for project ``slug``; sets ``request.project``.

    Raises UnknownProject, NoAccess or KeyUnreadable. No query when the viewer has a key for it
    and their keys and projects (which the switcher lists too) are in the cache
    (``key_cache``); one query on a miss, one more when they have no key for it.
    """
    keys = key_cache.memberships(request.user)
    mine = tuple(ProjectRef(k.slug, k.name) for k in keys)
    record = next((k for k in keys if k.slug == slug), None)
    if record is None:
        project = Project.objects.filter(slug=slug).only("slug", "name").first()
        if project is None:
            raise UnknownProject(slug)
        raise NoAccess(ProjectRef(project.slug, project.name))
    ref = ProjectRef(record.slug, record.name)
    try:
        key = record.reveal()
    except crypto.UndecryptableKey:
        raise KeyUnreadable(ref) from None
    request.project = ViewedProject(  # type: ignore[attr-defined]
        slug=ref.slug,
        name=ref.name,
        cache_key=crypto.fingerprint(key),
        key_mask=record.mask,
        mine=mine,
    )
    return get_api().for_key(key)


def viewed(request: HttpRequest) -> ViewedProject | None:
    """The project this request's page reads, when it is a project page."""
    return getattr(request, "project", None)


def my_projects(user: User) -> tuple[ProjectRef, ...]:
    """The projects ``user`` has a key for, by name (``key_cache``: what project pages read; no
    key is decrypted)."""
    return tuple(ProjectRef(k.slug, k.name) for k in key_cache.memberships(user))


def remembered(request: HttpRequest, mine: tuple[ProjectRef, ...]) -> ProjectRef | None:
    """The project a URL without one means: the last opened (cookie), else the first."""
    wanted = request.COOKIES.get(COOKIE, "")
    return next((p for p in mine if p.slug == wanted), mine[0] if mine else None)
