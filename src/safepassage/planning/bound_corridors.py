"""The corridor relaxation of the lower bound: roads have no capacity, but every source keeps
its exact shortest walk to every corridor it may use (docs/planner.md, "Lower bound").

What is left is a transportation problem over time: demand nodes (people with the first step at
which each corridor could process them) feed corridor-time nodes, which wait freely and drain
into the sink at the corridor's capacity. Feasibility of a horizon is one max-flow.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from safepassage.planning.bound_flow import (
    FlowNetwork,
    HorizonSearch,
    scale_capacity,
    scale_supply,
    search_horizon,
)
from safepassage.planning.bound_walk import NEVER, Walks, ceil_steps, release_masses
from safepassage.planning.problem import PlanningProblem

__all__ = ["Demand", "build_demand", "corridor_bound", "corridor_network", "demand_bucket"]

# Above this many demand nodes the table is coarsened (bigger buckets) to keep each max-flow
# around a second.
MAX_DEMAND_NODES = 250_000


@dataclass(frozen=True, eq=False)
class Demand:
    """Aggregated demand in buckets of ``bucket`` steps.

    ``first[i, c]`` is the first bucket in which corridor ``c`` could process demand ``i``
    (``NEVER`` if it may not), ``people[i]`` its size in integer units of ``1/scale`` person.
    ``capacity[c, k]`` is the corridor's capacity per *step* in the same units.
    """

    first: NDArray[np.int64]  # [D, C]
    people: NDArray[np.int64]  # [D]
    capacity: NDArray[np.int64]  # [C, steps]
    bucket: int
    scale: float

    @property
    def masks(self) -> NDArray[np.int64]:
        bits = np.int64(1) << np.arange(self.first.shape[1], dtype=np.int64)
        return np.asarray(((self.first < NEVER) * bits[None, :]).sum(axis=1), dtype=np.int64)


def _classes(offsets: NDArray[np.int64], people: NDArray[np.float64], bucket: int) -> tuple:
    """Sources grouped by their offsets in buckets (rounded down), split as ``shift +
    relative``: rows of relative offsets, the shift of each (row, people) pair."""
    coarse = np.where(offsets >= NEVER, NEVER, offsets // bucket)
    shift = coarse.min(axis=1)
    relative = np.where(coarse >= NEVER, NEVER, coarse - shift[:, None])
    rows, inverse = np.unique(relative, axis=0, return_inverse=True)
    return rows, inverse.ravel(), shift


def demand_bucket(problem: PlanningProblem, walks: Walks, requested: int | None) -> int:
    """Steps per bucket: ``requested`` if given, else the smallest that keeps the table small."""
    if requested is not None:
        return max(1, requested)
    offsets = ceil_steps(walks.minutes[walks.served], problem.step_min)
    release_steps, _ = release_masses(problem)
    for bucket in (1, 2, 3, 5, 10, 15, 30, 60, 120, 240, 480, 1440):
        rows, inverse, shift = _classes(offsets, np.ones(offsets.shape[0]), bucket)
        span = np.zeros(rows.shape[0], dtype=np.int64)
        np.maximum.at(span, inverse, shift)
        low = np.full(rows.shape[0], NEVER)
        np.minimum.at(low, inverse, shift)
        releases = np.unique(release_steps // bucket)
        nodes = int((span - low + 1).sum()) + rows.shape[0] * int(releases.shape[0])
        if nodes <= MAX_DEMAND_NODES:
            return bucket
    return 1440


def build_demand(problem: PlanningProblem, walks: Walks, bucket: int, scale: float) -> Demand:
    """The demand table: people ready at step ``j`` are moved to the start of their bucket and
    each walk is rounded down to whole buckets, so demand can only become ready earlier."""
    served = np.flatnonzero(walks.served)
    capacity = scale_capacity(problem.corridor_capacity, scale)
    if served.shape[0] == 0:
        none = np.zeros((0, capacity.shape[0]), np.int64)
        return Demand(none, np.zeros(0, np.int64), capacity, bucket, scale)
    offsets = ceil_steps(walks.minutes[served], problem.step_min)
    rows, inverse, shift = _classes(offsets, problem.source_people[served], bucket)
    release_steps, shares = release_masses(problem)
    bins, bin_of = np.unique(release_steps // bucket, return_inverse=True)
    bin_share = np.bincount(bin_of.ravel(), weights=shares)
    # people of relative class r whose shift is mu, ready in bucket J, are ready at corridor c
    # in bucket J + mu + rows[r, c]: one node per (r, J + mu), masses by convolution
    first_parts, mass_parts = [], []
    dense = np.zeros(int(bins[-1]) + 1)
    dense[bins] = bin_share
    order = np.lexsort((shift, inverse))
    bounds = np.flatnonzero(np.diff(inverse[order], prepend=-1, append=-2))
    for lo, hi in itertools.pairwise(bounds):
        members = order[lo:hi]
        mu0 = int(shift[members].min())
        by_shift = np.bincount(shift[members] - mu0, weights=problem.source_people[served][members])
        mass = np.convolve(by_shift, dense)
        start = np.flatnonzero(mass > 0)
        rel = rows[inverse[members[0]]]
        when = mu0 + start
        first_parts.append(np.where(rel[None, :] >= NEVER, NEVER, when[:, None] + rel[None, :]))
        mass_parts.append(mass[start])
    first = np.concatenate(first_parts) if first_parts else np.zeros((0, offsets.shape[1]), int)
    mass = np.concatenate(mass_parts) if mass_parts else np.zeros(0)
    return Demand(
        first=first.astype(np.int64),
        people=scale_supply(mass, scale),
        capacity=capacity,
        bucket=bucket,
        scale=scale,
    )


def corridor_network(demand: Demand, horizon: int) -> FlowNetwork | None:
    """Max-flow network for ``horizon`` steps; None when some demand cannot reach any corridor
    in time (infeasible outright)."""
    b = demand.bucket
    corridors, steps = demand.capacity.shape
    buckets = -(-min(horizon, steps) // b)
    if buckets <= 0:
        return None
    cap = demand.capacity[:, : min(horizon, steps)]
    pad = buckets * b - cap.shape[1]
    per_bucket = np.pad(cap, ((0, 0), (0, pad))).reshape(corridors, buckets, b).sum(axis=2)
    usable = demand.first < buckets
    alive = demand.people > 0
    if (alive & ~usable.any(axis=1)).any():
        return None
    d = int(demand.people.shape[0])
    base = 2 + d  # corridor-bucket node (c, t) is base + c * buckets + t
    node = base + np.arange(corridors)[:, None] * buckets + np.arange(buckets)[None, :]
    rows, cols = np.nonzero(usable & alive[:, None])
    total = int(demand.people.sum())
    big = max(total, 1)
    parts = [
        (np.zeros(d, np.int64), 2 + np.arange(d), demand.people),  # source -> demand
        (2 + rows, node[cols, demand.first[rows, cols]], np.full(rows.shape[0], big)),
        (node[:, :-1].ravel(), node[:, 1:].ravel(), np.full(corridors * (buckets - 1), big)),
        (node.ravel(), np.ones(node.size, np.int64), per_bucket.ravel()),  # -> sink
    ]
    return FlowNetwork(
        tails=np.concatenate([p[0] for p in parts]).astype(np.int64),
        heads=np.concatenate([p[1] for p in parts]).astype(np.int64),
        capacity=np.concatenate([p[2] for p in parts]).astype(np.int64),
        demand=total,
    )


def corridor_bound(
    demand: Demand, *, floor_steps: int, start: int, limit: int, deadline: float
) -> HorizonSearch:
    """First horizon (steps) at which the corridor relaxation is feasible; every horizon below
    ``floor_steps`` is known infeasible (the throughput bound)."""

    def feasible(horizon: int) -> bool:
        net = corridor_network(demand, horizon)
        return net is not None and net.solve()[0]

    return search_horizon(
        feasible, infeasible_below=floor_steps, start=start, limit=limit, deadline=deadline
    )
