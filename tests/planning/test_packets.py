"""Packets: the hold chosen within the budget, and every ready person sent exactly once."""

from __future__ import annotations

import numpy as np
import pytest

from safepassage.planning.packets import make_packets, make_packets_within, origins_of
from tests.planning.conftest import tiny_problem


def _slow_release_problem():
    # 100 people at each of two nodes, ready evenly over 200 minutes
    cdf = np.linspace(0.0, 1.0, 201)
    return tiny_problem(
        3,
        [(0, 1), (1, 2)],
        minutes=[[1.0, 1.0]],
        capacity=[100.0, 100.0],
        corridors=[2],
        corridor_capacity=[[50.0] * 240],
        sources=[(0, 0, 100.0), (1, 0, 100.0)],
        steps=240,
        release_cdf=cdf.tolist(),
    )


def test_shorter_holds_send_more_packets_and_everyone_once():
    problem = _slow_release_problem()
    origins = origins_of(problem)
    counts = []
    for hold in (15.0, 60.0, 180.0):
        packets = make_packets(problem, origins, min_people=80.0, max_hold_min=hold)
        assert packets.people.sum() == pytest.approx(200.0)
        assert np.all(np.diff(packets.depart_min) >= 0)
        counts.append(packets.people.shape[0])
    assert counts[0] > counts[1] > counts[2]


def test_the_shortest_hold_within_the_budget_is_taken():
    problem = _slow_release_problem()
    origins = origins_of(problem)
    short = make_packets(problem, origins, min_people=80.0, max_hold_min=15.0)
    long = make_packets(problem, origins, min_people=80.0, max_hold_min=180.0)
    roomy = make_packets_within(problem, origins, min_people=80.0, budget=10**6)
    assert roomy.people.shape[0] == short.people.shape[0]
    tight = make_packets_within(problem, origins, min_people=80.0, budget=1)
    assert tight.people.shape[0] == long.people.shape[0]  # none fits: the longest hold
