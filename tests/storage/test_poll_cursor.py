"""Polling by seq: a record committed late, with an early ``received_at``, is still found by a
poller that asks for the records after the largest seq it has seen (``list_records(after=…)``).

``received_at`` is stamped when a row is built; the seq (the record's ``create`` entry in the
audit chain) is taken under the chain head's lock just before the commit, so seqs follow the
commit order on both backends."""

from __future__ import annotations

import contextlib
import datetime as dt
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from sqlalchemy import select, true
from sqlalchemy.orm import Session

from safepassage.storage import Database, open_database
from safepassage.storage import operations as ops
from safepassage.storage.accounts import create_user, ensure_organisation
from safepassage.storage.audit import verify
from safepassage.storage.models import AuditEntry, CrossingCount, Incident, Operation, User
from safepassage.storage.records import Page, create_seqs, list_records, submit_records
from safepassage.storage.retention import purge_expired, set_retention
from safepassage.storage.types import IncidentType, Role, Severity, utc_now
from safepassage.storage.writer import GroupCommit

NOW = dt.datetime.now(dt.UTC).replace(microsecond=0)


@dataclass(frozen=True)
class Setup:
    user_id: int
    operation_id: int
    corridor_id: int
    other_operation_id: int  # of another organisation (MSF)
    other_user_id: int
    other_corridor_id: int


def _setup(database: Database) -> Setup:
    with database.session() as session:
        wfp, msf = ensure_organisation(session, "WFP"), ensure_organisation(session, "MSF")
        user, _ = create_user(session, wfp, role=Role.ADMIN, name="admin")
        other, _ = create_user(session, msf, role=Role.ADMIN, name="other")
        operation = ops.create_operation(session, user, code="op", name="Op")
        corridor, _ = ops.create_corridor(session, user, operation, code="C1", name="North")
        # an entry whose record id is not an integer ("1:2"), as the cursor's query walks past
        ops.add_member(session, user, operation, msf.id)
        busy = ops.create_operation(session, other, code="busy", name="Busy")
        busy_corridor, _ = ops.create_corridor(session, other, busy, code="B1", name="B")
        return Setup(user.id, operation.id, corridor.id, busy.id, other.id, busy_corridor.id)


def _crossing(corridor_id: int, people: int, hours_ago: float = 2) -> dict[str, Any]:
    return {
        "client_id": uuid.uuid4(),
        "corridor_id": corridor_id,
        "window_start": NOW - dt.timedelta(hours=hours_ago + 1),
        "window_end": NOW - dt.timedelta(hours=hours_ago),
        "people": people,
    }


def _store(
    session: Session,
    user_id: int,
    operation_id: int,
    items: list[dict[str, Any]],
    received_at: dt.datetime | None = None,
) -> list[Any]:
    user = session.get_one(User, user_id)
    return submit_records(
        session,
        CrossingCount,
        items,
        user=user,
        operation_id=operation_id,
        received_at=received_at,
    )


def _poll(
    database: Database,
    operation_id: int,
    *,
    after: int | None = None,
    since: dt.datetime | None = None,
    limit: int = 1000,
    visible: Any = None,
) -> Page[CrossingCount]:
    with database.read() as session:
        return list_records(
            session,
            CrossingCount,
            operation_id=operation_id,
            visible=true() if visible is None else visible,
            since=since,
            after=after,
            limit=limit,
        )


def test_a_record_stamped_early_and_committed_late_is_polled_with_after(
    database: Database,
) -> None:
    """As an ingest does: it stamps its time of receipt, then waits for the write lock while
    another writer commits a later stamp. Polling by received time skips it; by seq, not."""
    s = _setup(database)
    stamped, go = threading.Event(), threading.Event()

    def late_writer() -> None:
        stamp = utc_now()
        stamped.set()
        assert go.wait(10)
        with database.session() as session:
            _store(session, s.user_id, s.operation_id, [_crossing(s.corridor_id, 1)], stamp)

    thread = threading.Thread(target=late_writer)
    thread.start()
    assert stamped.wait(10)
    time.sleep(0.01)  # the next stamp is later
    with database.session() as session:
        _store(session, s.user_id, s.operation_id, [_crossing(s.corridor_id, 2)])
    seen = _poll(database, s.operation_id, after=0)
    assert [r.people for r in seen.rows] == [2]
    newest_received = max(r.received_at for r in seen.rows)
    largest_seq = max(seen.seqs.values())
    go.set()
    thread.join(10)

    by_time = _poll(database, s.operation_id, since=newest_received)
    assert 1 not in [r.people for r in by_time.rows]  # why `since` is no cursor
    for cursor in (largest_seq, seen.next_after):
        page = _poll(database, s.operation_id, after=cursor)
        assert [r.people for r in page.rows] == [1]
        assert min(page.seqs.values()) > largest_seq


