"""Population placed on network nodes, with the account of what was placed and dropped.

People are aggregate counts (floats: census and model sources carry fractions), never individuals.
For every source, ``placed + dropped == input`` holds to floating-point rounding.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

__all__ = ["DroppedPeople", "PopulationPlacement", "SourcePlacement"]


@dataclass(frozen=True)
class DroppedPeople:
    """People of one row, feature or raster cell group that could not be placed, and why."""

    where: str  # "row 14", "feature 3 (Al-Midan)", "412 cells"
    people: float
    reason: str


@dataclass(frozen=True)
class SourcePlacement:
    name: str
    path: Path
    format: str
    input_people: float  # after scaling to the scenario total, when one is given
    placed_people: float
    dropped: list[DroppedPeople] = field(default_factory=list)

    @property
    def dropped_people(self) -> float:
        return float(sum(d.people for d in self.dropped))


@dataclass(frozen=True, eq=False)
class PopulationPlacement:
    """Where people are: one row per (area, node) with the people of that area at that node.

    ``areas`` names the source areas (districts, zones, admin units, or the source itself for
    points and rasters without names); ``origin_area`` indexes into it.
    """

    origin_node: NDArray[np.int64]
    origin_area: NDArray[np.int64]
    origin_people: NDArray[np.float64]
    areas: tuple[str, ...]
    sources: tuple[SourcePlacement, ...]
    scale: float = 1.0  # factor applied to every source to reach the scenario total

    def people_per_node(self, node_count: int) -> NDArray[np.float64]:
        people = np.bincount(self.origin_node, weights=self.origin_people, minlength=node_count)
        return people.astype(np.float64)

    def people_per_area(self) -> NDArray[np.float64]:
        people = np.bincount(
            self.origin_area, weights=self.origin_people, minlength=len(self.areas)
        )
        return people.astype(np.float64)

    @property
    def input_people(self) -> float:
        return float(sum(s.input_people for s in self.sources))

    @property
    def placed_people(self) -> float:
        return float(self.origin_people.sum())

    @property
    def dropped_people(self) -> float:
        return float(sum(s.dropped_people for s in self.sources))
