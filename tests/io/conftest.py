"""Population-importer fixtures: small networks built in local metres, and writers for population
files (HXL CSV, GeoJSON, GeoTIFF) whose coordinates are given in the same local metres.

Local metres are offsets from ``ORIGIN`` (Coquimbo, Chile) in its UTM zone, ``UTM``; a network made
here has ``crs == UTM``, so a polygon drawn in local metres is projected back onto exactly the
rectangle it was drawn as, and road lengths inside it can be worked out by hand.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import tifffile
from pyproj import Transformer

from safepassage.io.network_build import build_network
from safepassage.model.network import Network
from safepassage.model.scenario import NetworkSpec

ORIGIN = (-71.30, -29.95)  # lon, lat
UTM = "EPSG:32719"
_TO_UTM = Transformer.from_crs("EPSG:4326", UTM, always_xy=True)
_TO_LONLAT = Transformer.from_crs(UTM, "EPSG:4326", always_xy=True)
X0, Y0 = _TO_UTM.transform(*ORIGIN)

LocalXY = Sequence[tuple[float, float]]


def lonlat(x: float, y: float) -> tuple[float, float]:
    """The WGS84 lon/lat of the point ``x`` metres east and ``y`` north of ``ORIGIN``."""
    lon, lat = _TO_LONLAT.transform(X0 + x, Y0 + y)
    return float(lon), float(lat)


def local_network(xy: LocalXY, edges: Sequence[tuple[int, int]]) -> Network:
    """A two-way network with straight edges between nodes at local metres ``xy``."""
    n, m = len(xy), len(edges)
    x = X0 + np.asarray([p[0] for p in xy], dtype=np.float64)
    y = Y0 + np.asarray([p[1] for p in xy], dtype=np.float64)
    lon, lat = (np.asarray(a, dtype=np.float64) for a in _TO_LONLAT.transform(x, y))
    u = np.asarray([e[0] for e in edges], dtype=np.int32)
    v = np.asarray([e[1] for e in edges], dtype=np.int32)
    length = np.hypot(x[u] - x[v], y[u] - y[v])
    return Network(
        crs=UTM,
        node_osm_id=np.arange(1, n + 1, dtype=np.int64),
        lon=lon,
        lat=lat,
        x_m=x,
        y_m=y,
        edge_u=u,
        edge_v=v,
        length_m=length,
        width_m=np.full(m, 3.0),
        capacity_ppm=np.full(m, 240.0),
        time_s=length / 1.2,
        highway=np.zeros(m, np.int16),
        highway_names=("residential",),
        oneway=np.zeros(m, bool),
        closed=np.zeros(m, bool),
        way_id=np.arange(1, m + 1, dtype=np.int64),
        geom_indptr=np.arange(0, 2 * m + 1, 2, dtype=np.int64),
        geom_lon=np.column_stack([lon[u], lon[v]]).ravel(),
        geom_lat=np.column_stack([lat[u], lat[v]]).ravel(),
    )


def grid_network(cells: int = 4, spacing_m: float = 250.0) -> Network:
    """A (cells+1) x (cells+1) street grid with its south-west corner at the origin."""
    side = cells + 1
    xy = [(i * spacing_m, j * spacing_m) for j in range(side) for i in range(side)]
    edges = [(j * side + i, j * side + i + 1) for j in range(side) for i in range(cells)]
    edges += [(j * side + i, (j + 1) * side + i) for j in range(cells) for i in range(side)]
    return local_network(xy, edges)


def write_text(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def write_points_csv(path: Path, rows: Sequence[tuple[float, float, Any]]) -> Path:
    """An HXL points CSV (header row, hashtag row) of rows ``(x_m, y_m, people)``."""
    lines = ["lat,lon,population", "#geo+lat,#geo+lon,#population"]
    for x, y, people in rows:
        lon, lat = lonlat(x, y)
        lines.append(f"{lat!r},{lon!r},{people}")
    return write_text(path, "\n".join(lines) + "\n")


def rectangle(x0: float, y0: float, x1: float, y1: float) -> list[tuple[float, float]]:
    return [(x0, y0), (x1, y0), (x1, y1), (x0, y1)]


def polygon_feature(ring: LocalXY, **properties: Any) -> dict[str, Any]:
    """A GeoJSON Polygon feature from a ring in local metres (closed here)."""
    coords = [list(lonlat(x, y)) for x, y in ring]
    coords.append(coords[0])
    return {
        "type": "Feature",
        "properties": properties,
        "geometry": {"type": "Polygon", "coordinates": [coords]},
    }


def write_geojson(path: Path, features: Sequence[dict[str, Any]]) -> Path:
    collection = {"type": "FeatureCollection", "features": list(features)}
    return write_text(path, json.dumps(collection))


def geo_keys(*, epsg: int | None, geographic: bool, pixel_is_point: bool = False) -> tuple:
    """A GeoKeyDirectoryTag: model type, raster type and (unless None) the EPSG code."""
    keys = [(1024, 0, 1, 2 if geographic else 1), (1025, 0, 1, 2 if pixel_is_point else 1)]
    if epsg is not None:
        keys.append((2048 if geographic else 3072, 0, 1, epsg))
    flat = [1, 1, 0, len(keys)]
    for key in keys:
        flat.extend(key)
    return tuple(flat)


def write_geotiff(
    path: Path,
    data: np.ndarray,
    *,
    tie: tuple[float, float],
    cell: tuple[float, float],
    epsg: int | None = 32719,
    geographic: bool = False,
    nodata: str | None = "-99999",
    pixel_is_point: bool = False,
    extra: Sequence[tuple] = (),
    dtype: type = np.float32,
) -> Path:
    """A north-up GeoTIFF: ``tie`` is the top-left corner (x, y) in the CRS, ``cell`` (dx, dy)."""
    tags: list[tuple] = [
        (33550, "d", 3, (cell[0], cell[1], 0.0)),
        (33922, "d", 6, (0.0, 0.0, 0.0, tie[0], tie[1], 0.0)),
    ]
    keys = geo_keys(epsg=epsg, geographic=geographic, pixel_is_point=pixel_is_point)
    tags.append((34735, "H", len(keys), keys))
    if nodata is not None:
        tags.append((42113, "s", 0, nodata))
    tifffile.imwrite(path, np.asarray(data, dtype=dtype), extratags=[*tags, *extra])
    return path


@pytest.fixture(scope="session")
def coquimbo_network(shared_data: Path) -> Network:
    """The contracted walking network of ../shared/data/coquimbo.osm.pbf (built once)."""
    return build_network(NetworkSpec(osm=shared_data / "coquimbo.osm.pbf")).network
