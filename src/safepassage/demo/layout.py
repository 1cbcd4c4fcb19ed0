"""Where the fictional demo city lies, how its local metres map to degrees, where its river runs.

The city is laid out in local metres (``x`` east, ``y`` north) around a centre in the eastern
Mediterranean, at sea, so that it cannot be mistaken for a real place. Metres become WGS84
longitude/latitude through the ellipsoid's metres per degree at the centre latitude; over the few
kilometres of the city this equirectangular mapping is off by well under a metre.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import shapely
from numpy.typing import ArrayLike, NDArray

__all__ = [
    "ARTERIAL_EVERY",
    "CENTRE_LAT",
    "CENTRE_LON",
    "CITY_NAME",
    "COLS",
    "FRONT_LINE_M",
    "HALF_HEIGHT_M",
    "HALF_WIDTH_M",
    "ROWS",
    "River",
    "col_x",
    "make_river",
    "row_y",
    "to_lonlat",
]

CITY_NAME = "Riverside (fictional)"
# 34.0 N, 30.5 E is open sea between Egypt and Cyprus. 30.5 E rather than 30.0 E keeps the city
# inside one UTM zone (36), which the network import projects to.
CENTRE_LAT = 34.0
CENTRE_LON = 30.5

HALF_WIDTH_M = 3500.0  # the street grid spans x in [-3500, 3500] m
HALF_HEIGHT_M = 2500.0  # and y in [-2500, 2500] m
COLS = 64  # grid lines running north-south, ~111 m apart
ROWS = 46  # grid lines running east-west, ~111 m apart
ARTERIAL_EVERY = 7  # every 7th grid line is an arterial: ~780 m apart
# The front line along the north-east, outside the street grid (m): it closes the ring road
# there, and the streets leading out to that stretch of the ring are barricaded.
FRONT_LINE_M = (
    (1500.0, 3500.0),
    (1500.0, 2900.0),
    (2600.0, 2700.0),
    (3700.0, 2700.0),
    (3750.0, 1900.0),
    (3700.0, 800.0),
    (4900.0, 800.0),
    (4900.0, 3500.0),
)

_PHI = math.radians(CENTRE_LAT)
# Metres per degree on the WGS84 ellipsoid at latitude phi (the usual series expansion).
_M_PER_DEG_LAT = (
    111132.92
    - 559.82 * math.cos(2 * _PHI)
    + 1.175 * math.cos(4 * _PHI)
    - 0.0023 * math.cos(6 * _PHI)
)
_M_PER_DEG_LON = 111412.84 * math.cos(_PHI) - 93.5 * math.cos(3 * _PHI) + 0.118 * math.cos(5 * _PHI)


def col_x(i: ArrayLike) -> NDArray[np.float64]:
    """Nominal x (metres) of north-south grid line ``i`` before any jitter."""
    return -HALF_WIDTH_M + np.asarray(i, dtype=np.float64) * (2 * HALF_WIDTH_M / (COLS - 1))


def row_y(j: ArrayLike) -> NDArray[np.float64]:
    """Nominal y (metres) of east-west grid line ``j`` before any jitter."""
    return -HALF_HEIGHT_M + np.asarray(j, dtype=np.float64) * (2 * HALF_HEIGHT_M / (ROWS - 1))


def to_lonlat(
    x: ArrayLike, y: ArrayLike, *, digits: int = 7
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Local metres to WGS84 degrees, rounded to ``digits`` decimals.

    Seven decimals (~1 cm) is the precision OSM files store; six (~10 cm) suit GeoJSON.
    """
    lon = CENTRE_LON + np.asarray(x, dtype=np.float64) / _M_PER_DEG_LON
    lat = CENTRE_LAT + np.asarray(y, dtype=np.float64) / _M_PER_DEG_LAT
    return np.round(lon, digits), np.round(lat, digits)


@dataclass(frozen=True)
class River:
    """A river crossing the whole city from west to east: its centre line is ``y = f(x)``.

    ``f`` is a sum of two sines (a long meander and a short wiggle) around ``offset_m``. Because
    the centre line is a function of ``x``, "north bank" and "south bank" are well defined.
    """

    offset_m: float
    amplitudes_m: tuple[float, float]
    wavelengths_m: tuple[float, float]
    phases: tuple[float, float]
    half_width_m: float = 35.0

    def y_at(self, x: ArrayLike) -> NDArray[np.float64]:
        """Centre line ``y`` (metres) at each ``x``."""
        xs = np.asarray(x, dtype=np.float64)
        y = np.full(xs.shape, self.offset_m)
        for amp, wave, phase in zip(
            self.amplitudes_m, self.wavelengths_m, self.phases, strict=True
        ):
            y = y + amp * np.sin(2 * np.pi * xs / wave + phase)
        return y

    def slope_at(self, x: ArrayLike) -> NDArray[np.float64]:
        """Derivative ``dy/dx`` of the centre line."""
        xs = np.asarray(x, dtype=np.float64)
        slope = np.zeros(xs.shape)
        for amp, wave, phase in zip(
            self.amplitudes_m, self.wavelengths_m, self.phases, strict=True
        ):
            slope = slope + amp * 2 * np.pi / wave * np.cos(2 * np.pi * xs / wave + phase)
        return slope

    def side(self, x: ArrayLike, y: ArrayLike) -> NDArray[np.int8]:
        """+1 for points on the north bank, -1 on the south bank."""
        above = np.asarray(y, dtype=np.float64) >= self.y_at(x)
        return np.where(above, 1, -1).astype(np.int8)

    def centreline(
        self, x_min: float, x_max: float, *, step_m: float = 25.0
    ) -> NDArray[np.float64]:
        """(k, 2) points of the centre line from ``x_min`` to ``x_max``."""
        count = math.ceil((x_max - x_min) / step_m) + 1
        xs = np.linspace(x_min, x_max, count)
        return np.column_stack([xs, self.y_at(xs)])

    def distance(self, x: ArrayLike, y: ArrayLike) -> NDArray[np.float64]:
        """Distance (metres) from each point to the centre line."""
        line = shapely.LineString(self.centreline(-8000.0, 8000.0, step_m=10.0))
        points = shapely.points(np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64))
        return np.asarray(shapely.distance(points, line), dtype=np.float64)

    def beside(self, x: float, offset_m: float) -> tuple[float, float]:
        """The point ``offset_m`` metres north (negative: south) of the centre line at ``x``,
        measured along the normal."""
        slope = float(self.slope_at(x))
        norm = math.hypot(1.0, slope)
        return x - offset_m * slope / norm, float(self.y_at(x)) + offset_m / norm


def make_river(rng: np.random.Generator) -> River:
    """A river whose centre line stays within about 500 m of the city's east-west axis.

    The bound matters: the exit roads and the district boundaries are laid out assuming it.
    """
    return River(
        offset_m=float(rng.uniform(-50.0, 50.0)),
        amplitudes_m=(float(rng.uniform(250.0, 350.0)), float(rng.uniform(60.0, 110.0))),
        wavelengths_m=(5200.0, 1900.0),
        phases=(float(rng.uniform(0.0, 2 * np.pi)), float(rng.uniform(0.0, 2 * np.pi))),
    )
