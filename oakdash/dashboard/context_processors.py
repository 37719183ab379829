from __future__ import annotations

from functools import cached_property

from django.http import HttpRequest
from django.utils import timezone

from oakdash.dashboard import access, switcher


class Nav:
    """The project part of the top bar, worked out only if the template shows it.

    On a project page everything comes from ``request.project`` (no query); elsewhere (settings,
    error pages) the viewer's projects are read once and the remembered one is current.
    """

    def __init__(self, request: HttpRequest) -> None:
        self._request = request
        self.viewed = access.viewed(request)

    @cached_property
    def mine(self) -> tuple[access.ProjectRef, ...]:
        if self.viewed is not None:
            return self.viewed.mine
        user = getattr(self._request, "user", None)
        return access.my_projects(user) if user is not None else ()

    @cached_property
    def current(self) -> access.ProjectRef | None:
        if self.viewed is not None:
            return self.viewed.ref
        return access.remembered(self._request, self.mine)

    @cached_property
    def items(self) -> list[switcher.Item]:
        return switcher.items(switcher.Where.of_request(self._request), self.mine, self.current)


def dashboard(request: HttpRequest) -> dict:
    """What the base layout shows on every page: the project (the page's, or the one the viewer
    is in), the switcher, and the viewer's time zone."""
    nav = Nav(request)
    return {
        "project": nav.viewed,
        "nav": nav,
        "viewer_timezone": timezone.get_current_timezone_name(),
    }
