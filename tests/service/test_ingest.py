"""KoBoToolbox / ODK Central / HXL ingest: dialect detected, a file taken whole or not at all,
re-ingesting adds nothing, and fields that are not aggregate counts are never stored."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.service.conftest import World, ago

pytestmark = pytest.mark.service

URL = "/operations/aleppo/crossings/ingest"
W1, W2, W3 = ago(6), ago(5), ago(4)

KOBO_CSV = (
    "start;end;count/corridor;count/window_start;count/window_end;count/people;count/sex;"
    "respondent_name;_id;_uuid;_submission_time;_index\n"
    f"{W1};{W2};C1;{W1};{W2};120;female;Alice;1;8cd7b882-c913-42cd-9c80-467d0711f4fb;2026-01-01T00:00:00;1\n"
    f"{W1};{W2};C2;{W2};{W3};45;;Bob;2;0b8a3c1e-5d1c-4f55-8a53-0f0c2a7e1b11;2026-01-01T00:00:00;2\n"
)
ODK_CSV = (
    "SubmissionDate,count-corridor,count-window_start,count-window_end,count-people,"
    "meta-instanceID,KEY\n"
    f"2026-01-01T00:00:00Z,C1,{W2},{W3},30,uuid:a1,uuid:a1\n"
    f"2026-01-01T00:00:00Z,C1,{W1},{W2},12,uuid:a2,uuid:a2\n"
)
ODK_JSON = {
    "value": [
        {
            "__id": "uuid:b1",
            "count": {"corridor": "C2", "window_start": W1, "window_end": W2, "people": 8},
            "meta": {"instanceID": "uuid:b1"},
        }
    ]
}
HXL = (
    "Crossings reported by the north team\n"
    "corridor,from,to,people\n"
    "#loc+code+corridor,#date+start,#date+end,#affected+displaced+ind\n"
    f"C2,{W1},{W2},17\n"
)


def send(world: World, who: str, body: str | bytes, kind: str = "text/csv"):  # type: ignore[no-untyped-def]
    content = body.encode() if isinstance(body, str) else body
    headers = {**world.as_(who), "content-type": kind}
    return world.client.post(URL, content=content, headers=headers)


@pytest.mark.parametrize(
    ("body", "kind", "dialect", "rows"),
    [
        (KOBO_CSV, "text/csv", "kobo_csv", 2),
        (ODK_CSV, "text/csv", "odk_csv", 2),
        (json.dumps(ODK_JSON), "application/json", "odk_json", 1),
        (HXL, "text/csv", "hxl_csv", 1),
    ],
)
def test_each_dialect_is_detected_and_a_second_ingest_adds_nothing(
    world: World, body: str, kind: str, dialect: str, rows: int
) -> None:
    first = send(world, "wfp_planner", body, kind)
    assert first.status_code == 200, first.text
    # one submission per corridor and hour: each is a count of its own
    expected = {"dialect": dialect, "rows": rows, "created": rows, "duplicates": 0}
    assert first.json() == {"table": "crossings", **expected, "counted": rows, "held": 0}
    again = send(world, "wfp_planner", body, kind).json()
    assert (again["created"], again["duplicates"]) == (0, rows)
    assert len(world.get("wfp_viewer", "/operations/aleppo/crossings").json()) == rows


def test_a_file_with_a_bad_row_is_refused_whole_naming_row_and_column(world: World) -> None:
    bad = KOBO_CSV.replace(";120;", ";-3;").replace(";45;", ";many;")
    response = send(world, "wfp_planner", bad)
    assert response.status_code == 422
    detail = response.json()["detail"]
    assert "row 2, column count/people" in detail and "row 3, column count/people" in detail
    unknown = send(world, "wfp_planner", ODK_CSV.replace(",C1,", ",C9,"))
    assert "row 2, column count-corridor: 'C9' is not a corridor" in unknown.json()["detail"]
    assert world.get("wfp_viewer", "/operations/aleppo/crossings").json() == []


def test_only_aggregate_fields_are_kept_and_roles_apply(world: World) -> None:
    assert send(world, "wfp_planner", KOBO_CSV).status_code == 200
    exported = world.get("wfp_viewer", "/operations/aleppo/exports/crossings.csv").text
    assert "Alice" not in exported and "Bob" not in exported  # R10: names never stored
    stored = world.get("wfp_viewer", "/operations/aleppo/crossings").json()
    assert sorted(str(c["sex"]) for c in stored) == ["None", "f"]  # "female" stored as "f"
    assert send(world, "wfp_logistics", KOBO_CSV).status_code == 403
    # a monitor assigned only to C1 cannot ingest a file with C2 rows
    assert send(world, "wfp_monitor", KOBO_CSV).status_code == 403


def test_our_own_export_ingests_back_as_duplicates(world: World) -> None:
    assert send(world, "wfp_planner", ODK_CSV).status_code == 200
    exported = world.get("wfp_planner", "/operations/aleppo/exports/crossings.csv").text
    result = send(world, "wfp_planner", exported).json()
    assert (result["dialect"], result["created"], result["duplicates"]) == ("hxl_csv", 0, 2)


def test_a_file_saved_again_with_rows_added_adds_only_those_rows(world: World) -> None:
    assert send(world, "wfp_planner", HXL).json()["created"] == 1
    # the same file saved on Windows (CRLF) with one more row, and with a row repeated: the
    # rows are known by their content, not by the file's hash and their row number
    again = (HXL + f"C2,{W1},{W2},17\n" + f"C1,{W1},{W2},4\n").replace("\n", "\r\n")
    result = send(world, "wfp_planner", again).json()
    assert (result["created"], result["duplicates"]) == (2, 1)
    assert send(world, "wfp_planner", again).json()["created"] == 0


@pytest.mark.shared_data
def test_a_real_kobo_export_without_count_fields_is_explained(
    world: World, shared_data: Path
) -> None:
    form = json.loads((shared_data / "forms" / "kobo_all_geo_types_submissions.json").read_text())
    response = send(world, "wfp_planner", json.dumps(form["submissions"]), "application/json")
    assert response.status_code == 422
    detail = response.json()["detail"]
    assert "crossings: no column for corridor, window_start, window_end, people" in detail
    assert "export with XML names, not labels" in detail


def test_hxl_errors_name_the_file_row_and_the_tag(world: World) -> None:
    bad = HXL.replace(",17\n", ",-1\n")
    detail = send(world, "wfp_planner", bad).json()["detail"]
    assert "row 4, column #affected+displaced+ind: Input should be greater than" in detail
