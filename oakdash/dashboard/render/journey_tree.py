"""The nested list of the /journey/ page (``{% journey_tree tree %}`` in journey.html).

One ``<li>`` per step, branches as ``<details>`` (the entry pages' open) holding their
children's ``<ol>``, leaves as a plain row (this replaced a recursive ``{% include %}`` per
step: same markup), built in one pass (a tree has hundreds of steps). Depth is bounded by
``journey.MAX_LEVELS``.
"""

from __future__ import annotations

from html import escape

from django.utils.safestring import SafeString, mark_safe

from oakdash.dashboard.journey import Step, Tree
from oakdash.dashboard.render.formats import thousands

SHARE_OF_ALL = "share of all sessions"
SHARE_OF_PARENT = "share of the sessions at the step before"


class _Builder:
    """One tree's HTML. Counts (5, 12, …) and pages repeat across steps: each is formatted once.
    Shares are floats (``journey._pct``), formatted as the ``percent`` filter does."""

    def __init__(self, total: int) -> None:
        self.total = total
        self.out: list[str] = []
        self._counts: dict[int, str] = {}
        self._labels: dict[str, str] = {}

    def counts(self, count: int) -> str:
        """A count as every number column shows it (1,234)."""
        shown = self._counts.get(count)
        if shown is None:
            shown = self._counts[count] = thousands(count)
        return shown

    def label(self, label: str) -> str:
        """The page's text (escaped once: a page turns up at several places in a tree)."""
        shown = self._labels.get(label)
        if shown is None:
            text = escape(label)
            shown = f'<span class="bd-text" title="{text}"><bdi>{text}</bdi></span>'
            self._labels[label] = shown
        return shown

    def drop(self, step: Step) -> str:
        if step.last_level:
            return '<span class="muted">end of analysed path</span>'
        if step.drop_off:
            dropped = self.counts(step.drop_off)
            return (
                f'<span class="drop" title="{dropped} of {self.counts(step.count)}'
                ' sessions went no further (or on to a page too rare to list)">'
                f"↘ {dropped} dropped off ({step.drop_off_share:.0f}%)</span>"
            )
        return '<span class="muted">none dropped off</span>'

    def row(self, step: Step) -> str:
        shown = self.counts(step.count)
        if step.level == 1:
            share = f'title="{SHARE_OF_ALL}">{step.share_of_parent:.1f}% <span class="muted">of all'
        else:
            share = (
                f'title="{SHARE_OF_PARENT}">{step.share_of_parent:.1f}% <span class="muted">'
                f"· {step.share_of_total:.1f}% of all"
            )
        return (
            '<span class="jn-label">'
            f'\n  <meter class="bd-bar" min="0" max="{self.total}" value="{step.count}"'
            ' aria-hidden="true"></meter>'
            f"\n  {self.label(step.label)}"
            "\n</span>"
            f'\n<span class="jn-count num" title="{shown} sessions">{shown}</span>'
            f'\n<span class="jn-share num" {share}</span></span>'
            f'\n<span class="jn-drop">{self.drop(step)}</span>\n'
        )

    def node(self, step: Step) -> None:
        out = self.out
        out.append(f'<li class="jn" data-level="{step.level}">\n  \n  ')
        if step.children:
            out.append(
                # Entry pages open on their next steps; deeper branches wait for a click (or
                # "Expand all"): a fully open tree is hundreds of rows.
                f'<details{" open" if step.level == 1 else ""} class="jn-branch"'
                f' data-key="{escape(step.key)}">'
                f'\n    <summary class="jn-row">{self.row(step)}</summary>'
                '\n    <ol class="jn-list">\n      '
            )
            for child in step.children:
                self.node(child)
            out.append("\n    </ol>\n  </details>")
        else:
            out.append(f'<div class="jn-row jn-leaf">{self.row(step)}</div>')
        out.append("\n  \n</li>\n")


def journey_tree(tree: Tree) -> SafeString:
    """The ``<li>`` of every entry page, each holding its steps (goes inside ``#journey-tree``)."""
    builder = _Builder(tree.total_sessions)
    for root in tree.roots:
        builder.node(root)
    return mark_safe("".join(builder.out))  # noqa: S308 - labels and keys are escaped above
