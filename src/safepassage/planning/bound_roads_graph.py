"""The street graph of the road relaxation (docs/planner.md, "Lower bound", road relaxation):
one commodity at the fastest group's speed, every usable corridor open to everyone, nodes that
cannot matter pruned, and node potentials that shift time so that rounding loses little.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from scipy.sparse.csgraph import breadth_first_order, dijkstra

from safepassage.planning.bound_walk import Walks, corridor_open, min_csgraph
from safepassage.planning.problem import PlanningProblem

__all__ = ["RoadGraph", "potentials", "road_graph", "to_units", "unit_scale"]

# The road relaxation counts time in integer units: sums, potentials and buckets are then
# exact, and the only rounding is each edge time rounded *down* to a whole unit. A unit is
# 2**-20 min when a step is a whole number of them (1, 2, 5, 0.5 min...: multiplying by a power
# of two is exact), else step / 2**20.
_FINE = 1 << 20
# Unreachable, in units (exactly representable as a float, far above any horizon).
FAR = np.int64(1) << 60


@dataclass(frozen=True, eq=False)
class RoadGraph:
    """Directed arcs between the kept nodes ``0..n-1``.

    ``units[a]`` is the fastest group's time on arc ``a`` in whole units (``units_per_step``
    to a step; rounded down), ``capacity[a]`` its edge's capacity per step (each direction
    gets all of it). ``to_exit[v]`` is the shortest time (units) from ``v`` to the nearest
    sink node. Sinks: node ``sink_node[i]`` processes ``sink_capacity[i, k]`` people in step
    ``k``. Supplies: ``supply_people[v]`` people at node
    ``v`` (all served sources there, all groups).
    """

    n: int
    units_per_step: int
    original: NDArray[np.int64]  # [n] node id in the problem's network
    tails: NDArray[np.int64]
    heads: NDArray[np.int64]
    units: NDArray[np.int64]
    capacity: NDArray[np.float64]
    to_exit: NDArray[np.int64]
    sink_node: NDArray[np.int64]
    sink_capacity: NDArray[np.float64]  # [sinks, steps]
    supply_people: NDArray[np.float64]  # [n]


def unit_scale(step_min: float) -> tuple[float, int, bool]:
    """Units per minute, units per step, and whether minutes convert exactly."""
    per_step = step_min * _FINE
    if per_step == np.floor(per_step) and per_step < 2.0**40:
        return float(_FINE), int(per_step), True
    return _FINE / step_min, _FINE, False


def to_units(minutes: NDArray[np.float64], step_min: float) -> NDArray[np.int64]:
    """Minutes as whole units, rounded down; when the conversion is inexact, with a margin far
    above float error, so that a time is never rounded up."""
    per_min, _, exact = unit_scale(step_min)
    margin = 0.0 if exact else 1e-3
    return np.maximum(np.floor(minutes * per_min - margin), 0).astype(np.int64)


def _sinks(
    problem: PlanningProblem, groups: NDArray[np.int64]
) -> tuple[NDArray[np.int64], NDArray]:
    usable = corridor_open(problem) & problem.eligible[groups].any(axis=0)
    nodes, inverse = np.unique(problem.corridor_node[usable], return_inverse=True)
    capacity = np.zeros((nodes.shape[0], problem.steps))
    np.add.at(capacity, inverse.ravel(), problem.corridor_capacity[usable])
    return nodes.astype(np.int64), capacity


def _prune_leaves(
    n: int,
    tails: NDArray[np.int64],
    heads: NDArray[np.int64],
    keep: NDArray[np.bool_],
    protect: NDArray[np.bool_],
) -> NDArray[np.bool_]:
    """Drop unprotected nodes with at most one neighbour, repeatedly: a walk into such a dead
    end only comes back, and waiting where it turned off is never worse."""
    keep = keep.copy()
    for _ in range(100):
        live = keep[tails] & keep[heads]
        a, b = np.minimum(tails[live], heads[live]), np.maximum(tails[live], heads[live])
        pairs = np.unique(a * n + b)
        degree = np.bincount(pairs // n, minlength=n) + np.bincount(pairs % n, minlength=n)
        drop = keep & ~protect & (degree <= 1)
        if not drop.any():
            break
        keep &= ~drop
    return keep


def _useful(
    n: int,
    tails: NDArray[np.int64],
    heads: NDArray[np.int64],
    to_exit: NDArray[np.int64],
    supply: NDArray[np.float64],
    sink_node: NDArray[np.int64],
) -> NDArray[np.bool_]:
    """Nodes some person can reach and leave towards a sink, dead ends pruned."""
    starts = np.flatnonzero(supply > 0)
    forward = min_csgraph(
        n + 1,
        np.r_[tails, np.full(starts.shape[0], n)],
        np.r_[heads, starts],
        np.ones(tails.shape[0] + starts.shape[0]),
    )
    reached = np.zeros(n + 1, bool)
    reached[breadth_first_order(forward, n, return_predecessors=False)] = True
    protect = np.zeros(n, bool)
    protect[starts] = True
    protect[sink_node] = True
    return _prune_leaves(n, tails, heads, reached[:n] & (to_exit < FAR), protect)


def road_graph(
    problem: PlanningProblem, walks: Walks, groups: NDArray[np.int64] | None = None
) -> RoadGraph:
    """The relaxed street graph for the served people of ``groups`` (default: all), at the
    fastest of their speeds, with every corridor one of them may use; restricted to nodes on
    some source-to-sink walk."""
    net = problem.network
    chosen = walks.served & (True if groups is None else np.isin(problem.source_group, groups))
    used = np.unique(problem.source_group[chosen])
    arcs = problem.edge_open[net.arc_edge] & (net.arc_tail() != net.arc_head)
    tails = net.arc_tail()[arcs].astype(np.int64)
    heads = net.arc_head[arcs].astype(np.int64)
    edges = net.arc_edge[arcs]
    units = to_units(problem.edge_minutes[used].min(axis=0)[edges], problem.step_min)
    sink_node, sink_capacity = _sinks(problem, used)
    n = net.node_count
    back = min_csgraph(n, heads, tails, units.astype(np.float64))
    exit_f = dijkstra(back, indices=sink_node, min_only=True)
    to_exit = np.where(np.isfinite(exit_f), exit_f, FAR).astype(np.int64)
    supply = np.asarray(
        np.bincount(
            problem.source_node[chosen], weights=problem.source_people[chosen], minlength=n
        ),
        dtype=np.float64,
    )
    keep = _useful(n, tails, heads, to_exit, supply, sink_node)
    index = np.full(n, -1, dtype=np.int64)
    index[keep] = np.arange(int(keep.sum()))
    live = keep[tails] & keep[heads]
    sinks = keep[sink_node]
    return RoadGraph(
        n=int(keep.sum()),
        units_per_step=unit_scale(problem.step_min)[1],
        original=np.flatnonzero(keep).astype(np.int64),
        tails=index[tails[live]],
        heads=index[heads[live]],
        units=units[live],
        capacity=problem.edge_people_capacity[edges[live]],
        to_exit=to_exit[keep],
        sink_node=index[sink_node[sinks]],
        sink_capacity=sink_capacity[sinks],
        supply_people=supply[keep],
    )


def potentials(graph: RoadGraph, aligned: NDArray[np.bool_]) -> NDArray[np.int64]:
    """Node potentials ``P`` (units) with ``P(u) <= units(u, v) + P(v)`` on every arc, ``P = 0``
    at the sinks, and ``P`` a whole number of steps on the ``aligned`` nodes.

    Without aligned nodes ``P`` is the time to the nearest sink; each aligned node is rounded
    down to a whole step and the decrease is passed upstream until every arc is consistent.
    """
    p = graph.to_exit.copy()
    p[aligned] -= p[aligned] % graph.units_per_step
    if not aligned.any():
        return p
    for _ in range(10 * graph.n + 10):
        bound = np.full(graph.n, FAR)
        np.minimum.at(bound, graph.tails, graph.units + p[graph.heads])
        lower = bound < p
        if not lower.any():
            return p
        p = np.where(lower, bound, p)
        p[aligned] -= p[aligned] % graph.units_per_step
    msg = "node potentials of the road bound did not settle"
    raise RuntimeError(msg)
