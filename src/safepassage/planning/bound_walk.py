"""Shortest walks from every source to every corridor it may use, and the simple lower bounds
built on them: the farthest walk, the last release, the corridor throughput alone.

All three are proved in docs/planner.md, "Lower bound". Times are in minutes after the start;
step ``k`` covers ``[k·step, (k+1)·step)``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from scipy import sparse
from scipy.sparse.csgraph import dijkstra

from safepassage.planning.problem import PlanningProblem

__all__ = [
    "NEVER",
    "TIME_EPS",
    "Walks",
    "ceil_steps",
    "corridor_open",
    "min_csgraph",
    "next_open_step",
    "release_masses",
    "shortest_walks",
    "throughput_bound_steps",
    "walk_bound_steps",
]

# Sentinel step for "cannot be processed there": larger than any horizon, small enough that
# adding a few of them never overflows int64.
NEVER = np.int64(1) << 40
# Walks are converted to steps with this slack, in the direction that makes a relaxation
# easier: a walk of 3.0000001 steps counts as 3. It covers float noise and the checker's time
# tolerance (1e-6 min: a time that far below a step boundary counts in the next step).
TIME_EPS = 1e-6


@dataclass(frozen=True, eq=False)
class Walks:
    """Shortest walks of every source (at its group's speed) to every corridor.

    ``minutes[s, c]`` is the shortest walk from source ``s`` to corridor ``c`` over open edges,
    ``inf`` when its group may not use ``c``, when ``c`` never opens within the horizon, or when
    no open route exists. ``served[s]``: some corridor is usable (finite walk).
    """

    minutes: NDArray[np.float64]  # [S, C]
    served: NDArray[np.bool_]  # [S]

    @property
    def unserved_count(self) -> int:
        return int((~self.served).sum())


def min_csgraph(
    n: int, rows: NDArray[np.int64], cols: NDArray[np.int64], weight: NDArray[np.float64]
) -> sparse.csr_matrix:
    """A graph for :mod:`scipy.sparse.csgraph` with parallel arcs reduced to the lightest (a
    csr matrix would add them up); explicit zeros stay arcs."""
    order = np.lexsort((weight, cols, rows))
    rows, cols, weight = rows[order], cols[order], weight[order]
    first = np.ones(rows.shape[0], bool)
    first[1:] = (rows[1:] != rows[:-1]) | (cols[1:] != cols[:-1])
    return sparse.csr_matrix((weight[first], (rows[first], cols[first])), shape=(n, n))


def _reversed_graph(problem: PlanningProblem, group: int) -> sparse.csr_matrix:
    """The arcs of open edges reversed (head -> tail), weighted by the group's minutes."""
    net = problem.network
    keep = problem.edge_open[net.arc_edge]
    weight = problem.edge_minutes[group, net.arc_edge[keep]]
    heads = net.arc_head[keep].astype(np.int64)
    tails = net.arc_tail()[keep].astype(np.int64)
    return min_csgraph(net.node_count, heads, tails, weight)


def corridor_open(problem: PlanningProblem) -> NDArray[np.bool_]:
    """Corridors with some capacity within the horizon."""
    return np.asarray(problem.corridor_capacity.sum(axis=1) > 0, dtype=bool)


def shortest_walks(problem: PlanningProblem) -> Walks:
    """Shortest walk from each source to each corridor its group may use.

    One reverse Dijkstra (scipy) per group, from all the corridors that group may use.
    """
    sources, corridors = problem.source_node.shape[0], problem.corridor_node.shape[0]
    minutes = np.full((sources, corridors), np.inf)
    usable = problem.eligible & corridor_open(problem)[None, :]
    for g in np.unique(problem.source_group):
        cs = np.flatnonzero(usable[g])
        if cs.shape[0] == 0:
            continue
        dist = dijkstra(_reversed_graph(problem, int(g)), indices=problem.corridor_node[cs])
        rows = np.flatnonzero(problem.source_group == g)
        minutes[np.ix_(rows, cs)] = dist[:, problem.source_node[rows]].T
    served = np.isfinite(minutes).any(axis=1)
    return Walks(minutes=minutes, served=served)


def ceil_steps(minutes: NDArray[np.float64], step_min: float) -> NDArray[np.int64]:
    """Whole steps needed to cover ``minutes`` (``NEVER`` for inf), rounded with ``TIME_EPS``
    of slack so that float noise can only make a relaxation easier."""
    out = np.full(minutes.shape, NEVER, dtype=np.int64)
    finite = np.isfinite(minutes)
    out[finite] = np.ceil(minutes[finite] / step_min - TIME_EPS).astype(np.int64)
    return np.maximum(out, 0)


def release_masses(problem: PlanningProblem) -> tuple[NDArray[np.int64], NDArray[np.float64]]:
    """Steps ``j`` at which a share of every source becomes ready (at ``j·step``), and the
    shares: ``release_cdf[j] - release_cdf[j-1]`` where positive."""
    cdf = np.asarray(problem.release_cdf, dtype=np.float64)
    share = np.diff(cdf, prepend=0.0)
    steps = np.flatnonzero(share > 0)
    return steps.astype(np.int64), share[steps]


def next_open_step(problem: PlanningProblem) -> NDArray[np.int64]:
    """``[C, steps + 1]``: the first step ``>= k`` with capacity at corridor ``c``, or ``NEVER``."""
    cap = problem.corridor_capacity
    corridors, steps = cap.shape
    idx = np.where(cap > 0, np.arange(steps)[None, :], NEVER)
    out = np.full((corridors, steps + 1), NEVER, dtype=np.int64)
    out[:, :steps] = np.minimum.accumulate(idx[:, ::-1], axis=1)[:, ::-1]
    return out


def walk_bound_steps(
    problem: PlanningProblem, walks: Walks, release_step: int, next_open: NDArray[np.int64]
) -> int:
    """Steps by which the last served source, ready at ``release_step``, can have anyone
    processed: ``max_s min_c`` (first open step at ``c`` from ``release_step + walk``) + 1.

    Returns ``NEVER`` when some served source has no corridor open late enough.
    """
    served = np.flatnonzero(walks.served)
    if served.shape[0] == 0:
        return 0
    offsets = ceil_steps(walks.minutes[served], problem.step_min)  # [S', C]
    first = np.minimum(release_step + offsets, problem.steps)  # NEVER clips to the horizon
    corridors = np.arange(problem.corridor_node.shape[0])[None, :]
    opens = next_open[corridors, first]
    opens = np.where(offsets >= NEVER, NEVER, opens)
    best = opens.min(axis=1)
    worst = int(best.max())
    return worst if worst >= NEVER else worst + 1


def throughput_bound_steps(
    masks: NDArray[np.int64], people: NDArray[np.int64], capacity: NDArray[np.int64]
) -> int:
    """Smallest horizon ``K`` (steps) meeting Hall's condition for every set of corridors.

    Parameters
    ----------
    masks
        Bit mask of the corridors each demand may use (bit ``c`` for corridor ``c``).
    people
        The demands, in integer units (people times the scale).
    capacity
        ``[C, steps]`` integer capacity per step, in the same units.

    Returns
    -------
    int
        ``K``, or ``NEVER`` when even the whole horizon is too short.

    Notes
    -----
    The people who may use only corridors in ``S`` must fit into the capacity of ``S`` within
    the horizon. With ``C`` corridors that is ``2**C`` sets; the demands' own masks and their
    unions suffice when ``C`` is large (a weaker but still valid bound).
    """
    corridors, steps = capacity.shape
    by_mask: dict[int, int] = {}
    for m, p in zip(masks.tolist(), people.tolist(), strict=True):
        by_mask[m] = by_mask.get(m, 0) + p
    subsets = range(1, 1 << corridors) if corridors <= 16 else [*by_mask, (1 << corridors) - 1]
    cumulative = np.cumsum(capacity, axis=1)
    need = 0
    for s in subsets:
        demand = sum(p for m, p in by_mask.items() if m & ~s == 0)
        if demand == 0:
            continue
        cols = [c for c in range(corridors) if s >> c & 1]
        reach = cumulative[cols].sum(axis=0)
        k = int(np.searchsorted(reach, demand, side="left"))
        if k >= steps:
            return int(NEVER)
        need = max(need, k + 1)
    return need
