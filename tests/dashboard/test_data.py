"""The dashboard's data endpoints: aggregates of the record beside the plan, per caller."""

from __future__ import annotations

import datetime as dt
import time
import uuid
from collections.abc import Iterator
from typing import Any

import numpy as np
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from safepassage.api import create_app
from safepassage.dashboard.assets import asset
from safepassage.storage import Database
from safepassage.storage.models import CrossingCount
from tests.dashboard.conftest import OPERATION, Operated, set_up_operation

pytestmark = pytest.mark.service

DATA = f"/operations/{OPERATION}/dashboard/data"
VERSION = f"/operations/{OPERATION}/dashboard/version"
MAP = f"/operations/{OPERATION}/dashboard/map"


@pytest.fixture
def client(database: Database) -> Iterator[TestClient]:
    with TestClient(create_app(database)) as test_client:
        yield test_client


def _get(client: TestClient, op: Operated, who: str, path: str, **params: Any) -> Any:
    response = client.get(path, params=params, headers=op.auth(who))
    assert response.status_code == 200, response.text
    return response.json()


def _hour(label: str, zone: str) -> dt.datetime:
    from zoneinfo import ZoneInfo

    return dt.datetime.strptime(label, "%Y-%m-%d %H:%M").replace(tzinfo=ZoneInfo(zone))


def test_crossings_match_the_record_and_the_plan(
    client: TestClient, operated: Operated, database: Database, bundle: dict
) -> None:
    data = _get(client, operated, "wfp_viewer", DATA)  # a viewer's token is enough
    with database.read() as session:
        recorded = session.scalar(select(func.sum(CrossingCount.people)))
    assert recorded > 0
    assert data["crossed_to_date"] == recorded
    assert sum(c["actual_to_date"] for c in data["corridors"]) == recorded
    hours = data["hours"]
    assert hours[0] == _hour(hours[0], data["timezone"]).strftime("%Y-%m-%d %H:%M")
    for corridor in data["corridors"]:
        planned = bundle["planned"][corridor["code"]]["crossings"]
        np.testing.assert_allclose(corridor["plan"][: len(planned)], planned, atol=0.05)
        actual = corridor["actual"]
        # no figure from the hour "as of" opens (it is the latest window's end, on the hour:
        # nothing of that hour is reported yet); every hour before it has one
        assert data["as_of"].endswith(":00")
        assert all(v is None for v in actual[data["now_index"] :])
        assert all(v is not None for v in actual[: data["now_index"]])
        assert sum(v for v in actual if v is not None) == pytest.approx(
            corridor["actual_to_date"], abs=1.0
        )
    # people still inside: the population less what was recorded crossing before each hour
    inside = data["inside"]
    assert inside["plan"][: len(bundle["people_inside"])] == pytest.approx(
        bundle["people_inside"], abs=0.1
    )
    actual = [v for v in inside["actual"] if v is not None]
    assert actual[0] == pytest.approx(bundle["population"], abs=0.1)
    assert np.all(np.diff(actual) <= 1e-9)
    assert data["inside_now"] == round(bundle["population"] - recorded)
    # districts: every person accounted for once, none below zero
    remaining = data["districts"]["remaining_est"]
    assert sum(remaining) == pytest.approx(bundle["population"] - recorded, abs=2.0)
    assert min(remaining) >= 0


def test_hours_keeps_the_last_hours_up_to_as_of(client: TestClient, operated: Operated) -> None:
    full = _get(client, operated, "wfp_viewer", DATA)
    last = full["now_index"]
    assert last >= 1
    cut = _get(client, operated, "wfp_viewer", DATA, hours=2)
    assert cut["hours"] == full["hours"][last - 1 : last + 1]
    assert cut["now_index"] == 1
    assert cut["corridors"][0]["actual"] == full["corridors"][0]["actual"][last - 1 : last + 1]
    assert cut["crossed_to_date"] == full["crossed_to_date"]  # totals keep the earlier hours


def test_a_count_over_several_hours_is_shared_among_them(
    client: TestClient, operated: Operated
) -> None:
    before = _get(client, operated, "wfp_viewer", DATA)
    zone = before["timezone"]
    corridor = before["corridors"][0]["code"]
    start = _hour(before["hours"][2], zone)
    body = {
        "client_id": str(uuid.uuid4()),
        "corridor": corridor,
        "window_start": start.isoformat(),
        "window_end": (start + dt.timedelta(hours=3)).isoformat(),
        "group": "late",
        "people": 300,
    }
    posted = client.post(
        f"/operations/{OPERATION}/crossings", json=body, headers=operated.auth("wfp_planner")
    )
    assert posted.status_code == 201, posted.text
    after = _get(client, operated, "wfp_viewer", DATA)
    old = dict(zip(before["hours"], before["corridors"][0]["actual"], strict=True))
    new = dict(zip(after["hours"], after["corridors"][0]["actual"], strict=True))
    added = [round((new[h] or 0.0) - (old.get(h) or 0.0), 1) for h in after["hours"][1:]]
    assert added == [0, 100, 100, 100] + [0] * (len(added) - 4)
    assert after["version"] != before["version"]


