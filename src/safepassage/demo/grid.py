"""The street grid of the demo city: jittered blocks, a hierarchy of classes, parks and dead ends.

Grid line ``i`` runs north-south (a "col"), grid line ``j`` east-west (a "row"); node ``(i, j)``
is where they cross. Every 7th line is an arterial (~780 m apart), the line halfway between
arterials is tertiary, the rest residential. Four diagonal avenues cut through the blocks from
grid node to grid node, so they cross other streets only at junctions. Nodes too close to the
river are left out and no grid segment crosses it: bridges are added by
:mod:`safepassage.demo.waterside`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

import numpy as np
from numpy.typing import NDArray

from safepassage.demo.draft import Draft, Tags, chain_segments
from safepassage.demo.layout import ARTERIAL_EVERY, COLS, ROWS, River, col_x, row_y
from safepassage.demo.names import col_tags, diagonal_names, row_tags

__all__ = ["RIVER_CLEARANCE_M", "Block", "Grid", "LineKey", "Seg", "build_grid", "grid_ways"]

RIVER_CLEARANCE_M = 75.0  # no grid node closer than this to the river's centre line
LineKey = tuple[str, int]  # ("row", j), ("col", i) or ("diag", k)

# Diagonal avenues: start node, step, number of steps. They radiate from the centre.
_DIAGONALS: tuple[tuple[tuple[int, int], tuple[int, int], int], ...] = (
    ((36, 30), (1, 1), 14),
    ((26, 30), (-1, 1), 14),
    ((26, 16), (-1, -1), 14),
    ((38, 16), (1, -1), 14),
)
# Zones (inclusive index boxes i0, i1, j0, j1) where residential streets change character.
_OLD_TOWN = (26, 37, 26, 35)  # narrow living streets, more irregular
_MARKET_PEDESTRIAN = (44, 48, 27, 31)  # a pedestrian shopping zone
_KILN_STEPS = (50, 60, 3, 11)  # a hillside: some north-south streets are flights of steps


@dataclass(frozen=True)
class Block:
    """A rectangle of grid cells cleared of streets inside it: a park, a square, a compound."""

    kind: Literal["park", "square", "compound"]
    name: str
    i0: int
    j0: int
    i1: int
    j1: int

    def inside(self, i: float, j: float) -> bool:
        """Whether grid position (i, j) lies strictly inside the rectangle."""
        return self.i0 < i < self.i1 and self.j0 < j < self.j1


@dataclass
class Seg:
    """A grid segment: its position along its line, its end nodes (draft indexes) and tags."""

    order: float
    a: int
    b: int
    tags: Tags


@dataclass
class Grid:
    x: NDArray[np.float64]  # (COLS, ROWS) node positions in metres
    y: NDArray[np.float64]
    node: NDArray[np.int64]  # (COLS, ROWS) draft index, -1 where there is no node
    lines: dict[LineKey, list[Seg]]
    blocks: list[Block]
    gaps: list[tuple[int, int]] = field(default_factory=list)  # segments taken out


def _in_zone(zone: tuple[int, int, int, int], i: float, j: float) -> bool:
    i0, i1, j0, j1 = zone
    return i0 <= i <= i1 and j0 <= j <= j1


def _positions(
    rng: np.random.Generator, blocks: list[Block]
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Grid node positions: gently bent lines, jittered more in the Old Town and less along
    arterials and round parks (so that paths across a park cross none of its edge streets)."""
    i, j = np.meshgrid(np.arange(COLS), np.arange(ROWS), indexing="ij")
    x, y = col_x(i), row_y(j)
    x = x + 40.0 * np.sin(y / 900.0 + 0.7)
    y = y + 30.0 * np.sin(x / 1300.0 + 1.9)
    old = (i >= _OLD_TOWN[0]) & (i <= _OLD_TOWN[1]) & (j >= _OLD_TOWN[2]) & (j <= _OLD_TOWN[3])
    steady = (i % ARTERIAL_EVERY == 0) | (j % ARTERIAL_EVERY == 0)
    for block in blocks:
        steady[block.i0 : block.i1 + 1, block.j0 : block.j1 + 1] = True
    sigma = np.where(steady, 4.0, np.where(old, 15.0, 9.0))
    x = x + np.clip(rng.normal(size=x.shape), -2.5, 2.5) * sigma
    y = y + np.clip(rng.normal(size=y.shape), -2.5, 2.5) * sigma
    return x, y


