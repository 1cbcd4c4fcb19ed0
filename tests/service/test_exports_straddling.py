"""Public crossings when a count's window crosses a public window's boundary, in the states the
API can produce: a count is stored only once it has ended (a window_end more than 10 minutes in
the future is refused), so one that straddles a public window's end arrives after that window
has closed. A window is published once it has settled, ``PUBLIC_SETTLE`` (25 h) after its end,
when every count overlapping it has ended and could have been reported; a count is shared
among the windows it overlaps, and the shares are suppressed like any other figure (R2, R3).
On SQLite and PostgreSQL."""

from __future__ import annotations

import csv
import datetime as dt
import io
from dataclasses import dataclass

import pytest
from sqlalchemy import select

from safepassage.errors import DataError
from safepassage.storage.audit import verify as audit_verify
from safepassage.storage.exports import (
    APPORTIONED_NOTE,
    PUBLIC_SETTLE,
    REVISION_NOTE,
    public_crossings,
)
from safepassage.storage.models import Operation, User
from safepassage.storage.retention import purge_expired
from tests.service.conftest import NOW, World, new_id

pytestmark = pytest.mark.service

# three days ago, UTC: every moment of these tests (up to DAY + 72 h) is in the past, so the API
# takes every count; releases are made as of a given moment with ``public_crossings(now=...)``
DAY = (NOW - dt.timedelta(days=3)).replace(hour=0, minute=0, second=0)
_SKEW_H = 10 / 60  # the API takes a window_end up to 10 minutes ahead of its clock
SETTLE_H = PUBLIC_SETTLE / dt.timedelta(hours=1)
FORM_HEADER = (  # a KoBoToolbox form filled once per crossing (one row per submission)
    "start;end;person/corridor;person/window_start;person/window_end;person/people;"
    "person/sex;person/age_band;_uuid\n"
)


def count(start_h: float, end_h: float, people: int, corridor: str = "C1") -> dict:
    """A count over ``DAY`` + start_h .. end_h hours."""
    return {
        "client_id": new_id(),
        "corridor": corridor,
        "window_start": (DAY + dt.timedelta(hours=start_h)).isoformat(),
        "window_end": (DAY + dt.timedelta(hours=end_h)).isoformat(),
        "people": people,
    }


def hour(text: str) -> float:
    """Hours since ``DAY`` of an ISO time (past 24 for the next day)."""
    moment = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    return (moment - DAY) / dt.timedelta(hours=1)


@dataclass
class Release:
    """A public export: ``windows`` maps (corridor, start hour, end hour) to the figure shown
    (corridor ``"total"`` for the totals over corridors), ``totals`` a corridor to its total."""

    windows: dict[tuple[str, int, int], str]
    totals: dict[str, str]
    notes: str


class Timeline:
    """Reports and releases in time order, as the API allows them: a count is reported no
    earlier than its end (less the clock skew the API accepts)."""

    def __init__(self, world: World) -> None:
        self.world = world
        self.at_h = 0.0

    def _advance(self, at_h: float) -> None:
        assert at_h >= self.at_h, "reports and releases go in time order"
        self.at_h = at_h

    def report(self, at_h: float, *items: dict) -> None:
        self._advance(at_h)
        assert all(hour(item["window_end"]) <= at_h + _SKEW_H for item in items)
        path = "/operations/aleppo/crossings/batch"
        response = self.world.post("wfp_planner", path, {"items": list(items)})
        assert response.status_code == 200, response.text

    def ingest(self, at_h: float, form: str) -> None:
        """A form's export ingested at ``at_h``: every row counted (none held)."""
        self._advance(at_h)
        headers = {**self.world.as_("wfp_planner"), "content-type": "text/csv"}
        path = "/operations/aleppo/crossings/ingest"
        response = self.world.client.post(path, content=form.encode(), headers=headers)
        assert response.status_code == 200, response.text
        answer = response.json()
        assert answer["held"] == 0 and answer["counted"] == answer["rows"]
        stored = self.world.get("wfp_planner", "/operations/aleppo/crossings").json()
        assert all(hour(c["window_end"]) <= at_h for c in stored)

    def release(
        self, at_h: float, *, window_h: int = 6, settle: dt.timedelta = PUBLIC_SETTLE
    ) -> Release:
        self._advance(at_h)
        now = DAY + dt.timedelta(hours=at_h)
        with self.world.database.read() as session:
            operation = session.scalars(select(Operation).where(Operation.code == "aleppo")).one()
            export = public_crossings(session, operation, now=now, window_h=window_h, settle=settle)
        return _release(export.rows, export.notes)


