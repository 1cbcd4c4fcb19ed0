"""Degree-2 contraction: merge chains of edges through nodes that only pass a street along.

A node is contracted when it has exactly two incident edges, both usable the same way (both
two-way, or both one-way and passing through), both open or both closed by a hazard, and it is
not protected (corridor and service locations are protected so they stay addressable). The merged
edge has the summed length and time, the smallest width and capacity of its parts (the bottleneck
governs), and the concatenated geometry, so shortest-path distances between kept nodes and the
drawing of the streets do not change.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from safepassage.model.network import Network

__all__ = ["ContractionReport", "contract_degree2", "incidence"]


@dataclass(frozen=True)
class ContractionReport:
    nodes_before: int
    nodes_after: int
    edges_before: int
    edges_after: int
    self_loops_dropped: int


def incidence(network: Network) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    """CSR of the edges touching each node, whatever their direction: (indptr, edges)."""
    m = network.edge_count
    ends = np.concatenate([network.edge_u, network.edge_v])
    edges = np.concatenate([np.arange(m), np.arange(m)])
    order = np.argsort(ends, kind="stable")
    indptr = np.zeros(network.node_count + 1, dtype=np.int64)
    np.cumsum(np.bincount(ends, minlength=network.node_count), out=indptr[1:])
    return indptr, edges[order]


def _contractable(
    network: Network,
    inc_ptr: NDArray[np.int64],
    inc: NDArray[np.int64],
    protected: NDArray[np.bool_],
) -> NDArray[np.bool_]:
    degree = np.diff(inc_ptr)
    candidate = (degree == 2) & ~protected
    nodes = np.flatnonzero(candidate)
    e1 = inc[inc_ptr[nodes]]
    e2 = inc[inc_ptr[nodes] + 1]
    ok = e1 != e2  # a self-loop on the node itself
    ok &= network.closed[e1] == network.closed[e2]
    ow1, ow2 = network.oneway[e1], network.oneway[e2]
    ok &= ow1 == ow2
    # one-way chains must pass through: one edge enters the node, the other leaves it
    enters1 = network.edge_v[e1] == nodes
    enters2 = network.edge_v[e2] == nodes
    ok &= ~ow1 | (enters1 != enters2)
    result = np.zeros(network.node_count, dtype=bool)
    result[nodes[ok]] = True
    return result


def contract_degree2(
    network: Network, *, protected: NDArray[np.bool_] | None = None
) -> tuple[Network, ContractionReport]:
    """Merge chains through contractable nodes; returns the new network and what changed."""
    n, m = network.node_count, network.edge_count
    protected = np.zeros(n, bool) if protected is None else protected
    inc_ptr, inc = incidence(network)
    through = _contractable(network, inc_ptr, inc, protected)
    u_arr, v_arr = network.edge_u.tolist(), network.edge_v.tolist()
    inc_list = inc.tolist()
    ptr = inc_ptr.tolist()
    through_list = through.tolist()
    visited = np.zeros(m, dtype=bool)
    chains: list[tuple[int, int, list[int], list[bool]]] = []

    def walk(start: int, first_edge: int) -> None:
        edges: list[int] = []
        forward: list[bool] = []
        node, edge = start, first_edge
        while True:
            visited[edge] = True
            fwd = u_arr[edge] == node
            edges.append(edge)
            forward.append(fwd)
            node = v_arr[edge] if fwd else u_arr[edge]
            if not through_list[node] or node == start:
                break
            a, b = inc_list[ptr[node]], inc_list[ptr[node] + 1]
            edge = b if a == edge else a
        if node == start and len(edges) >= 2:
            # a loop back to its own node: keep its middle node so it stays two drawable edges
            mid = len(edges) // 2
            last, fwd_last = edges[mid - 1], forward[mid - 1]
            mid_node = v_arr[last] if fwd_last else u_arr[last]
            through_list[mid_node] = False
            chains.append((start, mid_node, edges[:mid], forward[:mid]))
            chains.append((mid_node, node, edges[mid:], forward[mid:]))
        else:
            chains.append((start, node, edges, forward))

    for node in np.flatnonzero(~through).tolist():
        for k in range(ptr[node], ptr[node + 1]):
            edge = inc_list[k]
            if not visited[edge]:
                walk(node, edge)
    # what is left are rings made only of contractable nodes: keep one node of each
    for edge in np.flatnonzero(~visited).tolist():
        if not visited[edge]:
            through_list[u_arr[edge]] = False
            walk(u_arr[edge], edge)
    return _assemble(network, chains, through_list)


def _assemble(
    network: Network, chains: list[tuple[int, int, list[int], list[bool]]], through: list[bool]
) -> tuple[Network, ContractionReport]:
    kept = np.flatnonzero(~np.asarray(through, dtype=bool))
    new_index = np.full(network.node_count, -1, dtype=np.int64)
    new_index[kept] = np.arange(kept.shape[0])
    loops = 0
    rows: list[tuple[int, int, list[int], list[bool]]] = []
    for start, end, edges, forward in chains:
        if start == end:
            loops += 1  # a one-segment loop never lies on a shortest path
            continue
        if network.oneway[edges[0]] and not forward[0]:
            # keep one-way chains pointing the way traffic goes
            start, end = end, start
            edges, forward = edges[::-1], [not f for f in forward[::-1]]
        rows.append((start, end, edges, forward))
    count = len(rows)
    edge_u = np.empty(count, np.int32)
    edge_v = np.empty(count, np.int32)
    length = np.empty(count)
    time = np.empty(count)
    width = np.empty(count)
    capacity = np.empty(count)
    first_edge = np.empty(count, np.int64)
    geom_parts_lon: list[NDArray[np.float64]] = []
    geom_parts_lat: list[NDArray[np.float64]] = []
    geom_len = np.empty(count, np.int64)
    for i, (start, end, edges, forward) in enumerate(rows):
        idx = np.asarray(edges)
        edge_u[i], edge_v[i] = new_index[start], new_index[end]
        length[i] = network.length_m[idx].sum()
        time[i] = network.time_s[idx].sum()
        width[i] = network.width_m[idx].min()
        capacity[i] = network.capacity_ppm[idx].min()
        first_edge[i] = edges[0]
        lon_parts, lat_parts = [], []
        for j, (edge, fwd) in enumerate(zip(edges, forward, strict=True)):
            lo, hi = network.geom_indptr[edge], network.geom_indptr[edge + 1]
            step = slice(lo, hi) if fwd else slice(hi - 1, lo - 1 if lo > 0 else None, -1)
            part_lon, part_lat = network.geom_lon[step], network.geom_lat[step]
            if j:
                part_lon, part_lat = part_lon[1:], part_lat[1:]
            lon_parts.append(part_lon)
            lat_parts.append(part_lat)
        geom_parts_lon.append(np.concatenate(lon_parts))
        geom_parts_lat.append(np.concatenate(lat_parts))
        geom_len[i] = geom_parts_lon[-1].shape[0]
    geom_indptr = np.zeros(count + 1, np.int64)
    np.cumsum(geom_len, out=geom_indptr[1:])
    contracted = Network(
        crs=network.crs,
        node_osm_id=network.node_osm_id[kept],
        lon=network.lon[kept],
        lat=network.lat[kept],
        x_m=network.x_m[kept],
        y_m=network.y_m[kept],
        edge_u=edge_u,
        edge_v=edge_v,
        length_m=length,
        width_m=width,
        capacity_ppm=capacity,
        time_s=time,
        highway=network.highway[first_edge],
        highway_names=network.highway_names,
        oneway=network.oneway[first_edge],
        closed=network.closed[first_edge],
        way_id=network.way_id[first_edge],
        geom_indptr=geom_indptr,
        geom_lon=np.concatenate(geom_parts_lon) if count else np.empty(0),
        geom_lat=np.concatenate(geom_parts_lat) if count else np.empty(0),
    )
    report = ContractionReport(
        nodes_before=network.node_count,
        nodes_after=contracted.node_count,
        edges_before=network.edge_count,
        edges_after=contracted.edge_count,
        self_loops_dropped=loops,
    )
    return contracted, report
