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
    # ICRC sees none of WFP's restricted rows: no alert from them, and no "below plan" either,
    # since its part of the record against the whole plan would be a false alarm
    icrc = {
        (a["kind"], a["subject"])
        for a in world.get("icrc_planner", "/operations/aleppo/alerts").json()
    }
    assert icrc == set()


def plan_bundle(routes: list[dict]) -> dict:
    """The smallest plan bundle the service takes, with the given routes."""
    return {
        "format": "safepassage-plan-bundle/1",
        "scenario": {"name": "test", "start": ago(48), "timezone": "UTC", "step_min": 1.0},
        "summary": {"corridors": [], "districts": []},
        "corridors": [],
        "hours": [],
        "planned": {},
        "routes": routes,
    }


def incident_at(lat: float, lon: float, hours: float = 2) -> dict:
    return {
        "client_id": new_id(),
        "event_time": ago(hours),
        "type": "shelling",
        "severity": "high",
        "lat": lat,
        "lon": lon,
    }


def test_an_incident_near_a_planned_route(world: World) -> None:
    routes = [
        # due north along the meridian 37.1 E, from 36.19 N to 36.21 N, towards C1
        {"area": "Old town", "corridor": "C1", "people": 1200, "length_m": 2220,
         "lon": [37.1, 37.1], "lat": [36.19, 36.21]},
        # two parts (null between): the second passes 36.2 N at 37.2 E, towards C2
        {"area": "Harbour", "corridor": "C2", "people": 800, "length_m": 40000,
         "lon": [37.0, 37.0, None, 37.2, 37.2], "lat": [36.0, 36.05, None, 36.1, 36.3]},
    ]  # fmt: skip
    response = world.client.put(
        "/operations/aleppo/plan", json=plan_bundle(routes), headers=world.as_("wfp_planner")
    )
    assert response.status_code == 200, response.text
    incidents = [
        incident_at(36.2, 37.105),  # 0.005 degree east of the C1 route
        incident_at(36.2, 37.15),  # 4.5 km from both routes: no alert
        incident_at(36.2, 37.105, hours=30),  # too old
    ]
    body = {"items": incidents}
    assert world.post("wfp_monitor", "/operations/aleppo/incidents/batch", body).is_success
    found = [
        a
        for a in world.get("wfp_viewer", "/operations/aleppo/alerts").json()
        if a["kind"] == "incident_near_route"
    ]
    assert [a["subject"] for a in found] == ["C1"]
    # by hand: 0.005 degree of longitude along the parallel 36.2 N on the WGS84 ellipsoid is
    # N cos(phi) * 0.005 * pi / 180 with N = a / sqrt(1 - e^2 sin^2 phi) = 6,385,597 m, so
    # 6,385,597 * 0.80696 * 8.72665e-5 = 449.68 m (the geodesic is 449.677 m)
    assert found[0]["value"] == pytest.approx(449.68, abs=0.05)
    assert "450 m from the planned route from Old town to corridor C1" in found[0]["message"]
    assert "1,200 people" in found[0]["message"] and "re-plan suggested" in found[0]["message"]
    # a wider radius reaches the second part of the C2 route (0.05 degree = 4.5 km east)
    wide = world.get("wfp_viewer", "/operations/aleppo/alerts", route_radius_m=5000).json()
    subjects = sorted(a["subject"] for a in wide if a["kind"] == "incident_near_route")
    assert subjects == ["C1", "C1", "C2"]
    # ICRC may not see WFP's incidents: no alert from them
    icrc = world.get("icrc_planner", "/operations/aleppo/alerts").json()
    assert not [a for a in icrc if a["kind"] == "incident_near_route"]


def test_no_route_alerts_without_a_published_plan(world: World) -> None:
    body = {"items": [incident_at(36.2, 37.1)]}
    assert world.post("wfp_monitor", "/operations/aleppo/incidents/batch", body).is_success
    alerts = world.get("wfp_viewer", "/operations/aleppo/alerts").json()
    assert not [a for a in alerts if a["kind"] == "incident_near_route"]


def test_routes_near_matches_a_vertex_loop() -> None:
    """The vectorised search against a plain loop over segments (local flat metres)."""
    import itertools
    import math

    import numpy as np

    from safepassage.storage.alerts import PlannedRoute, routes_near

    rng = np.random.default_rng(7)
    routes = []
    for i in range(20):
        lon = list(37.0 + np.cumsum(rng.normal(0, 0.003, 12)))
        lat = list(36.0 + np.cumsum(rng.normal(0, 0.003, 12)))
        if i % 5 == 0:  # a gap
            lon[6] = lat[6] = None
        routes.append(PlannedRoute(f"A{i}", f"C{i % 3}", 10.0, lon, lat))
    px = 37.0 + rng.normal(0, 0.01, 50)
    py = 36.0 + rng.normal(0, 0.01, 50)
    found = {(p, r): d for p, r, d in routes_near(routes, px, py, radius_m=300.0)}
    assert len(found) >= 10  # the check below is not empty
    m_lat = 111_000.0  # metres per degree, roughly: enough to compare within 1 %
    m_lon = m_lat * math.cos(math.radians(36.0))

    def segment(p: tuple[float, float], a: tuple[float, float], b: tuple[float, float]) -> float:
        ax, ay, bx, by = (
            (a[0] - p[0]) * m_lon,
            (a[1] - p[1]) * m_lat,
            (b[0] - p[0]) * m_lon,
            (b[1] - p[1]) * m_lat,
        )
        dx, dy = bx - ax, by - ay
        t = 0.0 if dx == dy == 0 else max(0.0, min(1.0, -(ax * dx + ay * dy) / (dx * dx + dy * dy)))
        return math.hypot(ax + t * dx, ay + t * dy)

    for p in range(len(px)):
        for r, route in enumerate(routes):
            pts = list(zip(route.lon, route.lat, strict=True))
            d = min(
                segment((px[p], py[p]), a, b)
                for a, b in itertools.pairwise(pts)
                if None not in (*a, *b)
            )
            if d <= 297.0:
                assert found[(p, r)] == pytest.approx(d, rel=0.01)
            elif d > 303.0:
                assert (p, r) not in found
