"""The nested list of the /journey/ page (``{% journey_tree tree %}`` in journey.html).

One ``<li>`` per step, branches as open ``<details>`` holding their children's ``<ol>``, leaves as
a plain row (this replaced a recursive ``{% include %}`` per step: same markup), built
in one pass (a tree has hundreds of steps). Depth is bounded by ``journey.MAX_LEVELS``.
"""

from __future__ import annotations

from html import escape

from django.utils.safestring import SafeString, mark_safe

from oakdash.dashboard.journey import Step, Tree
from oakdash.dashboard.templatetags.oakfmt import compact, percent, thousands

SHARE_OF_ALL = "share of all sessions"
SHARE_OF_PARENT = "share of the sessions at the step before"


def _drop(step: Step) -> str:
    if step.last_level:
        return '<span class="muted">end of analysed path</span>'
    if step.drop_off:
        return (
            f'<span class="drop" title="{thousands(step.drop_off)} of {thousands(step.count)}'
            ' sessions went no further (or on to a page too rare to list)">'
            f"↘ {compact(step.drop_off)} dropped off ({percent(step.drop_off_share, 0)})</span>"
        )
    return '<span class="muted">none dropped off</span>'


def _row(step: Step, total: int) -> str:
    label = escape(step.label)
    if step.level == 1:
        share = f'title="{SHARE_OF_ALL}">{percent(step.share_of_parent)} <span class="muted">of all'
    else:
        share = (
            f'title="{SHARE_OF_PARENT}">{percent(step.share_of_parent)} <span class="muted">'
            f"· {percent(step.share_of_total)} of all"
        )
    return (
        '<span class="jn-label">'
        f'\n  <meter class="bd-bar" min="0" max="{total}" value="{step.count}"'
        ' aria-hidden="true"></meter>'
        f'\n  <span class="bd-text" title="{label}"><bdi>{label}</bdi></span>'
        "\n</span>"
        f'\n<span class="jn-count num" title="{thousands(step.count)} sessions">'
        f"{compact(step.count)}</span>"
        f'\n<span class="jn-share num" {share}</span></span>'
        f'\n<span class="jn-drop">{_drop(step)}</span>\n'
    )


def _node(step: Step, total: int, out: list[str]) -> None:
    out.append(f'<li class="jn" data-level="{step.level}">\n  \n  ')
    if step.children:
        out.append(
            f'<details open class="jn-branch" data-key="{escape(step.key)}">'
            f'\n    <summary class="jn-row">{_row(step, total)}</summary>'
            '\n    <ol class="jn-list">\n      '
        )
        for child in step.children:
            _node(child, total, out)
        out.append("\n    </ol>\n  </details>")
    else:
        out.append(f'<div class="jn-row jn-leaf">{_row(step, total)}</div>')
    out.append("\n  \n</li>\n")


def journey_tree(tree: Tree) -> SafeString:
    """The ``<li>`` of every entry page, each holding its steps (goes inside ``#journey-tree``)."""
    out: list[str] = []
    for root in tree.roots:
        _node(root, tree.total_sessions, out)
    return mark_safe("".join(out))  # noqa: S308 - labels and keys are escaped above
