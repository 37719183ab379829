"""A list page's filter panel and sortable column headings (``filters.Filtered``), in Python.

The panel holds a select per filter with every value the fetched rows have (a few hundred
``<option>``s on a sessions page): a template loop costs milliseconds for that, an f-string
microseconds. Every value is escaped: filter values come from the URL and from upstream rows.
Real links and a GET form: works without JavaScript; htmx swaps ``#page-content``.
"""

from __future__ import annotations

from html import escape

from django.utils.safestring import SafeString, mark_safe

from oakdash.dashboard.filters import Filtered, SortLink

SWAP = ' hx-target="#page-content" hx-push-url="true"'
CLEAR_CLASS = ' class="btn btn-small btn-ghost"'
SORT_CLASS = ' class="sort-link"'


def _link(url: str, text: str, attrs: str = "") -> str:
    href = escape(url)
    return f'<a{attrs} href="{href}" hx-get="{href}"{SWAP}>{text}</a>'


def _select(name: str, label: str, options: list[tuple[str, str, bool]]) -> str:
    items = "".join(
        f'<option value="{escape(value)}"{" selected" if selected else ""}>{escape(text)}</option>'
        for value, text, selected in options
    )
    return (
        f'\n    <label class="filter-field"><span>{escape(label)}</span>'
        f'<select class="input" name="{escape(name)}">{items}</select></label>'
    )


def _form(view: Filtered, path: str) -> str:
    action = escape(path)
    hidden = "".join(
        f'<input type="hidden" name="{escape(k)}" value="{escape(v)}">'
        for k, v in view.keep.items()
    )
    fields = "".join(
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
    return (
        f'\n  <form class="filter-form" method="get" action="{action}" data-filters'
        f' hx-get="{action}" hx-trigger="change, submit"{SWAP} hx-sync="this:replace">'
        f"\n    {hidden}{fields}{_select('sort', 'Order', order)}"
        '\n    <button type="submit" class="btn btn-small">Apply</button>'
        "\n  </form>"
    )


def _status(view: Filtered, noun: str) -> str:
    chips = "".join(
        f'<li class="chip">{escape(chip.label)}: <bdi class="clip" title="{escape(chip.text)}">'
        f"{escape(chip.text)}</bdi> "
        + _link(
            chip.remove_url,
            "×",
            f' aria-label="Remove the filter {escape(chip.label)}: {escape(chip.text)}"'
            ' title="Remove this filter"',
        )
        + "</li>"
        for chip in view.chips
    )
    clear = _link(view.clear_url, "Clear filters", CLEAR_CLASS)
    return (
        '\n<div class="filter-status" role="status" data-filter-status>'
        f"\n  <p><strong data-match-count>{len(view.rows):,}</strong> of {view.fetched:,}"
        f" {escape(noun)} match</p>"
        f'\n  <ul class="chips" aria-label="Filters in use">{chips}</ul>'
        f"\n  {clear}"
        "\n</div>"
    )


def filter_panel(view: Filtered, noun: str, path: str, more_url: str, max_limit: int) -> SafeString:
    """The "Filter" disclosure (open while a filter is in use), and what is in use."""
    count = f' <span class="badge">{len(view.active)}</span>' if view.filtering else ""
    more = (
        " — " + _link(more_url, f"look at the latest {max_limit}", " data-more-rows")
        if more_url
        else ""
    )
    panel = (
        f'<details class="filters"{" open" if view.filtering else ""}>'
        f'\n  <summary class="btn btn-small">Filter{count}</summary>'
        f"{_form(view, path)}"
        f'\n  <p class="help filter-note">OakData cannot filter: these filters narrow the'
        f" {view.fetched:,} {escape(noun)} it returned{more}.</p>"
        "\n</details>"
    )
    if view.filtering:
        panel += _status(view, noun)
    return mark_safe(panel)  # noqa: S308 - every value above is escaped


def sort_heading(link: SortLink | None, label: str, num: bool = False) -> SafeString:
    """A column heading: a link that sorts by the column when the table can be sorted."""
    css = ' class="num"' if num else ""
    if link is None:
        return mark_safe(f'<th scope="col"{css}>{escape(label)}</th>')  # noqa: S308
    sort = f' aria-sort="{link.direction}"' if link.direction else ""
    arrow = {"descending": " ↓", "ascending": " ↑"}.get(link.direction, "")
    text = f'{escape(label)}<span class="sort-mark" aria-hidden="true">{arrow}</span>'
    return mark_safe(  # noqa: S308 - escaped above
        f'<th scope="col"{css}{sort}>{_link(link.url, text, SORT_CLASS)}</th>'
    )
