"""Request types for type checkers, in django-htmx's `HtmxHttpRequest` style: the attributes
exist because middleware sets them on every request before a view runs (never instantiated)."""

from __future__ import annotations

from typing import TypeGuard

from django.contrib.auth.models import User
from django.http import HttpRequest
from django_htmx.middleware import HtmxDetails


class HtmxHttpRequest(HttpRequest):
    """Any request: django-htmx's middleware has set ``request.htmx``."""

    htmx: HtmxDetails


class AuthenticatedHttpRequest(HtmxHttpRequest):
    """A request to a view behind ``login_required`` (or the sign-in middleware)."""

    user: User


def signed_in(request: HttpRequest) -> TypeGuard[AuthenticatedHttpRequest]:
    """``request.user.is_authenticated``, telling the type checker what follows from it."""
    return request.user.is_authenticated
