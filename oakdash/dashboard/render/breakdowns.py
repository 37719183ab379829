"""The overview's nine breakdown panels (``{% breakdown_panels panels range_name %}``).

Each panel: its top rows in a table, the rest behind "Show all" in a second table (its header
kept for screen readers only), or an empty state. Nine panels of up to a few dozen rows on every
overview load; built here in one pass instead of two template includes per panel.
"""

from __future__ import annotations

from collections.abc import Iterable
from html import escape

from django.utils.safestring import SafeString, mark_safe

from oakdash.dashboard.templatetags.oakfmt import compact, thousands


def _rows(panel, rows: Iterable, none_label: str) -> str:
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
    return "".join(out)


def _table(panel, rows: Iterable, none_label: str, *, visible_head: bool) -> str:
    head_class = "" if visible_head else ' class="sr-only"'
    return (
        '<table class="breakdown-table">'
        f'\n  <thead{head_class}><tr><th scope="col">{escape(panel.spec.column)}</th>'
        '<th scope="col" class="num">Visitors</th><th scope="col" class="num">Views</th></tr>'
        "</thead>"
        f"\n  <tbody>\n    {_rows(panel, rows, none_label)}\n  </tbody>\n</table>\n"
    )


def breakdown_panel(panel, range_name: str) -> str:
    """``panel`` is a ``views.overview.Panel``."""
    spec = panel.spec
    slug = escape(spec.slug)
    if panel.rows:
        none_label = f'<span class="bd-text bd-none">{escape(spec.none_label)}</span>'
        body = f"\n  {_table(panel, panel.top, none_label, visible_head=True)}\n  "
        if panel.rest:
            body += (
                '\n  <details class="breakdown-more">'
                f"\n    <summary>Show all {len(panel.rows)}</summary>"
                f"\n    {_table(panel, panel.rest, none_label, visible_head=False)}"
                "\n  </details>\n  "
            )
        body += "\n  "
    else:
        body = (
            f'\n  <p class="empty" data-empty="{slug}">No {escape(spec.plural)} in'
            f" {escape(range_name)}.</p>\n  "
        )
    return (
        f'<section class="card breakdown" data-panel="{slug}" aria-labelledby="breakdown-{slug}">'
        f'\n  <h2 id="breakdown-{slug}">{escape(spec.title)}</h2>'
        f"\n  {body}\n</section>\n"
    )


def breakdown_panels(panels: Iterable, range_name: str) -> SafeString:
    return mark_safe("".join(breakdown_panel(p, range_name) for p in panels))  # noqa: S308
