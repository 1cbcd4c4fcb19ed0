"""The sitrep's map: a small static SVG of the city from the published plan bundle.

Streets, district outlines, hazards, the plan's routes (line width by planned people) and the
corridors coloured by their status as of the report. Drawn in local metres (equirectangular
about the city's centre: across a city its error is far below a printed line's width), with a
scale bar and a north arrow. No place where people gather is marked beyond the corridors.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from html import escape
from typing import Any

import numpy as np
from numpy.typing import NDArray

from safepassage.model.scenario import CorridorStatus

__all__ = ["STATUS_COLOURS", "sitrep_map_svg"]

STATUS_COLOURS = {
    CorridorStatus.OPEN: "#1a9850",
    CorridorStatus.SUSPENDED: "#e69f00",
    CorridorStatus.CLOSED: "#d73027",
}
_WIDTH, _MAX_HEIGHT, _PAD = 640.0, 460.0, 14.0
_M_PER_DEG_LAT = 110_574.0
_SCALES_M = (100, 200, 250, 500, 1000, 2000, 2500, 5000, 10_000, 20_000, 50_000)


def _array(values: Sequence[float | None] | None) -> NDArray[np.float64]:
    return np.array(values or [], dtype=np.float64)  # None -> NaN: a break between parts


@dataclass(frozen=True)
class _Frame:
    lon0: float
    lat0: float
    m_per_deg_lon: float
    scale: float  # pixels per metre
    height: float

    def xy(
        self, lon: NDArray[np.float64], lat: NDArray[np.float64]
    ) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
        x = _WIDTH / 2 + (lon - self.lon0) * self.m_per_deg_lon * self.scale
        y = self.height / 2 - (lat - self.lat0) * _M_PER_DEG_LAT * self.scale
        return x, y


def _frame(lon: NDArray[np.float64], lat: NDArray[np.float64]) -> _Frame:
    lon, lat = lon[~np.isnan(lon)], lat[~np.isnan(lat)]
    lon0 = float((lon.min() + lon.max()) / 2)
    lat0 = float((lat.min() + lat.max()) / 2)
    m_per_deg_lon = _M_PER_DEG_LAT * math.cos(math.radians(lat0))
    span_x = max(float(np.ptp(lon)) * m_per_deg_lon, 300.0) * 1.04
    span_y = max(float(np.ptp(lat)) * _M_PER_DEG_LAT, 300.0) * 1.04
    scale = (_WIDTH - 2 * _PAD) / span_x
    height = min(_MAX_HEIGHT, span_y * scale + 2 * _PAD)
    scale = min(scale, (height - 2 * _PAD) / span_y)
    return _Frame(lon0, lat0, m_per_deg_lon, scale, height)


def _path(frame: _Frame, lon: NDArray[np.float64], lat: NDArray[np.float64]) -> str:
    """An SVG path of NaN-separated polylines in whole units (about 0.3 mm printed), repeated
    points dropped: a city's streets stay near 1 MB."""
    if lon.size == 0:
        return ""
    x, y = frame.xy(lon, lat)
    gap = np.isnan(x) | np.isnan(y)
    xi = np.where(gap, 0, np.round(x)).astype(np.int64)
    yi = np.where(gap, 0, np.round(y)).astype(np.int64)
    commands: list[str] = []
    starts = np.flatnonzero(~gap & np.concatenate([[True], gap[:-1]]))
    ends = np.flatnonzero(~gap & np.concatenate([gap[1:], [True]])) + 1
    for a, b in zip(starts.tolist(), ends.tolist(), strict=True):
        px, py = xi[a:b], yi[a:b]
        keep = np.concatenate([[True], (np.diff(px) != 0) | (np.diff(py) != 0)])
        px, py = px[keep], py[keep]
        if px.size < 2:
            continue
        points = " ".join(f"{u} {v}" for u, v in zip(px.tolist(), py.tolist(), strict=True))
        commands.append(f"M{points}")
    return "".join(commands)


def _scale_bar(frame: _Frame, unit: str) -> str:
    target_m = (_WIDTH / 5) / frame.scale
    metres = max([s for s in _SCALES_M if s <= target_m] or [_SCALES_M[0]])
    length = metres * frame.scale
    label = f"{metres / 1000:g} km" if metres >= 1000 else f"{metres} {unit}"
    x0, y0 = _PAD, frame.height - _PAD
    return (
        f'<rect x="{x0 - 4:.1f}" y="{y0 - 16:.1f}" width="{length + 60:.1f}" height="20" '
        'fill="#fff" opacity="0.8"/>'
        f'<path d="M{x0:.1f},{y0 - 5:.1f}v5h{length:.1f}v-5" fill="none" stroke="#222" '
        f'stroke-width="1.5"/><text x="{x0 + length + 5:.1f}" y="{y0:.1f}" font-size="11">'
        f"{escape(label)}</text>"
    )