def test_each_organisation_sees_only_what_it_may(client: TestClient, operated: Operated) -> None:
    lead = _get(client, operated, "wfp_viewer", DATA)
    member = _get(client, operated, "icrc_viewer", DATA)  # crossings are restricted
    assert lead["crossed_to_date"] > 0
    assert member["crossed_to_date"] == 0
    assert [c["code"] for c in member["corridors"]] == [c["code"] for c in lead["corridors"]]
    assert member["incidents"] == []
    for path in (DATA, MAP, VERSION):
        response = client.get(path, headers=operated.auth("msf_viewer"))
        assert response.status_code == 404, path
    assert client.get(DATA).status_code == 401


def test_the_version_waits_for_a_change(client: TestClient, operated: Operated) -> None:
    version = _get(client, operated, "wfp_viewer", VERSION)["version"]
    assert _get(client, operated, "wfp_viewer", VERSION, known="x", wait_s=5)["version"] == version
    t = time.monotonic()
    same = _get(client, operated, "wfp_viewer", VERSION, known=version, wait_s=0.6)
    assert same["version"] == version and time.monotonic() - t >= 0.5
    incident = {
        "client_id": str(uuid.uuid4()),
        "event_time": (dt.datetime.now(dt.UTC) - dt.timedelta(minutes=5)).isoformat(),
        "type": "crowd",
        "severity": "medium",
        "place": "north gate",
    }
    response = client.post(
        f"/operations/{OPERATION}/incidents", json=incident, headers=operated.auth("wfp_planner")
    )
    assert response.status_code == 201, response.text
    assert _get(client, operated, "wfp_viewer", VERSION)["version"] != version


def test_stock_balance_and_days_of_cover(client: TestClient, operated: Operated) -> None:
    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    entries = [
        ("receipt", 900.0, 4.0),
        ("distribution", 100.0, 2.5),
        ("distribution", 100.0, 1.5),
        ("distribution", 100.0, 0.5),
    ]
    items = [
        {
            "client_id": str(uuid.uuid4()),
            "event_time": (now - dt.timedelta(days=days)).isoformat(),
            "kind": kind,
            "warehouse": "main",
            "item": "wheat_flour",
            "quantity": quantity,
            "unit": "kg",
        }
        for kind, quantity, days in entries
    ]
    response = client.post(
        f"/operations/{OPERATION}/stock/batch",
        json={"items": items},
        headers=operated.auth("wfp_logistics"),
    )
    assert response.status_code == 200, response.text
    data = _get(client, operated, "wfp_viewer", DATA, at=now.isoformat())
    (panel,) = [p for p in data["stock"] if p["commodity"] == "wheat_flour"]
    assert panel["recorded"]["balance"][-1] == pytest.approx(600.0)
    assert panel["recorded"]["balance"][0] == pytest.approx(900.0)
    # 300 kg over the last 3 days: 100 kg/day, so 600 kg last 6 days
    assert panel["recorded"]["cover_days"] == pytest.approx(6.0)


def test_an_absurd_as_of_time_is_refused(client: TestClient, operated: Operated) -> None:
    response = client.get(
        DATA, params={"at": "9999-12-31T00:00:00Z"}, headers=operated.auth("wfp_viewer")
    )
    assert response.status_code == 422
    assert "give a time between 2000 and 2100" in response.json()["detail"]
    early = client.get(
        DATA, params={"at": "0001-01-02T00:00:00Z"}, headers=operated.auth("wfp_viewer")
    )
    assert early.status_code == 422, early.text


def test_without_a_plan_the_record_alone(client: TestClient, database: Database) -> None:
    operated = set_up_operation(database, None)
    assert client.get(MAP, headers=operated.auth("wfp_viewer")).status_code == 404
    data = _get(client, operated, "wfp_viewer", DATA)
    assert data["plan"] is None and data["population"] is None and data["corridors"] == []


def test_map_layers_are_cut_down_for_drawing(
    client: TestClient, operated: Operated, bundle: dict
) -> None:
    response = client.get(MAP, headers={**operated.auth("wfp_viewer"), "Accept-Encoding": "gzip"})
    assert response.headers["content-encoding"] == "gzip"
    layers = response.json()
    assert [d["name"] for d in layers["districts"]] == [d["name"] for d in bundle["districts"]]
    # streets chained through junctions: fewer parts, no vertex further than ~1 m from a street
    parts = layers["streets"]["lon"].count(None) + 1
    assert parts < bundle["streets"]["lon"].count(None) + 1
    # the flow classes carry every segment of every route once
    assert layers["flow"] and layers["flow"][0]["min_people"] > 0
    assert len(layers["routes"]) == len([r for r in bundle["routes"] if r["lon"]])


def test_page_and_assets_are_served_from_the_package(client: TestClient) -> None:
    page = client.get("/")
    assert page.status_code == 200
    csp = page.headers["content-security-policy"]
    assert "default-src 'none'" in csp and "connect-src 'self'" in csp
    assert "http://" not in page.text and "https://" not in page.text
    assert '<html lang="en" dir="ltr">' in page.text
    assert '<html lang="ar" dir="rtl">' in client.get("/?lang=ar").text
    plotly = asset("plotly.min.js")
    url = f"/dashboard/assets/plotly.min.js?v={plotly.etag}"
    assert url in page.text
    response = client.get(url, headers={"Accept-Encoding": "gzip"})
    assert response.headers["content-encoding"] == "gzip"
    assert response.content == plotly.raw  # httpx undoes the gzip
    assert "immutable" in response.headers["cache-control"]
    again = client.get(url, headers={"If-None-Match": response.headers["etag"]})
    assert again.status_code == 304
    assert client.get("/dashboard/assets/other.js").status_code == 404
