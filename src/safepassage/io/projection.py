"""Lon/lat to a network's metres, and the network node nearest a point, done one way everywhere.

Building a :class:`pyproj.Transformer` costs about a millisecond and a k-d tree over a city's nodes
a few more, so both are built once: transformers per CRS pair, node indexes per network (held only
as long as the network lives).
"""

from __future__ import annotations

import weakref
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from numpy.typing import ArrayLike, NDArray
from pyproj import Transformer
from scipy.spatial import cKDTree

from safepassage.model.network import Network

__all__ = ["WGS84", "NodeIndex", "to_metres", "transformer"]

WGS84 = "EPSG:4326"


@lru_cache(maxsize=32)
def transformer(source_crs: str, target_crs: str) -> Transformer:
    """A cached ``always_xy`` transformer (x/lon first); pyproj transformers are thread-safe."""
    return Transformer.from_crs(source_crs, target_crs, always_xy=True)


def to_metres(
    crs: str, lon: ArrayLike, lat: ArrayLike
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """WGS84 ``lon``, ``lat`` (degrees) projected to ``crs`` (a network's metric CRS)."""
    x, y = transformer(WGS84, crs).transform(lon, lat)
    return np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)


@dataclass(frozen=True, eq=False)
class NodeIndex:
    """A k-d tree over a network's projected node positions, for nearest-node look-ups."""

    crs: str
    tree: cKDTree

    @classmethod
    def of(cls, network: Network) -> NodeIndex:
        """The index of ``network``'s nodes, built on first use and kept while it lives."""
        index = _INDEXES.get(network)
        if index is None:
            index = cls(network.crs, cKDTree(np.column_stack([network.x_m, network.y_m])))
            _INDEXES[network] = index
        return index

    def nearest(
        self, x_m: ArrayLike, y_m: ArrayLike
    ) -> tuple[NDArray[np.int64], NDArray[np.float64]]:
        """(node index, straight-line distance in metres) of the node nearest each point."""
        points = np.column_stack([np.ravel(x_m), np.ravel(y_m)])
        distance, node = self.tree.query(points)
        return np.asarray(node, dtype=np.int64), np.asarray(distance, dtype=np.float64)

    def nearest_lonlat(
        self, lon: ArrayLike, lat: ArrayLike
    ) -> tuple[NDArray[np.int64], NDArray[np.float64]]:
        """:meth:`nearest` for WGS84 points, projected to the network's CRS first."""
        return self.nearest(*to_metres(self.crs, lon, lat))


_INDEXES: weakref.WeakKeyDictionary[Network, NodeIndex] = weakref.WeakKeyDictionary()