def test_a_group_that_commits_after_another_process_is_polled_with_after(
    db_url: str, database: Database
) -> None:
    """PostgreSQL, two server processes: one's group stamps and inserts its records, then
    another process writes and commits, then the first group commits. (On SQLite a write
    transaction holds the database's write lock from its start: the second cannot commit in
    between, and the previous test covers the stamp taken before the lock.)"""
    if database.is_sqlite:
        pytest.skip("SQLite write transactions do not overlap")
    s = _setup(database)
    other_process = open_database(db_url, migrate=False)
    try:
        writer = database.writer()
        started, release = threading.Event(), threading.Event()
        inserted, go = threading.Event(), threading.Event()

        def occupy(session: Session) -> None:
            started.set()
            assert release.wait(10)

        def hold_the_group(session: Session) -> None:
            inserted.set()  # the job before this one has inserted and stamped its record
            assert go.wait(10)

        first = writer.submit(occupy)
        assert started.wait(10)
        late = writer.submit(
            lambda session: _store(
                session, s.user_id, s.operation_id, [_crossing(s.corridor_id, 1)]
            )
        )
        held = writer.submit(hold_the_group)
        release.set()  # the next group: [late, held], in one transaction
        assert inserted.wait(10)
        time.sleep(0.01)
        with other_process.session() as session:  # commits first, with a later stamp
            _store(session, s.user_id, s.operation_id, [_crossing(s.corridor_id, 2)])
        seen = _poll(database, s.operation_id, after=0)
        assert [r.people for r in seen.rows] == [2]
        go.set()
        first.result(10), held.result(10)
        stored = late.result(10)[0]
        assert stored.values["received_at"] < seen.rows[0].received_at
        page = _poll(database, s.operation_id, after=max(seen.seqs.values()))
        assert [r.people for r in page.rows] == [1]
        # the writer numbered it without reading the log: the same seq as the log's
        assert page.seqs[stored.id] == stored.values["seq"]
    finally:
        other_process.dispose()


