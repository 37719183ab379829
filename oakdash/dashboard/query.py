"""Query-string values → validated arguments. Bad values raise InvalidParameter (a 400 page).

An empty value (``?range=``) means the default, like an absent one: links built by forms often
carry empty fields.
"""

from __future__ import annotations

from django.http import HttpRequest

from oakdash.oakdata import params
from oakdash.oakdata.errors import InvalidParameter


def _get(request: HttpRequest, name: str) -> str | None:
    values = request.GET.getlist(name)
    if not values:
        return None
    if len(values) > 1:
        raise InvalidParameter(name, f"{name} is given more than once")
    return values[0].strip() or None


def range_param(request: HttpRequest) -> str:
    return params.check_range(_get(request, "range"))


def int_param(request: HttpRequest, name: str, bounds: tuple[int, int], default: int) -> int:
    value = _get(request, name)
    return default if value is None else params.check_int(value, name, bounds)


def bool_param(request: HttpRequest, name: str) -> bool:
    value = _get(request, name)
    return False if value is None else params.check_bool(value, name)
