"""Tiny planning problems built by hand, and their exact optimum from a time-expanded LP.

``tiny_problem`` builds a :class:`PlanningProblem` from a handful of arrays; ``exact_clearance``
solves the model of ``planning/problem.py`` exactly (people continuous) with HiGHS on a grid of
``step / subdivisions`` minutes, which is exact when every edge time is a whole number of grid
units: shifting every event of a plan down to the grid keeps it in the same step, keeps walks
consistent (edge times are whole units) and never makes an arrival later.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import highspy
import numpy as np
from numpy.typing import ArrayLike
from scipy import sparse

from safepassage.planning.problem import PlanningProblem
from tests.model.test_contraction import make_network

START = dt.datetime(2024, 6, 3, 6, 0, tzinfo=dt.UTC)


def tiny_problem(
    n_nodes: int,
    edges: Sequence[tuple[int, int]],
    *,
    minutes: ArrayLike,
    capacity: ArrayLike,
    corridors: Sequence[int],
    corridor_capacity: ArrayLike,
    sources: Sequence[tuple[int, int, float]],
    steps: int = 60,
    step_min: float = 1.0,
    eligible: ArrayLike | None = None,
    release_cdf: Sequence[float] | None = None,
    oneway: Sequence[bool] | None = None,
    closed: Sequence[bool] | None = None,
) -> PlanningProblem:
    """A planning problem from arrays.

    ``minutes`` is ``[E]`` (one group) or ``[G, E]``; ``capacity`` people entering an edge per
    step (scalar or ``[E]``); ``corridor_capacity`` per step, scalar, ``[C]`` or ``[C, steps]``;
    ``sources`` are ``(node, group, people)``; ``release_cdf`` is padded with 1 to ``steps + 1``
    (default: everyone ready at the start); ``eligible`` defaults to every group everywhere.
    """
    m = len(edges)
    edge_minutes = np.atleast_2d(np.asarray(minutes, dtype=np.float64))
    groups = edge_minutes.shape[0]
    c = len(corridors)
    cap = np.asarray(corridor_capacity, dtype=np.float64)
    cap = np.broadcast_to(cap[..., None] if cap.ndim == 1 else cap, (c, steps)).copy()
    cdf = np.ones(steps + 1)
    if release_cdf is not None:
        cdf[: len(release_cdf)] = release_cdf
    shut = np.zeros(m, bool) if closed is None else np.asarray(closed, dtype=bool)
    network = make_network(n_nodes, list(edges), [100.0] * m, oneway=oneway, closed=shut)
    return PlanningProblem(
        network=network,
        start=START,
        step_min=float(step_min),
        steps=steps,
        groups=tuple(f"g{g}" for g in range(groups)),
        group_speed_mps=np.full(groups, 1.2),
        edge_minutes=edge_minutes,
        edge_capacity=np.broadcast_to(np.asarray(capacity, dtype=np.float64), (m,)).copy(),
        edge_open=~shut,
        corridor_ids=tuple(f"C{i}" for i in range(c)),
        corridor_node=np.asarray(corridors, dtype=np.int64),
        corridor_capacity=cap,
        eligible=np.ones((groups, c), bool) if eligible is None else np.asarray(eligible, bool),
        source_node=np.array([s[0] for s in sources], dtype=np.int64),
        source_group=np.array([s[1] for s in sources], dtype=np.int64),
        source_area=np.arange(len(sources), dtype=np.int64),
        source_people=np.array([s[2] for s in sources], dtype=np.float64),
        areas=tuple(f"a{i}" for i in range(len(sources))),
        release_cdf=cdf,
    )


class _Columns:
    """Columns of the LP in coordinate form: each column's (row, value) entries."""

    def __init__(self) -> None:
        self.rows: list[int] = []
        self.vals: list[float] = []
        self.cols: list[int] = []
        self.count = 0

    def add(self, *entries: tuple[int, float]) -> None:
        for r, v in entries:
            self.rows.append(r)
            self.vals.append(v)
            self.cols.append(self.count)
        self.count += 1


