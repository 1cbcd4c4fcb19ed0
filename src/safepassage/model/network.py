"""The street network as compact arrays: nodes, undirected-or-one-way edges, and a CSR of arcs.

Every edge keeps its geometry (the OSM vertices from its ``u`` end to its ``v`` end) so that a
contracted network still draws the streets as they are. Units are in the names: metres, seconds,
people per minute (``ppm``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

import numpy as np
from numpy.typing import NDArray
from scipy import sparse

__all__ = ["EdgeWeight", "Network"]

EdgeWeight = Literal["length_m", "time_s"]

_EDGE_FIELDS = (
    "edge_u",
    "edge_v",
    "length_m",
    "width_m",
    "capacity_ppm",
    "time_s",
    "highway",
    "oneway",
    "closed",
    "way_id",
)


@dataclass(frozen=True, eq=False)
class Network:
    """A walking (or driving) network.

    Nodes ``0..n-1`` carry OSM ids, WGS84 lon/lat and projected metres in ``crs`` (a local UTM
    zone). Edge ``e`` runs from ``edge_u[e]`` to ``edge_v[e]``; unless ``oneway[e]`` it may be
    used both ways. ``time_s`` is the free-flow time at the scenario's walking speed, hazards
    included; ``closed`` marks edges inside a closing hazard. ``highway`` holds codes into
    ``highway_names``.
    """

    crs: str
    node_osm_id: NDArray[np.int64]
    lon: NDArray[np.float64]
    lat: NDArray[np.float64]
    x_m: NDArray[np.float64]
    y_m: NDArray[np.float64]
    edge_u: NDArray[np.int32]
    edge_v: NDArray[np.int32]
    length_m: NDArray[np.float64]
    width_m: NDArray[np.float64]
    capacity_ppm: NDArray[np.float64]
    time_s: NDArray[np.float64]
    highway: NDArray[np.int16]
    highway_names: tuple[str, ...]
    oneway: NDArray[np.bool_]
    closed: NDArray[np.bool_]
    way_id: NDArray[np.int64]
    geom_indptr: NDArray[np.int64]
    geom_lon: NDArray[np.float64]
    geom_lat: NDArray[np.float64]
    indptr: NDArray[np.int64] = field(init=False, repr=False)
    arc_head: NDArray[np.int32] = field(init=False, repr=False)
    arc_edge: NDArray[np.int32] = field(init=False, repr=False)
    arc_forward: NDArray[np.bool_] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        n_edges = self.edge_u.shape[0]
        for name in _EDGE_FIELDS:
            if getattr(self, name).shape[0] != n_edges:
                msg = f"Network.{name} has {getattr(self, name).shape[0]} rows, expected {n_edges}"
                raise ValueError(msg)
        if self.geom_indptr.shape[0] != n_edges + 1:
            raise ValueError("Network.geom_indptr must have one more entry than there are edges")
        fwd = np.arange(n_edges, dtype=np.int32)
        back = fwd[~self.oneway]
        tails = np.concatenate([self.edge_u, self.edge_v[back]])
        heads = np.concatenate([self.edge_v, self.edge_u[back]])
        edges = np.concatenate([fwd, back])
        forward = np.concatenate([np.ones(n_edges, bool), np.zeros(back.shape[0], bool)])
        order = np.argsort(tails, kind="stable")
        counts = np.bincount(tails, minlength=self.node_count)
        indptr = np.zeros(self.node_count + 1, dtype=np.int64)
        np.cumsum(counts, out=indptr[1:])
        object.__setattr__(self, "indptr", indptr)
        object.__setattr__(self, "arc_head", heads[order].astype(np.int32))
        object.__setattr__(self, "arc_edge", edges[order].astype(np.int32))
        object.__setattr__(self, "arc_forward", forward[order])

    @property
    def node_count(self) -> int:
        return int(self.lon.shape[0])

    @property
    def edge_count(self) -> int:
        return int(self.edge_u.shape[0])

    @property
    def arc_count(self) -> int:
        return int(self.arc_head.shape[0])

    @property
    def total_length_m(self) -> float:
        return float(self.length_m.sum())

    def arc_tail(self) -> NDArray[np.int32]:
        """Tail node of every arc (the CSR row each arc sits in)."""
        return np.repeat(np.arange(self.node_count, dtype=np.int32), np.diff(self.indptr))

    def to_csgraph(
        self, weight: EdgeWeight = "length_m", *, include_closed: bool = False
    ) -> sparse.csr_matrix:
        """Directed sparse matrix for :mod:`scipy.sparse.csgraph`, parallel arcs reduced to the
        lightest one. Closed edges are left out unless ``include_closed``."""
        tails = self.arc_tail()
        keep = np.ones(self.arc_count, bool) if include_closed else ~self.closed[self.arc_edge]
        t, h = tails[keep], self.arc_head[keep]
        w = getattr(self, weight)[self.arc_edge[keep]]
        order = np.lexsort((w, h, t))
        t, h, w = t[order], h[order], w[order]
        first = np.ones(t.shape[0], bool)
        first[1:] = (t[1:] != t[:-1]) | (h[1:] != h[:-1])
        n = self.node_count
        return sparse.csr_matrix((w[first], (t[first], h[first])), shape=(n, n))

    def edge_geometry(self, edge: int) -> NDArray[np.float64]:
        """The (k, 2) lon/lat vertices of one edge, from its u end to its v end."""
        lo, hi = self.geom_indptr[edge], self.geom_indptr[edge + 1]
        return np.column_stack([self.geom_lon[lo:hi], self.geom_lat[lo:hi]])

    def highway_of(self, edge: int) -> str:
        return self.highway_names[int(self.highway[edge])]
