"""The overview's nine breakdown panels (``{% breakdown_panels panels range_name %}``).

Each panel is one table: its top rows, then the rest marked ``bd-extra``, which CSS hides until
the panel's "Show all" disclosure is open (one table, so the revealed rows line up with the
header). A row whose dimension the sessions list can filter by links to those sessions. Nine
panels of up to a few dozen rows on every overview load: built here in one pass.
"""

from __future__ import annotations

from collections.abc import Iterable
from html import escape
from urllib.parse import urlencode

from django.utils.safestring import SafeString, mark_safe

from oakdash.dashboard.filters import NONE
from oakdash.dashboard.panels import Panel
from oakdash.dashboard.render.formats import thousands
from oakdash.oakdata import models


def _label(panel: Panel, label: str | None) -> str:
    """The label over its bar; a link to the row's sessions when the panel has one."""
    if label is None:
        text = f'<span class="bd-text bd-none">{escape(panel.spec.none_label)}</span>'
        shown = panel.spec.none_label
    else:
        shown = label
        quoted = escape(label)
        text = f'<span class="bd-text" title="{quoted}"><bdi>{quoted}</bdi></span>'
    param = panel.spec.filter_param
    if not panel.sessions_url or param is None:
        return text
    href = escape(f"{panel.sessions_url}&{urlencode({param: label or NONE})}")
    title = escape(f"{panel.spec.filter_words} {shown}")
    return f'<a class="bd-link" href="{href}" title="{title}">{text}</a>'


def _rows(panel: Panel, rows: Iterable[models.BreakdownRow], extra: bool) -> str:
    row_class = ' class="bd-extra"' if extra else ""
    out = []
    for row in rows:
        out.append(
            f"\n    <tr{row_class}>"
            '\n      <td class="bd-label">'
            f'\n        <meter class="bd-bar" min="0" max="{panel.max_visitors}"'
            f' value="{row.visitors}" aria-hidden="true"></meter>'
            f"\n        {_label(panel, row.label)}"
            "\n      </td>"
            f'\n      <td class="num">{thousands(row.visitors)}</td>'
            f'\n      <td class="num">{thousands(row.pageviews)}</td>'
            "\n    </tr>"
        )
    return "".join(out)


def breakdown_panel(panel: Panel, range_name: str) -> str:
    spec = panel.spec
    slug = escape(spec.slug)
    if panel.rows:
        body = (
            '\n  <table class="breakdown-table">'
            f'\n  <thead><tr><th scope="col">{escape(spec.column)}</th>'
            '<th scope="col" class="num">Visitors</th><th scope="col" class="num">Views</th>'
            "</tr></thead>"
            "\n  <tbody>"
            f"{_rows(panel, panel.top, extra=False)}"
            f"{_rows(panel, panel.rest, extra=True)}"
            "\n  </tbody>\n  </table>"
        )
        if panel.rest:
            body += (
                '\n  <details class="breakdown-more">'
                f'<summary><span class="more-closed">Show all {len(panel.rows)}</span>'
                f'<span class="more-open">Show the top {len(panel.top)}</span></summary>'
                "</details>"
            )
    else:
        body = (
            f'\n  <p class="empty" data-empty="{slug}">No {escape(spec.plural)} in'
            f" {escape(range_name)}.</p>"
        )
    return (
        f'<section class="card breakdown" data-panel="{slug}" aria-labelledby="breakdown-{slug}">'
        f'\n  <h2 id="breakdown-{slug}">{escape(spec.title)}</h2>{body}\n</section>\n'
    )


def breakdown_panels(panels: Iterable[Panel], range_name: str) -> SafeString:
    return mark_safe("".join(breakdown_panel(p, range_name) for p in panels))  # noqa: S308