def _release(rows: list[list[str]], notes: str) -> Release:
    by_corridor: dict[str, list[list[str]]] = {}
    for row in rows:
        by_corridor.setdefault(row[0], []).append(row)
    windows, totals = {}, {}
    for corridor, rows in by_corridor.items():
        *spans, total = rows  # each corridor's rows end with its total
        totals[corridor] = total[4]
        for r in spans:
            windows[(corridor, round(hour(r[2])), round(hour(r[3])))] = r[4]
    return Release(windows, totals, notes)


def c1(release: Release) -> dict[tuple[int, int], str]:
    return {(a, b): shown for (c, a, b), shown in release.windows.items() if c == "C1"}


def test_a_count_across_a_window_boundary_is_shared_by_time(world: World) -> None:
    timeline = Timeline(world)
    # 05:00-07:00: an hour in 00-06, one in 06-12
    timeline.report(7, count(5, 7, 60), count(1, 2, 20))
    table = timeline.release(12 + SETTLE_H)  # 06-12 has settled
    assert c1(table) == {(0, 6): "50", (6, 12): "30"}  # 20 + 30; 30, not 0: after 06:00
    assert table.totals["C1"] == "80"  # the corridor's total: the recorded 80
    # 12- and 24-hour windows: the count lies within one, which takes it whole
    assert c1(timeline.release(12 + SETTLE_H, window_h=12)) == {(0, 12): "80"}
    assert c1(timeline.release(24 + SETTLE_H, window_h=24)) == {(0, 24): "80"}


def test_a_window_waits_until_the_longest_count_overlapping_it_has_ended(world: World) -> None:
    timeline = Timeline(world)
    timeline.report(2, count(1, 2, 120))
    # the longest window the API takes, 25 h from 05:00: 100 people, 4 an hour, 1 hour in
    # 00-06; it can be reported only when it ends, at 06:00 the next day
    timeline.report(30, count(5, 30, 100))
    # published at 06:00, 00-06 would have read 120, and 124 once this count came in
    assert timeline.release(6 + SETTLE_H - 0.1).windows == {}
    assert c1(timeline.release(6 + SETTLE_H)) == {(0, 6): "124"}
    later = timeline.release(24 + SETTLE_H)  # the day's four windows
    assert c1(later) == {(0, 6): "124", (6, 12): "24", (12, 18): "24", (18, 24): "24"}
    # the next day's 00-06 holds the count's last 6 hours
    assert timeline.release(30 + SETTLE_H).windows[("C1", 24, 30)] == "24"


