"""The scenario's relief section: units, routes, convoys, standards, and one-line errors."""

from __future__ import annotations

import copy
import datetime as dt
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from safepassage.errors import ScenarioError
from safepassage.io.scenario_file import scenario_from_dict
from safepassage.model.standards import DEFAULT_STANDARDS, TRUCK_PAYLOAD_T, WFP_RATION_G
from safepassage.planning.relief_inputs import relief_inputs

BASE: dict[str, Any] = {
    "name": "relief test",
    "timezone": "Asia/Amman",
    "start": dt.datetime(2030, 8, 1, 6, 0),
    "network": {"osm": "city.osm.pbf"},
    "population": {"sources": [{"path": "people.csv"}]},
    "corridors": [
        {
            "id": "C1",
            "name": "gate",
            "lat": 0.0,
            "lon": 0.0,
            "throughput_pph": 1000.0,
            "windows": {"daily": [["06:00", "18:00"]]},
        }
    ],
    "warehouses": [{"id": "W1", "name": "main", "lat": 0.0, "lon": 0.0}],
    "stocks": [
        {
            "commodity": "cereal",
            "quantity": 40.0,
            "unit": "t",
            "warehouse": "W1",
            "loss_rate_per_day": 0.01,
        },
        {"commodity": "cereal", "quantity": 60_000.0, "unit": "kg", "loss_rate_per_day": 0.0},
        {"commodity": "oil", "quantity": 1000.0, "unit": "l"},
        {"commodity": "water", "quantity": 3.0, "unit": "m3"},
        {"commodity": "fuel", "quantity": 500.0, "unit": "l"},
    ],
    "supply_routes": [
        {
            "id": "R1",
            "name": "south",
            "lat": 0.0,
            "lon": 0.0,
            "trucks_per_hour": 2.0,
            "turnaround_h": 8.0,
            "windows": {"daily": [["08:00", "12:00"]]},
        },
        {
            "id": "R2",
            "name": "north",
            "lat": 0.0,
            "lon": 0.0,
            "trucks_per_hour": 2.0,
            "turnaround_h": 8.0,
            "status": "cut",
        },
    ],
    "convoys": [
        {
            "route": "R1",
            "day": dt.date(2030, 8, 3),
            "commodity": "cereal",
            "quantity": 2.0,
            "unit": "t",
            "every_days": 2,
            "until": dt.date(2030, 8, 7),
        },
    ],
    "relief": {"horizon_days": 10},
}


def _scenario(**changes: Any):
    raw = copy.deepcopy(BASE)
    for key, value in changes.items():
        raw[key] = value
    return scenario_from_dict(raw, base=Path("/tmp"), source="scenario.toml")


def test_standards_match_the_reference_figures():
    # humanitarian.md 1.1 and 1.2: WFP basket 555 g, 2,100 kcal; 15 l water; payloads
    assert sum(WFP_RATION_G.values()) == pytest.approx(555.0)
    assert DEFAULT_STANDARDS.energy_kcal_per_person_day == 2100.0
    assert DEFAULT_STANDARDS.water_l_per_person_day == 15.0
    assert DEFAULT_STANDARDS.water_point_max_distance_m == 500.0
    assert (TRUCK_PAYLOAD_T["two_axle_6_wheel"], TRUCK_PAYLOAD_T["tractor_trailer_6_axle"]) == (
        12.0,
        27.0,
    )
    rates = DEFAULT_STANDARDS.ration_per_person_day()
    assert rates["food_basket"] == pytest.approx(0.555)
    assert rates["cereal"] == pytest.approx(0.4)


def test_inputs_in_base_units():
    inputs = relief_inputs(_scenario())
    # fuel has no consumption figure: left out, with a warning
    assert inputs.commodities == ("cereal", "oil", "water")
    assert inputs.units == ("kg", "kg", "l")
    assert inputs.stock0 == pytest.approx([100_000.0, 920.0, 3000.0])
    assert inputs.loss_rate[0] == pytest.approx(0.004)  # 40 t at 1 %, 60 t at 0 %
    assert inputs.route_ids == ("R1",)
    assert inputs.trucks_cap[0] == pytest.approx([8.0] * 10)
    assert inputs.payload_t == pytest.approx([18.0])  # default truck: 3-axle tractor-trailer
    assert inputs.planned[:, 0, 0].nonzero()[0].tolist() == [2, 4, 6]
    assert inputs.planned[2, 0, 0] == pytest.approx(2000.0)
    assert any("fuel" in w for w in inputs.warnings)
    assert any("R2 is cut" in w for w in inputs.warnings)


