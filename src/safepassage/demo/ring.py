"""The ring road round the demo city, the four exit roads leading out of it, and the motorway
bypass (closed to people on foot) that the east exit passes under.

The ring is a superellipse ``|x/a|^p + |y/b|^p = 1`` (a rounded rectangle) just outside the grid;
every arterial grid line is carried on to it. It crosses the river on two bridges of its own.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import shapely
from numpy.typing import NDArray

from safepassage.demo.draft import Draft, Segment, Tags, chain_segments
from safepassage.demo.grid import Grid, Seg
from safepassage.demo.layout import ARTERIAL_EVERY, COLS, FRONT_LINE_M, ROWS, River
from safepassage.demo.names import col_tags, row_tags
from safepassage.demo.waterside import BRIDGE_TAGS, bridge_mask

__all__ = ["EXITS", "RING_TAGS", "ExitRoad", "add_motorway", "add_ring_and_exits"]

_A_M, _B_M, _P = 4000.0, 3000.0, 6.0  # ring half-width, half-height (m) and exponent
RING_TAGS: Tags = {"highway": "trunk", "name": "Ring Road", "lanes": "4"}
_STEP_M = 110.0  # node spacing on the ring and the exit roads
_MOTORWAY_X_M = 4600.0
# ring and motorway nodes closer than this to the river's centre line stand on a bridge
_BRIDGE_CLEARANCE_M = 45.0


@dataclass(frozen=True)
class ExitRoad:
    """An exit road: it leaves the ring where grid line ``line`` meets it, heading ``heading``."""

    key: str
    name: str
    line: tuple[str, int]  # ("col", i) or ("row", j)
    end: int  # 0: the line's south/west end; -1: its north/east end
    heading: tuple[float, float]


EXITS = (
    ExitRoad("north", "North Road", ("col", 28), -1, (0.0, 1.0)),
    ExitRoad("west", "West Road", ("row", 35), 0, (-1.0, 0.0)),
    ExitRoad("south", "South Highway", ("col", 42), 0, (0.0, -1.0)),
    ExitRoad("east", "East Road", ("row", 14), -1, (1.0, 0.0)),
)


def _ring_xy(phi: NDArray[np.float64]) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    c, s = np.cos(phi), np.sin(phi)
    return (_A_M * np.sign(c) * np.abs(c) ** (2 / _P), _B_M * np.sign(s) * np.abs(s) ** (2 / _P))


def _ring_phi(x: float, y: float) -> float:
    return float(
        np.arctan2(np.sign(y) * abs(y / _B_M) ** (_P / 2), np.sign(x) * abs(x / _A_M) ** (_P / 2))
    )


def _junctions(grid: Grid) -> list[tuple[tuple[str, int], int, float, float]]:
    """Where each arterial grid line meets the ring: (line, end, x, y)."""
    out: list[tuple[tuple[str, int], int, float, float]] = []
    for i in range(0, COLS, ARTERIAL_EVERY):
        for end, sign in ((0, -1.0), (-1, 1.0)):
            x = float(grid.x[i, end])
            out.append((("col", i), end, x, sign * _B_M * (1 - abs(x / _A_M) ** _P) ** (1 / _P)))
    for j in range(0, ROWS, ARTERIAL_EVERY):
        for end, sign in ((0, -1.0), (-1, 1.0)):
            y = float(grid.y[end, j])
            out.append((("row", j), end, sign * _A_M * (1 - abs(y / _B_M) ** _P) ** (1 / _P), y))
    return out


def _ring_phis(junction_xy: NDArray[np.float64]) -> tuple[NDArray[np.float64], NDArray[np.int64]]:
    """Ring nodes every ~110 m of arc plus one at every junction, starting from the northmost.

    Returns the angles and, for each, the junction it stands for (-1 for a plain ring node).
    """
    dense = np.linspace(-np.pi, np.pi, 8001)
    x, y = _ring_xy(dense)
    arc = np.concatenate([[0.0], np.cumsum(np.hypot(np.diff(x), np.diff(y)))])
    count = int(arc[-1] // _STEP_M)
    regular = np.interp(np.arange(count) * arc[-1] / count, arc, dense)
    rx, ry = _ring_xy(regular)
    near = np.hypot(rx[:, None] - junction_xy[None, :, 0], ry[:, None] - junction_xy[None, :, 1])
    keep = near.min(axis=1) > 45.0
    phis = np.concatenate([regular[keep], [_ring_phi(x, y) for x, y in junction_xy.tolist()]])
    which = np.concatenate([np.full(int(keep.sum()), -1), np.arange(junction_xy.shape[0])])
    order = np.argsort(phis, kind="stable")
    phis, which = phis[order], which[order]
    north = int(np.argmax(_ring_xy(phis)[1]))
    # start at the northmost node, away from both ring bridges
    return np.roll(phis, -north), np.roll(which, -north)


def _lay_ring(draft: Draft, junction_xy: NDArray[np.float64], river: River) -> list[int]:
    """The ring road's ways; returns the ring node standing for each junction."""
    phis, which = _ring_phis(junction_xy)
    rx, ry = _ring_xy(phis)
    ring = [draft.add_node(px, py) for px, py in zip(rx.tolist(), ry.tolist(), strict=True)]
    on_bridge = bridge_mask(
        np.append(rx, rx[0]), np.append(ry, ry[0]), river, clearance_m=_BRIDGE_CLEARANCE_M
    )
    segments: list[Segment] = []
    for k, (a, b) in enumerate(zip(ring, [*ring[1:], ring[0]], strict=True)):
        if on_bridge[k]:
            side = "West" if rx[k] < 0 else "East"
            segments.append((a, b, {**RING_TAGS, "name": f"{side} Ring Bridge", **BRIDGE_TAGS}))
        else:
            segments.append((a, b, RING_TAGS))
    chain_segments(draft, segments)
    at_junction = [-1] * junction_xy.shape[0]
    for node, junction in zip(ring, which.tolist(), strict=True):
        if junction >= 0:
            at_junction[junction] = node
    return at_junction


