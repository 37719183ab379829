"""OAKDASH_PASSWORD_LOGIN=0: no password is accepted anywhere (login page, admin login, …)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest

from oakdash.sso.config import get_config


class PasswordLoginSwitch:
    """Listed before ModelBackend. Django stops at a backend that raises PermissionDenied.

    Deliberately not a BaseBackend: with no get_user it is never recorded in a session, and
    Django's test client (force_login) skips it.
    """

    def authenticate(
        self,
        request: HttpRequest | None,
        username: str | None = None,
        password: str | None = None,
        **kwargs: Any,
    ) -> None:
        if password is not None and not get_config().password_login:
            raise PermissionDenied("password login is turned off")
        return None
