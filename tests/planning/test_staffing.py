"""Erlang C against published values, and the staffing of corridor services."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from safepassage.planning.staffing import (
    erlang_c,
    mean_wait_min,
    servers_needed,
    staff_corridor,
)


@pytest.mark.parametrize(
    ("servers", "load", "expected", "tol"),
    [
        # Call Centre Helper's worked Erlang C example: 10 erlangs on 11 agents, Pw = 68.21 %
        (11, 10.0, 0.6821, 5e-5),
        # M/M/c textbook case c = 3, a = 2: C = (8/6 * 3) / (1 + 2 + 2 + 4) = 4/9
        (3, 2.0, 4 / 9, 1e-12),
        # 120 customers/h, 3 min each, 10 servers (a = 6): "from the Erlang C curve ... about 0.10"
        (10, 6.0, 0.10, 0.005),
        # M/M/1: the chance of waiting is the utilisation
        (1, 0.7, 0.7, 1e-12),
    ],
)
def test_erlang_c_matches_published_values(servers, load, expected, tol):
    assert erlang_c(servers, load) == pytest.approx(expected, abs=tol)


def _textbook(servers: int, load: float) -> float:
    top = load**servers / math.factorial(servers) * servers / (servers - load)
    return top / (sum(load**k / math.factorial(k) for k in range(servers)) + top)


@settings(max_examples=200, deadline=None)
@given(servers=st.integers(1, 60), utilisation=st.floats(0.01, 0.99))
def test_recursion_equals_the_textbook_formula(servers, utilisation):
    load = servers * utilisation
    assert erlang_c(servers, load) == pytest.approx(_textbook(servers, load), rel=1e-9)


def test_servers_needed_is_the_fewest_meeting_the_target():
    # 30 an hour, 5 minutes each (a = 2.5): 3 servers mean 7.0 min of waiting, 4 mean 1.07 min
    assert mean_wait_min(3, 30.0, 5.0) == pytest.approx(
        erlang_c(3, 2.5) / (3 / 5 - 30 / 60), rel=1e-12
    )
    assert mean_wait_min(3, 30.0, 5.0) == pytest.approx(7.0225, abs=1e-4)
    assert servers_needed(30.0, 5.0, 2.0) == 4
    assert servers_needed(30.0, 5.0, 1.0) == 5
    assert servers_needed(0.0, 5.0, 1.0) == 0
    assert math.isinf(mean_wait_min(2, 30.0, 5.0))  # a = 2.5 erlangs on 2 servers


@settings(max_examples=100, deadline=None)
@given(
    arrivals=st.floats(1, 5000),
    service=st.floats(0.2, 20),
    target=st.floats(0.5, 60),
)
def test_servers_needed_property(arrivals, service, target):
    c = servers_needed(arrivals, service, target)
    assert mean_wait_min(c, arrivals, service) <= target
    assert c == 1 or mean_wait_min(c - 1, arrivals, service) > target


def test_bad_arguments_are_refused():
    with pytest.raises(ValueError):
        erlang_c(0, 1.0)
    with pytest.raises(ValueError):
        servers_needed(-1.0, 1.0, 1.0)


def test_staff_corridor_applies_medical_shares():
    hours = ("08:00", "09:00")
    arrivals = {"general": np.array([600.0, 0.0]), "mobility_impaired": np.array([100.0, 50.0])}
    s = staff_corridor(
        "C1",
        hours,
        arrivals,
        medical_share={"general": 0.1, "mobility_impaired": 0.5},
        food_service_min=1.0,
        triage_service_min=10.0,
        target_wait_min=5.0,
    )
    assert s.arrivals == pytest.approx([700.0, 50.0])
    assert s.medical_arrivals == pytest.approx([110.0, 25.0])
    assert s.food_counters.tolist() == [
        servers_needed(700.0, 1.0, 5.0),
        servers_needed(50.0, 1.0, 5.0),
    ]
    assert s.triage_teams[0] == servers_needed(110.0, 10.0, 5.0)
    assert (s.food_wait_min <= 5.0).all() and (s.triage_wait_min <= 5.0).all()
