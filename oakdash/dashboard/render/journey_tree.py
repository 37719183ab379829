"""The nested list of the /journey/ page (``{% journey_tree tree %}`` in journey.html).

One ``<li>`` per step, branches as ``<details>`` (the entry pages' open) holding their
children's ``<ol>``, leaves as a plain row (this replaced a recursive ``{% include %}`` per
step: same markup), built in one pass (a tree has hundreds of steps). Depth is bounded by
``journey.MAX_LEVELS``.
"""

from __future__ import annotations

from oakdash.dashboard.journey import Step, Tree
from oakdash.dashboard.render.formats import thousands
from oakdash.dashboard.render.html import EMPTY, Html, fragment, join

END = Html('<span class="muted">end of analysed path</span>')
NO_DROP = Html('<span class="muted">none dropped off</span>')
_LABEL = fragment('<span class="bd-text" title="{}"><bdi>{}</bdi></span>')
_DROP = fragment(
    '<span class="drop" title="{} of {} sessions went no further (or on to a page too rare to'
    ' list)">↘ {} dropped off ({}%)</span>'
)
# One step is one fragment call: its row's markup is written into the leaf's and the branch's.
_SHARE_FIRST = 'title="share of all sessions">{}% <span class="muted">of all'
_SHARE = 'title="share of the sessions at the step before">{}% <span class="muted">· {}% of all'
_ROW = (
    '<span class="jn-label">'
    '\n  <meter class="bd-bar" min="0" max="{}" value="{}" aria-hidden="true"></meter>'
    "\n  {}"
    "\n</span>"
    '\n<span class="jn-count num" title="{} sessions">{}</span>'
    '\n<span class="jn-share num" SHARE</span></span>'
    '\n<span class="jn-drop">{}</span>\n'
)
_NODE = '<li class="jn" data-level="{}">\n  \n  '
_NODE_END = "\n  \n</li>\n"
_LEAF = _NODE + '<div class="jn-row jn-leaf">' + _ROW + "</div>" + _NODE_END
# Entry pages open on their next steps; deeper branches wait for a click (or "Expand all"): a
# fully open tree is hundreds of rows. Its children and BRANCH_END follow.
_BRANCH = (
    _NODE + '<details{} class="jn-branch" data-key="{}">'
    '\n    <summary class="jn-row">' + _ROW + "</summary>"
    '\n    <ol class="jn-list">\n      '
)
LEAF_FIRST = fragment(_LEAF.replace("SHARE", _SHARE_FIRST))
LEAF = fragment(_LEAF.replace("SHARE", _SHARE))
BRANCH_FIRST = fragment(_BRANCH.replace("SHARE", _SHARE_FIRST))
BRANCH = fragment(_BRANCH.replace("SHARE", _SHARE))
OPEN = Html(" open")
BRANCH_END = Html("\n    </ol>\n  </details>" + _NODE_END)


class _Builder:
    """One tree's HTML. Counts (5, 12, …) and pages repeat across steps: each is formatted once.
    Shares are floats (``journey._pct``), formatted as the ``percent`` filter does."""

    def __init__(self, total: int) -> None:
        self.total = total
        self.out: list[Html] = []
        self._counts: dict[int, Html] = {}
        self._labels: dict[str, Html] = {}

    def counts(self, count: int) -> Html:
        """A count as every number column shows it (1,234)."""
        shown = self._counts.get(count)
        if shown is None:
            shown = self._counts[count] = Html.escape(thousands(count))
        return shown

    def label(self, label: str) -> Html:
        """The page's text (escaped once: a page turns up at several places in a tree)."""
        shown = self._labels.get(label)
        if shown is None:
            text = Html.escape(label)
            shown = self._labels[label] = _LABEL(text, text)
        return shown

    def drop(self, step: Step) -> Html:
        if step.last_level:
            return END
        if step.drop_off:
            dropped = self.counts(step.drop_off)
            share = f"{step.drop_off_share:.0f}"
            return _DROP(dropped, self.counts(step.count), dropped, share)
        return NO_DROP

    def row(self, step: Step) -> tuple:
        """The values of a step's row, in the order of its holes."""
        shown = self.counts(step.count)
        shares = (
            (f"{step.share_of_parent:.1f}",)
            if step.level == 1
            else (f"{step.share_of_parent:.1f}", f"{step.share_of_total:.1f}")
        )
        return (
            self.total,
            step.count,
            self.label(step.label),
            shown,
            shown,
            *shares,
            self.drop(step),
        )

    def node(self, step: Step) -> None:
        out = self.out
        first = step.level == 1
        if step.children:
            branch = BRANCH_FIRST if first else BRANCH
            out.append(branch(step.level, OPEN if first else EMPTY, step.key, *self.row(step)))
            for child in step.children:
                self.node(child)
            out.append(BRANCH_END)
        else:
            out.append((LEAF_FIRST if first else LEAF)(step.level, *self.row(step)))


def journey_tree(tree: Tree) -> Html:
    """The ``<li>`` of every entry page, each holding its steps (goes inside ``#journey-tree``)."""
    builder = _Builder(tree.total_sessions)
    for root in tree.roots:
        builder.node(root)
    return join(builder.out)
