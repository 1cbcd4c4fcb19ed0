"""Polling over the API with ``?after=<seq>``, and the writer's refusals as 503 answers."""

from __future__ import annotations

import datetime as dt
import threading
import uuid
from concurrent.futures import Future

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from safepassage.storage.models import Corridor, CrossingCount, User
from safepassage.storage.records import submit_records
from safepassage.storage.types import utc_now
from safepassage.storage.writer import DEFAULT_MAX_WAITING_ROWS
from tests.service.conftest import World, crossing, new_id

pytestmark = pytest.mark.service

CROSSINGS = "/operations/aleppo/crossings"


def _poll_all(world: World, who: str, after: int, limit: int = 1000) -> tuple[list[dict], int]:
    """Every record after ``after``, page by page as a poller would; the next ``after``."""
    records: list[dict] = []
    while True:
        response = world.get(who, CROSSINGS, after=after, limit=limit)
        assert response.status_code == 200, response.text
        records += response.json()
        after = int(response.headers["X-Next-After"])
        if len(response.json()) < limit:
            return records, after


def test_records_carry_their_seq_and_after_lists_them_in_that_order(world: World) -> None:
    body = crossing(people=1)
    single = world.post("wfp_monitor", CROSSINGS, body)
    assert single.status_code == 201 and single.json()["seq"] > 0
    items = [crossing(people=10 + k) for k in range(5)]
    assert world.post("wfp_planner", f"{CROSSINGS}/batch", {"items": items}).status_code == 200
    retried = world.post("wfp_monitor", CROSSINGS, body)
    assert retried.status_code == 200 and retried.json() == single.json()
    from_batch = world.post("wfp_planner", CROSSINGS, items[0])  # a batch item sent again
    assert from_batch.status_code == 200 and from_batch.json()["seq"] is not None

    records, _ = _poll_all(world, "wfp_viewer", after=0, limit=2)
    seqs = [r["seq"] for r in records]
    assert len(records) == 6 and seqs == sorted(seqs) and len(set(seqs)) == 6
    by_id = {r["id"]: r for r in records}
    # the answer to a write is the record as listed, seq included
    assert by_id[single.json()["id"]] == single.json()
    assert by_id[from_batch.json()["id"]] == from_batch.json()
    # a plain listing gives the same seqs (oldest received first), and no cursor
    plain = world.get("wfp_viewer", CROSSINGS)
    assert {r["id"]: r["seq"] for r in plain.json()} == {r["id"]: r["seq"] for r in records}
    assert "X-Next-After" not in plain.headers


def test_a_late_commit_with_an_early_stamp_is_polled_by_after_not_by_since(world: World) -> None:
    """An ingest stamps its time of receipt before it waits for the write lock: another write
    can commit meanwhile with a later stamp. A poller by ``since`` misses the late one."""
    early = utc_now()
    assert world.post("wfp_monitor", CROSSINGS, crossing(people=2)).status_code == 201
    first, cursor = _poll_all(world, "wfp_viewer", after=0)
    newest = max(r["received_at"] for r in first)
    with world.database.session() as session:  # commits now, stamped before the one above
        user = session.get_one(User, world.ids["wfp_monitor"])
        corridor_id = _corridor_id(session)
        item = {
            "client_id": uuid.uuid4(),
            "corridor_id": corridor_id,
            "window_start": early - dt.timedelta(hours=2),
            "window_end": early - dt.timedelta(hours=1),
            "people": 1,
        }
        operation_id = session.get_one(CrossingCount, first[0]["id"]).operation_id
        submit_records(
            session, CrossingCount, [item], user=user, operation_id=operation_id, received_at=early
        )
    by_time = world.get("wfp_viewer", CROSSINGS, since=newest).json()
    assert 1 not in [r["people"] for r in by_time]
    late, _ = _poll_all(world, "wfp_viewer", after=cursor)
    assert [r["people"] for r in late] == [1]
    assert late[0]["seq"] > max(r["seq"] for r in first)


def _corridor_id(session: Session) -> int:
    return session.execute(select(Corridor.id).where(Corridor.code == "C1")).scalar_one()


