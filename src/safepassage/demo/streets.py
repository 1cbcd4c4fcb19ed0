"""The whole street map of the demo city, ready to be written as an OSM file.

:func:`generate_streets` draws, in this order and all from one random generator: the river, the
street grid, the quays and bridges, the ring road and exit roads, paths through parks and a square,
a private compound, a street under construction, the motorway bypass, and a cut-off island.
Walkable ways that end up cut off from the rest (a street between a park and the river, say) are
left out, except the island, which is kept on purpose to exercise the importer.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from safepassage.demo.draft import Draft, Tags
from safepassage.demo.grid import Block, Grid, build_grid, grid_ways
from safepassage.demo.layout import River, make_river, to_lonlat
from safepassage.demo.ring import add_motorway, add_ring_and_exits
from safepassage.demo.waterside import add_island, add_quays_and_bridges, add_river
from safepassage.io.osm_tags import walk_exclusion

__all__ = ["CHECKPOINT_STEP", "StreetMap", "generate_streets"]

CHECKPOINT_STEP = 8  # corridors sit by the 8th node of each exit road, ~880 m out from the ring

_PARK_PATHS: tuple[Tags, ...] = (
    {"highway": "footway"},
    {"highway": "path", "surface": "unpaved"},
    {"highway": "footway", "width": "2.5"},
    {"highway": "cycleway", "foot": "yes"},  # closed to walkers unless foot=yes says otherwise
)


@dataclass(frozen=True, eq=False)
class StreetMap:
    """Nodes (ids 1..n in order) and ways (ids 1..m in order) of the demo city's OSM file."""

    lon: NDArray[np.float64]
    lat: NDArray[np.float64]
    x_m: NDArray[np.float64]  # local metres of the same nodes
    y_m: NDArray[np.float64]
    ways: list[tuple[list[int], Tags]]  # node ids (1-based) and tags
    river: River
    exits: dict[str, list[tuple[float, float]]]  # exit key -> road points (m), ring outwards
    grid: Grid


def _crossing_paths(
    draft: Draft, grid: Grid, block: Block, tags: Tags, rng: np.random.Generator
) -> list[int]:
    """Two paths corner to corner through the middle of ``block``; returns the nodes 30% of the
    way from each corner to the middle (an outline for a square)."""
    corners = [
        (block.i0, block.j0),
        (block.i1, block.j0),
        (block.i1, block.j1),
        (block.i0, block.j1),
    ]
    cx = float(np.mean([grid.x[c] for c in corners])) + float(rng.normal(0.0, 5.0))
    cy = float(np.mean([grid.y[c] for c in corners])) + float(rng.normal(0.0, 5.0))
    centre = draft.add_node(cx, cy)
    inner: list[int] = []
    for corner in corners:
        px, py = float(grid.x[corner]), float(grid.y[corner])
        inner.append(draft.add_node(px + 0.3 * (cx - px), py + 0.3 * (cy - py)))
    for k in (0, 1):
        path = [
            int(grid.node[corners[k]]),
            inner[k],
            centre,
            inner[k + 2],
            int(grid.node[corners[k + 2]]),
        ]
        draft.add_way(path, tags)
    return inner


def _add_blocks(draft: Draft, grid: Grid, rng: np.random.Generator) -> None:
    """Paths across the parks and the square; service roads in the private compound."""
    parks = 0
    for block in grid.blocks:
        if block.kind == "park":
            tags = {**_PARK_PATHS[parks % len(_PARK_PATHS)], "name": f"{block.name} path"}
            _crossing_paths(draft, grid, block, tags, rng)
            parks += 1
        elif block.kind == "square":
            outline = _crossing_paths(draft, grid, block, {"highway": "pedestrian"}, rng)
            # a square mapped as an area: its outline is not a path (area=yes is left out)
            draft.add_way(
                [*outline, outline[0]], {"highway": "pedestrian", "area": "yes", "name": block.name}
            )
        else:
            _add_compound(draft, grid, block)


def _add_compound(draft: Draft, grid: Grid, block: Block) -> None:
    corners = [
        (block.i0, block.j0),
        (block.i1, block.j0),
        (block.i1, block.j1),
        (block.i0, block.j1),
    ]
    cx = float(np.mean([grid.x[c] for c in corners]))
    cy = float(np.mean([grid.y[c] for c in corners]))
    loop = [
        draft.add_node(grid.x[c] + 0.25 * (cx - grid.x[c]), grid.y[c] + 0.25 * (cy - grid.y[c]))
        for c in corners
    ]
    gate_ij = (block.i0 + 1, block.j0)
    gate = int(grid.node[gate_ij])
    inner = draft.add_node(float(grid.x[gate_ij]), draft.y[loop[0]])
    private: Tags = {"highway": "service", "access": "private"}
    draft.add_way([gate, inner], {**private, "name": f"{block.name} gate"})
    draft.add_way([loop[0], inner, *loop[1:], loop[0]], private)


def _drop_cut_off(draft: Draft) -> None:
    """Leave out walkable ways outside the largest connected part of the walkable streets."""
    walkable = [walk_exclusion(tags) is None for _, tags in draft.ways]
    u: list[int] = []
    v: list[int] = []
    for (nodes, _), ok in zip(draft.ways, walkable, strict=True):
        if ok:
            u += nodes[:-1]
            v += nodes[1:]
    n = len(draft.x)
    graph = coo_matrix((np.ones(len(u)), (u, v)), shape=(n, n))
    _, labels = connected_components(graph, directed=False)
    counts = np.bincount(labels[np.asarray(u + v)])
    giant = int(np.argmax(counts))
    draft.ways = [
        way
        for way, ok in zip(draft.ways, walkable, strict=True)
        if not ok or labels[way[0][0]] == giant
    ]


def _finish(draft: Draft, river: River, grid: Grid, exits: dict[str, list[int]]) -> StreetMap:
    """Number the nodes that ways use 1..n in the order they were drawn; convert to degrees."""
    used = np.zeros(len(draft.x), dtype=bool)
    for nodes, _ in draft.ways:
        used[nodes] = True
    new_id = np.cumsum(used)  # 1-based ids of used nodes
    x, y = draft.xy()
    lon, lat = to_lonlat(x[used], y[used])
    ways = [([int(new_id[n]) for n in nodes], tags) for nodes, tags in draft.ways]
    points = {key: [(draft.x[n], draft.y[n]) for n in nodes] for key, nodes in exits.items()}
    return StreetMap(lon, lat, x[used], y[used], ways, river, points, grid)


def generate_streets(rng: np.random.Generator) -> StreetMap:
    """Draw the demo city's street map with ``rng`` (same generator state, same map)."""
    draft = Draft()
    river = make_river(rng)
    add_river(draft, river=river)
    grid = build_grid(draft, river, rng)
    add_quays_and_bridges(draft, grid, river)
    exits = add_ring_and_exits(draft, grid, river)
    grid_ways(draft, grid, rng)
    _add_blocks(draft, grid, rng)
    if grid.gaps:
        a, b = grid.gaps[0]
        draft.add_way([a, b], {"highway": "construction", "construction": "residential"})
    add_motorway(draft, river, exits["east"])
    _drop_cut_off(draft)
    add_island(draft, river)
    return _finish(draft, river, grid, exits)
