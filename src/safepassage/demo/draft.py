"""A map being drawn: nodes in local metres and ways as node lists with OSM tags.

The generators of the demo city add to one :class:`Draft`; :mod:`safepassage.demo.osm_file` gives
the nodes that ways use their ids and writes the file.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

__all__ = ["Draft", "Segment", "Tags", "chain_segments"]

Tags = dict[str, str]
# one piece of a street between two draft nodes, with the tags of the way it belongs to
Segment = tuple[int, int, Tags]


@dataclass
class Draft:
    """Nodes (local metres) and ways (draft node indexes and tags), in the order they were made."""

    x: list[float] = field(default_factory=list)
    y: list[float] = field(default_factory=list)
    ways: list[tuple[list[int], Tags]] = field(default_factory=list)

    def add_node(self, x: float, y: float) -> int:
        """Add a node at (x, y) metres; returns its index."""
        self.x.append(float(x))
        self.y.append(float(y))
        return len(self.x) - 1

    def add_way(self, nodes: Sequence[int], tags: Mapping[str, str]) -> None:
        """Add a way through ``nodes`` (at least two) with ``tags``."""
        if len(nodes) < 2:
            msg = f"a way needs at least two nodes, got {list(nodes)} for {dict(tags)}"
            raise ValueError(msg)
        self.ways.append((list(nodes), dict(tags)))

    def xy(self) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
        """All node positions as arrays (metres)."""
        return np.asarray(self.x, dtype=np.float64), np.asarray(self.y, dtype=np.float64)


def chain_segments(draft: Draft, segments: Sequence[Segment]) -> None:
    """Add the ways of one street line given its segments in order along it.

    A way runs as long as each segment starts where the previous one ended and carries the same
    tags; a gap or a change of tags (a bridge, a pedestrian stretch) starts a new way.
    """
    current: list[int] = []
    current_tags: Tags | None = None
    for a, b, tags in segments:
        if current and current[-1] == a and tags == current_tags:
            current.append(b)
            continue
        if len(current) >= 2 and current_tags is not None:
            draft.add_way(current, current_tags)
        current, current_tags = [a, b], tags
    if len(current) >= 2 and current_tags is not None:
        draft.add_way(current, current_tags)
