"""ODK Central's "all data" ZIP: the submissions' CSV and a CSV per repeat group, joined by
PARENT_KEY, one record per repeat entry with its submission's fields."""

from __future__ import annotations

import pytest

from safepassage.errors import DataError
from safepassage.storage.ingest import parse_crossings
from safepassage.storage.ingest_dialects import read_export
from tests.service.conftest import World, ago
from tests.storage.test_ingest_zip_limits import odk_zip

pytestmark = pytest.mark.service

W1, W2, W3 = ago(6), ago(5), ago(4)

# a monitor's tally: corridor and window in the submission, counts by sex and age in a repeat
MAIN = (
    "SubmissionDate,tally-corridor,tally-window_start,tally-window_end,monitor_name,"
    "meta-instanceID,KEY\n"
    f"2026-01-01T00:00:00Z,C1,{W1},{W2},Amal,uuid:t1,uuid:t1\n"
    f"2026-01-01T00:00:00Z,C2,{W2},{W3},Basel,uuid:t2,uuid:t2\n"
)
GROUPS = (
    "sex,age_band,people,PARENT_KEY,KEY\n"
    "female,18-59,40,uuid:t1,uuid:t1/groups[1]\n"
    "male,18-59,35,uuid:t1,uuid:t1/groups[2]\n"
    "female,0-4,12,uuid:t1,uuid:t1/groups[3]\n"
    "male,60+,3,uuid:t2,uuid:t2/groups[1]\n"
)


def send(world: World, body: bytes):  # type: ignore[no-untyped-def]
    headers = {**world.as_("wfp_planner"), "content-type": "application/zip"}
    return world.client.post("/operations/aleppo/ingest/crossings", content=body, headers=headers)


def test_repeat_entries_are_joined_to_their_submission(world: World) -> None:
    body = odk_zip({"tally.csv": MAIN, "tally-groups.csv": GROUPS})
    result = send(world, body).json()
    assert (result["dialect"], result["rows"], result["counted"]) == ("odk_csv", 4, 4)
    counts = world.get("wfp_planner", "/operations/aleppo/crossings").json()
    got = {(c["corridor"], c["sex"], c["age_band"]): c["people"] for c in counts}
    assert got == {
        ("C1", "f", "18-59"): 40,
        ("C1", "m", "18-59"): 35,
        ("C1", "f", "0-4"): 12,
        ("C2", "m", "60+"): 3,
    }
    assert "Amal" not in world.get("wfp_planner", "/operations/aleppo/exports/crossings.csv").text
    again = send(world, body).json()
    assert (again["created"], again["duplicates"]) == (0, 4)


def test_errors_name_the_file_inside_the_zip(world: World) -> None:
    bad = GROUPS.replace("male,18-59,35", "male,18-59,-35")
    response = send(world, odk_zip({"tally.csv": MAIN, "tally-groups.csv": bad}))
    assert response.status_code == 422
    detail = response.json()["detail"]
    assert "tally-groups.csv row 3 (its submission: tally.csv row 2), column people" in detail
    assert world.get("wfp_planner", "/operations/aleppo/crossings").json() == []


def test_a_submission_field_is_reported_at_both_rows(world: World) -> None:
    # the bad window is in tally.csv row 3; the record is the entry in tally-groups.csv row 5
    bad = MAIN.replace(f"C2,{W2},", "C2,not-a-time,")
    response = send(world, odk_zip({"tally.csv": bad, "tally-groups.csv": GROUPS}))
    assert response.status_code == 422
    detail = response.json()["detail"]
    assert (
        "tally-groups.csv row 5 (its submission: tally.csv row 3), column tally-window_start"
        in detail
    )


def test_an_entry_without_its_submission_is_refused_not_dropped(world: World) -> None:
    orphan = GROUPS + "female,18-59,99,uuid:t9,uuid:t9/groups[1]\n"
    response = send(world, odk_zip({"tally.csv": MAIN, "tally-groups.csv": orphan}))
    assert response.status_code == 422
    assert response.json()["detail"] == (
        "tally-groups.csv row 6: PARENT_KEY uuid:t9 matches no submission or entry; "
        "export all the form's files together"
    )
    assert world.get("wfp_planner", "/operations/aleppo/crossings").json() == []


def test_client_ids_stay_those_of_earlier_versions() -> None:
    # ids of the KEYs, as ingested before the ZIP rows carried their submission's row: a
    # re-sent export must still be recognised as the same records
    parsed = parse_crossings(odk_zip({"tally.csv": MAIN, "tally-groups.csv": GROUPS}))
    assert [row.values["client_id"] for row in parsed.rows] == [
        "fc137a12-b43c-5a9a-b1dc-7070718c944e",
        "ae34989a-1b96-59f6-a37a-d8137fc8fa23",
        "5822506e-4ab4-582c-b5cf-ba7bdb7e6584",
        "c1e2c035-e328-5345-a75e-de3c9dda9264",
    ]


def test_nested_repeats_carry_every_level() -> None:
    inner = (
        "people,PARENT_KEY,KEY\n"
        "7,uuid:s1/site[1],uuid:s1/site[1]/count[1]\n"
        "9,uuid:s1/site[1],uuid:s1/site[1]/count[2]\n"
    )
    site = "corridor,PARENT_KEY,KEY\nC1,uuid:s1,uuid:s1/site[1]\nC2,uuid:s1,uuid:s1/site[2]\n"
    main = "SubmissionDate,window_start,KEY\n2026-01-01T00:00:00Z,T0,uuid:s1\n"
    raw = read_export(odk_zip({"f.csv": main, "f-site.csv": site, "f-count.csv": inner}))
    rows = [dict(zip(raw.headers, r.cells, strict=True)) for r in raw.rows]
    assert [(r["window_start"], r["corridor"], r.get("people", "")) for r in rows] == [
        ("T0", "C1", "7"),
        ("T0", "C1", "9"),
        ("T0", "C2", ""),  # an entry without entries of its own is one record
    ]
    assert [r.own_id for r in raw.rows] == [
        "uuid:s1/site[1]/count[1]",
        "uuid:s1/site[1]/count[2]",
        "uuid:s1/site[2]",
    ]
    assert (
        raw.rows[0].where == "f-count.csv row 2 (in f-site.csv row 2; its submission: f.csv row 2)"
    )
    assert raw.rows[2].where == "f-site.csv row 3 (its submission: f.csv row 2)"


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"PK\x03\x04 not really a zip", "ZIP: "),
        (odk_zip({"a.csv": GROUPS}), "expected one ODK Central submissions CSV"),
        (odk_zip({}, media=True), "found no CSV file"),
    ],
)
def test_a_broken_or_foreign_zip_is_one_clear_error(body: bytes, message: str) -> None:
    with pytest.raises(DataError, match=message):
        read_export(body)