def test_overrides_apply():
    relief = {
        "horizon_days": 10,
        "standards": {"water_l_per_person_day": 20.0, "ration_g_per_person_day": {"cereal": 350}},
        "consumption_per_person_day": {"fuel": 0.1},
        "local_supply_per_day": {"water": 500.0},
    }
    inputs = relief_inputs(_scenario(relief=relief))
    rates = dict(zip(inputs.commodities, inputs.ration, strict=True))
    # a ration override names only what changes: oil keeps its 25 g
    assert rates == pytest.approx({"cereal": 0.35, "oil": 0.025, "water": 20.0, "fuel": 0.1})
    assert inputs.local[inputs.commodities.index("water")] == 500.0


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        (
            {"stocks": [{"commodity": "cereal", "quantity": -1.0, "unit": "t"}]},
            "stocks[0].quantity: Input should be greater than or equal to 0",
        ),
        (
            {"stocks": [{"commodity": "rice", "quantity": 1.0, "unit": "t"}]},
            "unknown commodity 'rice'",
        ),
        (
            {"stocks": [{"commodity": "water", "quantity": 1.0, "unit": "kg"}]},
            "water cannot be counted in kg; use l, m3",
        ),
        (
            {"convoys": [{"route": "R1", "day": dt.date(2030, 8, 3), "commodity": "cereal",
                          "quantity": 1.0, "unit": "kit"}]},
            "cereal cannot be counted in kit",
        ),
        (
            {"relief": {"consumption_per_person_day": {"soap": 1.0}}},
            "unknown commodity 'soap'",
        ),
        (
            {"relief": {"standards": {"ration_g_per_person_day": {"water": 1.0}}}},
            "'water' is not a food item",
        ),
    ],
)  # fmt: skip
def test_bad_values_are_one_line_errors(changes, message):
    with pytest.raises(ScenarioError) as info:
        _scenario(**changes)
    assert message in str(info.value)
    assert str(info.value).startswith("scenario.toml: ")


def _route(**fields: Any) -> dict[str, Any]:
    return {"id": "R1", "name": "south", "lat": 0.0, "lon": 0.0, "trucks_per_hour": 2.0,
            "turnaround_h": 8.0, **fields}  # fmt: skip


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        (
            {"supply_routes": [_route(windows={"intervals": [
                [dt.datetime(2030, 10, 1, 8), dt.datetime(2030, 10, 1, 12)]]})]},
            "windows: interval 2030-10-01 08:00:00 to 2030-10-01 12:00:00 lies outside the "
            "scenario's period (2030-08-01 06:00 to 2030-08-11 06:00",
        ),
        (
            {"convoys": [{"route": "R1", "day": dt.date(2030, 9, 1), "commodity": "cereal",
                          "quantity": 1.0, "unit": "t"}]},
            "convoys[0]: day 2030-09-01 lies outside the scenario's period",
        ),
        (
            {"convoys": [{"route": "R9", "day": dt.date(2030, 8, 2), "commodity": "cereal",
                          "quantity": 1.0, "unit": "t"}]},
            "convoys[0].route: no supply route 'R9'",
        ),
        ({"supply_routes": [_route(truck="camel")]}, "unknown truck type 'camel'"),
        ({"supply_routes": [_route(), _route()]}, "id 'R1' appears twice"),
        (
            {"relief": {"services": {"medical_share": {"elderly": 0.5}}}},
            "relief.services.medical_share: group 'elderly' is not defined; known groups: general",
        ),
    ],
)  # fmt: skip
def test_relief_cross_checks_name_the_field(changes, message):
    scenario = _scenario(**changes)
    with pytest.raises(ScenarioError, match=r"supply_routes|convoys|relief") as info:
        relief_inputs(scenario)
    assert message in str(info.value)


def test_no_routes_means_no_capacity():
    inputs = relief_inputs(_scenario(supply_routes=[], convoys=[]))
    assert inputs.trucks_cap.shape == (0, 10)
    assert np.all(inputs.planned == 0)


def test_a_convoy_on_a_closed_day_is_flagged():
    route = _route(
        windows={"intervals": [[dt.datetime(2030, 8, 2, 8), dt.datetime(2030, 8, 2, 9)]]}
    )
    convoys = [
        {"route": "R1", "day": dt.date(2030, 8, 2), "commodity": "cereal", "quantity": 30.0,
         "unit": "t"},
        {"route": "R1", "day": dt.date(2030, 8, 4), "commodity": "cereal", "quantity": 1.0,
         "unit": "t"},
    ]  # fmt: skip
    inputs = relief_inputs(_scenario(supply_routes=[route], convoys=convoys))
    # the window lets 2 trucks (18 t each) in on 2 Aug: 30 t fit; 4 Aug has no window
    flagged = [w for w in inputs.warnings if w.startswith("convoys planned")]
    assert flagged == [
        "convoys planned on R1 on 2030-08-04 need 1 truck(s) but the route takes 0 that day; "
        "they are counted as planned"
    ]


def test_needs_follow_the_standards():
    from safepassage.planning.relief_summary import needs_summary

    needs = needs_summary(300_000.0, DEFAULT_STANDARDS)
    # humanitarian.md 1.2: 300,000 x 555 g = 166.5 t a day; Sphere: 15 l, 250 per tap,
    # 500 per hand pump, 50 per toilet
    assert needs == {
        "people": 300_000.0,
        "food_t_per_day": 166.5,
        "water_m3_per_day": 4500.0,
        "taps": 1200,
        "hand_pumps": 600,
        "toilets_first_phase": 6000,
    }
