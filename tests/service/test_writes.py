"""Field-friendly writes: idempotent retries, batches, concurrent writers, late and out-of-order
submissions (event time and received time both kept)."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from sqlalchemy import func, select

from safepassage.storage.models import CrossingCount
from tests.service.conftest import World, ago, crossing, new_id

pytestmark = pytest.mark.service

CROSSINGS = "/operations/aleppo/crossings"


def stored_count(world: World) -> int:
    with world.database.session() as session:
        return session.scalar(select(func.count()).select_from(CrossingCount)) or 0


def test_a_retried_submission_is_stored_once(world: World) -> None:
    body = crossing(people=250, sex="f", age_band="18-59")
    first = world.post("wfp_monitor", CROSSINGS, body)
    again = world.post("wfp_monitor", CROSSINGS, body)
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json() == again.json()
    assert stored_count(world) == 1


def test_a_retried_batch_adds_nothing_and_duplicates_inside_a_batch_count_once(
    world: World,
) -> None:
    items = [crossing(people=n, hours_ago=1 + n) for n in range(1, 6)]
    first = world.post("wfp_monitor", f"{CROSSINGS}/batch", {"items": [*items, items[0]]})
    assert first.status_code == 200
    assert (first.json()["created"], first.json()["duplicates"]) == (5, 1)
    # the connection dropped before the answer came back: the device sends it all again
    again = world.post("wfp_monitor", f"{CROSSINGS}/batch", {"items": items})
    assert (again.json()["created"], again.json()["duplicates"]) == (0, 5)
    assert [i["id"] for i in again.json()["items"]] == [i["id"] for i in first.json()["items"][:5]]
    assert stored_count(world) == 5


def test_a_batch_with_one_bad_record_stores_nothing(world: World) -> None:
    items = [crossing(), crossing(corridor="NOPE"), crossing()]
    response = world.post("wfp_planner", f"{CROSSINGS}/batch", {"items": items})
    assert response.status_code == 422
    assert "items[1].corridor: 'NOPE'" in response.json()["detail"]
    items = [crossing(), {**crossing(), "people": -3}]
    response = world.post("wfp_planner", f"{CROSSINGS}/batch", {"items": items})
    assert response.status_code == 422
    assert "items[1].people" in response.json()["detail"]
    assert stored_count(world) == 0


def test_a_client_id_reused_by_another_organisation_is_a_conflict(world: World) -> None:
    body = crossing()
    assert world.post("wfp_monitor", CROSSINGS, body).status_code == 201
    response = world.post("icrc_monitor", CROSSINGS, body)
    assert response.status_code == 409 and "make a new UUID" in response.json()["detail"]


def test_concurrent_writers_and_concurrent_retries(world: World) -> None:
    """Eight threads each send their own batch twice, and all send one shared record."""
    shared = crossing(people=1)
    batches = [[crossing(people=10 + t, hours_ago=1 + i) for i in range(20)] for t in range(8)]
    codes: list[int] = []

    def send(batch: list[dict]) -> None:
        for _ in range(2):
            response = world.post("wfp_planner", f"{CROSSINGS}/batch", {"items": [*batch, shared]})
            codes.append(response.status_code)

    threads = [threading.Thread(target=send, args=(b,)) for b in batches]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert codes == [200] * 16
    assert stored_count(world) == 8 * 20 + 1
    with world.database.session() as session:
        from safepassage.storage.audit import verify

        report = verify(session)
    assert report.ok, report.problems


def test_late_and_out_of_order_reports_keep_event_and_received_time(world: World) -> None:
    url = "/operations/aleppo/corridors/C1/status"
    # the suspension at 10 h ago is reported after the re-opening at 2 h ago
    reopened = {"client_id": new_id(), "status": "open", "reason": "lull", "event_time": ago(2)}
    suspended = {
        "client_id": new_id(),
        "status": "suspended",
        "reason": "shelling",
        "event_time": ago(10),
    }
    assert world.post("wfp_planner", url, reopened).status_code == 201
    late = world.post("wfp_planner", url, suspended)
    assert late.status_code == 201
    received = dt.datetime.fromisoformat(late.json()["received_at"])
    event = dt.datetime.fromisoformat(late.json()["event_time"])
    assert received - event > dt.timedelta(hours=9)
    corridors = {
        c["code"]: c for c in world.get("icrc_monitor", "/operations/aleppo/corridors").json()
    }
    assert (corridors["C1"]["status"], corridors["C1"]["status_reason"]) == ("open", "lull")
    history = [h["status"] for h in world.get("icrc_monitor", url).json()]
    assert history == ["suspended", "open"]  # in event-time order, the late one in its place


def test_polling_since_a_time_also_returns_late_reports_of_old_events(world: World) -> None:
    assert world.post("wfp_monitor", CROSSINGS, crossing(hours_ago=1)).status_code == 201
    cursor = world.get("wfp_viewer", CROSSINGS).json()[-1]["received_at"]
    week_old = crossing(hours_ago=24 * 7, people=42)
    assert world.post("wfp_monitor", CROSSINGS, week_old).status_code == 201
    newer = world.get("wfp_viewer", CROSSINGS, since=cursor).json()
    assert 42 in [c["people"] for c in newer]


def test_stock_balance_at_a_time_counts_only_earlier_events(world: World) -> None:
    def entry(kind: str, qty: float, hours: float) -> dict:
        return {
            "client_id": new_id(),
            "event_time": ago(hours),
            "kind": kind,
            "warehouse": "W1",
            "item": "oil",
            "quantity": qty,
            "unit": "t",
        }

    items = [entry("receipt", 10, 30), entry("distribution", 4, 5), entry("receipt", 1, 40)]
    assert world.post(
        "wfp_logistics", "/operations/aleppo/stock/batch", {"items": items}
    ).is_success
    url = "/operations/aleppo/stock-balances"
    assert world.get("wfp_viewer", url).json()[0]["quantity"] == 7
    assert world.get("wfp_viewer", url, at=ago(10)).json()[0]["quantity"] == 11


def test_concurrent_single_writes_and_retries_are_stored_once(world: World) -> None:
    """Single writes from many clients at once go through the group-commit writer: each is
    answered, a retry racing its original is stored once, and the chain verifies."""
    shared = crossing(people=7)
    own = [crossing(people=n, hours_ago=1 + n % 20) for n in range(24)]
    codes: list[int] = []

    def send(body: dict) -> None:
        codes.append(world.post("wfp_planner", CROSSINGS, body).status_code)

    threads = [threading.Thread(target=send, args=(b,)) for b in [*own, *[shared] * 6]]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(codes) == [200] * 5 + [201] * 25
    assert stored_count(world) == 25
    with world.database.read() as session:
        from safepassage.storage.audit import verify

        report = verify(session)
    assert report.ok and report.records >= 25, report.problems


def test_the_answer_to_a_new_record_is_the_stored_record(world: World) -> None:
    """Built from the values written, not read back: it must equal what a retry and a list
    return, times with another offset and whole-number quantities included."""
    local = dt.timezone(dt.timedelta(hours=2))
    start = (dt.datetime.now(local) - dt.timedelta(hours=5)).replace(microsecond=123456)
    body = {
        **crossing(people=9, sex="m", age_band="60+"),
        "window_start": start.isoformat(),
        "window_end": (start + dt.timedelta(minutes=30)).isoformat(),
    }
    delivery = {
        "client_id": new_id(),
        "event_time": start.isoformat(),
        "corridor": "C2",
        "warehouse": "W1",
        "item": "flour",
        "quantity": 5,
        "unit": "t",
        "trucks": 2,
    }
    for path, who, payload in [
        (CROSSINGS, "wfp_planner", body),
        ("/operations/aleppo/deliveries", "wfp_logistics", delivery),
    ]:
        first = world.post(who, path, payload)
        again = world.post(who, path, payload)
        assert (first.status_code, again.status_code) == (201, 200)
        assert first.json() == again.json()
        listed = [r for r in world.get(who, path).json() if r["id"] == first.json()["id"]]
        assert listed == [first.json()]
    assert dt.datetime.fromisoformat(first.json()["event_time"]).utcoffset() == dt.timedelta(0)
