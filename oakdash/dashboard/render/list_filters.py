"""A list page's filter panel and sortable column headings (``filters.Filtered``), in Python.

The panel holds a select per filter with every value the fetched rows have (a few hundred
``<option>``s on a sessions page): a template loop costs milliseconds for that, a ``fragment``
microseconds. Every value is escaped into its hole: filter values come from the URL and from
upstream rows. Real links and a GET form: works without JavaScript; htmx swaps ``#page-content``.
"""

from __future__ import annotations

from oakdash.dashboard.filters import Filtered, SortLink
from oakdash.dashboard.render.html import EMPTY, Html, fragment, join

CLEAR_CLASS = Html(' class="btn btn-small btn-ghost"')
SORT_CLASS = Html(' class="sort-link"')
SELECTED = Html(" selected")
OPEN = Html(" open")
_LINK = fragment('<a{} href="{}" hx-get="{}" hx-target="#page-content" hx-push-url="true">{}</a>')
_OPTION = fragment('<option value="{}"{}>{}</option>')
_SELECT = fragment(
    '\n    <label class="filter-field"><span>{}</span><select class="input" name="{}">{}</select>'
    "</label>"
)
_HIDDEN = fragment('<input type="hidden" name="{}" value="{}">')
_FORM = fragment(
    '\n  <form class="filter-form" method="get" action="{}" data-filters'
    ' hx-get="{}" hx-trigger="change, submit" hx-target="#page-content" hx-push-url="true"'
    ' hx-sync="this:replace">'
    "\n    {}{}{}"
    '\n    <button type="submit" class="btn btn-small">Apply</button>'
    "\n  </form>"
)
_REMOVE = fragment(' aria-label="Remove the filter {}: {}" title="Remove this filter"')
_CHIP = fragment('<li class="chip">{}: <bdi class="clip" title="{}">{}</bdi> {}</li>')
_STATUS = fragment(
    '\n<div class="filter-status" role="status" data-filter-status>'
    "\n  <p><strong data-match-count>{}</strong> of {} {} match</p>"
    '\n  <ul class="chips" aria-label="Filters in use">{}</ul>'
    "\n  {}"
    "\n</div>"
)
_COUNT = fragment(' <span class="badge">{}</span>')
_MORE = fragment(" — {}")
_PANEL = fragment(
    '<details class="filters"{}>'
    '\n  <summary class="btn btn-small">Filter{}</summary>'
    "{}"
    '\n  <p class="help filter-note">OakData cannot filter: these filters narrow the'
    " {} {} it returned{}.</p>"
    "\n</details>{}"
)
_HEADING = fragment('<th scope="col"{}{}>{}</th>')
_SORTED = fragment('{}<span class="sort-mark" aria-hidden="true">{}</span>')
_ARIA_SORT = fragment(' aria-sort="{}"')
NUM_CLASS = Html(' class="num"')


def _link(url: str, text: str | Html, attrs: Html = EMPTY) -> Html:
    href = Html.escape(url)
    return _LINK(attrs, href, href, text)


def _select(name: str, label: str, options: list[tuple[str, str, bool]]) -> Html:
    items = join(
        _OPTION(value, SELECTED if selected else EMPTY, text) for value, text, selected in options
    )
    return _SELECT(label, name, items)


def _form(view: Filtered, path: str) -> Html:
    action = Html.escape(path)
    hidden = join(_HIDDEN(k, v) for k, v in view.keep.items())
    fields = join(
        _select(
            c.field.param,
            c.field.label,
            [("", "Any", False)] + [(o.value, o.text, o.selected) for o in c.options],
        )
        for c in view.controls
    )
    # The default order is sent as "" so it stays out of the URL.
    order = [
        ("" if o.value == view.default_sort else o.value, o.text, o.selected)
        for o in view.sort_options
    ]
    return _FORM(action, action, hidden, fields, _select("sort", "Order", order))


def _status(view: Filtered, noun: str) -> Html:
    chips = join(
        _CHIP(
            chip.label,
            chip.text,
            chip.text,
            _link(chip.remove_url, "×", _REMOVE(chip.label, chip.text)),
        )
        for chip in view.chips
    )
    clear = _link(view.clear_url, "Clear filters", CLEAR_CLASS)
    return _STATUS(f"{len(view.rows):,}", f"{view.fetched:,}", noun, chips, clear)


def filter_panel(view: Filtered, noun: str, path: str, more_url: str, max_limit: int) -> Html:
    """The "Filter" disclosure (open while a filter is in use), and what is in use."""
    count = _COUNT(len(view.active)) if view.filtering else EMPTY
    more = (
        _MORE(_link(more_url, f"look at the latest {max_limit}", Html(" data-more-rows")))
        if more_url
        else EMPTY
    )
    return _PANEL(
        OPEN if view.filtering else EMPTY,
        count,
        _form(view, path),
        f"{view.fetched:,}",
        noun,
        more,
        _status(view, noun) if view.filtering else EMPTY,
    )


def sort_heading(link: SortLink | None, label: str, num: bool = False) -> Html:
    """A column heading: a link that sorts by the column when the table can be sorted."""
    css = NUM_CLASS if num else EMPTY
    if link is None:
        return _HEADING(css, EMPTY, label)
    sort = _ARIA_SORT(link.direction) if link.direction else EMPTY
    arrow = {"descending": " ↓", "ascending": " ↑"}.get(link.direction, "")
    return _HEADING(css, sort, _link(link.url, _SORTED(label, arrow), SORT_CLASS))