def _diagonal_cells() -> set[tuple[int, int]]:
    cells: set[tuple[int, int]] = set()
    for (i, j), (di, dj), steps in _DIAGONALS:
        for k in range(steps):
            a, b = (i + k * di, j + k * dj), (i + (k + 1) * di, j + (k + 1) * dj)
            cells.add((min(a[0], b[0]), min(a[1], b[1])))
    return cells


def _fixed_blocks() -> list[Block]:
    return [
        Block("square", "Clock Square", 30, 29, 32, 31),
        Block("compound", "Walled compound", 8, 3, 11, 5),
    ]


def _parks(
    rng: np.random.Generator, river: River, taken: list[Block], count: int = 8
) -> list[Block]:
    """Parks inside arterial superblocks, away from the river, diagonals and each other."""
    diagonal = _diagonal_cells()
    parks: list[Block] = []
    names = (
        "Cedar Park",
        "Fountain Gardens",
        "Hillside Park",
        "Lime Tree Park",
        "Mill Park",
        "Orchard Park",
        "Sports Ground",
        "Willow Gardens",
        "Linden Park",
        "Garden Square",
    )
    attempts = 0
    while len(parks) < count and attempts < 500:
        attempts += 1
        bi, bj = int(rng.integers(0, 9)), int(rng.integers(0, 6))
        w, h = int(rng.integers(2, 4)), int(rng.integers(2, 4))
        i0 = ARTERIAL_EVERY * bi + int(rng.integers(1, ARTERIAL_EVERY - w))
        j0 = ARTERIAL_EVERY * bj + int(rng.integers(1, ARTERIAL_EVERY - h))
        block = Block("park", names[len(parks)], i0, j0, i0 + w, j0 + h)
        corners_i = np.array([block.i0, block.i1, block.i0, block.i1])
        corners_j = np.array([block.j0, block.j0, block.j1, block.j1])
        cx, cy = col_x(corners_i), row_y(corners_j)
        if np.any(river.distance(cx, cy) < 200.0) or len(set(river.side(cx, cy).tolist())) > 1:
            continue
        cells = {(a, b) for a in range(block.i0, block.i1) for b in range(block.j0, block.j1)}
        if cells & diagonal:
            continue
        if any(_overlaps(block, other) for other in [*taken, *parks]):
            continue
        parks.append(block)
    return parks


def _overlaps(a: Block, b: Block, margin: int = 1) -> bool:
    return not (
        a.i1 + margin <= b.i0
        or b.i1 + margin <= a.i0
        or a.j1 + margin <= b.j0
        or b.j1 + margin <= a.j0
    )


def _segment_tags(kind: str, index: int, mi: float, mj: float, rng: np.random.Generator) -> Tags:
    """Tags of the segment with midpoint (mi, mj) on line (kind, index)."""
    tags = row_tags(index) if kind == "row" else col_tags(index)
    draw = float(rng.random())
    if tags["highway"] != "residential":
        return tags
    if _in_zone(_OLD_TOWN, mi, mj):
        tags = {**tags, "highway": "living_street"}
        if draw < 0.5:
            tags["width"] = "4"
    elif _in_zone(_MARKET_PEDESTRIAN, mi, mj):
        tags = {**tags, "highway": "pedestrian"}
    elif kind == "col" and _in_zone(_KILN_STEPS, mi, mj) and draw < 0.3:
        tags = {"highway": "steps", "incline": "up"}
    elif draw > 0.97:
        tags = {**tags, "width": "5 m"}
    return tags


