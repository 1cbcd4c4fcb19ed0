"""The demo scenario's relief sections: routes, convoys and settings that the relief code reads."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from safepassage.demo.city import write_demo_scenario
from safepassage.io.scenario_file import load_scenario
from safepassage.model.scenario import Scenario
from safepassage.planning.relief_inputs import relief_inputs
from safepassage.planning.stock_forecast import forecast_stocks


@pytest.fixture(scope="module")
def scenario(tmp_path_factory: pytest.TempPathFactory) -> Scenario:
    out = tmp_path_factory.mktemp("demo_relief")
    write_demo_scenario(out, seed=7)
    return load_scenario(Path(out) / "scenario.toml")


def test_supply_routes_and_convoys(scenario: Scenario) -> None:
    assert [r.status for r in scenario.supply_routes] == ["open", "open", "cut"]
    inputs = relief_inputs(scenario)
    assert inputs.route_ids == ("R1", "R2")
    # R1: 4 trucks an hour for 6 hours; R2: 3 an hour for 2 hours
    assert inputs.trucks_cap[:, 0].tolist() == [24.0, 6.0]
    assert inputs.payload_t.tolist() == [24.0, 18.0]
    cereal = inputs.commodities.index("cereal")
    assert inputs.planned[:, 0, cereal].sum() == pytest.approx(10 * 120_000.0)  # 10 convoys
    assert any("R3 is cut" in w for w in inputs.warnings)


def test_food_runs_out_after_about_eighteen_days_if_everyone_stays(scenario: Scenario) -> None:
    inputs = relief_inputs(scenario)
    people = np.full(inputs.days, 300_000.0)
    fc = forecast_stocks(inputs, people, draws=200, seed=1)
    salt = inputs.commodities.index("salt")  # no convoys bring salt and it is not lost
    assert fc.stockout_day[salt] == 18
    fuel = inputs.commodities.index("fuel")
    assert fc.stockout_day[fuel] < 18  # 80 m3 at 15 m3 a day, minus losses