def test_pollers_get_every_record_once_while_several_processes_write(
    db_url: str, database: Database
) -> None:
    """Three "processes" (databases with their own writer) write single records and batches
    through their writers and directly (as the corridor status route and ingest do), with other
    audited writes among them; a poller with a small page follows by seq meanwhile."""
    s = _setup(database)
    processes = [database, *(open_database(db_url, migrate=False) for _ in range(2))]
    created: dict[int, int | None] = {}  # id -> seq as its writer numbered it
    lock = threading.Lock()
    writing = threading.Event()
    writing.set()

    def keep(stored: list[Any]) -> None:
        with lock:
            created.update((x.id, x.values["seq"]) for x in stored if x.created)

    def through_writer(process: Database, size: int, n: int) -> None:
        futures = [
            process.writer().submit(
                lambda session, k=k: _store(
                    session,
                    s.user_id,
                    s.operation_id,
                    [_crossing(s.corridor_id, k * 100 + j) for j in range(size)],
                ),
                rows=size,
            )
            for k in range(n)
        ]
        for future in futures:
            keep(future.result(60))

    def direct(process: Database, n: int) -> None:
        for k in range(n):
            with process.session() as session:
                keep(_store(session, s.user_id, s.operation_id, [_crossing(s.corridor_id, k)]))

    def others(process: Database, n: int) -> None:  # audited writes of other tables
        for k in range(n):
            process.writer().submit(lambda session, k=k: ensure_organisation(session, f"O{k}"))
            with process.session() as session:
                _store(
                    session,
                    s.other_user_id,
                    s.other_operation_id,
                    [_crossing(s.other_corridor_id, k)],
                )

    polled: list[tuple[int, int]] = []

    def poller() -> None:
        after = 0
        while True:
            still_writing = writing.is_set()
            page = _poll(database, s.operation_id, after=after, limit=7)
            polled.extend((row.id, page.seqs[row.id]) for row in page.rows)
            assert page.next_after is not None and page.next_after >= after
            after = page.next_after
            if not still_writing and not page.rows:
                return

    work: list[Callable[[], None]] = []
    for process in processes:
        work += [
            lambda p=process: through_writer(p, 1, 40),
            lambda p=process: through_writer(p, 1, 40),
            lambda p=process: through_writer(p, 25, 6),
            lambda p=process: direct(p, 15),
            lambda p=process: others(p, 8),
        ]
    threads = [threading.Thread(target=w) for w in work]
    polling = threading.Thread(target=poller)
    try:
        polling.start()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(120)
        writing.clear()
        polling.join(120)
        assert not polling.is_alive()
    finally:
        for process in processes[1:]:
            process.dispose()

    ids = [record_id for record_id, _ in polled]
    assert len(ids) == len(set(ids)), "a record was polled twice"
    assert set(ids) == set(created), "a poller following by seq missed records"
    seqs = [seq for _, seq in polled]
    assert seqs == sorted(seqs) and len(set(seqs)) == len(seqs)
    with database.read() as session:
        logged = create_seqs(session, CrossingCount, ids)
        assert verify(session).ok
    assert dict(polled) == logged
    # the answers' seqs, given by the writers (counting back from the head) or the log
    assert created == logged


def test_next_after_moves_past_entries_the_poller_cannot_see(database: Database) -> None:
    s = _setup(database)
    with database.session() as session:
        _store(session, s.user_id, s.operation_id, [_crossing(s.corridor_id, 1)])
    first = _poll(database, s.operation_id, after=0)
    assert [r.people for r in first.rows] == [1]
    with database.session() as session:  # another operation is busy
        busy = [_crossing(s.other_corridor_id, k) for k in range(30)]
        _store(session, s.other_user_id, s.other_operation_id, busy)
        head = session.execute(select(AuditEntry.seq).order_by(AuditEntry.seq.desc())).scalar()
    assert first.next_after is not None
    quiet = _poll(database, s.operation_id, after=first.next_after)
    assert quiet.rows == [] and quiet.next_after == head
    # records of its own operation it may not see are walked past too
    mine_only = CrossingCount.organisation_id == -1
    hidden = _poll(database, s.operation_id, after=0, visible=mine_only)
    assert hidden.rows == [] and hidden.next_after == head
    # a full page stops at its last record: the rest comes next
    with database.session() as session:
        items = [_crossing(s.corridor_id, 10 + k) for k in range(5)]
        _store(session, s.user_id, s.operation_id, items)
    page = _poll(database, s.operation_id, after=quiet.next_after, limit=3)
    assert len(page.rows) == 3 and page.next_after == max(page.seqs.values())
    rest = _poll(database, s.operation_id, after=page.next_after, limit=3)
    assert len(rest.rows) == 2
    assert {r.people for r in [*page.rows, *rest.rows]} == {10, 11, 12, 13, 14}


