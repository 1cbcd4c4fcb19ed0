"""Integer max-flow feasibility and the search for the shortest feasible horizon, shared by the
corridor and road relaxations of the lower bound (docs/planner.md, "Lower bound").
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from ortools.graph.python import max_flow

__all__ = [
    "AMOUNT_SLACK",
    "FlowNetwork",
    "HorizonSearch",
    "people_scale",
    "scale_capacity",
    "scale_supply",
    "search_horizon",
]


def people_scale(total_people: float) -> float:
    """Integer units per person: fine enough that rounding loses a negligible share of a person
    per node (up to a millionth), coarse enough that the total stays below about 10**12 units,
    so that no sum of capacities (each clipped to the total) can overflow int64."""
    return float(10 ** max(0, min(6, 12 - int(np.ceil(np.log10(max(total_people, 1.0)))))))


# The checker (planning/checker.py) accepts amounts within 1e-6 of their bound, relative (and
# absolute below 1); the bounds give plans that much room too, so that a plan the checker
# accepts can never beat them by exploiting it.
AMOUNT_SLACK = 1e-6


def scale_supply(people: NDArray[np.float64], scale: float) -> NDArray[np.int64]:
    """Supplies are rounded *down* (after ``AMOUNT_SLACK``): fewer people to move makes the
    relaxation easier."""
    return np.floor(np.asarray(people) * (1.0 - AMOUNT_SLACK) * scale).astype(np.int64)


def scale_capacity(capacity: NDArray[np.float64], scale: float) -> NDArray[np.int64]:
    """Capacities are rounded *up* (after ``AMOUNT_SLACK``, zero staying zero): more room
    makes the relaxation easier."""
    cap = np.asarray(capacity, dtype=np.float64)
    room = np.where(cap > 0, cap + AMOUNT_SLACK * np.maximum(cap, 1.0), 0.0)
    return np.ceil(room * scale).astype(np.int64)


@dataclass
class FlowNetwork:
    """A max-flow instance: node 0 is the super source, node 1 the super sink."""

    tails: NDArray[np.int64]
    heads: NDArray[np.int64]
    capacity: NDArray[np.int64]
    demand: int  # total supply leaving node 0

    @property
    def arc_count(self) -> int:
        return int(self.tails.shape[0])

    def solve(self) -> tuple[bool, max_flow.SimpleMaxFlow]:
        """Whether all the supply reaches the sink, and the solved OR-Tools instance (for its
        minimum cut)."""
        solver = max_flow.SimpleMaxFlow()
        # no arc can carry more than the whole supply: clipping changes no flow
        capacity = np.minimum(self.capacity, max(self.demand, 1))
        solver.add_arcs_with_capacity(self.tails, self.heads, capacity)
        status = solver.solve(0, 1)
        if status != solver.OPTIMAL:
            msg = f"max-flow of the lower bound failed with status {status}"
            raise RuntimeError(msg)
        return solver.optimal_flow() >= self.demand, solver


@dataclass
class HorizonSearch:
    """Outcome of a horizon search: ``steps`` is a valid bound in steps (the first feasible
    horizon, or one more than the largest infeasible one if time ran out)."""

    steps: int
    complete: bool
    solves: int
    largest_infeasible: int


def search_horizon(
    feasible: Callable[[int], bool | None],
    *,
    infeasible_below: int,
    start: int,
    limit: int,
    deadline: float,
) -> HorizonSearch:
    """Smallest ``K`` in ``[infeasible_below, limit]`` with ``feasible(K)``.

    Feasibility is monotone in ``K``. ``infeasible_below`` is known infeasible minus one, i.e.
    every ``K < infeasible_below`` is infeasible. The search tries ``start`` first, then grows
    the step geometrically, then bisects. Past ``deadline`` (``time.perf_counter()``), or when
    ``feasible`` answers None (no time for that check), it stops and returns one more than the
    largest horizon proved infeasible (``complete=False``).
    Returns ``limit + 1`` when even ``limit`` is infeasible.
    """
    lo = infeasible_below - 1  # largest known infeasible
    hi: int | None = None  # smallest known feasible
    solves = 0
    k = min(max(start, lo + 1), limit)
    grow = max(1, k // 32)
    while hi is None or hi - lo > 1:
        if time.perf_counter() > deadline:
            return HorizonSearch(lo + 1, False, solves, lo)
        answer = feasible(k)
        if answer is None:
            return HorizonSearch(lo + 1, False, solves, lo)
        solves += 1
        if answer:
            hi = k
        else:
            lo = k
            if k >= limit:
                return HorizonSearch(limit + 1, True, solves, lo)
        if hi is None:
            k = min(lo + grow, limit)
            grow *= 2
        else:
            k = (lo + hi) // 2 if hi - lo > 1 else hi
    return HorizonSearch(hi, True, solves, lo)
