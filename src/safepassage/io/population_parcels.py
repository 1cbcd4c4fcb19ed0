"""People as read from one population source, checked, before scaling and placement.

Every reader (:mod:`~safepassage.io.population_hxl`, :mod:`~safepassage.io.population_areas`,
:mod:`~safepassage.io.population_raster`) turns its file into :class:`Parcels`: counts with either a
point or a polygon each, already projected to the network's metres, so that
:func:`safepassage.io.population.place_population` can scale and place every source the same way.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from safepassage.errors import DataError
from safepassage.io.files import require_readable_file
from safepassage.model.scenario import PopulationSource

__all__ = [
    "OUTSIDE_FIX",
    "Parcels",
    "check_file",
    "label_indexes",
    "parse_count",
    "source_label",
]

OUTSIDE_FIX = (
    'set population.outside = "drop" to drop such people, or clip the population to the network'
)


@dataclass(frozen=True, eq=False)
class Parcels:
    """The people of one source: one parcel per CSV row, GeoJSON feature or raster cell.

    A parcel is either a point (``x_m``, ``y_m`` in the network's CRS) or, when ``polygons`` is
    given, an area (a projected shapely polygon). ``where`` names each parcel for messages
    ("row 14", "feature 3 (Centro)"); rasters leave it empty and name cells by ``cell_row`` and
    ``cell_col`` instead, and their outside cells are reported as one group.
    """

    path: Path
    format: str
    name: str
    people: NDArray[np.float64]
    area: NDArray[np.int64]
    labels: tuple[str, ...]
    x_m: NDArray[np.float64]
    y_m: NDArray[np.float64]
    polygons: NDArray[np.object_] | None = None
    where: tuple[str, ...] = ()
    cell_row: NDArray[np.int64] | None = None
    cell_col: NDArray[np.int64] | None = None

    @property
    def count(self) -> int:
        return int(self.people.shape[0])

    @property
    def is_raster(self) -> bool:
        return self.cell_row is not None

    def describe(self, index: int) -> str:
        """Where parcel ``index`` is in the file, as a user would look it up."""
        if self.cell_row is not None and self.cell_col is not None:
            row, col = int(self.cell_row[index]), int(self.cell_col[index])
            return f"cell at row {row}, column {col} (counted from 0 at the top left)"
        return self.where[index]


def source_label(source: PopulationSource) -> str:
    """The name reports use for ``source``: its ``name`` or else its file name."""
    return source.name if source.name else Path(source.path).name


def check_file(path: Path, *, what: str) -> None:
    """Raise a one-line :class:`DataError` unless ``path`` is an existing, readable file."""
    require_readable_file(path, what=what, named_by="population.sources")


def parse_count(value: Any, *, where: str, column: str) -> float:
    """A head count from a CSV cell or a JSON value: a finite number >= 0.

    Parameters
    ----------
    value
        The raw value: text from a CSV cell, or a JSON number or string.
    where
        ``"FILE: row N"`` or ``"FILE: feature N"``, used to start the message.
    column
        The HXL tag or GeoJSON property that holds the count.

    Raises
    ------
    DataError
        Empty, non-numeric, non-finite or negative counts.
    """
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        shown = "empty" if value is None else f"not a number ({value!r})"
        msg = f"{where}: {column} is {shown}; give the number of people there (0 if none)"
        raise DataError(msg)
    text = str(value).strip()
    if not text:
        msg = f"{where}: {column} is empty; give the number of people there (0 if none)"
        raise DataError(msg)
    try:
        count = float(text)
    except ValueError:
        msg = f"{where}: {column} is not a number ({text!r}); counts must be numbers >= 0"
        raise DataError(msg) from None
    if not math.isfinite(count):
        msg = f"{where}: {column} is {text!r}; counts must be finite numbers >= 0"
        raise DataError(msg)
    if count < 0:
        msg = f"{where}: {column} is negative ({text}); counts must be >= 0"
        raise DataError(msg)
    return count


def label_indexes(labels: Sequence[str]) -> tuple[NDArray[np.int64], tuple[str, ...]]:
    """Per-parcel area labels as (index of each parcel's label, the unique labels in order)."""
    seen: dict[str, int] = {}
    index = np.fromiter(
        (seen.setdefault(label, len(seen)) for label in labels), dtype=np.int64, count=len(labels)
    )
    return index, tuple(seen)