def add_ring_and_exits(draft: Draft, grid: Grid, river: River) -> dict[str, list[int]]:
    """Lay the ring road, carry the arterials on to it, and lay the exit roads.

    Returns the draft nodes of each exit road, from the ring outwards, by exit key.
    """
    junctions = []
    for line, end, x, y in _junctions(grid):
        kind, index = line
        ij = (index, end) if kind == "col" else (end, index)
        node = int(grid.node[ij])
        link_x, link_y = np.array([grid.x[ij], x]), np.array([grid.y[ij], y])
        if node >= 0 and not bridge_mask(link_x, link_y, river)[0]:
            junctions.append((line, end, x, y, node))
    junction_xy = np.array([(x, y) for _, _, x, y, _ in junctions], dtype=np.float64)
    ring_nodes = _lay_ring(draft, junction_xy, river)
    front_line = shapely.Polygon(FRONT_LINE_M)
    ring_at: dict[tuple[tuple[str, int], int], int] = {}
    for (line, end, _, _, node), ring_node in zip(junctions, ring_nodes, strict=True):
        ring_at[(line, end)] = ring_node
        kind, index = line
        tags = col_tags(index) if kind == "col" else row_tags(index)
        if front_line.contains(shapely.Point(draft.x[ring_node], draft.y[ring_node])):
            tags = {**tags, "access": "no", "note": "barricaded at the front line"}
        size = ROWS if kind == "col" else COLS
        link = (
            Seg(-1.0, ring_node, node, tags)
            if end == 0
            else Seg(float(size), node, ring_node, tags)
        )
        grid.lines.setdefault(line, []).append(link)
    return {road.key: _exit_road(draft, road, ring_at[(road.line, road.end)]) for road in EXITS}


def _exit_road(draft: Draft, road: ExitRoad, start: int, *, steps: int = 12) -> list[int]:
    hx, hy = road.heading
    x0, y0 = draft.x[start], draft.y[start]
    nodes = [start]
    for k in range(1, steps + 1):
        wiggle = 18.0 * np.sin(k / 3.0)  # a road that follows the lie of the land
        nodes.append(
            draft.add_node(x0 + hx * _STEP_M * k - hy * wiggle, y0 + hy * _STEP_M * k + hx * wiggle)
        )
    draft.add_way(nodes, {"highway": "primary", "name": road.name, "lanes": "2"})
    return nodes


def add_motorway(draft: Draft, river: River, east_exit: list[int]) -> None:
    """A north-south motorway east of the ring (``highway=motorway``: no pedestrians), on bridges
    over the river and over the East Road, with one slip road down to the East Road."""
    ex = np.array([draft.x[n] for n in east_exit])
    ey = np.array([draft.y[n] for n in east_exit])
    exit_y = float(np.interp(_MOTORWAY_X_M, ex, ey))
    ys = np.arange(-4000.0, 4000.0 + 1.0, 150.0)
    xs = _MOTORWAY_X_M + 25.0 * np.sin(ys / 1700.0)
    nodes = [draft.add_node(px, py) for px, py in zip(xs.tolist(), ys.tolist(), strict=True)]
    over_road = (np.abs(ys[:-1] - exit_y) < 80.0) | (np.abs(ys[1:] - exit_y) < 80.0)
    bridge = bridge_mask(xs, ys, river, clearance_m=_BRIDGE_CLEARANCE_M) | over_road
    tags: Tags = {"highway": "motorway", "name": "Eastern Bypass", "ref": "M1", "lanes": "4"}
    chain_segments(
        draft,
        [
            (a, b, {**tags, **BRIDGE_TAGS} if on else tags)
            for a, b, on in zip(nodes, nodes[1:], bridge.tolist(), strict=False)
        ],
    )
    below = int(np.argmin(np.abs(ex - (_MOTORWAY_X_M - 250.0))))
    above = int(np.argmin(np.abs(ys - (exit_y + 330.0))))
    ramp = draft.add_node(_MOTORWAY_X_M - 120.0, exit_y + 160.0)
    draft.add_way([east_exit[below], ramp, nodes[above]], {"highway": "motorway_link"})
