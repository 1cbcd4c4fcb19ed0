"""Contraction must not change shortest-path distances between the nodes it keeps."""

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.sparse.csgraph import dijkstra

from safepassage.model.contraction import contract_degree2
from safepassage.model.network import Network


def make_network(n_nodes, edges, lengths, oneway=None, closed=None):
    u = np.array([a for a, _ in edges], dtype=np.int32)
    v = np.array([b for _, b in edges], dtype=np.int32)
    m = len(edges)
    lon = np.arange(n_nodes, dtype=float) * 0.001
    lat = (np.arange(n_nodes, dtype=float) % 7) * 0.001
    length = np.asarray(lengths, dtype=float)
    return Network(
        crs="EPSG:32636",
        node_osm_id=np.arange(n_nodes, dtype=np.int64) + 1,
        lon=lon,
        lat=lat,
        x_m=lon * 1e5,
        y_m=lat * 1e5,
        edge_u=u,
        edge_v=v,
        length_m=length,
        width_m=np.full(m, 3.0),
        capacity_ppm=np.full(m, 234.0),
        time_s=length / 1.2,
        highway=np.zeros(m, np.int16),
        highway_names=("residential",),
        oneway=np.zeros(m, bool) if oneway is None else np.asarray(oneway),
        closed=np.zeros(m, bool) if closed is None else np.asarray(closed),
        way_id=np.arange(m, dtype=np.int64),
        geom_indptr=np.arange(0, 2 * m + 1, 2, dtype=np.int64),
        geom_lon=np.column_stack([lon[u], lon[v]]).ravel(),
        geom_lat=np.column_stack([lat[u], lat[v]]).ravel(),
    )


@st.composite
def networks(draw):
    n = draw(st.integers(3, 25))
    pairs = st.tuples(st.integers(0, n - 1), st.integers(0, n - 1)).filter(lambda p: p[0] != p[1])
    edges = draw(st.lists(pairs, min_size=2, max_size=45))
    lengths = draw(st.lists(st.floats(0.5, 500.0), min_size=len(edges), max_size=len(edges)))
    oneway = draw(st.lists(st.booleans(), min_size=len(edges), max_size=len(edges)))
    closed = draw(st.lists(st.booleans(), min_size=len(edges), max_size=len(edges)))
    protect = draw(st.lists(st.booleans(), min_size=n, max_size=n))
    return make_network(n, edges, lengths, oneway, closed), np.asarray(protect)


@settings(max_examples=300, deadline=None)
@given(networks())
def test_contraction_preserves_distances_between_kept_nodes(case):
    net, protected = case
    contracted, report = contract_degree2(net, protected=protected)
    kept_old = np.flatnonzero(np.isin(net.node_osm_id, contracted.node_osm_id))
    assert protected[kept_old].sum() == protected.sum()  # protected nodes always stay
    before = dijkstra(net.to_csgraph("length_m"), indices=kept_old)[:, kept_old]
    order = np.argsort(contracted.node_osm_id)
    after = dijkstra(contracted.to_csgraph("length_m"))[np.ix_(order, order)]
    np.testing.assert_allclose(after, before, rtol=1e-9)
    assert (contracted.length_m > 0).all()
    assert report.nodes_after == contracted.node_count


@settings(max_examples=200, deadline=None)
@given(networks())
def test_contraction_keeps_geometry_and_length(case):
    net, protected = case
    contracted, _ = contract_degree2(net, protected=protected)
    assert np.isclose(contracted.total_length_m, net.total_length_m)
    for e in range(contracted.edge_count):
        geometry = contracted.edge_geometry(e)
        u, v = contracted.edge_u[e], contracted.edge_v[e]
        assert tuple(geometry[0]) == (contracted.lon[u], contracted.lat[u])
        assert tuple(geometry[-1]) == (contracted.lon[v], contracted.lat[v])


def test_chain_is_merged_with_bottleneck_capacity():
    net = make_network(4, [(0, 1), (1, 2), (2, 3)], [10.0, 20.0, 30.0])
    capacity = np.array([300.0, 100.0, 200.0])
    object.__setattr__(net, "capacity_ppm", capacity)
    contracted, _ = contract_degree2(net)
    assert contracted.edge_count == 1
    assert contracted.length_m[0] == 60.0
    assert contracted.capacity_ppm[0] == 100.0
    assert contracted.edge_geometry(0).shape == (4, 2)


def test_one_way_chain_keeps_its_direction():
    # 0 -> 1 -> 2, one way
    net = make_network(3, [(0, 1), (1, 2)], [5.0, 5.0], oneway=[True, True])
    contracted, _ = contract_degree2(net)
    assert contracted.edge_count == 1
    u, v = contracted.edge_u[0], contracted.edge_v[0]
    assert contracted.node_osm_id[u] == 1 and contracted.node_osm_id[v] == 3
    assert contracted.oneway[0]


def test_loop_street_stays_drawable():
    # 0 - 1 is the way in; 1 -> 2 -> 3 -> 1 is a loop street
    net = make_network(4, [(0, 1), (1, 2), (2, 3), (3, 1)], [5.0, 5.0, 5.0, 5.0])
    contracted, report = contract_degree2(net)
    assert contracted.total_length_m == 20.0
    assert report.self_loops_dropped == 0
