"""Bulk inserts through the driver store what the ORM would, on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError

from safepassage.storage import Database, bulk
from safepassage.storage import operations as ops
from safepassage.storage.accounts import create_user, ensure_organisation
from safepassage.storage.models import CrossingCount
from safepassage.storage.types import Role, Sex, UTCDateTime

offsets = st.integers(min_value=-14 * 60, max_value=14 * 60).map(
    lambda m: dt.timezone(dt.timedelta(minutes=m))
)
aware = st.datetimes(
    min_value=dt.datetime(1900, 1, 2), max_value=dt.datetime(2200, 1, 1), timezones=offsets
)


@given(aware)
def test_fast_time_conversion_is_sqlalchemys(value: dt.datetime) -> None:
    for dialect, fast in (
        (sqlite.dialect(), bulk._sqlite_utc),
        (postgresql.dialect(), bulk._naive_utc),
    ):
        slow = UTCDateTime().dialect_impl(dialect).bind_processor(dialect)
        assert slow is not None and fast(value) == slow(value)


def test_fast_time_conversion_refuses_naive_times() -> None:
    with pytest.raises(ValueError, match="naive"):
        bulk._sqlite_utc(dt.datetime(2026, 1, 1))
    with pytest.raises(TypeError, match="expected a datetime"):
        bulk._naive_utc("2026-01-01")  # type: ignore[arg-type]


def _setup(database: Database) -> tuple[int, int, int, int]:
    with database.session() as session:
        org = ensure_organisation(session, "WFP")
        user, _ = create_user(session, org, role=Role.PLANNER, name="p")
        operation = ops.create_operation(session, user, code="op", name="Op")
        corridor, _ = ops.create_corridor(session, user, operation, code="C1", name="N")
        return org.id, user.id, operation.id, corridor.id


@pytest.mark.parametrize("count", [1, 3, 4, 700])  # one by one (PostgreSQL) and in bulk
def test_insert_new_stores_what_the_orm_reads_back(database: Database, count: int) -> None:
    org_id, user_id, op_id, corridor_id = _setup(database)
    start = dt.datetime(2026, 12, 1, 9, 30, 0, 123456, tzinfo=dt.timezone(dt.timedelta(hours=2)))
    columns = (
        "id",
        "client_id",
        "operation_id",
        "organisation_id",
        "submitted_by",
        "received_at",
        "corridor_id",
        "window_start",
        "window_end",
        "group",
        "age_band",
        "sex",
        "people",
    )
    rows = [
        [
            None,
            uuid.uuid4(),
            op_id,
            org_id,
            user_id,
            start + dt.timedelta(hours=3),
            corridor_id,
            start + dt.timedelta(minutes=i),
            start + dt.timedelta(minutes=i + 15),
            "all" if i % 2 else "g'\"\\ ü",
            None if i % 3 else "18-59",
            [None, Sex.FEMALE, Sex.MALE][i % 3],
            i,
        ]
        for i in range(count)
    ]
    with database.session() as session:
        bulk.insert_new(session, CrossingCount.__table__, columns, rows)  # type: ignore[arg-type]
    ids = [row[0] for row in rows]
    assert len(set(ids)) == count and None not in ids
    with database.read() as session:
        stored = {c.id: c for c in session.scalars(select(CrossingCount))}
        found = dict(
            bulk.find_by_uuid(
                session,
                CrossingCount.__table__,  # type: ignore[arg-type]
                "client_id",
                [row[1] for row in rows] + [uuid.uuid4()],
                ("id",),
            )
        )
    assert len(stored) == count
    for row in rows:
        got = stored[row[0]]
        assert [getattr(got, name) for name in columns] == row
        assert found[row[1]] == row[0]


def test_a_taken_client_id_is_an_integrity_error(database: Database) -> None:
    """Raised as SQLAlchemy's IntegrityError on both drivers: the writer runs the job again."""
    org_id, user_id, op_id, corridor_id = _setup(database)
    t = dt.datetime(2026, 12, 1, tzinfo=dt.UTC)
    columns = ("id", "client_id", "operation_id", "organisation_id", "submitted_by")
    columns += ("received_at", "corridor_id", "window_start", "window_end", "group", "people")
    taken = uuid.uuid4()

    def row() -> list[object]:
        return [
            None,
            taken,
            op_id,
            org_id,
            user_id,
            t,
            corridor_id,
            t,
            t + dt.timedelta(1),
            "all",
            1,
        ]

    with database.session() as session:
        bulk.insert_new(session, CrossingCount.__table__, columns, [row()])  # type: ignore[arg-type]
    for count in (1, 5):  # one by one, and in bulk
        with pytest.raises(IntegrityError), database.session() as session:
            others = [[None, uuid.uuid4(), *row()[2:]] for _ in range(count - 1)]
            bulk.insert_new(session, CrossingCount.__table__, columns, [*others, row()])  # type: ignore[arg-type]
