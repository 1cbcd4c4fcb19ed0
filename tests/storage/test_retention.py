"""Retention (R7): rows older than their table's period are destroyed, their hashes stay in the
audit log, and `audit verify` still passes and still catches any other deletion."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from sqlalchemy import func, select, text

from safepassage.errors import DataError, StorageError
from safepassage.storage import Database
from safepassage.storage import operations as ops
from safepassage.storage.accounts import create_user, ensure_organisation
from safepassage.storage.audit import verify
from safepassage.storage.models import AuditEntry, CrossingCount, Incident, Operation, User
from safepassage.storage.records import submit_records
from safepassage.storage.retention import purge_expired, retention_periods, set_retention
from safepassage.storage.types import IncidentType, Role, Severity

pytestmark = pytest.mark.service

NOW = dt.datetime(2026, 12, 20, 12, tzinfo=dt.UTC)


def _populate(database: Database) -> tuple[Operation, User]:
    with database.session() as session:
        org = ensure_organisation(session, "WFP")
        user, _ = create_user(session, org, role=Role.ADMIN, name="admin")
        operation = ops.create_operation(session, user, code="op", name="Op")
        corridor, _ = ops.create_corridor(session, user, operation, code="C1", name="North")
        crossings = [
            {
                "client_id": uuid.uuid4(),
                "corridor_id": corridor.id,
                "window_start": NOW - dt.timedelta(days=d, hours=1),
                "window_end": NOW - dt.timedelta(days=d),
                "people": 100 + d,
            }
            for d in range(0, 20, 2)  # ended 0, 2, ..., 18 days ago
        ]
        submit_records(session, CrossingCount, crossings, user=user, operation_id=operation.id)
        incidents = [
            {
                "client_id": uuid.uuid4(),
                "event_time": NOW - dt.timedelta(days=d),
                "type": IncidentType.CROWD,
                "severity": Severity.LOW,
            }
            for d in (1, 40)
        ]
        submit_records(session, Incident, incidents, user=user, operation_id=operation.id)
    return operation, user


def _count(database: Database, model: type) -> int:
    with database.read() as session:
        return int(session.scalar(select(func.count()).select_from(model)) or 0)


def test_purge_destroys_only_expired_rows_and_the_chain_still_verifies(database: Database):
    operation, user = _populate(database)
    with database.session() as session:
        set_retention(session, user, operation, "crossing_counts", 7)
        set_retention(session, user, operation, "incidents", 30)
        set_retention(session, user, operation, "crossing_counts", 9)  # changed: the latest counts
        assert retention_periods(session, operation) == {"crossing_counts": 9, "incidents": 30}
    with database.read() as session:
        dry = purge_expired(session, user, operation, now=NOW, dry_run=True)
    assert dry.purged == {"crossing_counts": 5, "incidents": 1}  # ended 10..18 days ago; 40
    assert _count(database, CrossingCount) == 10  # a dry run changes nothing
    with database.session() as session:
        done = purge_expired(session, user, operation, now=NOW)
    assert done.purged == dry.purged
    with database.read() as session:
        ends = session.scalars(select(CrossingCount.window_end)).all()
        purges = session.scalar(
            select(func.count()).select_from(AuditEntry).where(AuditEntry.action == "purge")
        )
        report = verify(session)
    assert len(ends) == 5 and min(ends) >= NOW - dt.timedelta(days=9)
    assert _count(database, Incident) == 1
    assert purges == 6
    assert report.ok, report.problems
    with database.session() as session:  # again: nothing left to destroy
        assert purge_expired(session, user, operation, now=NOW).purged == {
            "crossing_counts": 0,
            "incidents": 0,
        }


def test_a_deletion_outside_the_purge_is_still_caught(database: Database):
    operation, user = _populate(database)
    with database.session() as session:
        set_retention(session, user, operation, "crossing_counts", 9)
        purge_expired(session, user, operation, now=NOW)
    with database.engine.begin() as conn:  # someone removes a row the purge kept
        conn.execute(text("DELETE FROM crossing_counts WHERE people = 100"))
    with database.read() as session:
        problems = verify(session).problems
    assert len(problems) == 1 and "deleted" in problems[0]


def test_the_stock_ledger_and_silly_periods_are_refused(database: Database):
    operation, user = _populate(database)
    with database.session() as session:
        with pytest.raises(DataError, match="stock ledger is kept whole"):
            set_retention(session, user, operation, "stock_entries", 30)
        with pytest.raises(DataError, match="status history is kept whole"):
            set_retention(session, user, operation, "corridor_status_changes", 30)
        with pytest.raises(DataError, match="above 0"):
            set_retention(session, user, operation, "incidents", 0)
        with pytest.raises(DataError, match="no retention period"):
            set_retention(session, user, operation, "users", 30)


def test_retention_and_purge_from_the_command_line(tmp_path, capsys):
    from safepassage.cli.main import main
    from safepassage.storage.db import open_database

    db = str(tmp_path / "ops.sqlite")
    database = open_database(db, migrate=True)
    _populate(database)
    with database.session() as session:
        org = ensure_organisation(session, "WFP")
        _, planner = create_user(session, org, role=Role.PLANNER, name="planner")
        _, admin = create_user(session, org, role=Role.ADMIN, name="admin2")
    database.dispose()
    base = ["--db", db, "--operation", "op"]
    assert main(["operations", "retention", *base, "--token", planner, "--table", "incidents"]) == 2
    # the command uses the clock: the incident of NOW - 40 days is older than 10 days today
    assert main(["operations", "retention", *base, "--token", planner, "--table", "incidents",
                 "--days", "10"]) == 0  # fmt: skip
    assert main(["operations", "purge", *base, "--token", planner]) == 2  # admins only
    assert main(["operations", "purge", *base, "--token", admin, "--dry-run"]) == 0
    assert "would destroy 1 rows" in capsys.readouterr().out
    assert main(["operations", "purge", *base, "--token", admin]) == 0
    assert "destroyed 1 rows" in capsys.readouterr().out
    assert main(["audit", "verify", "--db", db]) == 0


def test_a_purge_does_not_launder_a_row_edited_behind_the_service(database: Database):
    operation, user = _populate(database)
    with database.session() as session:
        set_retention(session, user, operation, "crossing_counts", 9)
    with database.engine.begin() as conn:  # an old row forged in the database
        conn.execute(text("UPDATE crossing_counts SET people = 5000 WHERE people = 118"))
    with database.session() as session, pytest.raises(StorageError, match="differ from what"):
        purge_expired(session, user, operation, now=NOW)
    assert _count(database, CrossingCount) == 10  # nothing purged
    with database.read() as session:
        assert any("edited" in p for p in verify(session).problems)  # still reported
