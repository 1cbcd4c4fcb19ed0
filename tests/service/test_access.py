"""Role and organisation isolation: each role refused what it must not do; no organisation sees
another's restricted data."""

from __future__ import annotations

import pytest

from tests.service.conftest import World, ago, crossing, new_id

pytestmark = pytest.mark.service

DELIVERY = {"warehouse": "W1", "item": "wheat_flour", "quantity": 24.0, "unit": "t", "trucks": 1}


def delivery(**extra: object) -> dict:
    return {"client_id": new_id(), "event_time": ago(2), **DELIVERY, **extra}


def test_no_token_or_a_wrong_one_is_refused_with_json(world: World) -> None:
    response = world.client.get("/operations")
    assert response.status_code == 401
    assert response.headers["content-type"] == "application/problem+json"
    assert "Bearer" in response.json()["detail"]
    response = world.client.get("/operations", headers={"Authorization": "Bearer nope"})
    assert response.status_code == 401 and "not recognised" in response.json()["detail"]


@pytest.mark.parametrize(
    ("who", "path", "body", "allowed"),
    [
        ("wfp_viewer", "/operations/aleppo/crossings", crossing(), False),
        ("wfp_logistics", "/operations/aleppo/crossings", crossing(), False),
        ("wfp_monitor", "/operations/aleppo/crossings", crossing(), True),
        ("wfp_monitor", "/operations/aleppo/crossings", crossing(corridor="C2"), False),
        ("wfp_planner", "/operations/aleppo/crossings", crossing(corridor="C2"), True),
        ("wfp_monitor", "/operations/aleppo/deliveries", delivery(), False),
        ("wfp_planner", "/operations/aleppo/deliveries", delivery(), False),
        ("wfp_logistics", "/operations/aleppo/deliveries", delivery(), True),
        ("wfp_viewer", "/operations/aleppo/corridors", {"code": "C9", "name": "x"}, False),
        ("wfp_logistics", "/operations/aleppo/corridors", {"code": "C9", "name": "x"}, False),
        ("icrc_planner", "/operations/aleppo/corridors", {"code": "C9", "name": "x"}, False),
        ("wfp_planner", "/users", {"role": "admin", "name": "me too"}, False),
        ("wfp_viewer", "/operations", {"code": "op2", "name": "x"}, False),
        ("msf_admin", "/operations/aleppo/crossings", crossing(), False),
    ],
)
def test_each_role_is_refused_what_it_must_not_do(
    world: World, who: str, path: str, body: dict, allowed: bool
) -> None:
    response = world.post(who, path, body)
    if allowed:
        assert response.status_code == 201, response.text
    else:
        assert response.status_code in (403, 404), response.text
        assert response.json()["detail"]


def test_an_outside_organisation_cannot_even_see_the_operation(world: World) -> None:
    assert world.get("msf_admin", "/operations").json() == []
    response = world.get("msf_admin", "/operations/aleppo/corridors")
    assert response.status_code == 404
    assert "does not take part" in response.json()["detail"]
    assert [op["code"] for op in world.get("icrc_monitor", "/operations").json()] == ["aleppo"]


def test_restricted_rows_are_seen_by_their_organisation_and_the_lead_only(world: World) -> None:
    assert world.post("icrc_monitor", "/operations/aleppo/crossings", crossing(people=7)).is_success
    assert world.post("wfp_monitor", "/operations/aleppo/crossings", crossing(people=9)).is_success
    seen = {
        who: sorted(c["people"] for c in world.get(who, "/operations/aleppo/crossings").json())
        for who in ("icrc_planner", "wfp_viewer")
    }
    assert seen == {"icrc_planner": [7], "wfp_viewer": [7, 9]}
    # corridors and their status are public to member organisations
    assert len(world.get("icrc_logistics", "/operations/aleppo/corridors").json()) == 2


