"""ODK Central's "all data" ZIP: the submissions' CSV and a CSV per repeat group, joined by
PARENT_KEY, one record per repeat entry with its submission's fields."""

from __future__ import annotations

import io
import zipfile

import pytest

from safepassage.errors import DataError
from safepassage.storage.ingest_dialects import read_export
from tests.service.conftest import World, ago

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


def odk_zip(files: dict[str, str], media: bool = True) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in files.items():
            archive.writestr(name, text)
        if media:
            archive.writestr("media/photo.jpg", b"\xff\xd8\xff")  # attachments are skipped
    return buffer.getvalue()


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
    assert "tally-groups.csv row 3, column people" in response.json()["detail"]
    assert world.get("wfp_planner", "/operations/aleppo/crossings").json() == []


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
    assert raw.rows[0].where == "f-count.csv row 2"


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
