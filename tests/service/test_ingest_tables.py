"""Ingest of every field table (corridor status, deliveries, stock, incidents) from each
dialect: all or nothing, idempotent, row-level errors, roles as for the tables' own routes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.service.conftest import World, ago

pytestmark = pytest.mark.service

T1, T2, T3 = ago(6), ago(5), ago(4)

# KoBoToolbox CSV: ";" and "/" groups, with "include HXL hashtags" (a hashtag row under the
# header) and a respondent's name that must never be stored
STATUS_KOBO_CSV = (
    "start;report/corridor;report/event_time;report/status;report/reason;enumerator;_id;_uuid\n"
    ";#loc+code+corridor;#date+occurred;#status+name;#operations+type;;;\n"
    f"{T1};C1;{T1};Suspended;shelling nearby;Alice;1;3f0c7c1e-0b7a-4e42-9d57-4a3c7c1f0001\n"
    f"{T2};C1;{T2};open;;Alice;2;3f0c7c1e-0b7a-4e42-9d57-4a3c7c1f0002\n"
)
# ODK Central CSV: "," and "-" groups, KEY per submission
DELIVERIES_ODK_CSV = (
    "SubmissionDate,convoy-event_time,convoy-corridor,convoy-warehouse,convoy-item,"
    "convoy-quantity,convoy-unit,convoy-trucks,driver_phone,meta-instanceID,KEY\n"
    f"2026-01-01T00:00:00Z,{T1},C2,W1,wheat_flour,24.5,t,2,+963000000,uuid:d1,uuid:d1\n"
    f"2026-01-01T00:00:00Z,{T2},,W2,oil,1200,l,,+963000001,uuid:d2,uuid:d2\n"
)
# ODK Central CSV of a repeat group's file: KEY of each entry, PARENT_KEY of its submission
STOCK_ODK_REPEAT_CSV = (
    "event_time,kind,warehouse,to_warehouse,item,quantity,unit,PARENT_KEY,KEY\n"
    f"{T1},receipt,W1,,wheat_flour,300,t,uuid:s1,uuid:s1/entry[1]\n"
    f"{T2},transfer,W1,W2,wheat_flour,100,t,uuid:s1,uuid:s1/entry[2]\n"
    f"{T3},distribution,W2,,wheat_flour,40,t,uuid:s1,uuid:s1/entry[3]\n"
)
# KoBoToolbox JSON: a repeat group, one ledger line per entry
STOCK_KOBO_JSON = {
    "results": [
        {
            "_uuid": "9a1e1c52-3c52-4d7a-9b55-0f0c2a7e1b21",
            "warehouse": "W3",
            "entries": [
                {
                    "entries/event_time": T1,
                    "entries/kind": "receipt",
                    "entries/item": "rice",
                    "entries/quantity": 50,
                    "entries/unit": "t",
                },
                {
                    "entries/event_time": T2,
                    "entries/kind": "Loss",
                    "entries/item": "rice",
                    "entries/quantity": 2.5,
                    "entries/unit": "t",
                },
            ],
        }
    ]
}
# ODK Central OData JSON: nested groups and a geopoint as GeoJSON
INCIDENTS_ODK_JSON = {
    "value": [
        {
            "__id": "uuid:i1",
            "incident": {
                "event_time": T1,
                "type": "road blocked",
                "severity": "high",
                "corridor": "C1",
                "location": {"type": "Point", "coordinates": [37.1, 36.2, 400.0]},
                "place": "south gate",
            },
            "reporter_name": "Bob",
        }
    ]
}
INCIDENTS_HXL = (
    "Incidents, north team\n"
    "when,type,severity,lat,lon,corridor\n"
    "#date+occurred,#event+type,#severity,#geo+lat,#geo+lon,#loc+code+corridor\n"
    f"{T2},shelling,critical,36.21,37.11,\n"
    f"{T3},checkpoint,low,,,C2\n"
)

CASES = [
    ("corridor_status", STATUS_KOBO_CSV, "kobo_csv", 2, "wfp_planner"),
    ("deliveries", DELIVERIES_ODK_CSV, "odk_csv", 2, "wfp_logistics"),
    ("stock", STOCK_ODK_REPEAT_CSV, "odk_csv", 3, "wfp_logistics"),
    ("stock", json.dumps(STOCK_KOBO_JSON), "kobo_json", 2, "wfp_logistics"),
    ("incidents", json.dumps(INCIDENTS_ODK_JSON), "odk_json", 1, "wfp_monitor"),
    ("incidents", INCIDENTS_HXL, "hxl_csv", 2, "icrc_logistics"),
]
LISTED = {
    "corridor_status": "/operations/aleppo/corridors/C1/status",
    "deliveries": "/operations/aleppo/deliveries",
    "stock": "/operations/aleppo/stock",
    "incidents": "/operations/aleppo/incidents",
}


def send(world: World, who: str, table: str, body: str | bytes):  # type: ignore[no-untyped-def]
    content = body.encode() if isinstance(body, str) else body
    kind = "application/json" if content.lstrip()[:1] in (b"{", b"[") else "text/csv"
    headers = {**world.as_(who), "content-type": kind}
    return world.client.post(f"/operations/aleppo/ingest/{table}", content=content, headers=headers)


@pytest.mark.parametrize(("table", "body", "dialect", "rows", "who"), CASES)
def test_each_table_and_dialect_is_taken_once(
    world: World, table: str, body: str, dialect: str, rows: int, who: str
) -> None:
    first = send(world, who, table, body)
    assert first.status_code == 200, first.text
    assert first.json() == {
        "table": table,
        "dialect": dialect,
        "rows": rows,
        "created": rows,
        "duplicates": 0,
    }
    again = send(world, who, table, body).json()
    assert (again["created"], again["duplicates"]) == (0, rows)
    assert len(world.get(who, LISTED[table]).json()) == rows


def test_the_fields_land_where_they_belong(world: World) -> None:
    assert send(world, "wfp_planner", "corridor_status", STATUS_KOBO_CSV).is_success
    history = world.get("wfp_viewer", LISTED["corridor_status"]).json()
    assert [(h["status"], h["reason"]) for h in history] == [
        ("suspended", "shelling nearby"),
        ("open", ""),
    ]
    assert send(world, "wfp_logistics", "deliveries", DELIVERIES_ODK_CSV).is_success
    deliveries = world.get("wfp_logistics", LISTED["deliveries"]).json()
    first = next(d for d in deliveries if d["item"] == "wheat_flour")
    assert (first["corridor"], first["quantity"], first["unit"], first["trucks"]) == (
        "C2",
        24.5,
        "t",
        2,
    )
    assert send(world, "wfp_logistics", "stock", STOCK_ODK_REPEAT_CSV).is_success
    assert send(world, "wfp_logistics", "stock", json.dumps(STOCK_KOBO_JSON)).is_success
    balances = {
        (b["warehouse"], b["item"]): b["quantity"]
        for b in world.get("wfp_logistics", "/operations/aleppo/stock-balances").json()
    }
    # 300 in, 100 moved to W2, 40 given out there; 50 rice in at W3, 2.5 lost ("Loss")
    assert balances == {("W1", "wheat_flour"): 200, ("W2", "wheat_flour"): 60, ("W3", "rice"): 47.5}
    assert send(world, "wfp_monitor", "incidents", json.dumps(INCIDENTS_ODK_JSON)).is_success
    incident = world.get("wfp_monitor", LISTED["incidents"]).json()[0]
    # GeoJSON is lon, lat; "road blocked" is the choice road_blocked
    assert (incident["lat"], incident["lon"], incident["type"]) == (36.2, 37.1, "road_blocked")
    assert (incident["corridor"], incident["place"]) == ("C1", "south gate")
    stored = json.dumps(world.get("wfp_admin", "/operations/aleppo/exports/incidents.csv").text)
    phones = world.get("wfp_admin", "/operations/aleppo/exports/deliveries.csv").text
    assert "Bob" not in stored and "+963" not in phones  # R10: other columns never stored


def test_a_bad_row_refuses_the_whole_file_naming_rows_and_columns(world: World) -> None:
    bad = STOCK_ODK_REPEAT_CSV.replace("W1,W2,wheat_flour,100", "W1,,wheat_flour,100").replace(
        "distribution,W2,,wheat_flour,40", "given,W2,,wheat_flour,-40"
    )
    detail = send(world, "wfp_logistics", "stock", bad).json()["detail"]
    assert detail.startswith("nothing stored; 3 problem(s)")
    assert "row 3: to_warehouse is required for a transfer" in detail
    assert "row 4, column kind: Input should be 'receipt'" in detail
    assert "row 4, column quantity: Input should be greater than 0" in detail
    # the JSON repeat entry is named too
    bad_json = json.dumps(STOCK_KOBO_JSON).replace('"Loss"', '"stolen"')
    detail = send(world, "wfp_logistics", "stock", bad_json).json()["detail"]
    assert "row 1 (entries[2]), column entries/kind: Input should be" in detail
    # a good file whose last row names an unknown corridor stores nothing at all
    unknown = INCIDENTS_HXL.replace(",C2\n", ",C9\n")
    detail = send(world, "icrc_logistics", "incidents", unknown).json()["detail"]
    assert "row 5, column #loc+code+corridor: 'C9' is not a corridor" in detail
    assert world.get("wfp_admin", LISTED["incidents"]).json() == []
    assert world.get("wfp_admin", LISTED["stock"]).json() == []
    missing = send(world, "wfp_logistics", "deliveries", "KEY,item\nuuid:x,oil\n").json()
    assert "deliveries: no column for event_time, warehouse, quantity, unit" in missing["detail"]


def test_a_geopoint_that_is_not_one_is_named(world: World) -> None:
    body = (
        "SubmissionDate,event_time,type,severity,location,KEY\n"
        f"2026-01-01T00:00:00Z,{T1},gunfire,high,north gate,uuid:g1\n"
    )
    detail = send(world, "wfp_monitor", "incidents", body).json()["detail"]
    assert "row 2, column location: Input should be a valid number" in detail


@pytest.mark.parametrize(
    ("table", "body", "refused", "allowed"),
    [
        ("corridor_status", STATUS_KOBO_CSV, ["wfp_monitor", "wfp_logistics"], "icrc_planner"),
        ("deliveries", DELIVERIES_ODK_CSV, ["wfp_monitor", "wfp_planner"], "icrc_logistics"),
        ("stock", STOCK_ODK_REPEAT_CSV, ["wfp_monitor", "wfp_viewer"], "wfp_admin"),
        ("incidents", INCIDENTS_HXL, ["wfp_viewer"], "icrc_monitor"),
    ],
)
def test_roles_as_for_the_tables_own_routes(
    world: World, table: str, body: str, refused: list[str], allowed: str
) -> None:
    for who in refused:
        response = send(world, who, table, body)
        assert response.status_code == 403, (who, response.text)
        assert "needs:" in response.json()["detail"]
    assert send(world, "msf_admin", table, body).status_code == 404  # not a member
    assert send(world, allowed, table, body).status_code == 200


def test_a_monitor_ingests_counts_only_for_assigned_corridors(world: World) -> None:
    body = f"#loc+code+corridor,#date+start,#date+end,#affected+displaced+ind\nC1,{T1},{T2},40\n"
    assert send(world, "icrc_monitor", "crossings", body).status_code == 200
    refused = send(world, "icrc_monitor", "crossings", body.replace("C1,", "C2,"))
    assert refused.status_code == 403 and "assigned" in refused.json()["detail"]


@pytest.mark.parametrize(
    ("table", "body", "who"),
    [
        ("corridor_status", STATUS_KOBO_CSV, "wfp_planner"),
        ("deliveries", DELIVERIES_ODK_CSV, "wfp_logistics"),
        ("stock", STOCK_ODK_REPEAT_CSV, "wfp_logistics"),
        ("incidents", INCIDENTS_HXL, "wfp_logistics"),
    ],
)
def test_our_own_exports_ingest_back_as_duplicates(
    world: World, table: str, body: str, who: str
) -> None:
    created = send(world, who, table, body).json()["created"]
    exported = world.get(who, f"/operations/aleppo/exports/{table}.csv").text
    again = send(world, who, table, exported).json()
    assert (again["dialect"], again["created"], again["duplicates"]) == ("hxl_csv", 0, created)


def test_an_unknown_table_is_refused(world: World) -> None:
    response = send(world, "wfp_admin", "people", STATUS_KOBO_CSV)
    assert response.status_code == 422


@pytest.mark.shared_data
def test_a_real_kobo_submission_with_a_geopoint(world: World, shared_data: Path) -> None:
    form = json.loads((shared_data / "forms" / "kobo_all_geo_types_submissions.json").read_text())
    submissions = form["submissions"]
    # the real submission lacks the incident's fields: add them, keep everything else
    body = [{**s, "event_time": s["end"], "type": "other", "severity": "low"} for s in submissions]
    result = send(world, "wfp_monitor", "incidents", json.dumps(body)).json()
    assert (result["dialect"], result["created"]) == ("kobo_json", 1)
    incident = world.get("wfp_monitor", LISTED["incidents"]).json()[0]
    # "Point": "39.306938 -76.60869 11 22" (ODK geopoint: lat lon altitude accuracy)
    assert (incident["lat"], incident["lon"]) == (39.306938, -76.60869)
    assert incident["description"] == ""  # the free-text answer "Greenmount" is not taken
    assert send(world, "wfp_monitor", "incidents", json.dumps(body)).json()["duplicates"] == 1


@pytest.mark.shared_data
def test_a_real_hxl_file_of_another_kind_is_explained(world: World, shared_data: Path) -> None:
    body = (shared_data / "forms" / "hxl_targeted_population.csv").read_bytes()
    detail = send(world, "wfp_logistics", "deliveries", body).json()["detail"]
    assert "deliveries: no column for event_time, warehouse, item, quantity, unit" in detail
    assert "tag the columns #date+occurred, #loc+code+warehouse" in detail


@pytest.mark.parametrize(
    ("body", "dialect", "column"),
    [
        # KoBoToolbox CSV with "," and its geopoint split into _location_latitude/_longitude
        (
            "event_time,type,severity,location,_location_latitude,_location_longitude,"
            "_location_altitude,_location_precision,_uuid\n"
            f"{T1},gunfire,low,36.2 37.1 0 5,36.2,37.1,0,5,7d1e1c52-3c52-4d7a-9b55-0f0c2a7e1b31\n",
            "kobo_csv",
            "_location_latitude",
        ),
        # ODK Central CSV: the geopoint as location-Latitude, location-Longitude, …
        (
            "SubmissionDate,event_time,type,severity,location-Latitude,location-Longitude,"
            "location-Altitude,location-Accuracy,KEY\n"
            f"2026-01-01T00:00:00Z,{T1},gunfire,low,36.2,37.1,0,5,uuid:g2\n",
            "odk_csv",
            "location-Latitude",
        ),
    ],
)
def test_geopoint_columns_of_each_csv_dialect(body: str, dialect: str, column: str) -> None:
    from safepassage.storage.ingest import parse_records

    parsed = parse_records(body.encode(), "incidents")
    assert parsed.dialect == dialect and parsed.columns["lat"] == column
    values = parsed.rows[0].values
    assert (values["lat"], values["lon"], values["type"]) == ("36.2", "37.1", "gunfire")
    assert (
        parse_records(body.encode(), "incidents").rows[0].values["client_id"] == values["client_id"]
    )


def test_unreadable_files_are_refused_in_one_line(world: World) -> None:
    infinite = DELIVERIES_ODK_CSV.replace(",24.5,", ",inf,")
    detail = send(world, "wfp_logistics", "deliveries", infinite).json()["detail"]
    assert "row 2, column convoy-quantity: inf is not a finite number" in detail
    deep = "[" * 100_000 + "]" * 100_000
    for body in (deep, '{"value": 3}', "a,b\n1,2\n", "KEY,x\n" + "y" * 200_000 + "\n"):
        response = send(world, "wfp_logistics", "deliveries", body)
        assert response.status_code == 422, response.text
    assert world.get("wfp_admin", LISTED["deliveries"]).json() == []