def _candidates() -> list[tuple[LineKey, float, tuple[int, int], tuple[int, int]]]:
    """Every possible grid segment: (line, order along it, node from, node to)."""
    out: list[tuple[LineKey, float, tuple[int, int], tuple[int, int]]] = []
    for j in range(ROWS):
        out += [(("row", j), float(i), (i, j), (i + 1, j)) for i in range(COLS - 1)]
    for i in range(COLS):
        out += [(("col", i), float(j), (i, j), (i, j + 1)) for j in range(ROWS - 1)]
    for k, ((i, j), (di, dj), steps) in enumerate(_DIAGONALS):
        out += [
            (("diag", k), float(s), (i + s * di, j + s * dj), (i + (s + 1) * di, j + (s + 1) * dj))
            for s in range(steps)
        ]
    return out


def _segments(grid: Grid, river: River, rng: np.random.Generator) -> None:
    side = river.side(grid.x, grid.y)
    diag_names = diagonal_names()
    for line, order, (ia, ja), (ib, jb) in _candidates():
        a, b = int(grid.node[ia, ja]), int(grid.node[ib, jb])
        if a < 0 or b < 0 or side[ia, ja] != side[ib, jb]:
            continue
        mi, mj = (ia + ib) / 2, (ja + jb) / 2
        if any(block.inside(mi, mj) for block in grid.blocks):
            continue
        kind, index = line
        if kind == "diag":
            tags: Tags = {"highway": "secondary", "name": diag_names[index], "lanes": "2"}
        else:
            tags = _segment_tags(kind, index, mi, mj, rng)
        grid.lines.setdefault(line, []).append(Seg(order, a, b, tags))


def _open_gaps(grid: Grid, rng: np.random.Generator, share: float = 0.05) -> None:
    """Take out a few residential segments where both ends keep two other streets: T-junctions
    and broken lines, as in any real city."""
    degree = np.zeros(int(grid.node.max()) + 1, dtype=np.int64)
    for segs in grid.lines.values():
        for seg in segs:
            degree[seg.a] += 1
            degree[seg.b] += 1
    for segs in grid.lines.values():
        kept: list[Seg] = []
        for seg in segs:
            draw = float(rng.random())
            if (
                seg.tags["highway"] == "residential"
                and draw < share
                and min(degree[seg.a], degree[seg.b]) >= 3
            ):
                degree[seg.a] -= 1
                degree[seg.b] -= 1
                grid.gaps.append((seg.a, seg.b))
                continue
            kept.append(seg)
        segs[:] = kept


def _spur_cell(kind: str, seg: Seg, index: int, left: bool) -> tuple[int, int]:
    """The block cell a spur from the middle of ``seg`` reaches into (cells are named by their
    south-west node)."""
    k = int(seg.order)
    if kind == "row":  # heading east: left is north
        return (k, index) if left else (k, index - 1)
    return (index - 1, k) if left else (index, k)  # heading north: left is west


def _spur(
    draft: Draft, seg: Seg, left: bool, river: River, rng: np.random.Generator, length_m: float
) -> list[Seg] | None:
    """A dead-end street ``length_m`` long from the middle of ``seg``, on its left or right;
    returns the two halves of ``seg`` that replace it, or ``None`` when the spur would come too
    near the river."""
    xa, ya, xb, yb = draft.x[seg.a], draft.y[seg.a], draft.x[seg.b], draft.y[seg.b]
    norm = float(np.hypot(xb - xa, yb - ya)) * (1.0 if left else -1.0)
    nx, ny = -(yb - ya) / norm, (xb - xa) / norm
    mx, my = (xa + xb) / 2, (ya + yb) / 2
    end = (mx + length_m * nx, my + length_m * ny)
    bend = float(rng.uniform(-4.0, 4.0))
    if river.distance([end[0]], [end[1]])[0] < 2 * RIVER_CLEARANCE_M:
        return None
    mid = draft.add_node(mx, my)
    half = draft.add_node(mx + length_m / 2 * nx - bend * ny, my + length_m / 2 * ny + bend * nx)
    tip = draft.add_node(*end)
    draft.add_way([mid, half, tip], {"highway": "residential", "noexit": "yes"})
    return [Seg(seg.order, seg.a, mid, seg.tags), Seg(seg.order + 0.5, mid, seg.b, seg.tags)]


