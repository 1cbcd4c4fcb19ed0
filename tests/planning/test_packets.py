"""Packets: the hold chosen within the budget, and every ready person sent exactly once."""

from __future__ import annotations

import math

import numpy as np
import pytest

from safepassage.planning.packets import (
    count_packets,
    make_packets,
    make_packets_within,
    origins_of,
    saturation_step,
)
from tests.planning.conftest import tiny_problem


def _slow_release_problem(corridor_capacity: float = 50.0):
    # 100 people at each of two nodes, ready evenly over 200 minutes
    cdf = np.linspace(0.0, 1.0, 201)
    return tiny_problem(
        3,
        [(0, 1), (1, 2)],
        minutes=[[1.0, 1.0]],
        capacity=[100.0, 100.0],
        corridors=[2],
        corridor_capacity=[[corridor_capacity] * 240],
        sources=[(0, 0, 100.0), (1, 0, 100.0)],
        steps=240,
        release_cdf=cdf.tolist(),
    )


def test_shorter_holds_send_more_packets_and_everyone_once():
    problem = _slow_release_problem()
    origins = origins_of(problem)
    counts = []
    for hold in (15.0, 60.0, 180.0):
        packets = make_packets(
            problem, origins, min_people=80.0, max_hold_min=hold, early_hold_min=math.inf
        )
        assert packets.people.sum() == pytest.approx(200.0)
        assert np.all(np.diff(packets.depart_min) >= 0)
        counts.append(packets.people.shape[0])
    assert counts[0] > counts[1] > counts[2]
    assert counts[0] == count_packets(
        problem, origins, min_people=80.0, max_hold_min=15.0, early_hold_min=math.inf
    )


def test_saturation_is_when_the_ready_outrun_the_corridors_by_an_hour():
    # ready by step k: k people; processed by then at most 0.5 (k + 1); an hour is 30 people
    assert saturation_step(_slow_release_problem(corridor_capacity=0.5)) == 61
    assert saturation_step(_slow_release_problem()) == 240  # never: as many steps as there are


def test_before_saturation_the_hold_is_short():
    problem = _slow_release_problem(corridor_capacity=0.5)
    origins = origins_of(problem)
    # min_people too large to matter: only the hold sends packets
    packets = make_packets(problem, origins, min_people=1e6, max_hold_min=180.0)
    assert packets.people.sum() == pytest.approx(200.0)
    for o in range(2):
        times = packets.depart_min[packets.origin == o]
        # a packet leaves at the first grid time a hold after the grid time its first person was
        # seen ready: up to two grid spacings (200 / 64 = 3.1 min, the curve's levels) more
        early = np.diff(times[times <= 61])
        assert early.size >= 2 and np.all(early <= 15.0 + 2 * 3.2)
        assert np.all(np.diff(times[times >= 61]) > 60.0)  # then the long hold (or the end)


def test_the_finest_grid_and_shortest_hold_within_the_budget_are_taken():
    problem = _slow_release_problem()
    origins = origins_of(problem)
    finest = make_packets(problem, origins, min_people=80.0, max_wait_min=2.0, max_hold_min=15.0)
    roomy = make_packets_within(problem, origins, min_people=80.0, budget=10**6)
    assert roomy.people.shape[0] == finest.people.shape[0]
    np.testing.assert_array_equal(roomy.depart_min, finest.depart_min)
    coarsest = make_packets(
        problem, origins, min_people=80.0, max_hold_min=180.0, early_hold_min=math.inf
    )
    tight = make_packets_within(problem, origins, min_people=80.0, budget=1)
    assert tight.people.shape[0] == coarsest.people.shape[0]  # none fits: the coarsest
    middle = make_packets_within(
        problem, origins, min_people=80.0, budget=finest.people.shape[0] - 1
    )
    assert coarsest.people.shape[0] <= middle.people.shape[0] < finest.people.shape[0]
