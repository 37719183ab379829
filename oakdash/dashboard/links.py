"""URLs for ids that come from upstream (visitor, session and replay ids), in a project.

Every dashboard route takes the project's slug first: ``id_url("visitor", "acme-shop", id)``
→ ``/p/acme-shop/visitors/<id>/``. Templates use ``{% project_url "visitor" id %}``
(``templatetags/oaklinks.py``), which reads the project from the page.

``reverse()`` leaves ``/`` unencoded, so the id ``../live`` would become ``/visitors/../live/``,
which a browser normalises to ``/live/``. Here each id is encoded as ONE path segment
(``/visitors/..%2Flive/``): Django decodes it back into the same id and browsers leave it alone.
"""

from __future__ import annotations

from urllib.parse import quote, urlencode

from django.http import HttpRequest
from django.urls import reverse

_MARKER = "oakdash-id-marker-{}"
# Kept readable (x@y.z); everything else, "/" included, is percent-encoded.
_SAFE = "@:~"


def id_url(name: str, *args: str, **kwargs: str) -> str:
    """The path of route ``name`` with every argument encoded as a single path segment."""
    if kwargs:
        markers = {key: _MARKER.format(key) for key in kwargs}
        url = reverse(name, kwargs=markers)
        for key, value in kwargs.items():
            url = url.replace(markers[key], quote(str(value), safe=_SAFE))
        return url
    markers_list = [_MARKER.format(i) for i in range(len(args))]
    url = reverse(name, args=markers_list)
    for marker, value in zip(markers_list, args, strict=True):
        url = url.replace(marker, quote(str(value), safe=_SAFE))
    return url


def canonical_full_path(request: HttpRequest) -> str:
    """This request's URL with its ids re-encoded as above (for ``?next=`` after login)."""
    match = getattr(request, "resolver_match", None)
    if match is None or not match.kwargs or not match.view_name:
        return request.get_full_path()
    path = id_url(match.view_name, **{k: str(v) for k, v in match.kwargs.items()})
    query = request.META.get("QUERY_STRING", "")
    return f"{path}?{query}" if query else path


def sessions_list_url(project: str, **query: str) -> str:
    """``/p/<project>/sessions/?…``: the sessions list with a range and filters (``filters.py``
    names)."""
    return reverse("sessions", args=[project]) + "?" + urlencode(query)