def test_purges_between_polls_do_not_disturb_the_cursor(database: Database) -> None:
    """A purge appends entries of another action and destroys rows; on SQLite the next record
    may then take a destroyed row's id (the next after the largest). Pollers go on, and the
    row is listed once, with the seq of its own create entry."""
    s = _setup(database)
    with database.session() as session:
        user = session.get_one(User, s.user_id)
        old = [_crossing(s.corridor_id, k, hours_ago=24 * 10) for k in range(3)]
        _store(session, s.user_id, s.operation_id, old)
        incidents = [
            {
                "client_id": uuid.uuid4(),
                "event_time": NOW - dt.timedelta(days=30),
                "type": IncidentType.CROWD,
                "severity": Severity.LOW,
            }
        ]
        submit_records(session, Incident, incidents, user=user, operation_id=s.operation_id)
    seen = _poll(database, s.operation_id, after=0)
    assert len(seen.rows) == 3
    with database.session() as session:
        user = session.get_one(User, s.user_id)
        operation = session.get_one(Operation, s.operation_id)
        set_retention(session, user, operation, "incidents", 7)
        set_retention(session, user, operation, "crossing_counts", 7)
        purged = purge_expired(session, user, operation, now=utc_now())
    assert purged.purged == {"crossing_counts": 3, "incidents": 1}
    with database.session() as session:
        new = _store(session, s.user_id, s.operation_id, [_crossing(s.corridor_id, 99)])[0]
    if database.is_sqlite:
        assert new.id in {row.id for row in seen.rows}  # the case this test is about
    page = _poll(database, s.operation_id, after=seen.next_after)
    assert [r.people for r in page.rows] == [99]
    assert page.seqs == {new.id: new.values["seq"]}
    from_start = _poll(database, s.operation_id, after=0)
    assert [r.id for r in from_start.rows] == [new.id] and from_start.seqs == page.seqs
    assert _poll(database, s.operation_id).seqs == page.seqs  # by received time, alike
    with database.read() as session:
        assert verify(session).ok


def test_the_seq_query_walks_the_log_from_after(database: Database) -> None:
    """SQLite: by the log's primary key from ``after``, not every entry of the table through
    ix_audit_log_record and a sort (what a "table_name = …" term made its planner choose)."""
    if not database.is_sqlite:
        pytest.skip("PostgreSQL's plan depends on its statistics")
    s = _setup(database)
    statements: list[tuple[str, Any]] = []
    from sqlalchemy import event

    def capture(conn, cursor, statement, parameters, context, executemany):  # type: ignore[no-untyped-def]
        statements.append((statement, parameters))

    event.listen(database.engine, "before_cursor_execute", capture)
    try:
        _poll(database, s.operation_id, after=0)
    finally:
        event.remove(database.engine, "before_cursor_execute", capture)
    statement, parameters = statements[-1]
    with database.read() as session:
        plan = session.connection().exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}", parameters)
        details = [row[3] for row in plan]
    assert any("audit_log USING INTEGER PRIMARY KEY (rowid>?)" in d for d in details), details
    assert not any("TEMP B-TREE" in d for d in details), details


def test_the_writer_numbers_a_group_with_a_failed_and_a_foreign_job(database: Database) -> None:
    """Seqs given back by the writer equal the log's: after a job rolled back to its savepoint,
    and when another job of the group appended without numbering (the log is read then)."""
    s = _setup(database)
    writer = GroupCommit(database)
    started, release = threading.Event(), threading.Event()

    def occupy(session: Session) -> None:
        started.set()
        assert release.wait(10)

    def store(people: int, size: int, fail: bool = False):  # type: ignore[no-untyped-def]
        def job(session: Session) -> list[Any]:
            items = [_crossing(s.corridor_id, people + j) for j in range(size)]
            stored = _store(session, s.user_id, s.operation_id, items)
            if fail:
                raise ValueError("refused after storing")
            return stored

        return job

    try:
        for foreign in (False, True):
            first = writer.submit(occupy)
            assert started.wait(10)
            jobs = [store(100, 3), store(200, 2, fail=True), store(300, 4)]
            if foreign:
                jobs.insert(1, lambda session: ensure_organisation(session, "FOREIGN"))
            futures = [writer.submit(job) for job in jobs]
            release.set()
            first.result(10)
            started.clear(), release.clear()
            results = []
            for future in futures:
                with contextlib.suppress(ValueError):  # the job that refused
                    results.append(future.result(10))
            stored = [x for result in results if isinstance(result, list) for x in result]
            assert len(stored) == 7
            with database.read() as session:
                logged = create_seqs(session, CrossingCount, [x.id for x in stored])
            assert {x.id: x.values["seq"] for x in stored} == logged
    finally:
        writer.close()