def test_a_window_waits_for_a_form_window_widened_at_ingest(world: World) -> None:
    timeline = Timeline(world)
    timeline.report(2, count(1, 2, 120))
    # a form's 24-hour tally from 05:30: ingest widens it to whole hours, 05:00 to 06:00 the
    # next day (25 h: 100 people, 4 an hour, 4 in 00-06), held until that hour is over
    start = DAY + dt.timedelta(hours=5, minutes=30)
    end = start + dt.timedelta(hours=24)
    row = f"{start.isoformat()};{end.isoformat()};C1;{start.isoformat()};{end.isoformat()};100"
    timeline.ingest(30, FORM_HEADER + f"{row};female;18-59;{new_id()}\n")
    windows = world.get("wfp_planner", "/operations/aleppo/crossings").json()
    assert (5, 30) in {(hour(c["window_start"]), hour(c["window_end"])) for c in windows}
    assert timeline.release(6 + SETTLE_H - 0.1).windows == {}
    assert c1(timeline.release(6 + SETTLE_H)) == {(0, 6): "124"}
    # a window that would widen past 25 h (its ends on clocks a minute apart) is refused
    start = DAY + dt.timedelta(hours=5, minutes=59, seconds=30)
    end = (start + dt.timedelta(hours=24)).astimezone(dt.timezone(dt.timedelta(minutes=1)))
    row = f"{start.isoformat()};{end.isoformat()};C1;{start.isoformat()};{end.isoformat()};9"
    headers = {**world.as_("wfp_planner"), "content-type": "text/csv"}
    body = (FORM_HEADER + f"{row};female;18-59;{new_id()}\n").encode()
    refused = world.client.post(
        "/operations/aleppo/crossings/ingest", content=body, headers=headers
    )
    assert refused.status_code == 422
    assert "row 2: a crossing count's window is at most 24 hours" in refused.json()["detail"]


def test_a_straddling_count_no_longer_changes_a_published_window(world: World) -> None:
    # the reviewer's case: 05:00-07:00 reported at 07:00, after 00-06 closed
    timeline = Timeline(world)
    timeline.report(2, count(1, 2, 20))
    assert timeline.release(6 + 5 / 60).windows == {}  # was 00-06 = 20
    timeline.report(7, count(5, 7, 8))
    timeline.report(8, count(7, 8, 30))
    assert timeline.release(12 + 5 / 60).windows == {}  # was 00-06 = 24: a share of 4 exposed
    # a report a day late, still within the settle of 00-06: in its first release
    timeline.report(6 + SETTLE_H - 1, count(3, 4, 6))
    first = timeline.release(6 + SETTLE_H + 5 / 60)
    assert c1(first) == {(0, 6): "30"}  # 20 + 4 + 6
    for at_h in (12 + SETTLE_H + 5 / 60, 24 + SETTLE_H, 30 + SETTLE_H):
        # 06-12 appears; 00-06 stays as first published
        assert c1(timeline.release(at_h)) == {(0, 6): "30", (6, 12): "34"}
    assert c1(timeline.release(30 + SETTLE_H, window_h=12)) == {(0, 12): "64"}  # the same
    # a report received later than the settle after the window ended still revises it, and
    # the notes say so
    timeline.report(31 + SETTLE_H, count(4, 5, 3))
    revised = timeline.release(31 + SETTLE_H)
    assert c1(revised)[(0, 6)] == "33"
    assert REVISION_NOTE in revised.notes
    assert f"published {SETTLE_H:g} h after it closes" in revised.notes


def test_a_shorter_settle_is_refused_and_a_longer_one_waits(world: World) -> None:
    timeline = Timeline(world)
    timeline.report(2, count(1, 2, 20))
    with pytest.raises(DataError, match=f"waits at least {SETTLE_H:g} h"):
        timeline.release(40, settle=PUBLIC_SETTLE - dt.timedelta(minutes=1))
    two_days = dt.timedelta(hours=48)
    assert timeline.release(53.9, settle=two_days).windows == {}
    late = timeline.release(54, settle=two_days)
    assert c1(late) == {(0, 6): "20"}
    assert "published 48 h after it closes" in late.notes


def test_shared_counts_are_suppressed_like_any_other(world: World) -> None:
    timeline = Timeline(world)
    # C1's 8 over 05:00-07:00 is 4 and 4: both small, though the count is not
    timeline.report(9, count(5, 7, 8), count(2, 3, 100, "C2"), count(8, 9, 60, "C2"))
    table = timeline.release(12 + SETTLE_H).windows
    assert [table[("C1", 0, 6)], table[("C1", 6, 12)]] == ["<5", "<5"]
    # each window's total would give C1's share back from C2's figure: C2's are hidden too
    assert [table[("C2", 0, 6)], table[("C2", 6, 12)]] == ["x", "x"]
    assert [table[("total", 0, 6)], table[("total", 6, 12)]] == ["100", "60"]  # 104, 64


