"""Static shortest walks: for each group and corridor, the time from every node and the next arc
towards the corridor (scipy.sparse.csgraph, one Dijkstra per group and corridor)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from scipy import sparse
from scipy.sparse.csgraph import dijkstra

from safepassage.planning.problem import PlanningProblem

__all__ = ["WalkTrees", "arc_weights", "walk_trees"]


def arc_weights(problem: PlanningProblem, group: int) -> NDArray[np.float64]:
    """Minutes to walk each arc for ``group``; closed edges are infinite."""
    net = problem.network
    minutes = problem.edge_minutes[group][net.arc_edge]
    return np.where(problem.edge_open[net.arc_edge], minutes, np.inf)


def _reverse_graph(
    problem: PlanningProblem, weights: NDArray[np.float64]
) -> tuple[sparse.csr_matrix, NDArray[np.int64]]:
    """Reversed arc graph (head → tail) with the lightest of parallel arcs, and for each kept
    entry the arc it stands for."""
    net = problem.network
    tails = net.arc_tail().astype(np.int64)
    heads = net.arc_head.astype(np.int64)
    ok = np.isfinite(weights)
    arcs = np.flatnonzero(ok)
    order = np.lexsort((weights[arcs], tails[arcs], heads[arcs]))
    arcs = arcs[order]
    first = np.ones(arcs.shape[0], bool)
    first[1:] = (heads[arcs][1:] != heads[arcs][:-1]) | (tails[arcs][1:] != tails[arcs][:-1])
    arcs = arcs[first]
    n = net.node_count
    # explicit zeros stay edges in csgraph, so a zero walking time is still a street
    graph = sparse.csr_matrix((weights[arcs], (heads[arcs], tails[arcs])), shape=(n, n))
    return graph, arcs


@dataclass(frozen=True, eq=False)
class WalkTrees:
    """``minutes[g, c, v]``: shortest walk from node v to corridor c for group g (inf when
    unreachable, not eligible or never open); ``next_arc[g, c, v]``: the first arc of that walk
    (-1 at the corridor itself or when unreachable)."""

    minutes: NDArray[np.float64]
    next_arc: NDArray[np.int64]


def walk_trees(problem: PlanningProblem) -> WalkTrees:
    """Shortest walks to every corridor each group may use."""
    g_count, c_count = len(problem.groups), len(problem.corridor_ids)
    net = problem.network
    n = net.node_count
    minutes = np.full((g_count, c_count, n), np.inf)
    next_arc = np.full((g_count, c_count, n), -1, dtype=np.int64)
    usable = problem.corridor_capacity.sum(axis=1) > 0
    tails = net.arc_tail().astype(np.int64)
    for g in range(g_count):
        corridors = np.flatnonzero(problem.eligible[g] & usable)
        if corridors.shape[0] == 0:
            continue
        graph, arcs = _reverse_graph(problem, arc_weights(problem, g))
        keys = tails[arcs] * n + net.arc_head[arcs]
        order = np.argsort(keys)
        keys, arcs = keys[order], arcs[order]
        dist, pred = dijkstra(
            graph, indices=problem.corridor_node[corridors], return_predecessors=True
        )
        for row, c in enumerate(corridors):
            minutes[g, c] = dist[row]
            nodes = np.flatnonzero(pred[row] >= 0)
            # the predecessor in the reversed search is the next node towards the corridor
            wanted = nodes * n + pred[row][nodes]
            next_arc[g, c, nodes] = arcs[np.searchsorted(keys, wanted)]
    return WalkTrees(minutes, next_arc)
