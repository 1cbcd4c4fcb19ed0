"""The audit chain detects a row edited, deleted or added through raw SQL, on both backends."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from sqlalchemy import text

from safepassage.cli.main import main
from safepassage.storage import Database
from safepassage.storage import operations as ops
from safepassage.storage.accounts import create_user, ensure_organisation
from safepassage.storage.audit import verify
from safepassage.storage.models import CrossingCount
from safepassage.storage.records import submit_records
from safepassage.storage.types import Role

pytestmark = pytest.mark.service

T0 = dt.datetime(2026, 12, 1, 6, tzinfo=dt.UTC)


def populate(database: Database) -> None:
    with database.session() as session:
        org = ensure_organisation(session, "WFP")
        user, _ = create_user(session, org, role=Role.PLANNER, name="p")
        operation = ops.create_operation(session, user, code="op", name="Op")
        corridor, _ = ops.create_corridor(session, user, operation, code="C1", name="North")
        items = [
            {
                "client_id": uuid.uuid4(),
                "corridor_id": corridor.id,
                "window_start": T0 + dt.timedelta(hours=h),
                "window_end": T0 + dt.timedelta(hours=h + 1),
                "people": 100 + h,
            }
            for h in range(4)
        ]
        submit_records(session, CrossingCount, items, user=user, operation_id=operation.id)


def problems(database: Database) -> list[str]:
    with database.session() as session:
        return verify(session).problems


def tamper(database: Database, sql: str) -> None:
    with database.engine.begin() as conn:
        conn.execute(text(sql))


def test_an_intact_chain_verifies(database: Database) -> None:
    populate(database)
    with database.session() as session:
        report = verify(session)
    assert report.ok and report.entries == 8 and report.records == 8


@pytest.mark.parametrize(
    ("sql", "expected"),
    [
        ("UPDATE crossing_counts SET people = 5 WHERE id = 2", "crossing_counts row 2: edited"),
        ("DELETE FROM crossing_counts WHERE id = 3", "crossing_counts row 3: deleted"),
        (
            "INSERT INTO corridors (id, operation_id, code, name, created_at) "
            "VALUES (99, 1, 'C9', 'x', '2026-12-01 06:00:00')",
            "corridors row 99: not in the audit log",
        ),
        ("UPDATE audit_log SET user_id = 7 WHERE seq = 4", "audit entry 4: content does not match"),
        ("DELETE FROM audit_log WHERE seq = 4", "audit entries 4..4 are missing"),
        ("DELETE FROM audit_log WHERE seq = 8", "the last entries were deleted"),
        # a forger who also recomputes the entry's own hash still breaks the next link
        (
            "UPDATE audit_log SET hash = (SELECT hash FROM audit_log WHERE seq = 2) WHERE seq = 5",
            "audit entry 6: previous-hash link broken",
        ),
    ],
)
def test_tampering_through_raw_sql_is_found(database: Database, sql: str, expected: str) -> None:
    populate(database)
    tamper(database, sql)
    found = problems(database)
    assert any(expected in p for p in found), found


def test_audit_verify_command_exit_codes(db_url: str, database: Database, capsys) -> None:  # type: ignore[no-untyped-def]
    populate(database)
    assert main(["audit", "verify", "--db", db_url]) == 0
    assert "8 audit entries and 8 rows verified" in capsys.readouterr().out
    tamper(database, "UPDATE crossing_counts SET people = people + 1000 WHERE id = 1")
    assert main(["audit", "verify", "--db", db_url]) == 2
    err = capsys.readouterr().err
    assert "crossing_counts row 1: edited" in err and "audit chain broken" in err
