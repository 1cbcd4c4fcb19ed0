"""Alerts from the data: days of cover, throughput below plan, incidents near a corridor."""

from __future__ import annotations

import pytest

from tests.service.conftest import World, ago, crossing, new_id

pytestmark = pytest.mark.service


def stock(kind: str, qty: float, hours: float) -> dict:
    return {
        "client_id": new_id(),
        "event_time": ago(hours),
        "kind": kind,
        "warehouse": "W1",
        "item": "wheat_flour",
        "quantity": qty,
        "unit": "t",
    }


def test_alerts(world: World) -> None:
    corridor = {
        "code": "C3",
        "name": "East",
        "planned_throughput_pph": 100,
        "lat": 36.2,
        "lon": 37.1,
    }
    assert world.post("wfp_planner", "/operations/aleppo/corridors", corridor).status_code == 201
    # 300 t received, 3 days × 60 t distributed: 120 t left, 2 days of cover
    items = [stock("receipt", 300, 80)] + [stock("distribution", 60, h) for h in (60, 40, 10)]
    assert world.post(
        "wfp_logistics", "/operations/aleppo/stock/batch", {"items": items}
    ).is_success
    # C1 and C2 plan 1,500/h: 9,000 in 6 h; C1 got 4,000 (more than 50 % short), C2 8,000
    counts = [crossing("C1", 4000, hours_ago=1), crossing("C2", 8000, hours_ago=1)]
    assert world.post(
        "wfp_planner", "/operations/aleppo/crossings/batch", {"items": counts}
    ).is_success
    incident = {
        "client_id": new_id(),
        "event_time": ago(2),
        "type": "shelling",
        "severity": "high",
        "lat": 36.205,
        "lon": 37.1,  # about 556 m north of C3
    }
    assert world.post("wfp_monitor", "/operations/aleppo/incidents", incident).is_success
    found = {
        (a["kind"], a["subject"]): a
        for a in world.get("wfp_viewer", "/operations/aleppo/alerts").json()
    }
    cover = found[("low_cover", "wheat_flour at W1")]
    assert cover["value"] == pytest.approx(2.0) and "plan a delivery" in cover["message"]
    assert ("below_plan", "C1") in found and ("below_plan", "C2") not in found
    assert ("below_plan", "C3") in found  # nothing counted on C3 yet
    near = found[("incident_near_corridor", "C3")]
    assert 500 < near["value"] < 620 and "re-plan suggested" in near["message"]
    assert ("incident_near_corridor", "C1") not in found
    # ICRC sees none of WFP's restricted rows, so none of these alerts but C3's plan shortfall
    icrc = {
        (a["kind"], a["subject"])
        for a in world.get("icrc_planner", "/operations/aleppo/alerts").json()
    }
    assert icrc == {("below_plan", "C1"), ("below_plan", "C2"), ("below_plan", "C3")}
