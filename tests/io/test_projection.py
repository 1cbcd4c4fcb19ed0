"""One way to project lon/lat to a network's metres and to find the nearest node."""

from __future__ import annotations

import numpy as np
import pytest

from safepassage.io.projection import NodeIndex, to_metres, transformer
from tests.io.conftest import UTM, X0, Y0, local_network, lonlat


def test_to_metres_matches_the_local_frame():
    x, y = to_metres(UTM, *np.asarray([lonlat(100, 50), lonlat(-20, 7)]).T)
    assert (x - X0).tolist() == pytest.approx([100, -20], abs=1e-6)
    assert (y - Y0).tolist() == pytest.approx([50, 7], abs=1e-6)
    assert transformer("EPSG:4326", UTM) is transformer("EPSG:4326", UTM)


def test_nearest_node_and_its_distance():
    net = local_network([(0.0, 0.0), (200.0, 0.0), (0.0, 100.0)], [(0, 1), (0, 2)])
    index = NodeIndex.of(net)
    assert NodeIndex.of(net) is index  # built once per network
    lon, lat = np.asarray([lonlat(190, 3), lonlat(30, 60)]).T
    node, distance = index.nearest_lonlat(lon, lat)
    assert node.tolist() == [1, 2]
    assert distance.tolist() == pytest.approx([np.hypot(10, 3), np.hypot(30, 40)], abs=1e-6)
