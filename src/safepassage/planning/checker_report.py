"""The checker's verdict: rules, violations, and the report with its terminal summary."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

__all__ = ["RULES", "CheckReport", "Findings", "Violation"]

RULES: tuple[str, ...] = (
    "structure",
    "conservation",
    "path",
    "closed_edge",
    "edge_capacity",
    "corridor_capacity",
    "window",
    "eligibility",
    "release",
    "arrival",
    "processing",
    "clearance",
)


@dataclass(frozen=True)
class Violation:
    """One broken rule: where (packet, source, street, corridor, step, as they apply) and why."""

    rule: str
    message: str
    packet: int | None = None
    source: int | None = None
    edge: int | None = None
    corridor: int | None = None
    step: int | None = None


@dataclass(frozen=True)
class CheckReport:
    """The verdict on a plan.

    ``violations`` keeps at most ``max_per_rule`` examples of each rule; ``counts`` counts them
    all. ``stats`` holds what was checked and the recomputed figures: ``people``, ``unserved``,
    ``packets``, ``arcs``, ``max_edge_load_ratio``, ``max_corridor_load_ratio``,
    ``clearance_time_min`` and ``seconds``.
    """

    ok: bool
    violations: list[Violation]
    counts: dict[str, int]
    stats: dict[str, float] = field(default_factory=dict)

    def summary(self, *, examples: int = 3) -> str:
        """A few lines for a terminal: the verdict, then each broken rule with examples."""
        people = self.stats.get("people", 0.0)
        packets = int(self.stats.get("packets", 0))
        if self.ok:
            return f"plan OK: {people:,.0f} people in {packets:,} packets, every rule holds"
        broken = {rule: n for rule, n in self.counts.items() if n}
        total = sum(broken.values())
        lines = [
            f"plan BROKEN: {total:,} violation{'s' * (total != 1)} of "
            f"{len(broken)} rule{'s' * (len(broken) != 1)}"
        ]
        for rule, n in broken.items():
            lines.append(f"  {rule}: {n:,}")
            shown = [v for v in self.violations if v.rule == rule][:examples]
            lines.extend(f"    - {v.message}" for v in shown)
        return "\n".join(lines)


Describe = Callable[[int], tuple[str, dict[str, int]]]


class Findings:
    """Counts every violation, keeps the first ``limit`` of each rule with a message."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.counts = dict.fromkeys(RULES, 0)
        self.kept: list[Violation] = []

    def add(self, rule: str, bad: NDArray[np.bool_], describe: Describe) -> None:
        where = np.flatnonzero(bad)
        room = max(self.limit - min(self.counts[rule], self.limit), 0)
        self.counts[rule] += int(where.shape[0])
        for i in where[:room]:
            message, ids = describe(int(i))
            self.kept.append(Violation(rule=rule, message=message, **ids))