def _north(label: str) -> str:
    x, y = _WIDTH - _PAD - 8, _PAD + 2
    return (
        f'<path d="M{x:.1f},{y:.1f}l6,16h-12z" fill="#222"/>'
        f'<text x="{x:.1f}" y="{y + 28:.1f}" font-size="10" text-anchor="middle">'
        f"{escape(label)}</text>"
    )


def _outline(part: Mapping[str, Any] | None) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    part = part or {}
    return _array(part.get("lon")), _array(part.get("lat"))


def sitrep_map_svg(
    bundle: Mapping[str, Any],
    statuses: Mapping[str, CorridorStatus],
    *,
    north_label: str = "N",
    metre_label: str = "m",
) -> str:
    """The map (an SVG string) of a plan bundle with each corridor in its status colour.

    ``statuses`` maps corridor ids to their status as of the report; a corridor not in it is
    drawn in the plan's status.
    """
    streets = bundle.get("streets") or {}
    lon, lat = _array(streets.get("lon")), _array(streets.get("lat"))
    corridors = list(bundle.get("corridors", []))
    extent_lon = np.concatenate([lon, _array([c["lon"] for c in corridors])])
    extent_lat = np.concatenate([lat, _array([c["lat"] for c in corridors])])
    if np.all(np.isnan(extent_lon)):
        return ""
    frame = _frame(extent_lon, extent_lat)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {_WIDTH:.0f} {frame.height:.0f}" '
        'class="sitrep-map" role="img" direction="ltr">',
        f'<rect width="{_WIDTH:.0f}" height="{frame.height:.0f}" fill="#fbfbf8"/>',
    ]
    for district in bundle.get("districts", []):
        d = _path(frame, *_outline(district.get("outline")))
        if d:
            parts.append(f'<path d="{d}" fill="#eef2f7" stroke="#9aa7b8" stroke-width="0.8"/>')
    parts.append(
        f'<path d="{_path(frame, lon, lat)}" fill="none" stroke="#c4c4c4" stroke-width="0.6"/>'
    )
    closed = bundle.get("closed_streets") or {}
    d = _path(frame, _array(closed.get("lon")), _array(closed.get("lat")))
    if d:
        parts.append(f'<path d="{d}" fill="none" stroke="#e07b7b" stroke-width="1"/>')
    for hazard in bundle.get("hazards", []):
        d = _path(frame, *_outline(hazard.get("outline")))
        if d:
            parts.append(
                f'<path d="{d}" fill="#d73027" fill-opacity="0.18" stroke="#d73027" '
                'stroke-width="0.8"/>'
            )
    routes = list(bundle.get("routes", []))
    most = max((float(r.get("people", 0)) for r in routes), default=0.0)
    for route in sorted(routes, key=lambda r: float(r.get("people", 0))):
        d = _path(frame, _array(route.get("lon")), _array(route.get("lat")))
        if d and most > 0:
            width = 0.8 + 3.2 * math.sqrt(float(route.get("people", 0)) / most)
            parts.append(
                f'<path d="{d}" fill="none" stroke="#1f4e9c" stroke-opacity="0.55" '
                f'stroke-width="{width:.1f}" stroke-linejoin="round" stroke-linecap="round"/>'
            )
    parts += [_scale_bar(frame, metre_label), _north(north_label)]
    for corridor in corridors:
        code = str(corridor["id"])
        status = statuses.get(code, CorridorStatus(corridor.get("status", "open")))
        (x,), (y,) = frame.xy(_array([corridor["lon"]]), _array([corridor["lat"]]))
        parts.append(
            f'<rect x="{x - 7:.1f}" y="{y - 7:.1f}" width="14" height="14" '
            f'fill="{STATUS_COLOURS[status]}" stroke="#fff" stroke-width="2"/>'
            f'<text x="{x + 10:.1f}" y="{y + 4:.1f}" font-size="12" font-weight="bold" '
            f'stroke="#fff" stroke-width="3" paint-order="stroke">{escape(code)}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)