def _feasible(problem: PlanningProblem, served: np.ndarray, horizon: int, q: int) -> bool:
    """Can every served person be processed in steps ``< horizon``? Grid of ``step/q`` min.

    Rows: flow balance per (group, node, slot) (inflow - outflow = -ready people), then entries
    per (edge, step) <= capacity, then processing per (corridor, step) <= capacity."""
    net = problem.network
    slots, n, groups = horizon * q, net.node_count, problem.edge_minutes.shape[0]
    arcs = np.flatnonzero(problem.edge_open[net.arc_edge])
    tails, heads, edges = net.arc_tail()[arcs], net.arc_head[arcs], net.arc_edge[arcs]
    balance = lambda g, v, t: (g * n + v) * slots + t  # noqa: E731
    n_balance = groups * n * slots
    cap_row = lambda e, k: n_balance + e * horizon + k  # noqa: E731
    cor_row = lambda c, k: n_balance + (net.edge_count + c) * horizon + k  # noqa: E731
    lp = _Columns()
    for g in range(groups):
        tau = np.rint(problem.edge_minutes[g, edges] / (problem.step_min / q)).astype(int)
        for a in range(arcs.shape[0]):  # enter arc a at slot t, arrive at t + tau
            for t in range(slots - tau[a]):
                lp.add((balance(g, tails[a], t), -1.0), (balance(g, heads[a], t + tau[a]), 1.0),
                       (cap_row(edges[a], t // q), 1.0))  # fmt: skip
        for v in range(n):  # wait
            for t in range(slots - 1):
                lp.add((balance(g, v, t), -1.0), (balance(g, v, t + 1), 1.0))
        for c in np.flatnonzero(problem.eligible[g]):  # processed in step k if there by k·step
            for k in range(horizon):
                lp.add((balance(g, problem.corridor_node[c], k * q), -1.0), (cor_row(c, k), 1.0))
    ready = np.zeros(n_balance)
    share = np.diff(problem.release_cdf, prepend=0.0)
    for s in np.flatnonzero(served):
        for j in np.flatnonzero(share > 0):
            if j >= horizon:
                return False
            g, v = problem.source_group[s], problem.source_node[s]
            ready[balance(g, v, j * q)] -= problem.source_people[s] * share[j]
    n_rows = cor_row(problem.corridor_node.shape[0], 0)
    lower = np.r_[ready, np.full(n_rows - n_balance, -np.inf)]
    upper = np.r_[
        ready,
        np.repeat(problem.edge_capacity, horizon),
        problem.corridor_capacity[:, :horizon].ravel(),
    ]
    a = sparse.csc_matrix((lp.vals, (lp.rows, lp.cols)), shape=(n_rows, lp.count))
    return _solve(a, lower, upper)


def _solve(a: sparse.csc_matrix, lower: np.ndarray, upper: np.ndarray) -> bool:
    lp = highspy.HighsLp()
    lp.num_col_, lp.num_row_ = a.shape[1], a.shape[0]
    lp.col_cost_ = np.zeros(a.shape[1])
    lp.col_lower_ = np.zeros(a.shape[1])
    lp.col_upper_ = np.full(a.shape[1], highspy.kHighsInf)
    lp.row_lower_ = np.where(np.isfinite(lower), lower, -highspy.kHighsInf)
    lp.row_upper_ = upper
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.start_ = a.indptr
    lp.a_matrix_.index_ = a.indices
    lp.a_matrix_.value_ = a.data
    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    h.setOptionValue("primal_feasibility_tolerance", 1e-9)
    h.passModel(lp)
    h.run()
    return h.getModelStatus() == highspy.HighsModelStatus.kOptimal


def exact_clearance(
    problem: PlanningProblem, served: np.ndarray, *, subdivisions: int = 1
) -> float | None:
    """The optimal clearance time (minutes) for the ``served`` sources, or None if no plan
    within the horizon serves them all. Edge times must be whole multiples of
    ``step_min / subdivisions``."""
    if not problem.source_people[served].sum() > 0:
        return 0.0
    lo, hi = 0, problem.steps  # lo infeasible, hi to be checked
    if not _feasible(problem, served, hi, subdivisions):
        return None
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if _feasible(problem, served, mid, subdivisions):
            hi = mid
        else:
            lo = mid
    return hi * problem.step_min
