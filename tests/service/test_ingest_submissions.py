"""Respondent-level form submissions are summed into counts at ingest (reference R10): per
corridor, whole UTC hour, group, age band and sex; a later export that repeats them counts
each submission once, also when two ingests of it run at the same time."""

from __future__ import annotations

import datetime as dt
import threading
import uuid
from collections import Counter

import pytest

from safepassage.api.routes.ingest import ingest_file
from safepassage.storage.models import Operation, User
from tests.service.conftest import NOW, World

pytestmark = pytest.mark.service

URL = "/operations/aleppo/crossings/ingest"
HOUR = (NOW - dt.timedelta(hours=5)).replace(minute=0, second=0)  # a past hour, on the hour
HEADER = (
    "start;end;person/corridor;person/window_start;person/window_end;person/people;"
    "person/sex;person/age_band;respondent_name;phone;_id;_uuid;_submission_time\n"
)


def _person(n: int, corridor: str, minute: int, sex: str, age: str = "18-59") -> str:
    """One person's submission: the minute they passed, their sex and age band, their name."""
    start = HOUR + dt.timedelta(minutes=minute)
    end = start + dt.timedelta(minutes=1)
    own = uuid.UUID(int=n + 1)
    return (
        f"{start.isoformat()};{end.isoformat()};{corridor};{start.isoformat()};"
        f"{end.isoformat()};1;{sex};{age};Person {n};+963 {n:07d};{n};{own};{end.isoformat()}\n"
    )


# 13 people: 7 women and 5 men through C1 in one hour, one woman through C1 in the next
PEOPLE = [_person(n, "C1", 3 * n, "female" if n % 12 < 7 else "male") for n in range(12)]
PEOPLE.append(_person(12, "C1", 75, "female"))


def send(world: World, body: str) -> dict:  # type: ignore[type-arg]
    headers = {**world.as_("wfp_planner"), "content-type": "text/csv"}
    response = world.client.post(URL, content=body.encode(), headers=headers)
    assert response.status_code == 200, response.text
    return response.json()  # type: ignore[no-any-return]


def stored(world: World) -> list[dict]:  # type: ignore[type-arg]
    return world.get("wfp_planner", "/operations/aleppo/crossings").json()  # type: ignore[no-any-return]


def test_submissions_are_summed_per_corridor_hour_and_sex(world: World) -> None:
    result = send(world, HEADER + "".join(PEOPLE))
    assert (result["rows"], result["counted"], result["created"]) == (13, 13, 3)
    when = dt.datetime.fromisoformat
    counts = {
        (when(c["window_start"]), when(c["window_end"]), c["sex"]): c["people"]
        for c in stored(world)
    }
    one, two, three = (HOUR + dt.timedelta(hours=h) for h in (0, 1, 2))
    assert counts == {(one, two, "f"): 7, (one, two, "m"): 5, (two, three, "f"): 1}
    rows = stored(world)
    assert all(dt.datetime.fromisoformat(c["window_start"]).minute == 0 for c in rows)
    assert all(c["age_band"] == "18-59" and c["group"] == "all" for c in rows)


def test_a_later_export_repeating_earlier_submissions_adds_only_the_new_ones(
    world: World,
) -> None:
    first = send(world, HEADER + "".join(PEOPLE[:8]))
    assert (first["counted"], first["duplicates"]) == (8, 0)
    later = send(world, HEADER + "".join(PEOPLE))  # KoBo exports every submission so far
    assert (later["rows"], later["counted"], later["duplicates"]) == (13, 5, 8)
    again = send(world, HEADER + "".join(reversed(PEOPLE)))
    assert (again["created"], again["counted"], again["duplicates"]) == (0, 0, 13)
    by_sex: Counter[str] = Counter()
    for count in stored(world):
        by_sex[count["sex"]] += count["people"]
    assert by_sex == {"f": 8, "m": 5}  # every person once


