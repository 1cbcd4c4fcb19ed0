"""Population rasters (WorldPop-style GeoTIFF: people per cell), read with tifffile.

Only north-up rasters are read: the cell size comes from ModelPixelScaleTag (33550) and the
position from ModelTiepointTag (33922), or from a ModelTransformationTag (34264) without rotation.
The CRS is the EPSG code in the GeoKeyDirectoryTag (34735): ProjectedCSTypeGeoKey (3072) or
GeographicTypeGeoKey (2048). Cells equal to GDAL_NODATA (42113), negative (WorldPop writes
-99999), zero or not finite hold nobody. (GeoTIFF 1.1, OGC 19-008r4.)
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import tifffile
from numpy.typing import NDArray
from pyproj import CRS
from pyproj.exceptions import CRSError

from safepassage.errors import DataError
from safepassage.io.population_parcels import Parcels, check_file, source_label
from safepassage.io.projection import transformer
from safepassage.model.scenario import PopulationSource

__all__ = ["RasterGrid", "read_population_raster", "read_raster_cells"]

_PIXEL_SCALE = 33550
_TIEPOINT = 33922
_TRANSFORMATION = 34264
_GEO_KEYS = 34735
_GDAL_NODATA = 42113
_MODEL_TYPE_KEY = 1024  # 1 projected, 2 geographic
_RASTER_TYPE_KEY = 1025  # 1 pixel is area (default), 2 pixel is point
_GEOGRAPHIC_KEY = 2048
_PROJECTED_KEY = 3072
_USER_DEFINED = 32767


@dataclass(frozen=True)
class RasterGrid:
    """Where cells are: cell (row r, column c) has its centre at
    ``(x0 + c * dx, y0 - r * dy)`` in ``crs``."""

    crs: str
    x0: float
    y0: float
    dx: float
    dy: float
    nodata: float | None


_TAG_NAMES = {
    _PIXEL_SCALE: "ModelPixelScaleTag (33550)",
    _TIEPOINT: "ModelTiepointTag (33922)",
    _TRANSFORMATION: "ModelTransformationTag (34264)",
    _GEO_KEYS: "GeoKeyDirectoryTag (34735)",
}
# the fewest values each tag must hold (GeoTIFF 1.1): scale x, y, z; one tiepoint i, j, k, x, y,
# z; a 4 x 4 matrix; a directory header of 4 values
_TAG_MIN_VALUES = {_PIXEL_SCALE: 3, _TIEPOINT: 6, _TRANSFORMATION: 16, _GEO_KEYS: 4}
_REEXPORT = "re-export the raster as a GeoTIFF (gdal_translate -of GTiff in.tif out.tif)"


def _tag_numbers(path: Path, tags: dict[int, Any], code: int) -> list[float]:
    """The values of a numeric GeoTIFF tag, checked to be finite numbers and enough of them."""
    raw = tags[code]
    values = [raw] if isinstance(raw, (int, float)) else raw
    name, needed = _TAG_NAMES[code], _TAG_MIN_VALUES[code]
    try:
        if isinstance(values, (str, bytes)):
            raise TypeError
        numbers = [float(v) for v in values]
    except (TypeError, ValueError):
        msg = f"{path}: {name} holds {raw!r}, not numbers; {_REEXPORT}"
        raise DataError(msg) from None
    if len(numbers) < needed:
        msg = f"{path}: {name} holds {len(numbers)} value(s), needs {needed}; {_REEXPORT}"
        raise DataError(msg)
    if not all(math.isfinite(v) for v in numbers):
        msg = f"{path}: {name} holds values that are not finite ({numbers}); {_REEXPORT}"
        raise DataError(msg)
    return numbers


def _geo_keys(path: Path, tags: dict[int, Any]) -> dict[int, int]:
    if tags.get(_GEO_KEYS) is None:
        msg = (
            f"{path}: no GeoKeyDirectoryTag, so the raster's CRS is unknown; "
            "save it as a GeoTIFF with its EPSG code (gdal_translate -a_srs EPSG:4326)"
        )
        raise DataError(msg)
    values = [int(v) for v in _tag_numbers(path, tags, _GEO_KEYS)]
    count = values[3]
    if len(values) < 4 + 4 * count:
        msg = (
            f"{path}: {_TAG_NAMES[_GEO_KEYS]} announces {count} keys but holds "
            f"{(len(values) - 4) // 4}; {_REEXPORT}"
        )
        raise DataError(msg)
    keys: dict[int, int] = {}
    for k in range(count):
        key, location, _, value = values[4 + 4 * k : 8 + 4 * k]
        if location == 0:  # the value is in the directory itself; others live in other tags
            keys[key] = value
    return keys


def _crs(path: Path, keys: dict[int, int]) -> str:
    order = [_PROJECTED_KEY, _GEOGRAPHIC_KEY]
    if keys.get(_MODEL_TYPE_KEY) == 2:
        order.reverse()
    codes = [keys[k] for k in order if keys.get(k, 0) not in (0, _USER_DEFINED)]
    if not codes:
        msg = (
            f"{path}: the GeoTIFF has no EPSG code (ProjectedCSTypeGeoKey or "
            "GeographicTypeGeoKey), so its CRS is unknown; reproject it to an EPSG CRS "
            "(gdalwarp -t_srs EPSG:4326)"
        )
        raise DataError(msg)
    try:
        CRS.from_epsg(codes[0])
    except CRSError:
        msg = f"{path}: EPSG:{codes[0]} in the GeoKeyDirectoryTag is not a known CRS"
        raise DataError(msg) from None
    return f"EPSG:{codes[0]}"


def _nodata(path: Path, tags: dict[int, Any]) -> float | None:
    raw = tags.get(_GDAL_NODATA)
    if raw is None:
        return None
    try:
        return float(str(raw).strip().strip("\x00"))
    except ValueError:
        msg = f"{path}: GDAL_NODATA tag {raw!r} is not a number; fix or remove the nodata value"
        raise DataError(msg) from None


def _placement(path: Path, tags: dict[int, Any], half: float) -> tuple[float, ...]:
    """(x0, y0, dx, dy) of the centre of cell (0, 0) and the cell size."""
    if _TRANSFORMATION in tags:
        m = _tag_numbers(path, tags, _TRANSFORMATION)
        if m[1] != 0 or m[4] != 0 or m[0] <= 0 or m[5] >= 0:
            msg = (
                f"{path}: the raster is rotated or flipped (ModelTransformationTag); warp it "
                "north-up first (gdalwarp -t_srs EPSG:4326 in.tif out.tif)"
            )
            raise DataError(msg)
        dx, dy = m[0], -m[5]
        return m[3] + half * dx, m[7] - half * dy, dx, dy
    dx, dy = _tag_numbers(path, tags, _PIXEL_SCALE)[:2]
    i, j, _, x, y, _ = _tag_numbers(path, tags, _TIEPOINT)[:6]
    if not (dx > 0 and dy > 0):
        msg = f"{path}: ModelPixelScaleTag gives a cell size of {dx} x {dy}; it must be > 0"
        raise DataError(msg)
    return x + (half - i) * dx, y - (half - j) * dy, dx, dy


def read_population_raster(path: Path) -> tuple[NDArray[Any], RasterGrid]:
    """The first band of a GeoTIFF (people per cell, in its stored type), and where its cells are.

    The band is kept in its stored type (WorldPop: float32) so that a large raster is not copied
    to float64 whole; only the cells holding people are converted.

    Raises
    ------
    DataError
        Missing file, not a TIFF, not georeferenced, rotated, no CRS, more than one band.
    """
    path = Path(path)
    check_file(path, what="GeoTIFF population")
    try:
        with tifffile.TiffFile(path) as tif:
            page = tif.pages.first
            tags = {tag.code: tag.value for tag in page.tags.values()}
            values = np.asarray(page.asarray())
    except (tifffile.TiffFileError, OSError, ValueError, IndexError) as exc:
        detail = " ".join(str(exc).split()) or type(exc).__name__
        msg = f"{path}: cannot read as a GeoTIFF ({detail}); give a WorldPop-style .tif raster"
        raise DataError(msg) from None
    if values.ndim != 2:
        msg = (
            f"{path}: the raster has shape {values.shape}; a population raster has one band "
            "(people per cell)"
        )
        raise DataError(msg)
    if _TRANSFORMATION not in tags and (_PIXEL_SCALE not in tags or _TIEPOINT not in tags):
        msg = (
            f"{path}: not a GeoTIFF (no ModelPixelScaleTag and ModelTiepointTag); a population "
            "raster must be a georeferenced GeoTIFF such as a WorldPop download"
        )
        raise DataError(msg)
    keys = _geo_keys(path, tags)
    half = 0.0 if keys.get(_RASTER_TYPE_KEY) == 2 else 0.5
    x0, y0, dx, dy = _placement(path, tags, half)
    grid = RasterGrid(_crs(path, keys), x0, y0, dx, dy, _nodata(path, tags))
    return values, grid


def read_raster_cells(source: PopulationSource, *, crs: str) -> Parcels:
    """Every cell holding people, as a point parcel at its centre projected to ``crs``.

    All cells carry the source's name as their area label.
    """
    values, grid = read_population_raster(source.path)
    if values.dtype.kind not in "uif":
        msg = f"{source.path}: the raster holds {values.dtype} values; people per cell are numbers"
        raise DataError(msg)
    usable = values > 0
    if values.dtype.kind == "f":
        usable &= np.isfinite(values)
    if grid.nodata is not None:
        usable &= values != grid.nodata
    rows, cols = np.nonzero(usable)
    x = grid.x0 + cols * grid.dx
    y = grid.y0 - rows * grid.dy
    xm, ym = transformer(grid.crs, crs).transform(x, y)
    name = source_label(source)
    return Parcels(
        path=Path(source.path),
        format="geotiff",
        name=name,
        people=values[rows, cols].astype(np.float64),
        area=np.zeros(rows.shape[0], np.int64),
        labels=(name,),
        x_m=np.asarray(xm, dtype=np.float64),
        y_m=np.asarray(ym, dtype=np.float64),
        cell_row=rows.astype(np.int64),
        cell_col=cols.astype(np.int64),
    )
