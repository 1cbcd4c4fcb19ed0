"""Stock forecast: hand-computed stock-out days, people-days, and the Monte Carlo against the
deterministic answer."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from safepassage.model.supply import ConvoyWindows
from safepassage.planning.relief_inputs import open_hours_per_day, person_days
from safepassage.planning.stock_forecast import forecast_stocks, gamma_factors, simulate
from tests.planning.relief_cases import START, make_inputs


def test_stock_lasts_stock_over_need_days():
    # 100 kg, 10 people eating 1 kg a day: days 0..9 are fed, day 10 is the first short one
    inputs = make_inputs(stock0=[100.0], ration=[1.0], days=20)
    fc = forecast_stocks(inputs, np.full(20, 10.0), draws=10)
    assert fc.stockout_day[0] == 10
    assert fc.stock[10, 0] == pytest.approx(0.0)
    assert fc.stock[5, 0] == pytest.approx(50.0)
    assert fc.consumed[9, 0] == pytest.approx(10.0)
    assert fc.consumed[10, 0] == pytest.approx(0.0)


def test_losses_and_deliveries_by_hand():
    # 100 kg, 10 % lost a day, 30 kg eaten a day, 50 kg delivered on day 2:
    # day 0: 90 - 30 = 60; day 1: 54 - 30 = 24; day 2: (24 + 50) * 0.9 = 66.6 - 30 = 36.6;
    # day 3: 32.94 - 30 = 2.94; day 4: 2.646 < 30 -> out on day 4
    planned = np.zeros((6, 1, 1))
    planned[2, 0, 0] = 50.0
    inputs = make_inputs(
        stock0=[100.0], ration=[3.0], days=6, loss_rate=[0.1], payload_t=[10.0], planned=planned
    )
    fc = forecast_stocks(inputs, np.full(6, 10.0), draws=1)
    assert fc.stock[1:5, 0] == pytest.approx([60.0, 24.0, 36.6, 2.94])
    assert fc.stockout_day[0] == 4
    assert fc.lost[2, 0] == pytest.approx(7.4)


def test_local_production_is_used_the_day_it_is_made():
    inputs = make_inputs(stock0=[0.0], ration=[1.0], days=5, local=[10.0])
    fc = forecast_stocks(inputs, np.full(5, 10.0), draws=1)
    assert np.isinf(fc.stockout_day[0])
    fc = forecast_stocks(inputs, np.full(5, 11.0), draws=1)
    assert fc.stockout_day[0] == 0
    # a surplus is not stored: 4 people need 4 of the 10 made, the stock stays at 3
    inputs = make_inputs(stock0=[3.0], ration=[1.0], days=5, local=[10.0])
    fc = forecast_stocks(inputs, np.full(5, 4.0), draws=1)
    assert fc.stock[:, 0] == pytest.approx([3.0] * 6)
    assert fc.need[:, 0] == pytest.approx([0.0] * 5)


def test_person_days_follow_departures():
    # 100 people; 40 leave halfway through day 0 (minute 720), 60 at the very start of day 2
    days = person_days(100.0, np.array([720.0, 2880.0]), np.array([40.0, 60.0]), 4)
    assert days == pytest.approx([100 - 40 * 0.5, 60.0, 0.0, 0.0])


def test_person_days_without_departures_is_everyone():
    assert person_days(250.0, np.zeros(0), np.zeros(0), 3) == pytest.approx([250.0] * 3)


def test_open_hours_split_at_the_start_of_the_day():
    # days start at 06:00: the 04:00-08:00 window gives day 0 its 06:00-08:00 and the next
    # morning's 04:00-06:00
    windows = ConvoyWindows(daily=[("04:00", "08:00"), ("09:00", "15:00")])
    assert open_hours_per_day(windows, START, 3) == pytest.approx([10.0, 10.0, 10.0])
    interval = ConvoyWindows(
        intervals=[(dt.datetime(2030, 8, 2, 3, 0), dt.datetime(2030, 8, 2, 9, 0))]
    )
    assert open_hours_per_day(interval, START, 3) == pytest.approx([3.0, 3.0, 0.0])
    assert open_hours_per_day(None, START, 2) == pytest.approx([24.0, 24.0])


def _random_inputs(seed: int, days: int = 15):
    rng = np.random.default_rng(seed)
    n_c, n_r = 3, 2
    return make_inputs(
        stock0=rng.uniform(0, 500, n_c),
        ration=rng.uniform(0.1, 2, n_c),
        days=days,
        loss_rate=rng.uniform(0, 0.05, n_c),
        payload_t=[10.0, 20.0],
        planned=rng.uniform(0, 100, (days, n_r, n_c)) * (rng.random((days, n_r, 1)) < 0.3),
    )


@settings(max_examples=30, deadline=None)
@given(seed=st.integers(0, 10_000))
def test_p50_without_variance_is_the_deterministic_answer(seed):
    inputs = _random_inputs(seed)
    people = np.random.default_rng(seed).uniform(50, 100, inputs.days)
    fc = forecast_stocks(inputs, people, draws=101, seed=seed, consumption_cv=0, loss_cv=0)
    np.testing.assert_array_equal(fc.mc_stockout_day[1], fc.stockout_day)
    np.testing.assert_allclose(fc.mc_stock[1], fc.stock)
    np.testing.assert_allclose(fc.mc_stock[0], fc.mc_stock[2])


def test_monte_carlo_is_seeded_and_ordered():
    inputs = make_inputs(
        stock0=[300.0, 200.0],
        ration=[1.0, 1.0],
        days=30,
        loss_rate=[0.01, 0.02],
        payload_t=[10.0],
        reliability=[0.5],
        planned=np.full((30, 1, 2), 5.0),
    )
    people = np.full(30, 20.0)
    a = forecast_stocks(inputs, people, draws=500, seed=3)
    b = forecast_stocks(inputs, people, draws=500, seed=3)
    c = forecast_stocks(inputs, people, draws=500, seed=4)
    np.testing.assert_array_equal(a.mc_stock, b.mc_stock)
    assert not np.array_equal(a.mc_stock, c.mc_stock)
    assert (a.mc_stockout_day[0] <= a.mc_stockout_day[1]).all()
    assert (a.mc_stockout_day[1] <= a.mc_stockout_day[2]).all()
    assert (a.mc_stock[0] <= a.mc_stock[2] + 1e-9).all()
    # half the convoys fail: the median draw runs out no later than with every convoy
    assert (a.mc_stockout_day[1] <= a.stockout_day).all()


def test_gamma_factors_have_mean_one_and_the_cv():
    rng = np.random.default_rng(0)
    f = gamma_factors(rng, 0.2, (200_000,))
    assert f.mean() == pytest.approx(1.0, abs=0.01)
    assert f.std() == pytest.approx(0.2, abs=0.01)
    assert (gamma_factors(rng, 0.0, (3,)) == 1).all()


def test_simulate_vectorises_over_draws():
    need = np.full((5, 2, 1), 10.0)
    _, out = simulate(np.array([[25.0], [100.0]]), np.zeros((2, 1)), need, np.zeros_like(need))
    assert out[:, 0].tolist() == [2.0, np.inf]


def test_bad_arguments_are_refused():
    inputs = make_inputs(stock0=[1.0], ration=[1.0], days=3)
    with pytest.raises(ValueError, match="draws"):
        forecast_stocks(inputs, np.ones(3), draws=0)
    with pytest.raises(ValueError, match="shape"):
        forecast_stocks(inputs, np.ones(4))
