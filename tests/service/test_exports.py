"""HXL CSV and GeoJSON exports: classification carried, visibility kept, public crossings only
per corridor, in settled windows of at least 6 hours, small counts suppressed."""

from __future__ import annotations

import csv
import datetime as dt
import io
from pathlib import Path

import hxl
import pytest

from safepassage.storage.exports import PUBLIC_SETTLE
from tests.service.conftest import NOW, World, new_id

pytestmark = pytest.mark.service


def window(start: dt.datetime, people: int, corridor: str = "C1") -> dict:
    return {
        "client_id": new_id(),
        "corridor": corridor,
        "window_start": start.isoformat(),
        "window_end": (start + dt.timedelta(hours=1)).isoformat(),
        "people": people,
    }


def rows_of(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text)))


def test_public_crossings_are_binned_suppressed_and_only_for_settled_windows(
    world: World, tmp_path: Path
) -> None:
    # three days ago: the route publishes as of the real time, by which every window of that
    # day has settled (25 h after its end)
    day = (NOW - dt.timedelta(days=3)).replace(hour=0, minute=0, second=0)
    items = [
        window(day + dt.timedelta(hours=1), 120),  # 00-06, C1
        window(day + dt.timedelta(hours=2), 30),  # 00-06, C1 again: 150 in the window
        window(day + dt.timedelta(hours=7), 3),  # 06-12, C1: small
        window(day + dt.timedelta(hours=3), 80, "C2"),
        window(day + dt.timedelta(hours=8), 60, "C2"),
    ]
    # ended an hour ago, so stored, but its window has not settled: a count overlapping that
    # window may still be running and arrive later
    items.append(window(NOW - dt.timedelta(hours=2), 500, "C2"))
    response = world.post("wfp_planner", "/operations/aleppo/crossings/batch", {"items": items})
    assert response.status_code == 200
    url = "/operations/aleppo/exports/public/crossings"
    response = world.get("icrc_monitor", f"{url}.csv")
    assert response.status_code == 200
    assert response.headers["x-safepassage-classification"] == "public"
    text = response.text
    assert (
        text.splitlines()[0].startswith('"aleppo people crossed')
        and "classification: public" in text
    )
    day_prefix = day.date().isoformat()
    rows = [r for r in rows_of(text)[3:] if r[2].startswith(day_prefix)]
    table = {(r[0], r[2][11:13], r[3][11:13]): r[4] for r in rows}
    assert table[("C1", "06", "12")] == "<5"
    # hidden so that neither C1's total (153) minus 150 nor the 06-12 total (63) minus C2's 60
    # gives the 3 back; and then C2's 80 so that the 00-06 column does not give the 150
    assert [table[(c, "00", "06")] for c in ("C1", "C2", "total")] == ["x", "x", "230"]
    assert table[("C2", "06", "12")] == "x"
    everything = rows_of(text)[3:]
    assert all(r[4] != "500" for r in everything)  # not before its window has settled
    ends = {dt.datetime.fromisoformat(r[3].replace("Z", "+00:00")) for r in everything}
    assert max(ends) + PUBLIC_SETTLE <= dt.datetime.now(dt.UTC)
    path = tmp_path / "public.csv"
    path.write_text(text, encoding="utf-8")
    options = hxl.input.InputOptions(allow_local=True)
    with hxl.data(str(path), options) as dataset:  # libhxl finds the hashtag row itself
        tags = [c.display_tag for c in dataset.columns]
        assert len(list(dataset)) == len(rows_of(text)) - 3
    assert "#affected+displaced+ind" in tags
    daily = world.get("icrc_monitor", f"{url}.geojson", window_hours=24).json()
    assert daily["safepassage"]["classification"] == "public"
    assert daily["features"][0]["properties"]["window start"].endswith("T00:00:00Z")
    assert world.get("icrc_monitor", f"{url}.csv", window_hours=1).status_code == 422
    # windows that do not nest (6 and 8 would give 2-hour counts) and thresholds below 5: refused
    assert world.get("icrc_monitor", f"{url}.csv", window_hours=8).status_code == 422
    assert world.get("icrc_monitor", f"{url}.csv", k=2).status_code == 422
    # totals are rounded to 10: C1 over all windows has 153, the 06-12 window 63
    whole = {r[0]: r[4] for r in rows if r[2][11:13] == "00" and r[3][11:13] == "12"}
    assert whole == {"C1": "150", "C2": "140", "total": "290"}  # 153, 140, 293
    assert table[("total", "06", "12")] == "60"  # 63


