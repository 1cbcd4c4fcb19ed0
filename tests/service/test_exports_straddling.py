"""Public crossings when a count's window crosses a public window's boundary: the count is shared
between the windows it overlaps, a window waits for every count overlapping it to end, and the
shared figures are suppressed like any other (R2, R3). On SQLite and PostgreSQL."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from sqlalchemy import select

from safepassage.storage.exports import APPORTIONED_NOTE, public_crossings
from safepassage.storage.models import Operation
from tests.service.conftest import NOW, World, new_id

pytestmark = pytest.mark.service

DAY = (NOW - dt.timedelta(days=1)).replace(hour=0, minute=0, second=0)  # yesterday, UTC


def count(start_h: float, end_h: float, people: int, corridor: str = "C1") -> dict:
    """A count over ``DAY`` + start_h .. end_h hours."""
    return {
        "client_id": new_id(),
        "corridor": corridor,
        "window_start": (DAY + dt.timedelta(hours=start_h)).isoformat(),
        "window_end": (DAY + dt.timedelta(hours=end_h)).isoformat(),
        "people": people,
    }


def record(world: World, *items: dict) -> None:
    response = world.post("wfp_planner", "/operations/aleppo/crossings/batch", {"items": items})
    assert response.status_code == 200, response.text


def published(
    world: World, *, now_h: float | None = None, window_h: int = 6
) -> dict[tuple[str, int, int], str]:
    """``{(corridor, start hour, end hour): shown}`` for ``DAY``'s windows, as of DAY + now_h
    (the real time if None); hours run past 24 for the next day."""
    now = None if now_h is None else DAY + dt.timedelta(hours=now_h)
    with world.database.read() as session:
        operation = session.scalars(select(Operation).where(Operation.code == "aleppo")).one()
        export = public_crossings(session, operation, now=now, window_h=window_h)

    def hour(text: str) -> int:
        moment = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
        return round((moment - DAY) / dt.timedelta(hours=1))

    return {(r[0], hour(r[2]), hour(r[3])): r[4] for r in export.rows}


def test_a_count_across_a_window_boundary_is_shared_by_time(world: World) -> None:
    record(world, count(5, 7, 60), count(1, 2, 20))  # 05:00-07:00: an hour in 00-06, one in 06-12
    table = published(world)
    assert table[("C1", 0, 6)] == "50"  # 20 + 30
    assert table[("C1", 6, 12)] == "30"  # not 0: these people crossed after 06:00
    assert table[("C1", 0, 12)] == "80"  # the corridor's total: the recorded 80
    # 12- and 24-hour windows: the count lies within one, which takes it whole
    assert published(world, window_h=12)[("C1", 0, 12)] == "80"
    assert published(world, window_h=24)[("C1", 0, 24)] == "80"


def test_a_window_waits_for_every_count_overlapping_it(world: World) -> None:
    # 05:00-23:00, 90 people: 1, 6, 6 and 5 hours in the four windows of the day
    record(world, count(1, 2, 120), count(5, 23, 90), count(13, 14, 80, "C2"))
    # at 22:00 the long count is still running: none of the windows it overlaps is published,
    # not even 12-18, which has closed and holds C2's 80 (it will take 30 of the 90)
    assert published(world, now_h=22) == {}
    # at 23:30 it has ended: 00-06 to 12-18 appear; 18-24 has not closed
    table = published(world, now_h=23.5)
    windows = {(start, end) for _, start, end in table}
    assert windows == {(0, 6), (6, 12), (12, 18), (0, 18)}
    assert [table[("C1", h, h + 6)] for h in (0, 6, 12)] == ["125", "30", "30"]
    # the next day: every window, and the shares add up to the recorded counts
    table = published(world, now_h=24)
    c1 = [int(table[("C1", h, h + 6)]) for h in (0, 6, 12, 18)]
    c2 = [int(table[("C2", h, h + 6)]) for h in (0, 6, 12, 18)]
    assert c1 == [125, 30, 30, 25] and sum(c1) == 120 + 90
    assert c2 == [0, 0, 80, 0]


def test_publication_stops_at_the_first_window_a_running_count_overlaps(world: World) -> None:
    # at 19:00, 10:00-20:00 is running: 06-12 waits, and so does 12-18 though it has closed
    # and C2's 13:00-14:00 count in it has ended; 00-06 is published
    record(world, count(1, 2, 40), count(10, 20, 100), count(13, 14, 70, "C2"))
    table = published(world, now_h=19)
    assert {(start, end) for _, start, end in table} == {(0, 6)}
    assert table[("C1", 0, 6)] == "40"
    table = published(world, now_h=20)  # ended: 06-12 and 12-18 too; 18-24 still open
    assert [table[("C1", h, h + 6)] for h in (0, 6, 12)] == ["40", "20", "60"]
    assert table[("C2", 12, 18)] == "70"


def test_shared_counts_are_suppressed_like_any_other(world: World) -> None:
    # C1's 8 over 05:00-07:00 is 4 and 4: both small, though the count is not
    record(world, count(5, 7, 8), count(2, 3, 100, "C2"), count(8, 9, 60, "C2"))
    table = published(world)
    assert [table[("C1", 0, 6)], table[("C1", 6, 12)]] == ["<5", "<5"]
    # each window's total would give C1's share back from C2's figure: C2's are hidden too
    assert [table[("C2", 0, 6)], table[("C2", 6, 12)]] == ["x", "x"]
    assert [table[("total", 0, 6)], table[("total", 6, 12)]] == ["100", "60"]  # 104, 64


def test_the_export_says_its_figures_are_partly_estimated(world: World) -> None:
    record(world, count(5, 7, 60))
    response = world.get("icrc_monitor", "/operations/aleppo/exports/public/crossings.csv")
    title = next(csv.reader(io.StringIO(response.text)))[0]
    assert "classification: public" in title and f"notes: {APPORTIONED_NOTE};" in title
    assert "partly estimated" in APPORTIONED_NOTE
    url = "/operations/aleppo/exports/public/crossings.geojson"
    geo = world.get("icrc_monitor", url, window_hours=12).json()
    assert geo["safepassage"]["notes"] == APPORTIONED_NOTE
    # the other exports have no such note
    table = world.get("icrc_monitor", "/operations/aleppo/exports/crossings.geojson").json()
    assert "notes" not in table["safepassage"]
