"""Properties of placement on random inputs: people are conserved (placed + dropped == input, and
the rows add up to what was placed), nobody is negative, scaling reaches the total."""

from __future__ import annotations

import math
import tempfile
from pathlib import Path

import numpy as np
import pytest
import shapely
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from safepassage.io.population import place_population
from safepassage.model.population import PopulationPlacement
from safepassage.model.scenario import PopulationSource, PopulationSpec
from tests.io.conftest import grid_network, polygon_feature, write_geojson, write_points_csv

NET = grid_network(cells=4, spacing_m=250.0)  # streets over 0..1000 m both ways
STREETS = shapely.MultiLineString(
    [[(0, 250 * j), (1000, 250 * j)] for j in range(5)]
    + [[(250 * i, 0), (250 * i, 1000)] for i in range(5)]
)
coordinate = st.floats(-2500, 3500, allow_nan=False)
counts = st.floats(0, 1e6, allow_nan=False, allow_subnormal=False)
people = st.one_of(st.just(0.0), counts, st.integers(0, 5000))
snap = st.floats(5, 3000)


def check_conserved(placement: PopulationPlacement, expected_input: float) -> None:
    assert placement.input_people == pytest.approx(expected_input, rel=1e-9, abs=1e-9)
    for source in placement.sources:
        assert source.placed_people >= 0 and source.dropped_people >= 0
        assert source.placed_people + source.dropped_people == pytest.approx(
            source.input_people, rel=1e-9, abs=1e-6
        )
    assert (placement.origin_people >= 0).all()
    assert placement.placed_people == pytest.approx(
        math.fsum(s.placed_people for s in placement.sources), rel=1e-9, abs=1e-6
    )
    assert ((placement.origin_node >= 0) & (placement.origin_node < NET.node_count)).all()
    assert ((placement.origin_area >= 0) & (placement.origin_area < len(placement.areas))).all()
    keys = placement.origin_area * NET.node_count + placement.origin_node
    assert np.unique(keys).shape == keys.shape  # one row per (area, node)


@settings(max_examples=60, deadline=None)
@given(
    rows=st.lists(st.tuples(coordinate, coordinate, people), min_size=1, max_size=25),
    max_snap_m=snap,
)
def test_points_are_conserved(rows, max_snap_m):
    with tempfile.TemporaryDirectory() as folder:
        path = write_points_csv(Path(folder) / "points.csv", rows)
        spec = PopulationSpec(
            sources=[PopulationSource(path=path)], max_snap_m=max_snap_m, outside="drop"
        )
        placement = place_population(spec, NET)
    check_conserved(placement, math.fsum(float(r[2]) for r in rows))

    def distance(x: float, y: float) -> float:
        """To the nearest street of the grid (not its nearest node)."""
        return float(STREETS.distance(shapely.Point(x, y)))

    far = [distance(x, y) - max_snap_m for x, y, p in rows if p > 0]
    dropped = len(placement.sources[0].dropped)
    assert sum(d > 1e-3 for d in far) <= dropped <= sum(d > -1e-3 for d in far)


@st.composite
def area(draw):
    x0, y0 = draw(coordinate), draw(coordinate)
    if draw(st.booleans()):
        width, height = draw(st.floats(1, 2000)), draw(st.floats(1, 2000))
        ring = [(x0, y0), (x0 + width, y0), (x0 + width, y0 + height), (x0, y0 + height)]
    else:
        ring = [
            (x0, y0),
            (draw(coordinate), draw(coordinate)),
            (draw(coordinate), draw(coordinate)),
        ]
    assume(shapely.Polygon(ring).area > 1.0)
    return ring, draw(people)


@settings(max_examples=60, deadline=None)
@given(areas=st.lists(area(), min_size=1, max_size=8), max_snap_m=snap)
def test_areas_are_conserved(areas, max_snap_m):
    with tempfile.TemporaryDirectory() as folder:
        features = [polygon_feature(ring, population=count) for ring, count in areas]
        path = write_geojson(Path(folder) / "areas.geojson", features)
        spec = PopulationSpec(
            sources=[PopulationSource(path=path)], max_snap_m=max_snap_m, outside="drop"
        )
        placement = place_population(spec, NET)
    check_conserved(placement, math.fsum(float(count) for _, count in areas))
    # an area with a street inside is never dropped (a street along its very edge may or may
    # not count as inside after the lon/lat round trip, hence the shrunken polygon)
    for drop in placement.sources[0].dropped:
        index = int(drop.where.split()[1])
        ring = areas[index][0]
        assert shapely.intersection(shapely.Polygon(ring).buffer(-1e-3), STREETS).length < 1e-6


@settings(max_examples=30, deadline=None)
@given(
    rows=st.lists(st.tuples(coordinate, coordinate, people), min_size=1, max_size=10),
    areas=st.lists(area(), min_size=1, max_size=4),
    total=st.floats(1, 1e7),
)
def test_scaling_reaches_the_total(rows, areas, total):
    assume(math.fsum(float(r[2]) for r in rows) + math.fsum(float(a[1]) for a in areas) > 0)
    with tempfile.TemporaryDirectory() as folder:
        points = write_points_csv(Path(folder) / "points.csv", rows)
        features = [polygon_feature(ring, population=count) for ring, count in areas]
        polygons = write_geojson(Path(folder) / "areas.geojson", features)
        spec = PopulationSpec(
            sources=[PopulationSource(path=points), PopulationSource(path=polygons)],
            total=total,
            outside="drop",
        )
        placement = place_population(spec, NET)
    check_conserved(placement, total)
