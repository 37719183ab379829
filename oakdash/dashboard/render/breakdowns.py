"""The overview's nine breakdown panels (``{% breakdown_panels panels range_name %}``).

Each panel is one table: its top rows, then the rest marked ``bd-extra``, which CSS hides until
the panel's "Show all" disclosure is open (one table, so the revealed rows line up with the
header). A row whose dimension the sessions list can filter by links to those sessions. Nine
panels of up to a few dozen rows on every overview load: built here in one pass.
"""

from __future__ import annotations

from collections.abc import Iterable
from urllib.parse import urlencode

from oakdash.dashboard.filters import NONE
from oakdash.dashboard.panels import Panel
from oakdash.dashboard.render.formats import thousands
from oakdash.dashboard.render.html import EMPTY, Html, fragment, join
from oakdash.oakdata import models

EXTRA_CLASS = Html(' class="bd-extra"')
_NONE_TEXT = fragment('<span class="bd-text bd-none">{}</span>')
_TEXT = fragment('<span class="bd-text" title="{}"><bdi>{}</bdi></span>')
_LINK = fragment('<a class="bd-link" href="{}" title="{} {}">{}</a>')
_ROW = fragment(
    "\n    <tr{}>"
    '\n      <td class="bd-label">'
    '\n        <meter class="bd-bar" min="0" max="{}" value="{}" aria-hidden="true"></meter>'
    "\n        {}"
    "\n      </td>"
    '\n      <td class="num">{}</td>'
    '\n      <td class="num">{}</td>'
    "\n    </tr>"
)
_TABLE = fragment(
    '\n  <table class="breakdown-table">'
    '\n  <thead><tr><th scope="col">{}</th>'
    '<th scope="col" class="num">Visitors</th><th scope="col" class="num">Views</th>'
    "</tr></thead>"
    "\n  <tbody>{}{}"
    "\n  </tbody>\n  </table>{}"
)
_MORE = fragment(
    '\n  <details class="breakdown-more">'
    '<summary><span class="more-closed">Show all {}</span>'
    '<span class="more-open">Show the top {}</span></summary>'
    "</details>"
)
_EMPTY = fragment('\n  <p class="empty" data-empty="{}">No {} in {}.</p>')
_PANEL = fragment(
    '<section class="card breakdown" data-panel="{}" aria-labelledby="breakdown-{}">'
    '\n  <h2 id="breakdown-{}">{}</h2>{}\n</section>\n'
)


def _label(panel: Panel, label: str | None) -> Html:
    """The label over its bar; a link to the row's sessions when the panel has one."""
    if label is None:
        text = _NONE_TEXT(panel.spec.none_label)
        shown = panel.spec.none_label
    else:
        shown = label
        quoted = Html.escape(label)
        text = _TEXT(quoted, quoted)
    param = panel.spec.filter_param
    if not panel.sessions_url or param is None:
        return text
    href = f"{panel.sessions_url}&{urlencode({param: label or NONE})}"
    return _LINK(href, panel.spec.filter_words, shown, text)


def _rows(panel: Panel, rows: Iterable[models.BreakdownRow], extra: bool) -> Html:
    row_class = EXTRA_CLASS if extra else EMPTY
    return join(
        _ROW(
            row_class,
            panel.max_visitors,
            row.visitors,
            _label(panel, row.label),
            thousands(row.visitors),
            thousands(row.pageviews),
        )
        for row in rows
    )


def breakdown_panel(panel: Panel, range_name: str) -> Html:
    spec = panel.spec
    slug = Html.escape(spec.slug)
    if panel.rows:
        more = _MORE(len(panel.rows), len(panel.top)) if panel.rest else EMPTY
        body = _TABLE(
            spec.column,
            _rows(panel, panel.top, extra=False),
            _rows(panel, panel.rest, extra=True),
            more,
        )
    else:
        body = _EMPTY(slug, spec.plural, range_name)
    return _PANEL(slug, slug, slug, spec.title, body)


def breakdown_panels(panels: Iterable[Panel], range_name: str) -> Html:
    return join(breakdown_panel(p, range_name) for p in panels)