def test_the_export_says_its_figures_are_estimated_and_may_be_revised(world: World) -> None:
    Timeline(world).report(7, count(5, 7, 60))
    response = world.get("icrc_monitor", "/operations/aleppo/exports/public/crossings.csv")
    title = next(csv.reader(io.StringIO(response.text)))[0]
    assert "classification: public" in title and f"{APPORTIONED_NOTE}; generated" in title
    assert "partly estimated" in APPORTIONED_NOTE
    assert f"notes: a window is published {SETTLE_H:g} h after it closes" in title
    assert "may be revised by late field reports" in title
    url = "/operations/aleppo/exports/public/crossings.geojson"
    geo = world.get("icrc_monitor", url, window_hours=12).json()
    notes = geo["safepassage"]["notes"]
    assert notes.endswith(APPORTIONED_NOTE) and REVISION_NOTE in notes
    # the other exports have no such note
    table = world.get("icrc_monitor", "/operations/aleppo/exports/crossings.geojson").json()
    assert "notes" not in table["safepassage"]


def test_a_coarser_export_hides_what_holds_a_hidden_finer_entry(world: World) -> None:
    """The 6- and 12-hour exports of one moment: 12-hour C1 00-12 less 6-hour C1 06-12 would
    give the hidden 00-06 count, so the 12-hour entry is hidden too (and 24 h likewise)."""
    timeline = Timeline(world)
    items = [count(0, 6, 3), count(6, 12, 10), count(12, 18, 6), count(18, 24, 50)]
    items += [count(h, h + 6, 100, corridor="C2") for h in (0, 6, 12, 18)]
    timeline.report(24, *items)
    six = c1(timeline.release(60, window_h=6))
    twelve = c1(timeline.release(60, window_h=12))
    day = c1(timeline.release(60, window_h=24))
    assert six[(0, 6)] == "<5" and six[(6, 12)] == "10"
    assert twelve[(0, 12)] == "x"  # was "13": 13 - 10 = 3
    assert day[(0, 24)] == "x"
    # no 12-hour figure shown holds a hidden 6-hour one
    for (start, end), shown in twelve.items():
        halves = (six.get((start, start + 6), "0"), six.get((start + 6, end), "0"))
        assert not shown.isdigit() or all(half.isdigit() for half in halves)


def test_a_purge_drops_the_windows_it_cut_into_instead_of_shrinking_them(world: World) -> None:
    """A one-day retention purge at 55 h destroys the 3 people of 24-25 h but not the others
    of window 24-30: published again as 40, the window would give the 3 away."""
    timeline = Timeline(world)
    timeline.report(25, count(24, 25, 3))
    timeline.report(31, count(29, 31, 40))
    timeline.report(34, count(28, 34, 60))
    before = c1(timeline.release(55))
    assert before[(24, 30)] == "43"  # 3 + 20 of 29-31 + 20 of 28-34
    response = world.client.put(
        "/operations/aleppo/retention",
        json={"table": "crossing_counts", "days": 1},
        headers=world.as_("wfp_planner"),
    )
    assert response.status_code == 200, response.text
    with world.database.session() as session:
        operation = session.scalars(select(Operation).where(Operation.code == "aleppo")).one()
        admin = session.get_one(User, world.ids["wfp_admin"])
        report = purge_expired(session, admin, operation, now=DAY + dt.timedelta(hours=55))
    assert report.purged["crossing_counts"] == 1
    after = c1(timeline.release(56))
    assert (24, 30) not in after  # left out whole, not published as 60
    assert all(before.get(window) == shown for window, shown in after.items())
    with world.database.read() as session:
        assert audit_verify(session).problems == []  # the mark is audited
