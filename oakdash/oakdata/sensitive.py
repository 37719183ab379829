"""`sensitive_variables` for the client's functions that hold a key.

The client needs no Django, but when Django is there (always, in oakdash) its error reports hide
the variables marked with its decorator; without Django the marker does nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # the checker sees Django's signature
    from django.views.decorators.debug import sensitive_variables
else:
    try:
        from django.views.decorators.debug import sensitive_variables
    except ImportError:  # pragma: no cover - the client used without Django

        def sensitive_variables(*names: str) -> Callable[[Any], Any]:
            return lambda func: func


__all__ = ["sensitive_variables"]
