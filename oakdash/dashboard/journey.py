"""Shapes the upstream /journey tree for display: shares, drop-offs, children in order.

Pure functions over `models.Journey`, so the numbers the page shows can be tested without a page.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from oakdash.oakdata import models

# The API analyses paths 3 pages deep; a deeper (or malformed) tree is cut here so a hostile
# upstream cannot make the recursive template render without end.
MAX_LEVELS = 6


@dataclass(frozen=True)
class Step:
    label: str
    count: int
    level: int  # 1 = entry page
    share_of_parent: float  # % of the sessions that reached the step before
    share_of_total: float  # % of all analysed sessions
    drop_off: int | None  # sessions that went no further here; None at the last analysed level
    drop_off_share: float  # drop_off as a % of this step's count
    key: str  # unique within the tree, for element ids
    children: list[Step] = field(default_factory=list)

    @property
    def last_level(self) -> bool:
        return self.drop_off is None


@dataclass(frozen=True)
class Tree:
    total_sessions: int
    depth: int
    roots: list[Step]
    unlisted_entries: int  # sessions whose entry page the API did not list (it sends the top ones)


def _pct(part: int, whole: int) -> float:
    return 100.0 * part / whole if whole else 0.0


def _ordered(nodes: list[models.JourneyNode]) -> list[models.JourneyNode]:
    # Biggest first; equal counts by label so the order is stable between refreshes.
    return sorted(nodes, key=lambda node: (-node.count, node.label))


def _step(
    node: models.JourneyNode, parent_count: int, total: int, level: int, depth: int, key: str
) -> Step:
    children: list[Step] = []
    if level < depth:
        children = [
            _step(child, node.count, total, level + 1, depth, f"{key}-{i}")
            for i, child in enumerate(_ordered(node.children))
        ]
    drop_off = None
    if level < depth:
        drop_off = max(0, node.count - sum(child.count for child in children))
    return Step(
        label=node.label,
        count=node.count,
        level=level,
        share_of_parent=_pct(node.count, parent_count),
        share_of_total=_pct(node.count, total),
        drop_off=drop_off,
        drop_off_share=_pct(drop_off or 0, node.count),
        key=key,
        children=children,
    )


def build_tree(journey: models.Journey) -> Tree:
    """The tree as the page shows it. `depth` comes from the API (3), bounded by MAX_LEVELS."""
    total = journey.total_sessions
    depth = max(1, min(journey.depth or MAX_LEVELS, MAX_LEVELS))
    roots = [
        _step(node, total, total, 1, depth, f"j{i}")
        for i, node in enumerate(_ordered(journey.roots))
    ]
    listed = sum(step.count for step in roots)
    return Tree(
        total_sessions=total,
        depth=depth,
        roots=roots,
        unlisted_entries=max(0, total - listed),
    )
