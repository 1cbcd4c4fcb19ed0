"""Summing crossing submissions into hour counts (reference R10): no person lost or added, and
no window finer than the hour, whatever the submissions."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy.orm import Session

from safepassage.storage import Database
from safepassage.storage.accounts import create_user, ensure_organisation
from safepassage.storage.crossing_submissions import MAX_PEOPLE, count_submissions, hour_window
from safepassage.storage.operations import create_operation
from safepassage.storage.types import Role, Sex

NOW = dt.datetime(2026, 3, 29, 10, 20, tzinfo=dt.UTC)


def test_hour_window_widens_to_whole_hours_of_its_own_clock() -> None:
    at = dt.datetime(2026, 3, 29, 9, 3, tzinfo=dt.UTC)
    assert hour_window(at, at.replace(minute=4)) == (
        at.replace(minute=0),
        at.replace(hour=10, minute=0),
    )
    on = at.replace(minute=0)
    assert hour_window(on, on.replace(hour=12)) == (on, on.replace(hour=12))  # a tally: kept
    local = dt.datetime(2026, 3, 29, 12, 50, tzinfo=dt.timezone(dt.timedelta(hours=3)))
    assert hour_window(local, local + dt.timedelta(minutes=20)) == (
        dt.datetime(2026, 3, 29, 9, tzinfo=dt.UTC),
        dt.datetime(2026, 3, 29, 11, tzinfo=dt.UTC),
    )
    kabul = dt.timezone(dt.timedelta(hours=4, minutes=30))  # a tally on Kabul's hour: kept
    six, noon = (dt.datetime(2026, 3, 29, h, tzinfo=kabul) for h in (6, 12))
    assert hour_window(six, noon) == (six.astimezone(dt.UTC), noon.astimezone(dt.UTC))


@pytest.fixture
def operation_id(database: Database) -> int:
    with database.session() as session:
        organisation = ensure_organisation(session, "WFP")
        user, _ = create_user(session, organisation, role=Role.PLANNER, name="t")
        return create_operation(session, user, code="op", name="Op").id


@contextmanager
def undone(database: Database) -> Iterator[Session]:
    """A session whose writes are rolled back at the end (one per hypothesis example)."""
    with database.engine.connect() as connection, connection.begin() as transaction:
        yield Session(bind=connection)
        transaction.rollback()


def test_a_cell_over_a_million_is_split_and_ids_are_random(
    database: Database, operation_id: int
) -> None:
    start = NOW - dt.timedelta(hours=3)
    rows = [
        {
            "client_id": uuid.uuid4(),
            "corridor_id": 1,
            "window_start": start,
            "window_end": start + dt.timedelta(hours=1),
            "group": "all",
            "age_band": None,
            "sex": None,
            "people": 400_000,
        }
        for _ in range(6)
    ]
    with undone(database) as session:
        reduced = count_submissions(session, operation_id, rows, now=NOW)
        again = count_submissions(session, operation_id, rows, now=NOW)
    assert [c["people"] for c in reduced.counts] == [800_000, 800_000, 800_000]
    assert all(c["people"] <= MAX_PEOPLE for c in reduced.counts)
    assert (again.counts, again.duplicates) == ([], 6)
    assert all(c["client_id"].version == 4 for c in reduced.counts)  # tells no submission


submission = st.fixed_dictionaries(
    {
        "client_id": st.uuids(),
        "corridor_id": st.sampled_from([1, 2]),
        "start_min": st.integers(0, 48 * 60),  # minutes before NOW
        "length_min": st.integers(1, 24 * 60),
        "group": st.sampled_from(["all", "hospital"]),
        "age_band": st.sampled_from([None, "0-4", "60+"]),
        "sex": st.sampled_from([None, Sex.FEMALE, Sex.MALE]),
        "people": st.integers(0, 500),
    }
)


def _row(s: dict) -> dict:  # type: ignore[type-arg]
    start = NOW - dt.timedelta(minutes=s["start_min"])
    end = min(start + dt.timedelta(minutes=s["length_min"]), NOW)
    if end <= start:
        start = end - dt.timedelta(minutes=1)
    keep = ("client_id", "corridor_id", "group", "age_band", "sex", "people")
    return {**{k: s[k] for k in keep}, "window_start": start, "window_end": end}


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.lists(submission, max_size=40))
def test_every_person_is_counted_once_or_held(
    database: Database,
    operation_id: int,
    subs: list[dict],  # type: ignore[type-arg]
) -> None:
    rows = [_row(s) for s in subs]
    rows += rows[: len(rows) // 3]  # some submissions twice in the file
    with undone(database) as session:
        reduced = count_submissions(session, operation_id, rows, now=NOW)
    first = {r["client_id"]: r for r in reversed(rows)}  # each submission once
    held = [r for r in first.values() if hour_window(r["window_start"], r["window_end"])[1] > NOW]
    counted = [r for r in first.values() if r not in held]
    assert reduced.held == len(held) and reduced.duplicates == len(rows) - len(first)
    assert sorted(reduced.counted, key=lambda u: u.int) == sorted(
        (r["client_id"] for r in counted), key=lambda u: u.int
    )
    assert sum(c["people"] for c in reduced.counts) == sum(r["people"] for r in counted)
    for count in reduced.counts:
        assert count["window_start"].minute == count["window_end"].minute == 0
        assert count["window_end"] <= NOW
    fields = ("corridor_id", "window_start", "window_end", "group", "age_band", "sex")
    cells = [tuple(c[f] for f in fields) for c in reduced.counts]
    assert len(cells) == len(set(cells))  # one count per cell
    for row in counted:  # its count holds its window and its attributes
        start, end = hour_window(row["window_start"], row["window_end"])
        assert any(
            (c["corridor_id"], c["window_start"], c["window_end"], c["group"], c["sex"])
            == (row["corridor_id"], start, end, row["group"], row["sex"])
            for c in reduced.counts
        )
    assert len({c["client_id"] for c in reduced.counts}) == len(reduced.counts)
    assert all(isinstance(c["client_id"], uuid.UUID) for c in reduced.counts)