def _dead_ends(
    draft: Draft,
    grid: Grid,
    river: River,
    rng: np.random.Generator,
    share: float = 0.06,
    length_m: float = 40.0,
) -> None:
    """Cul-de-sacs: short dead-end streets from the middle of a street into a block, at most
    one per block, none into parks or across diagonal avenues."""
    busy = _diagonal_cells()
    for block in grid.blocks:
        busy |= {(a, b) for a in range(block.i0, block.i1) for b in range(block.j0, block.j1)}
    for (kind, index), segs in grid.lines.items():
        new: list[Seg] = []
        for seg in segs:
            draw, left = float(rng.random()), bool(rng.random() < 0.5)
            cell = _spur_cell(kind, seg, index, left)
            halves = None
            if (
                kind != "diag"
                and draw < share
                and cell not in busy
                and seg.tags["highway"] in {"residential", "tertiary", "living_street"}
                and 0 <= cell[0] < COLS - 1
                and 0 <= cell[1] < ROWS - 1
            ):
                halves = _spur(draft, seg, left, river, rng, length_m)
            if halves is None:
                new.append(seg)
            else:
                busy.add(cell)
                new += halves
        segs[:] = new


def build_grid(draft: Draft, river: River, rng: np.random.Generator) -> Grid:
    """Lay out the grid's nodes and segments (not yet ways: see :func:`grid_ways`)."""
    blocks = _fixed_blocks()
    blocks += _parks(rng, river, blocks)
    x, y = _positions(rng, blocks)
    keep = river.distance(x, y) >= RIVER_CLEARANCE_M
    for block in blocks:
        keep[block.i0 + 1 : block.i1, block.j0 + 1 : block.j1] = False
    node = np.full((COLS, ROWS), -1, dtype=np.int64)
    for i, j in np.argwhere(keep).tolist():
        node[i, j] = draft.add_node(x[i, j], y[i, j])
    grid = Grid(x=x, y=y, node=node, lines={}, blocks=blocks)
    _segments(grid, river, rng)
    _open_gaps(grid, rng)
    _dead_ends(draft, grid, river, rng)
    return grid


def grid_ways(
    draft: Draft, grid: Grid, rng: np.random.Generator, *, bend_share: float = 0.25
) -> None:
    """Turn every grid line into ways, adding a slightly offset node inside some segments so that
    streets bend a little between junctions."""
    x, y = draft.xy()
    for line in grid.lines:
        pieces = []
        for seg in sorted(grid.lines[line], key=lambda s: s.order):
            draw, offset = float(rng.random()), float(np.clip(rng.normal(0.0, 4.0), -10, 10))
            dx, dy = x[seg.b] - x[seg.a], y[seg.b] - y[seg.a]
            length = float(np.hypot(dx, dy))
            if draw < bend_share and length > 60.0 and "bridge" not in seg.tags:
                mx = (x[seg.a] + x[seg.b]) / 2 - offset * dy / length
                my = (y[seg.a] + y[seg.b]) / 2 + offset * dx / length
                mid = draft.add_node(mx, my)
                pieces += [(seg.a, mid, seg.tags), (mid, seg.b, seg.tags)]
            else:
                pieces.append((seg.a, seg.b, seg.tags))
        chain_segments(draft, pieces)