def test_a_poller_of_another_organisation_sees_only_its_rows_and_moves_on(world: World) -> None:
    assert world.post("wfp_monitor", CROSSINGS, crossing(people=5)).status_code == 201
    icrc, cursor = _poll_all(world, "icrc_planner", after=0)  # restricted: not WFP's rows
    assert icrc == []
    assert world.post("icrc_monitor", CROSSINGS, crossing(people=6)).status_code == 201
    assert world.post("wfp_monitor", CROSSINGS, crossing(people=7)).status_code == 201
    mine, after = _poll_all(world, "icrc_planner", after=cursor)
    assert [r["people"] for r in mine] == [6] and after > cursor
    assert _poll_all(world, "icrc_planner", after=after)[0] == []


def test_after_is_checked(world: World) -> None:
    for bad in ("-1", "x", str(2**31)):
        response = world.get("wfp_viewer", CROSSINGS, after=bad)
        assert response.status_code == 422 and "after" in response.json()["detail"]


def test_after_with_offset_is_refused_as_it_would_skip_records(world: World) -> None:
    response = world.get("wfp_viewer", CROSSINGS, after="0", offset="3")
    assert response.status_code == 422 and "offset cannot be used with after" in response.text


@pytest.mark.parametrize(
    ("path", "name"),
    [
        (CROSSINGS, "since"),
        ("/operations/aleppo/stock-balances", "at"),
        ("/operations/aleppo/dashboard/data", "at"),
        ("/operations/aleppo/alerts", "at"),
    ],
)
@pytest.mark.parametrize("moment", ["0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-14:00"])
def test_a_time_at_the_ends_of_the_calendar_is_a_422_not_a_500(
    world: World, path: str, name: str, moment: str
) -> None:
    response = world.get("wfp_planner", path, **{name: moment})
    assert response.status_code == 422, response.text
    assert "between 2000 and 2100" in response.text


def test_status_history_carries_seqs(world: World) -> None:
    url = "/operations/aleppo/corridors/C1/status"
    body = {"client_id": new_id(), "status": "suspended", "event_time": "2026-01-01T00:00:00Z"}
    posted = world.post("wfp_planner", url, body)
    assert posted.status_code == 201 and posted.json()["seq"] > 0
    assert world.get("icrc_monitor", url).json() == [posted.json()]


def _block(world: World) -> tuple[threading.Event, Future[None]]:
    started, release = threading.Event(), threading.Event()

    def wait(session: Session) -> None:
        started.set()
        assert release.wait(30)

    first = world.database.writer().submit(wait)
    assert started.wait(10)
    return release, first


def test_a_full_writer_queue_answers_503_with_retry_after(world: World) -> None:
    writer = world.database.writer()
    release, first = _block(world)
    try:
        filler = writer.submit(lambda session: None, rows=DEFAULT_MAX_WAITING_ROWS)
        body = crossing(people=3)
        for response in (
            world.post("wfp_monitor", CROSSINGS, body),
            world.post("wfp_monitor", f"{CROSSINGS}/batch", {"items": [body]}),
        ):
            assert response.status_code == 503
            assert response.headers["content-type"] == "application/problem+json"
            assert 1 <= int(response.headers["Retry-After"]) <= 60
            problem = response.json()
            assert problem["status"] == 503 and problem["title"] == "Service Unavailable"
            assert "records are waiting to be stored" in problem["detail"]
            assert "same client_id" in problem["detail"]
            assert problem["retry_after_s"] == int(response.headers["Retry-After"])
    finally:
        release.set()
    first.result(10), filler.result(10)
    # the device retries with the same client_id: stored once
    assert world.post("wfp_monitor", CROSSINGS, body).status_code == 201
    assert [r["people"] for r in _poll_all(world, "wfp_viewer", after=0)[0]] == [3]


def test_a_closed_writer_answers_503(world: World) -> None:
    world.database.writer().close()
    response = world.post("wfp_monitor", CROSSINGS, crossing())
    assert response.status_code == 503 and "shutting down" in response.json()["detail"]
    assert response.headers["Retry-After"] == "5"
