"""Markup that is safe by construction: the one way Python-built fragments make HTML.

``Html`` is markupsafe's ``Markup`` (anything with ``__html__``: Django's templates and
``conditional_escape`` take it as it is) whose escaping spells entities as Django's does
(``&quot;``, ``&#x27;``), so a fragment reads byte for byte like the template around it. Joining
or adding a plain ``str`` to ``Html`` escapes it.

``fragment`` makes a piece of markup with ``{}`` holes: every value put in a hole is escaped
unless it is ``Html`` already. Markup is written once, as a constant; values can only go into
holes. It costs what an f-string with ``html.escape`` around each value did
(``bench/fragments.py``).
"""

from __future__ import annotations

from collections.abc import Callable
from html import escape as _escape
from typing import Any

from markupsafe import Markup


class Html(Markup):
    __slots__ = ()

    @classmethod
    def escape(cls, s: Any) -> Html:
        """What ``Markup`` calls on every value it joins or adds (Django's entity spelling)."""
        if s.__class__ is cls:
            return s
        if hasattr(s, "__html__"):
            return cls(s.__html__())
        return cls(_escape(str(s)))


def text(value: Any) -> str:
    """``{{ value }}`` in a template: str() then escaped; markup-safe values kept as they are."""
    kind = value.__class__
    if kind is str:
        return _escape(value)
    if kind is int:
        return int.__repr__(value)  # digits: nothing to escape
    if hasattr(value, "__html__"):
        return value.__html__()
    return _escape(str(value))


def fragment(markup: str) -> Callable[..., Html]:
    """``fragment('<b title="{}">{}</b>')(a, b)``: the markup with each value escaped into its
    hole (``Html`` values as they are). Calling it with other than one value per hole is a
    TypeError.

    The function is generated once per fragment, as a template engine compiles a template: a
    table builds thousands of rows, and a generic loop over the values cost twice what the
    f-strings it replaced did. Its source holds only argument names; the markup is passed in as
    constants, so nothing in it is ever read as code.
    """
    pieces = markup.split("{}")
    names = [f"v{i}" for i in range(len(pieces) - 1)]
    parts = ["p0"] + [
        f"{v} if {v}.__class__ is Html else text({v}), p{i + 1}" for i, v in enumerate(names)
    ]
    source = (
        f"def fill({', '.join(names)}):\n    return new(Html, ''.join(({', '.join(parts)},)))\n"
    )
    namespace: dict[str, Any] = {"Html": Html, "text": text, "new": str.__new__}
    namespace.update({f"p{i}": piece for i, piece in enumerate(pieces)})
    exec(source, namespace)  # noqa: S102 - generated from names only (see above)
    fill: Callable[..., Html] = namespace["fill"]
    return fill


def join(parts: Any) -> Html:
    """The parts one after the other, each escaped unless it is ``Html``."""
    return _trusted("".join([p if p.__class__ is Html else text(p) for p in parts]))


def _trusted(markup: str) -> Html:
    """``Html(markup)`` without ``Markup.__new__``'s checks: only for text built above."""
    return str.__new__(Html, markup)


EMPTY = Html("")