def test_names_phones_and_minutes_are_not_kept(world: World) -> None:
    send(world, HEADER + "".join(PEOPLE))
    exported = world.get("wfp_planner", "/operations/aleppo/exports/crossings.csv").text
    assert "Person" not in exported and "+963" not in exported
    minutes = {(HOUR + dt.timedelta(minutes=3 * n)).strftime("%H:%M") for n in range(1, 12)}
    assert not any(f"T{m}" in exported for m in minutes)  # no minute-exact window survives


def _hour(moment: dt.datetime) -> dt.datetime:
    return moment.replace(minute=0, second=0, microsecond=0)


def test_a_submission_in_the_running_hour_is_held_not_stored(world: World) -> None:
    for _ in range(3):  # again if the hour turns while the request runs
        before = dt.datetime.now(dt.UTC)
        start = max(before - dt.timedelta(seconds=40), _hour(before))
        end = before - dt.timedelta(microseconds=1) if start < before else before
        if end <= start:
            continue  # the hour has just turned: try again
        row = (
            f"{start};{end};C1;{start.isoformat()};{end.isoformat()};1;female;;A;B;1;"
            f"{uuid.uuid4()};x\n"
        )
        result = send(world, HEADER + row)
        if _hour(dt.datetime.now(dt.UTC)) == _hour(before):
            break
    assert (result["counted"], result["held"], result["created"]) == (0, 1, 0)
    assert dt.datetime.fromisoformat(result["held_until"]) == _hour(before) + dt.timedelta(hours=1)
    assert stored(world) == []


def test_many_overlapping_exports_uploaded_at_once_count_each_person_once(
    world: World,
) -> None:
    """Six field laptops upload growing exports of the same form at the same moment (threads
    share the database as server processes would): none fails, and nobody counts twice."""
    with world.database.read() as session:
        user = session.get(User, world.ids["wfp_planner"])
        operation = session.query(Operation).filter_by(code="aleppo").one()
        session.expunge_all()
    assert user is not None
    bodies = [HEADER + "".join(PEOPLE[: 3 + 2 * n]) for n in range(6)]  # 3, 5, ..., 13
    barrier = threading.Barrier(len(bodies))
    errors: list[BaseException] = []

    def upload(body: str) -> None:
        try:
            barrier.wait()
            ingest_file(world.database, user, operation, "crossings", body.encode())
        except BaseException as error:  # reported below
            errors.append(error)

    threads = [threading.Thread(target=upload, args=(b,)) for b in bodies]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert not errors
    assert sum(c["people"] for c in stored(world)) == 13


def test_an_edited_kobo_submission_is_counted_once(world: World) -> None:
    """KoBoToolbox gives each edit a new _uuid; meta/rootUuid stays the first one's instanceID
    (an export from before KoBo wrote rootUuid has only the _uuid, which is the same)."""
    start = HOUR + dt.timedelta(minutes=5)
    end = start + dt.timedelta(minutes=1)
    first, edited = "5f0c1e2a-0d1b-4c3e-9f4a-1b2c3d4e5f60", "7a8b9c0d-1e2f-4a3b-8c4d-5e6f7a8b9c0d"

    def row(uuid_: str, root: str, people: int) -> str:
        return f"{start.isoformat()};{end.isoformat()};C1;{people};female;{uuid_};{root}\n"

    header = "person/window_start;person/window_end;person/corridor;person/people;person/sex;_uuid"
    old = send(world, header + "\n" + row(first, "", 2).replace(";\n", "\n"))
    assert old["counted"] == 1
    new = send(world, header + ";meta/rootUuid\n" + row(edited, f"uuid:{first}", 2))
    assert (new["counted"], new["duplicates"]) == (0, 1)
    as_json = [{"_uuid": edited, "meta/rootUuid": f"uuid:{first}", "person/people": 2,
                "person/corridor": "C1", "person/window_start": start.isoformat(),
                "person/window_end": end.isoformat()}]  # fmt: skip
    headers = {**world.as_("wfp_planner"), "content-type": "application/json"}
    again = world.client.post(URL, json=as_json, headers=headers).json()
    assert (again["counted"], again["duplicates"]) == (0, 1)
    assert sum(c["people"] for c in stored(world)) == 2