def test_table_exports_keep_visibility_and_say_their_classification(world: World) -> None:
    start = NOW - dt.timedelta(hours=5)
    assert world.post("icrc_monitor", "/operations/aleppo/crossings", window(start, 7)).is_success
    assert world.post("wfp_monitor", "/operations/aleppo/crossings", window(start, 9)).is_success
    mine = world.get("icrc_planner", "/operations/aleppo/exports/crossings.csv")
    assert mine.headers["x-safepassage-classification"] == "restricted"
    data = rows_of(mine.text)
    assert "classification: restricted" in data[0][0]
    assert data[2][0] == "#loc+code+corridor"
    people = data[1].index("people crossed")
    assert [r[people] for r in data[3:]] == ["7"]  # not WFP's 9
    lead = world.get("wfp_viewer", "/operations/aleppo/exports/crossings.geojson").json()
    assert sorted(f["properties"]["people crossed"] for f in lead["features"]) == ["7", "9"]
    incident = {
        "client_id": new_id(),
        "event_time": start.isoformat(),
        "type": "shelling",
        "severity": "high",
        "lat": 36.2,
        "lon": 37.1,
    }
    assert world.post("icrc_monitor", "/operations/aleppo/incidents", incident).is_success
    geo = world.get("icrc_monitor", "/operations/aleppo/exports/incidents.geojson").json()
    assert geo["features"][0]["geometry"] == {"type": "Point", "coordinates": [37.1, 36.2]}
    assert world.get("msf_admin", "/operations/aleppo/exports/incidents.csv").status_code == 404


def test_the_corridors_table_and_places_only_where_rows_have_them(world: World) -> None:
    corridor = {
        "code": "C3",
        "name": "East",
        "planned_throughput_pph": 100,
        "lat": 36.2,
        "lon": 37.1,
    }
    assert world.post("wfp_planner", "/operations/aleppo/corridors", corridor).status_code == 201
    change = {"client_id": new_id(), "event_time": NOW.isoformat(), "status": "suspended"}
    assert world.post("wfp_planner", "/operations/aleppo/corridors/C3/status", change).is_success
    geo = world.get("icrc_monitor", "/operations/aleppo/exports/corridors.geojson").json()
    assert geo["safepassage"]["classification"] == "public"
    assert "not for publication" in geo["safepassage"]["purpose"]
    placed = {f["properties"]["corridor"]: f for f in geo["features"]}
    assert placed["C3"]["geometry"] == {"type": "Point", "coordinates": [37.1, 36.2]}
    assert placed["C3"]["properties"]["status"] == "suspended"
    assert placed["C1"]["geometry"] is None and placed["C1"]["properties"]["status"] == "open"
    assert geo["safepassage"]["hxl"]["status"] == "#status+name"
    # the lead keeps its corridors and their status history to itself: nothing, or no status
    policy = {"table": "corridor_status_changes", "classification": "restricted"}
    assert world.client.put(
        "/operations/aleppo/classification", json=policy, headers=world.as_("wfp_planner")
    ).is_success
    csv_text = world.get("icrc_monitor", "/operations/aleppo/exports/corridors.csv").text
    statuses = {r[0]: r[3] for r in rows_of(csv_text)[3:]}
    assert statuses == {"C1": "", "C2": "", "C3": ""}
    policy = {"table": "corridors", "classification": "restricted"}
    assert world.client.put(
        "/operations/aleppo/classification", json=policy, headers=world.as_("wfp_planner")
    ).is_success
    assert (
        rows_of(world.get("icrc_monitor", "/operations/aleppo/exports/corridors.csv").text)[3:]
        == []
    )
    lead = world.get("wfp_viewer", "/operations/aleppo/exports/corridors.csv")
    assert lead.headers["x-safepassage-classification"] == "restricted"
    assert len(rows_of(lead.text)[3:]) == 3
    # stock rows have no place: HXL CSV only
    refused = world.get("wfp_viewer", "/operations/aleppo/exports/stock.geojson")
    assert refused.status_code == 422 and "export them as csv" in refused.json()["detail"]


def test_a_crossings_table_made_public_is_still_not_for_publication(world: World) -> None:
    start = NOW - dt.timedelta(hours=5)
    assert world.post("wfp_monitor", "/operations/aleppo/crossings", window(start, 3)).is_success
    policy = {"table": "crossing_counts", "classification": "public"}
    assert world.client.put(
        "/operations/aleppo/classification", json=policy, headers=world.as_("wfp_planner")
    ).is_success
    text = world.get("icrc_monitor", "/operations/aleppo/exports/crossings.csv").text
    # shared with every member organisation, but the title row says it is not to be published
    assert "classification: public" in text and "not for publication" in text
