"""Error reports (AdminEmailHandler, logged 500s) that never carry an OakData key.

`@sensitive_variables` / `@sensitive_post_parameters` mark where we know a key passes; this
filter (`DEFAULT_EXCEPTION_REPORTER_FILTER`) is the net under them: any frame variable, POST
value or header whose text holds something key-like (`oak_sec_…`, `oak_pub_…`) or an
Authorization credential (`Bearer …`) is shown with that part starred — in frames of httpx,
Django or anything else the decorators cannot reach.
"""

from __future__ import annotations

import re
from typing import Any

from django.http import QueryDict
from django.views.debug import SafeExceptionReporterFilter

from oakdash.oakdata.errors import KEY_LIKE

_CREDENTIAL = re.compile(r"(?i)\b(bearer|basic)(\s+|'?,\s*b?')[A-Za-z0-9._~+/=\-]+")
_STARS = SafeExceptionReporterFilter.cleansed_substitute


def scrub(text: str) -> str:
    """`text` with key-like tokens and Authorization credentials starred."""
    text = KEY_LIKE.sub(lambda m: m.group(0)[:8] + _STARS, text)
    return _CREDENTIAL.sub(lambda m: m.group(1) + m.group(2) + _STARS, text)


class _Scrubbed:
    """Stands in for a value whose repr held a secret: the report shows the starred repr."""

    __slots__ = ("text",)

    def __init__(self, text: str) -> None:
        self.text = text

    def __repr__(self) -> str:
        return self.text


def _scrubbed(value: Any) -> Any:
    if isinstance(value, str) and value == _STARS:
        return value
    try:
        text = repr(value)
    except Exception:  # the reporter shows its own note for values whose repr fails
        return value
    clean = scrub(text)
    return value if clean == text else _Scrubbed(clean)


class KeyScrubbingExceptionReporterFilter(SafeExceptionReporterFilter):
    def is_active(self, request) -> bool:
        # With DEBUG too: the key never leaves the server, not even on a developer's error page.
        return True

    def get_traceback_frame_variables(self, request, tb_frame):
        variables = super().get_traceback_frame_variables(request, tb_frame)
        return [(name, _scrubbed(value)) for name, value in variables]

    def get_post_parameters(self, request):
        parameters = super().get_post_parameters(request)
        if request is None or not isinstance(parameters, QueryDict):  # {} without a request
            return parameters
        cleansed = parameters.copy()
        for name, values in parameters.lists():
            cleansed.setlist(name, [scrub(v) if isinstance(v, str) else v for v in values])
        return cleansed

    def get_safe_request_meta(self, request):
        meta = super().get_safe_request_meta(request)
        return {k: scrub(v) if isinstance(v, str) else v for k, v in meta.items()}
