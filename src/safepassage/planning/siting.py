"""Distribution points in the city: maximal covering location, solved with HiGHS.

HiGHS is called through :func:`scipy.optimize.milp` (the same solver as ``highspy``, without its
banner on standard output). Demand point ``i`` (a network node with ``w_i`` people) is covered
when a chosen site lies within ``walk_m`` metres of it along the walking network (shortest paths
with :func:`scipy.sparse.csgraph.dijkstra`). Two models (Church & ReVelle 1974, "The maximal
covering location problem"):

- **K sites**: ``max sum_i w_i y_i`` s.t. ``y_i <= sum_{j covers i} x_j``, ``sum_j x_j = K``,
  ``x_j`` binary, ``0 <= y_i <= 1`` (``y`` need not be integer: at the optimum it is 1 exactly
  when some chosen site covers ``i``).
- **Fewest sites for a coverage target**: ``min sum_j x_j`` s.t. ``sum_i w_i y_i >= target W``
  and the same covering rows.

HiGHS reports the proven gap between the solution and its bound. A target no set of candidates
can reach raises :class:`~safepassage.errors.ScenarioError` naming the best reachable coverage.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from scipy import sparse
from scipy.optimize import Bounds, LinearConstraint, milp
from scipy.sparse.csgraph import dijkstra
from scipy.spatial import cKDTree

from safepassage.errors import ScenarioError
from safepassage.model.network import Network

__all__ = [
    "SitingResult",
    "candidate_nodes",
    "choose_sites",
    "coverage_matrix",
    "district_coverage",
    "nearest_nodes",
]


@dataclass(frozen=True)
class SitingResult:
    """Chosen candidates (indices into the candidate list) and who they cover."""

    chosen: NDArray[np.int64]
    covered: NDArray[np.bool_]  # (I,) demand points within reach of a chosen site
    covered_people: float
    total_people: float
    gap: float  # relative gap HiGHS proved (0 = optimal)
    status: str

    @property
    def coverage(self) -> float:
        return self.covered_people / self.total_people if self.total_people > 0 else 1.0


def coverage_matrix(
    graph: sparse.csr_matrix,
    demand_nodes: NDArray[np.int64],
    candidate_nodes: NDArray[np.int64],
    walk_m: float,
    *,
    chunk: int = 128,
) -> sparse.csr_matrix:
    """``(I, J)`` boolean matrix: candidate ``j`` lies within ``walk_m`` of demand point ``i``.

    ``graph`` is the network's :meth:`~safepassage.model.network.Network.to_csgraph` (metres);
    walking goes both ways, so distances are taken from the candidates.
    """
    position = np.full(graph.shape[0], -1, dtype=np.int64)
    position[demand_nodes] = np.arange(demand_nodes.shape[0])
    rows: list[NDArray[np.int64]] = []
    cols: list[NDArray[np.int64]] = []
    for lo in range(0, candidate_nodes.shape[0], chunk):
        block = candidate_nodes[lo : lo + chunk]
        dist = dijkstra(graph, directed=False, indices=block, limit=walk_m * (1 + 1e-12))
        j, node = np.nonzero(np.isfinite(dist) & (dist <= walk_m))
        keep = position[node] >= 0
        rows.append(position[node[keep]])
        cols.append(j[keep] + lo)
    r = np.concatenate(rows) if rows else np.zeros(0, np.int64)
    c = np.concatenate(cols) if cols else np.zeros(0, np.int64)
    data = np.ones(r.shape[0], dtype=bool)
    shape = (demand_nodes.shape[0], candidate_nodes.shape[0])
    return sparse.csr_matrix((data, (r, c)), shape=shape)


def _solve(
    cover: sparse.csr_matrix,
    weight: NDArray[np.float64],
    sites: int | None,
    target_people: float | None,
    time_limit_s: float,
) -> tuple[NDArray[np.float64], str, float]:
    """Solve with HiGHS (through :func:`scipy.optimize.milp`); x, status and proven gap."""
    n_i, n_j = cover.shape
    # rows 0..I-1: y_i - sum_j a_ij x_j <= 0; row I: sum_j x_j = K, or sum_i w_i y_i >= target
    rows = sparse.hstack([-cover.astype(np.float64), sparse.eye(n_i)], format="csr")
    if sites is not None:
        last = np.r_[np.ones(n_j), np.zeros(n_i)]
        cost = np.r_[np.zeros(n_j), -weight]
        lower, upper = float(sites), float(sites)
    else:
        last = np.r_[np.zeros(n_j), weight]
        cost = np.r_[np.ones(n_j), np.zeros(n_i)]
        lower, upper = float(target_people or 0.0), np.inf
    constraints = [
        LinearConstraint(rows, np.full(n_i, -np.inf), np.zeros(n_i)),
        LinearConstraint(sparse.csr_matrix(last), [lower], [upper]),
    ]
    result = milp(
        cost,
        integrality=np.r_[np.ones(n_j), np.zeros(n_i)],
        bounds=Bounds(0.0, 1.0),
        constraints=constraints,
        options={"time_limit": float(time_limit_s), "mip_rel_gap": 1e-6, "disp": False},
    )
    if result.x is None:
        msg = f"HiGHS found no solution within {time_limit_s:g} s ({result.message})"
        raise ScenarioError(msg + "; raise relief.siting.time_limit_s")
    status = "Optimal" if result.status == 0 else str(result.message)
    gap = float(getattr(result, "mip_gap", 0.0) or 0.0)
    return np.asarray(result.x[:n_j]), status, gap


def choose_sites(
    cover: sparse.csr_matrix,
    weight: NDArray[np.float64],
    *,
    sites: int | None = None,
    coverage_target: float | None = None,
    time_limit_s: float = 30.0,
) -> SitingResult:
    """Choose ``sites`` candidates covering the most people, or the fewest reaching the target.

    Parameters
    ----------
    cover
        ``(I, J)`` coverage matrix (:func:`coverage_matrix`).
    weight
        ``(I,)`` people at each demand point.
    sites, coverage_target
        Exactly one: the number of sites K, or the share of people to cover (0 < target <= 1).
    time_limit_s
        HiGHS time limit; the gap it proved is reported.

    Raises
    ------
    ScenarioError
        K larger than the number of candidates, or a target that no set of candidates reaches
        (the message gives the best reachable share).
    """
    weight = np.asarray(weight, dtype=np.float64)
    _check_request(cover, weight, sites, coverage_target)
    total = float(weight.sum())
    target_people = None if coverage_target is None else coverage_target * total - 1e-9
    x, status, gap = _solve(cover, weight, sites, target_people, time_limit_s)
    chosen = np.flatnonzero(x > 0.5)
    covered = np.asarray(cover[:, chosen].sum(axis=1)).ravel() > 0
    return SitingResult(
        chosen=chosen.astype(np.int64),
        covered=covered,
        covered_people=float(weight[covered].sum()),
        total_people=total,
        gap=gap if np.isfinite(gap) else 0.0,
        status=status,
    )


def _check_request(
    cover: sparse.csr_matrix,
    weight: NDArray[np.float64],
    sites: int | None,
    coverage_target: float | None,
) -> None:
    n_j = cover.shape[1]
    if (sites is None) == (coverage_target is None):
        raise ValueError("give exactly one of sites or coverage_target")
    if sites is not None and not 1 <= sites <= n_j:
        msg = f"{sites} sites asked for but there are {n_j} candidate sites; give 1 to {n_j}"
        raise ScenarioError(msg)
    total = float(weight.sum())
    reachable = np.asarray(cover.sum(axis=1)).ravel() > 0
    best = float(weight[reachable].sum())
    if coverage_target is not None and best < coverage_target * total - 1e-9:
        msg = (
            f"a coverage target of {coverage_target:.0%} cannot be reached: with every "
            f"candidate open at most {best / total:.1%} of the people are within walking distance "
            f"of one; lower the target to {np.floor(best / total * 1000) / 1000} or add candidates"
        )
        raise ScenarioError(msg)


def nearest_nodes(network: Network, lonlat: list[tuple[float, float]]) -> NDArray[np.int64]:
    """The network node nearest each (lon, lat) point (equirectangular distance, fine at city
    scale)."""
    if not lonlat:
        return np.zeros(0, dtype=np.int64)
    points = np.asarray(lonlat, dtype=np.float64)
    scale = np.cos(np.radians(np.median(network.lat)))
    tree = cKDTree(np.column_stack([network.lon * scale, network.lat]))
    _, index = tree.query(np.column_stack([points[:, 0] * scale, points[:, 1]]))
    return np.asarray(index, dtype=np.int64)


def candidate_nodes(
    people_per_node: NDArray[np.float64], *, max_candidates: int, seed: int = 0
) -> NDArray[np.int64]:
    """Nodes where people live, as candidate sites; a seeded sample of them beyond
    ``max_candidates``."""
    nodes = np.flatnonzero(people_per_node > 0)
    if nodes.shape[0] > max_candidates:
        rng = np.random.default_rng(seed)
        nodes = np.sort(rng.choice(nodes, size=max_candidates, replace=False))
    return nodes.astype(np.int64)


def district_coverage(
    covered_node: NDArray[np.bool_],
    origin_node: NDArray[np.int64],
    origin_area: NDArray[np.int64],
    origin_people: NDArray[np.float64],
    areas: tuple[str, ...],
) -> list[dict[str, float | str]]:
    """People and people covered per district (``covered_node`` indexed by network node)."""
    n = len(areas)
    people = np.bincount(origin_area, weights=origin_people, minlength=n)
    covered = np.bincount(
        origin_area, weights=origin_people * covered_node[origin_node], minlength=n
    )
    return [
        {
            "district": areas[a],
            "people": round(float(people[a]), 1),
            "covered": round(float(covered[a]), 1),
            "outside": round(float(people[a] - covered[a]), 1),
            "coverage": round(float(covered[a] / people[a]), 4) if people[a] > 0 else 1.0,
        }
        for a in range(n)
    ]
