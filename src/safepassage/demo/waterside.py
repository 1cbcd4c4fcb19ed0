"""The river of the demo city, its quays, its bridges (two standing, one destroyed) and an island.

The grid stops short of the river (:data:`~safepassage.demo.grid.RIVER_CLEARANCE_M`); each
north-south street is carried on to a quay that runs along each bank 40 m from the centre line.
Only the bridges join the quays of the two banks. The ring road's own two bridges are laid by
:mod:`safepassage.demo.ring`.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence

import numpy as np
from numpy.typing import NDArray

from safepassage.demo.draft import Draft, Segment, Tags, chain_segments
from safepassage.demo.grid import RIVER_CLEARANCE_M, Grid, Seg
from safepassage.demo.layout import COLS, River, col_x
from safepassage.demo.names import col_tags

__all__ = [
    "BRIDGE_TAGS",
    "QUAY_OFFSET_M",
    "RIVER_NAME",
    "add_island",
    "add_quays_and_bridges",
    "add_river",
    "bridge_mask",
]

RIVER_NAME = "Maren (fictional river)"
QUAY_OFFSET_M = 40.0  # quays run this far from the river's centre line; the water is 70 m wide
BRIDGE_TAGS: Tags = {"bridge": "yes", "layer": "1"}
# grid columns carried over the river, with the bridge's own tags
_BRIDGES: dict[int, Tags] = {
    31: {"highway": "pedestrian", "name": "Old Bridge", "width": "6"},
    42: {"highway": "primary", "name": "New Bridge", "lanes": "4"},
}
# a bridge that no longer stands: mapped, but closed to everyone
_DESTROYED: dict[int, Tags] = {
    14: {
        "highway": "secondary",
        "name": "Mill Bridge",
        "access": "no",
        "note": "destroyed; impassable",
    },
}
_PROMENADE_COLS = (26, 37)  # on the north bank the quay is a promenade along the Old Town


def bridge_mask(
    x: NDArray[np.float64],
    y: NDArray[np.float64],
    river: River,
    *,
    clearance_m: float = RIVER_CLEARANCE_M,
) -> NDArray[np.bool_]:
    """For a polyline through (x, y): which of its segments must be a bridge, because an end lies
    within ``clearance_m`` of the river's centre line or the two ends lie on opposite banks."""
    wet = river.distance(x, y) < clearance_m
    side = river.side(x, y)
    return wet[:-1] | wet[1:] | (side[:-1] != side[1:])


def add_river(draft: Draft, *, x_min: float = -5600.0, x_max: float = 5600.0, river: River) -> None:
    """The river's centre line as a ``waterway=river`` way (not walkable)."""
    points = river.centreline(x_min, x_max, step_m=100.0)
    nodes = [draft.add_node(px, py) for px, py in points.tolist()]
    draft.add_way(nodes, {"waterway": "river", "name": RIVER_NAME, "width": "70"})


def _bank_ends(grid: Grid, river: River, i: int) -> tuple[int, int] | None:
    """Rows of the last node south of the river and the first north of it on column ``i``."""
    present = np.flatnonzero(grid.node[i] >= 0)
    side = river.side(grid.x[i, present], grid.y[i, present])
    south, north = present[side < 0], present[side > 0]
    if south.size == 0 or north.size == 0:
        return None
    return int(south.max()), int(north.min())


def _tags_at(grid: Grid, i: int, node: int) -> Tags:
    """Tags of the column-``i`` segment that ends or starts at ``node`` (to extend that way)."""
    for seg in grid.lines.get(("col", i), []):
        if node in (seg.a, seg.b):
            return seg.tags
    return col_tags(i)


def add_quays_and_bridges(draft: Draft, grid: Grid, river: River) -> None:
    """Carry every north-south street to a quay on its bank; bridge the chosen columns."""
    quays: dict[int, list[tuple[int, int]]] = {-1: [], 1: []}  # bank -> [(column, quay node)]
    for i in range(COLS):
        ends = _bank_ends(grid, river, i)
        if ends is None:
            continue
        j_s, j_n = ends
        south, north = int(grid.node[i, j_s]), int(grid.node[i, j_n])
        quay_s = draft.add_node(*river.beside(float(grid.x[i, j_s]), -QUAY_OFFSET_M))
        quay_n = draft.add_node(*river.beside(float(grid.x[i, j_n]), QUAY_OFFSET_M))
        quays[-1].append((i, quay_s))
        quays[1].append((i, quay_n))
        line = grid.lines.setdefault(("col", i), [])
        line.append(Seg(j_s + 0.5, south, quay_s, _tags_at(grid, i, south)))
        if i in _BRIDGES:
            line.append(Seg(j_s + 0.6, quay_s, quay_n, {**_BRIDGES[i], **BRIDGE_TAGS}))
        if i in _DESTROYED:
            draft.add_way([quay_s, quay_n], {**_DESTROYED[i], **BRIDGE_TAGS})
        line.append(Seg(j_s + 0.7, quay_n, north, _tags_at(grid, i, north)))
    for bank, nodes in quays.items():
        segments: list[Segment] = [
            (a, b, _quay_tags(bank, i)) for (i, a), (_, b) in itertools.pairwise(nodes)
        ]
        chain_segments(draft, segments)


def _quay_tags(bank: int, i: int) -> Tags:
    if bank > 0 and _PROMENADE_COLS[0] <= i < _PROMENADE_COLS[1]:
        return {"highway": "pedestrian", "name": "Riverside Promenade"}
    return {"highway": "tertiary", "name": "North Quay" if bank > 0 else "South Quay"}


def add_island(draft: Draft, river: River, *, column: float = 18.5) -> None:
    """A footpath round a small island in the river. Its footbridge is gone, so it is not
    connected to the streets: the importer should drop it as a separate component."""
    x0 = float(col_x(column))
    angles: Sequence[float] = np.linspace(0.0, 2 * np.pi, 9)[:-1].tolist()
    # 10-24 m north of the centre line: inside the water, short of the north quay at 40 m
    points = [river.beside(x0 + 35.0 * np.cos(t), 17.0 + 7.0 * np.sin(t)) for t in angles]
    nodes = [draft.add_node(px, py) for px, py in points]
    draft.add_way([*nodes, nodes[0]], {"highway": "footway", "name": "Mill Island path"})
