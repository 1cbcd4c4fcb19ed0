"""Properties of the importer on random OSM files: lengths positive, one connected part kept,
the kept length equal to the geodesic length of the kept segments, nothing lost unreported."""

from __future__ import annotations

import tempfile
from pathlib import Path

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from pyproj import Geod
from scipy.sparse.csgraph import connected_components

from safepassage.errors import DataError
from safepassage.io.network_build import build_network
from safepassage.model.scenario import NetworkSpec
from tests.conftest import write_osm

CLASSES = ["residential", "footway", "primary", "steps", "motorway", "cycleway", "path"]


@st.composite
def osm_data(draw):
    n = draw(st.integers(2, 30))
    # a coarse grid of positions so that some nodes share coordinates (zero-length segments)
    cells = st.tuples(st.integers(0, 12), st.integers(0, 12))
    nodes = {
        i + 1: (30.0 + 0.0007 * x, 34.0 + 0.0007 * y)
        for i, (x, y) in enumerate(draw(st.lists(cells, min_size=n, max_size=n)))
    }
    refs = st.lists(st.integers(1, n), min_size=2, max_size=6)
    ways = [
        (100 + j, draw(refs), {"highway": draw(st.sampled_from(CLASSES))})
        for j in range(draw(st.integers(1, 15)))
    ]
    return nodes, ways


@settings(max_examples=80, deadline=None)
@given(osm_data())
def test_random_extracts_import_consistently(data):
    nodes, ways = data
    with tempfile.TemporaryDirectory() as folder:
        path = write_osm(Path(folder) / "random.osm.pbf", nodes, ways)
        try:
            build = build_network(NetworkSpec(osm=path))
        except DataError as exc:
            walkable = [w for w in ways if w[2]["highway"] not in {"motorway", "cycleway"}]
            proper = [w for w in walkable if len(set(w[1])) > 1]
            assert not proper, f"walkable ways present yet: {exc}"
            return
    net = build.network
    assert (net.length_m > 0).all()
    assert connected_components(net.to_csgraph(include_closed=True), directed=False)[0] == 1
    assert net.edge_count > 0
    # total kept length == geodesic length of the component's segments (zero lengths floored)
    geod = Geod(ellps="WGS84")
    total = 0.0
    for e in range(net.edge_count):
        g = net.edge_geometry(e)
        seg = geod.inv(g[:-1, 0], g[:-1, 1], g[1:, 0], g[1:, 1])[2]
        total += float(np.maximum(seg, 0.01).sum())
    np.testing.assert_allclose(net.total_length_m, total, rtol=1e-9)
    assert build.dropped_nodes + net.node_count <= build.nodes_read
