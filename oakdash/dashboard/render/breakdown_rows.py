"""The rows of the overview's breakdown tables (``{% breakdown_rows panel rows %}``).

Nine panels, each up to a few dozen rows (top rows plus "Show all"), on every overview load.
"""

from __future__ import annotations

from collections.abc import Iterable
from html import escape

from django.utils.safestring import SafeString, mark_safe

from oakdash.dashboard.templatetags.oakfmt import compact, thousands
from oakdash.oakdata import models


def breakdown_rows(panel, rows: Iterable[models.BreakdownRow]) -> SafeString:
    """``panel`` is a ``views.overview.Panel``: its bar scale and what a null label means."""
    none_label = f'<span class="bd-text bd-none">{escape(panel.spec.none_label)}</span>'
    out = []
    for row in rows:
        if row.label is None:
            label = none_label
        else:
            text = escape(row.label)
            label = f'<span class="bd-text" title="{text}"><bdi>{text}</bdi></span>'
        out.append(
            "\n    <tr>"
            '\n      <td class="bd-label">'
            f'\n        <meter class="bd-bar" min="0" max="{panel.max_visitors}"'
            f' value="{row.visitors}" aria-hidden="true"></meter>'
            f"\n        {label}"
            "\n      </td>"
            f'\n      <td class="num" title="{thousands(row.visitors)} visitors">'
            f"{compact(row.visitors)}</td>"
            f'\n      <td class="num" title="{thousands(row.pageviews)} pageviews">'
            f"{compact(row.pageviews)}</td>"
            "\n    </tr>\n    "
        )
    return mark_safe("".join(out))  # noqa: S308 - labels are escaped above