def test_a_sensitive_table_hides_other_organisations_rows_even_from_the_lead(world: World) -> None:
    body = {"table": "crossing_counts", "classification": "sensitive"}
    response = world.client.put(
        "/operations/aleppo/classification", json=body, headers=world.as_("wfp_planner")
    )
    assert response.status_code == 200
    assert response.json()["classification"]["crossing_counts"] == "sensitive"
    assert world.post("icrc_monitor", "/operations/aleppo/crossings", crossing(people=7)).is_success
    assert world.get("wfp_admin", "/operations/aleppo/crossings").json() == []
    # and a member organisation cannot change the protocol
    response = world.client.put(
        "/operations/aleppo/classification",
        json={"table": "crossing_counts", "classification": "public"},
        headers=world.as_("icrc_planner"),
    )
    assert response.status_code == 403


def test_admins_manage_users_of_their_own_organisation_only(world: World) -> None:
    created = world.post("msf_admin", "/users", {"role": "viewer", "name": "field laptop"})
    assert created.status_code == 201
    token = created.json()["token"]
    me = world.client.get("/me", headers={"Authorization": f"Bearer {token}"}).json()
    assert (me["organisation"], me["role"]) == ("MSF", "viewer")
    names = {u["name"] for u in world.get("msf_admin", "/users").json()}
    assert "field laptop" in names and not any(n.startswith("wfp") for n in names)


def test_stock_balances_are_derived_per_organisation_view(world: World) -> None:
    def entry(kind: str, qty: float, **extra: object) -> dict:
        return {
            "client_id": new_id(),
            "event_time": ago(5),
            "kind": kind,
            "warehouse": "W1",
            "item": "wheat_flour",
            "quantity": qty,
            "unit": "t",
            **extra,
        }

    batch = [
        entry("receipt", 100),
        entry("distribution", 30),
        entry("loss", 2.5),
        entry("transfer", 20, to_warehouse="W2"),
    ]
    response = world.post("wfp_logistics", "/operations/aleppo/stock/batch", {"items": batch})
    assert response.status_code == 200, response.text
    assert world.post("icrc_logistics", "/operations/aleppo/stock", entry("receipt", 5)).is_success
    balances = world.get("wfp_viewer", "/operations/aleppo/stock-balances").json()
    assert {(b["warehouse"], b["quantity"]) for b in balances} == {("W1", 52.5), ("W2", 20)}
    icrc = world.get("icrc_planner", "/operations/aleppo/stock-balances").json()
    assert [(b["warehouse"], b["quantity"]) for b in icrc] == [("W1", 5)]


def test_a_revoked_token_is_refused_at_once_and_only_its_admin_may_revoke(world: World) -> None:
    assert world.get("wfp_viewer", "/me").status_code == 200  # now in the look-up cache
    viewer = world.ids["wfp_viewer"]
    assert (
        world.client.delete(f"/users/{viewer}", headers=world.as_("msf_admin")).status_code == 404
    )
    assert (
        world.client.delete(f"/users/{viewer}", headers=world.as_("wfp_planner")).status_code == 403
    )
    assert (
        world.client.delete(f"/users/{viewer}", headers=world.as_("wfp_admin")).status_code == 204
    )
    assert world.get("wfp_viewer", "/me").status_code == 401
    listed = {u["id"]: u["active"] for u in world.get("wfp_admin", "/users").json()}
    assert listed[viewer] is False


def test_a_status_history_not_shared_reads_unknown_not_open(world: World) -> None:
    url = "/operations/aleppo/corridors/C1/status"
    change = {"client_id": new_id(), "status": "closed", "reason": "shelling", "event_time": ago(1)}
    assert world.post("wfp_planner", url, change).status_code == 201
    body = {"table": "corridor_status_changes", "classification": "restricted"}
    headers = world.as_("wfp_planner")
    assert world.client.put(
        "/operations/aleppo/classification", json=body, headers=headers
    ).is_success
    icrc = {c["code"]: c for c in world.get("icrc_monitor", "/operations/aleppo/corridors").json()}
    assert icrc["C1"]["status"] is None and "not shared" in icrc["C1"]["status_reason"]
    assert world.get("icrc_monitor", url).json() == []
    wfp = {c["code"]: c for c in world.get("wfp_viewer", "/operations/aleppo/corridors").json()}
    assert wfp["C1"]["status"] == "closed"
    body = {"table": "corridors", "classification": "sensitive"}
    assert world.client.put(
        "/operations/aleppo/classification", json=body, headers=headers
    ).is_success
    assert world.get("icrc_monitor", "/operations/aleppo/corridors").json() == []
