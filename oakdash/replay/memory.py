"""`MemoryBudget`: the downloaded chunks every replay of this process holds, against one cap.

Each replay holds its compressed chunks until its stream ends (`max_replay_compressed` caps one
replay); this caps them all together, so a handful of large replays at once cannot take the
host's memory. A replay that would go over waits for nobody: it fails at once with `ReplayBusy`
(others hold memory: try again soon) or `ReplayTooLarge` (it alone is over the budget).
"""

from __future__ import annotations

import threading

from .errors import ReplayBusy, ReplayTooLarge, human_size


class MemoryBudget:
    """A process-wide count of held chunk bytes (thread-safe)."""

    def __init__(self, cap: int) -> None:
        if not isinstance(cap, int) or cap < 1:
            raise ValueError(f"MemoryBudget cap must be a positive integer, not {cap!r}")
        self.cap = cap
        self.used = 0
        self._lock = threading.Lock()

    def reservation(self) -> Reservation:
        return Reservation(self)


class Reservation:
    """One replay's share of a `MemoryBudget`; `release()` gives it all back, for good.

    After `release()` nothing more can be added: a download thread abandoned a moment earlier
    cannot leave bytes counted that nobody will give back.
    """

    def __init__(self, budget: MemoryBudget) -> None:
        self.budget = budget
        self.held = 0
        self.released = False

    def add(self, n: int) -> None:
        """Hold `n` more bytes, or raise `ReplayBusy` / `ReplayTooLarge` holding nothing more."""
        budget = self.budget
        with budget._lock:
            if self.released:
                raise ReplayBusy("The replay was abandoned.")
            if budget.used + n <= budget.cap:
                budget.used += n
                self.held += n
                return
            others = budget.used - self.held
        if others > 0:
            raise ReplayBusy(
                "The server is busy playing other replays right now: try again in a few seconds."
            )
        raise ReplayTooLarge(
            f"The replay is larger than the {human_size(budget.cap)} this server keeps in memory "
            "for replays.",
            limit="memory_budget",
            cap=budget.cap,
        )

    def remove(self, n: int) -> None:
        """Give back `n` bytes (a download that failed part-way and is tried again)."""
        budget = self.budget
        with budget._lock:
            n = min(n, self.held)
            self.held -= n
            budget.used -= n

    def release(self) -> None:
        budget = self.budget
        with budget._lock:
            budget.used -= self.held
            self.held = 0
            self.released = True
