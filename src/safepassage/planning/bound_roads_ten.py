"""The condensed time-expanded network of the road relaxation (docs/planner.md, "Lower bound").

Time is shifted per node by a potential ``P`` (an event at ``v`` at true time ``t`` sits at
``t + P(v)``) and cut into buckets of ``Δ = m·step`` minutes. Node ``(v, b)`` holds the people
at ``v`` whose shifted time lies in bucket ``b``; an arc's bucket shift is its reduced time
``minutes + P(head) - P(tail)`` rounded down; a sink node's potential is 0, so its buckets are
true time.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from scipy.sparse.csgraph import dijkstra

from safepassage.planning.bound_flow import FlowNetwork, scale_capacity, scale_supply
from safepassage.planning.bound_roads_graph import RoadGraph
from safepassage.planning.bound_walk import min_csgraph, release_masses
from safepassage.planning.problem import PlanningProblem

__all__ = ["RoadExpansion", "TimeExpanded", "earliest", "expand", "time_expanded"]


@dataclass(frozen=True, eq=False)
class TimeExpanded:
    """A built network plus, for every max-flow arc, the street node it leaves from when it is
    a street arc (-1 otherwise), and for every max-flow node its street node (-1: terminals)."""

    flow: FlowNetwork
    arc_street_tail: NDArray[np.int64]
    node_street: NDArray[np.int64]


@dataclass(frozen=True, eq=False)
class RoadExpansion:
    """Everything about the expansion that does not depend on the horizon."""

    graph: RoadGraph
    bucket: int  # m: steps per bucket
    whole: NDArray[np.bool_]  # [n] potential is a whole number of steps: windows are aligned
    shift: NDArray[np.int64]  # [arcs] bucket shift of each arc
    arc_capacity: NDArray[np.int64]  # [arcs] integer capacity per bucket
    earliest: NDArray[np.int64]  # [n] first bucket anyone can be at v
    to_sink: NDArray[np.int64]  # [n] buckets from v to the nearest sink, at least
    supply_node: NDArray[np.int64]
    supply_bucket: NDArray[np.int64]
    supply: NDArray[np.int64]
    sink_capacity: NDArray[np.int64]  # [sinks, steps] integer capacity per step

    def node_range(self, horizon: int) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
        """First and last bucket of every node's copies for ``horizon`` steps."""
        buckets = -(-horizon // self.bucket)
        return self.earliest, buckets - 1 - self.to_sink


def _supplies(
    problem: PlanningProblem, graph: RoadGraph, p: NDArray[np.int64], delta: int, scale: float
) -> tuple[NDArray[np.int64], NDArray[np.int64], NDArray[np.int64]]:
    """People ready at step ``j`` at node ``v`` enter at bucket ``(j·step + P(v)) // Δ``
    (integer units: exact)."""
    steps, shares = release_masses(problem)
    nodes = np.flatnonzero(graph.supply_people > 0)
    ready = steps * graph.units_per_step
    lo = (ready[0] + p[nodes]) // delta
    hi = (ready[-1] + p[nodes]) // delta
    width = int((hi - lo).max()) + 1 if nodes.shape[0] else 1
    mass = np.zeros((nodes.shape[0], width))
    for chunk in np.array_split(np.arange(nodes.shape[0]), max(1, nodes.shape[0] // 2000)):
        rel = (ready[None, :] + p[nodes[chunk], None]) // delta - lo[chunk, None]
        rows = np.repeat(chunk, steps.shape[0])
        np.add.at(mass, (rows, rel.ravel()), np.tile(shares, chunk.shape[0]))
    mass *= graph.supply_people[nodes, None]
    r, c = np.nonzero(mass > 0)
    return nodes[r], lo[r] + c, scale_supply(mass[r, c], scale)


def earliest(
    graph: RoadGraph,
    weight: NDArray[np.int64],
    start_node: NDArray[np.int64],
    start_value: NDArray[np.int64],
) -> NDArray[np.float64]:
    """Shortest distance to every node over arcs of ``weight`` from several starts, each with
    its own initial value (a super source with an arc of that length to each); inf if none."""
    n = graph.n
    rows = np.r_[graph.tails, np.full(start_node.shape[0], n)]
    cols = np.r_[graph.heads, start_node]
    w = np.r_[weight, start_value].astype(np.float64)
    return np.asarray(dijkstra(min_csgraph(n + 1, rows, cols, w), indices=n)[:n])


def _bucket_distances(
    graph: RoadGraph,
    shift: NDArray[np.int64],
    start_node: NDArray[np.int64],
    start_bucket: NDArray[np.int64],
) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    """Earliest bucket at every node from the supplies, and buckets to the nearest sink, over
    arcs weighted by their bucket shifts."""
    first = earliest(graph, shift, start_node, start_bucket)
    back = min_csgraph(graph.n, graph.heads, graph.tails, shift.astype(np.float64))
    to_sink = dijkstra(back, indices=graph.sink_node, min_only=True)
    big = np.iinfo(np.int64).max // 4
    clean = lambda d: np.where(np.isfinite(d), np.round(d), big).astype(np.int64)  # noqa: E731
    return clean(first), clean(to_sink)


def expand(
    problem: PlanningProblem, graph: RoadGraph, p: NDArray[np.int64], bucket: int, scale: float
) -> RoadExpansion:
    """The horizon-free part of the expansion for potentials ``p`` (units) and buckets of
    ``bucket`` steps."""
    delta = bucket * graph.units_per_step
    reduced = graph.units + p[graph.heads] - p[graph.tails]
    if (reduced < 0).any():
        msg = "road bound: potentials are not consistent with the arc times"
        raise RuntimeError(msg)
    shift = reduced // delta
    # a window of m whole steps holds at most m steps' entries; a window cut across step
    # boundaries touches m + 1 steps, and each may put all its entries inside the window
    whole = p % graph.units_per_step == 0
    windows = np.where(whole[graph.tails], bucket, bucket + 1)
    arc_capacity = scale_capacity(graph.capacity * windows, scale)
    supply_node, supply_bucket, supply = _supplies(problem, graph, p, delta, scale)
    earliest, to_sink = _bucket_distances(graph, shift, supply_node, supply_bucket)
    return RoadExpansion(
        graph=graph,
        bucket=bucket,
        whole=whole,
        shift=shift,
        arc_capacity=arc_capacity,
        earliest=earliest,
        to_sink=to_sink,
        supply_node=supply_node,
        supply_bucket=supply_bucket,
        supply=supply,
        sink_capacity=scale_capacity(graph.sink_capacity, scale),
    )


def _ranges(count: NDArray[np.int64]) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    """For counts ``[c0, c1, ...]``: the owner of every item and its index within the owner."""
    owner = np.repeat(np.arange(count.shape[0]), count)
    starts = np.cumsum(count) - count
    return owner, np.arange(owner.shape[0]) - starts[owner]


def time_expanded(x: RoadExpansion, horizon: int) -> TimeExpanded | None:
    """The max-flow network for ``horizon`` steps; None if some supply cannot be in time."""
    g = x.graph
    first, last = x.node_range(horizon)
    count = np.maximum(last - first + 1, 0)
    if (x.supply_bucket > last[x.supply_node]).any():
        return None
    base = 2 + np.cumsum(count) - count
    total_nodes = 2 + int(count.sum())
    demand = int(x.supply.sum())
    big = max(demand, 1)
    # street arcs (u, b) -> (v, b + shift) for b in u's range with b + shift in v's
    top = np.minimum(last[g.tails], last[g.heads] - x.shift)
    arc_count = np.maximum(top - first[g.tails] + 1, 0)
    a, i = _ranges(arc_count)
    u, v = g.tails[a], g.heads[a]
    b = first[u] + i
    street = (base[u] + i, base[v] + b + x.shift[a] - first[v], x.arc_capacity[a])
    # waiting: (v, b) -> (v, b + 1)
    wv, wi = _ranges(np.maximum(count - 1, 0))
    wait = (base[wv] + wi, base[wv] + wi + 1, np.full(wv.shape[0], big))
    sink = _sink_arcs(x, horizon, first, last, base)
    source = (
        np.zeros(x.supply.shape[0], np.int64),
        base[x.supply_node] + x.supply_bucket - first[x.supply_node],
        x.supply,
    )
    parts = [street, wait, sink, source]
    flow = FlowNetwork(
        tails=np.concatenate([p[0] for p in parts]).astype(np.int64),
        heads=np.concatenate([p[1] for p in parts]).astype(np.int64),
        capacity=np.concatenate([p[2] for p in parts]).astype(np.int64),
        demand=demand,
    )
    others = sum(p[0].shape[0] for p in parts[1:])
    node_street = np.full(total_nodes, -1, dtype=np.int64)
    node_street[2:] = np.repeat(np.arange(g.n), count)
    return TimeExpanded(flow, np.r_[u, np.full(others, -1, np.int64)], node_street)


def _sink_arcs(
    x: RoadExpansion, horizon: int, first: NDArray, last: NDArray, base: NDArray
) -> tuple[NDArray[np.int64], NDArray[np.int64], NDArray[np.int64]]:
    """(sink node, b) -> super sink, with the capacity of the steps of bucket ``b`` before
    ``horizon``: processing may use a whole bucket's capacity whenever in it one arrives."""
    m = x.bucket
    steps = min(horizon, x.sink_capacity.shape[1])
    buckets = -(-steps // m)
    cap = np.pad(x.sink_capacity[:, :steps], ((0, 0), (0, buckets * m - steps)))
    per_bucket = cap.reshape(cap.shape[0], buckets, m).sum(axis=2)
    tails, caps = [], []
    for i, node in enumerate(x.graph.sink_node.tolist()):
        bs = np.arange(max(first[node], 0), min(last[node] + 1, buckets))
        tails.append(base[node] + bs - first[node])
        caps.append(per_bucket[i, bs])
    t = np.concatenate(tails) if tails else np.zeros(0, np.int64)
    c = np.concatenate(caps) if caps else np.zeros(0, np.int64)
    return t, np.ones(t.shape[0], np.int64), c
