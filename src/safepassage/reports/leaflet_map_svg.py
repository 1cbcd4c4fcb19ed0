"""A small inline SVG map for a leaflet: the streets around a walking route, the route, its
start, the corridor and its service points, a north arrow and a scale bar.

Drawn in local metres (an equirectangular projection about the route's centre: within a few
kilometres its error is far below a printed line's width). Nothing else is marked: no gathering
points, no other places where people might be found.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from html import escape

import numpy as np
from numpy.typing import NDArray

from safepassage.model.network import Network

__all__ = ["MapPoint", "route_map_svg"]

_WIDTH, _HEIGHT, _PAD = 480.0, 300.0, 18.0
_M_PER_DEG_LAT = 110_574.0
_SCALES_M = (50, 100, 200, 250, 500, 1000, 2000, 2500, 5000, 10_000, 20_000)


@dataclass(frozen=True)
class MapPoint:
    """A point to mark: ``kind`` is "start", "corridor", "medical_post" or "food_point"."""

    kind: str
    lon: float
    lat: float


@dataclass(frozen=True)
class _Frame:
    lon0: float
    lat0: float
    m_per_deg_lon: float
    scale: float  # pixels per metre
    x_off: float
    y_off: float

    def xy(self, lon: NDArray[np.float64], lat: NDArray[np.float64]) -> NDArray[np.float64]:
        x = (lon - self.lon0) * self.m_per_deg_lon * self.scale + self.x_off
        y = self.y_off - (lat - self.lat0) * _M_PER_DEG_LAT * self.scale
        return np.column_stack([x, y])


def _frame(lon: NDArray[np.float64], lat: NDArray[np.float64]) -> _Frame:
    lon0, lat0 = float(lon.mean()), float(lat.mean())
    m_per_deg_lon = _M_PER_DEG_LAT * math.cos(math.radians(lat0))
    span_x = max(float(np.ptp(lon)) * m_per_deg_lon, 200.0) * 1.3
    span_y = max(float(np.ptp(lat)) * _M_PER_DEG_LAT, 200.0) * 1.3
    scale = min((_WIDTH - 2 * _PAD) / span_x, (_HEIGHT - 2 * _PAD) / span_y)
    return _Frame(lon0, lat0, m_per_deg_lon, scale, _WIDTH / 2, _HEIGHT / 2)


def _points_attr(xy: NDArray[np.float64]) -> str:
    return " ".join(f"{x:.1f},{y:.1f}" for x, y in xy)


def _streets(network: Network, frame: _Frame) -> list[str]:
    """Polylines of the streets with a vertex inside the drawing (drawn in light grey)."""
    xy = frame.xy(network.geom_lon, network.geom_lat)
    inside = (xy[:, 0] >= 0) & (xy[:, 0] <= _WIDTH) & (xy[:, 1] >= 0) & (xy[:, 1] <= _HEIGHT)
    owner = np.repeat(np.arange(network.edge_count), np.diff(network.geom_indptr))
    edges = np.unique(owner[inside])
    lines = []
    for e in edges.tolist():
        lo, hi = network.geom_indptr[e], network.geom_indptr[e + 1]
        colour = "#e07b7b" if network.closed[e] else "#c8c8c8"
        lines.append(
            f'<polyline points="{_points_attr(xy[lo:hi])}" fill="none" stroke="{colour}" '
            'stroke-width="1.2"/>'
        )
    return lines


def _marker(kind: str, x: float, y: float) -> str:
    if kind == "start":
        return f'<circle cx="{x:.1f}" cy="{y:.1f}" r="6" fill="#ffffff" stroke="#1f4e9c" stroke-width="3"/>'  # noqa: E501
    if kind == "corridor":
        return f'<rect x="{x - 8:.1f}" y="{y - 8:.1f}" width="16" height="16" fill="#1a9850" stroke="#fff" stroke-width="2"/>'  # noqa: E501
    if kind == "medical_post":
        return (
            f'<rect x="{x - 8:.1f}" y="{y - 8:.1f}" width="16" height="16" fill="#fff" '
            f'stroke="#c00" stroke-width="1.5"/><path d="M{x - 5:.1f},{y:.1f}h10M{x:.1f},'
            f'{y - 5:.1f}v10" stroke="#c00" stroke-width="3"/>'
        )
    return (
        f'<path d="M{x:.1f},{y - 8:.1f}L{x + 8:.1f},{y:.1f}L{x:.1f},{y + 8:.1f}L{x - 8:.1f},'
        f'{y:.1f}Z" fill="#e69f00" stroke="#fff" stroke-width="1.5"/>'
    )


def _scale_bar(frame: _Frame, label: str) -> str:
    target_m = (_WIDTH / 4) / frame.scale
    metres = max([s for s in _SCALES_M if s <= target_m] or [_SCALES_M[0]])
    length = metres * frame.scale
    x0, y0 = _PAD, _HEIGHT - _PAD
    text = escape(label.format(m=f"{metres:,}"))
    return (
        f'<path d="M{x0:.1f},{y0 - 5:.1f}v5h{length:.1f}v-5" fill="none" stroke="#222" '
        f'stroke-width="1.5"/><text x="{x0 + length + 5:.1f}" y="{y0:.1f}" font-size="11" '
        f'direction="ltr">{text}</text>'
    )


def _north_arrow(label: str) -> str:
    x, y = _WIDTH - _PAD - 6, _PAD + 4
    return (
        f'<rect x="{x - 14:.1f}" y="{y - 3:.1f}" width="28" height="38" fill="#fbfbf8" '
        'opacity="0.85"/>'
        f'<path d="M{x:.1f},{y:.1f}l6,16h-12z" fill="#222"/>'
        f'<text x="{x:.1f}" y="{y + 30:.1f}" font-size="10" text-anchor="middle">'
        f"{escape(label)}</text>"
    )


def route_map_svg(
    network: Network,
    route_lonlat: list[tuple[float, float]],
    points: list[MapPoint],
    *,
    scale_label: str = "{m} m",
    north_label: str = "N",
) -> str:
    """The SVG (a string) of the route with the streets around it and the marked points."""
    coords = np.asarray(route_lonlat + [(p.lon, p.lat) for p in points], dtype=np.float64)
    frame = _frame(coords[:, 0], coords[:, 1])
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {_WIDTH:.0f} {_HEIGHT:.0f}" '
        'class="route-map" role="img">',
        f'<rect width="{_WIDTH:.0f}" height="{_HEIGHT:.0f}" fill="#fbfbf8"/>',
        *_streets(network, frame),
    ]
    if len(route_lonlat) >= 2:
        route = np.asarray(route_lonlat, dtype=np.float64)
        xy = frame.xy(route[:, 0], route[:, 1])
        parts.append(
            f'<polyline points="{_points_attr(xy)}" fill="none" stroke="#1f4e9c" '
            'stroke-width="5" stroke-linejoin="round" stroke-linecap="round" opacity="0.85"/>'
        )
    # the scale bar and north arrow under the markers: a marker is never hidden by them
    parts += [_scale_bar(frame, scale_label), _north_arrow(north_label)]
    for point in sorted(points, key=lambda p: p.kind != "corridor"):
        ((x, y),) = frame.xy(np.array([point.lon]), np.array([point.lat]))
        parts.append(_marker(point.kind, float(x), float(y)))
    parts.append("</svg>")
    return "\n".join(parts)
