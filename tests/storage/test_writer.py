"""Group commit: waiting writes share one transaction; a failing one fails alone; each caller
is answered only once its rows are committed."""

from __future__ import annotations

import threading
import uuid
from concurrent.futures import Future

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session

from safepassage.storage import Database
from safepassage.storage.accounts import ensure_organisation
from safepassage.storage.audit import verify
from safepassage.storage.models import Organisation


def _add_org(code: str):  # type: ignore[no-untyped-def]
    """A job: create an organisation (audited); returns the session it ran in."""

    def job(session: Session) -> int:
        ensure_organisation(session, code)
        return id(session)

    return job


def _blocked_writer(database: Database) -> tuple[threading.Event, Future[None]]:
    """Occupy the writer with a job that waits, so that the next jobs queue up behind it."""
    started, release = threading.Event(), threading.Event()

    def wait(session: Session) -> None:
        started.set()
        assert release.wait(10)

    first = database.writer().submit(wait)
    assert started.wait(10)
    return release, first


def _organisations(database: Database) -> set[str]:
    with database.read() as session:
        return set(session.scalars(select(Organisation.code)))


def test_waiting_writes_commit_together_and_the_chain_holds(database: Database) -> None:
    release, first = _blocked_writer(database)
    futures = [database.writer().submit(_add_org(f"ORG{i}")) for i in range(10)]
    assert not any(f.done() for f in futures)  # nothing answered before its commit
    release.set()
    first.result(10)
    sessions = {f.result(10) for f in futures}
    assert len(sessions) == 1  # the ten queued writes ran in one transaction
    assert _organisations(database) == {f"ORG{i}" for i in range(10)}
    with database.read() as session:
        report = verify(session)
    assert report.ok and report.entries == 10, report.problems


def test_a_failing_write_fails_alone(database: Database) -> None:
    def broken(session: Session) -> None:
        ensure_organisation(session, "HALF")  # written, then rolled back with the failure
        raise ValueError("bad item")

    release, first = _blocked_writer(database)
    before = database.writer().submit(_add_org("A"))
    failing = database.writer().submit(broken)
    after = database.writer().submit(_add_org("B"))
    release.set()
    first.result(10)
    with pytest.raises(ValueError, match="bad item"):
        failing.result(10)
    before.result(10), after.result(10)
    assert _organisations(database) == {"A", "B"}
    with database.read() as session:
        assert verify(session).ok


def test_failing_writes_do_not_make_the_others_run_again(database: Database) -> None:
    runs: dict[str, int] = {}

    def counted(code: str, fail: bool):  # type: ignore[no-untyped-def]
        def job(session: Session) -> str:
            runs[code] = runs.get(code, 0) + 1
            ensure_organisation(session, code)
            if fail:
                raise ValueError(f"bad {code}")
            return code

        return job

    release, first = _blocked_writer(database)
    jobs = [(f"G{i}", i % 3 == 1) for i in range(12)]  # every third fails
    futures = [database.writer().submit(counted(code, fail)) for code, fail in jobs]
    release.set()
    first.result(10)
    for (code, fail), future in zip(jobs, futures, strict=True):
        if fail:
            with pytest.raises(ValueError, match=f"bad {code}"):
                future.result(10)
        else:
            assert future.result(10) == code
    # a failing job runs once; the others at most twice (the group again, a savepoint each),
    # not once per failure
    assert {runs[code] for code, fail in jobs if fail} == {1}
    assert max(runs.values()) <= 2
    assert _organisations(database) == {code for code, fail in jobs if not fail}
    with database.read() as session:
        report = verify(session)
    assert report.ok and report.entries == 8, report.problems


class _DeadlockError(Exception):
    sqlstate = "40P01"


@pytest.mark.parametrize(
    "clash",
    [
        IntegrityError("INSERT …", None, Exception("duplicate key")),
        OperationalError("INSERT …", None, _DeadlockError("deadlock detected")),
    ],
)
def test_a_clash_with_another_writer_is_run_again(database: Database, clash: Exception) -> None:
    """As a concurrent writer in another process causes it: the next run finds the row."""
    tries: list[int] = []

    def clashing(session: Session) -> int:
        tries.append(1)
        if len(tries) == 1:
            raise clash
        ensure_organisation(session, "LATE")
        return len(tries)

    assert database.writer().submit(clashing).result(10) == 2
    assert _organisations(database) == {"LATE"}


def test_other_database_errors_are_not_run_again(database: Database) -> None:
    tries: list[int] = []

    def failing(session: Session) -> None:
        tries.append(1)
        raise OperationalError("INSERT …", None, Exception("disk I/O error"))

    with pytest.raises(OperationalError):
        database.writer().submit(failing).result(10)
    assert len(tries) == 1


def test_an_answer_means_committed(database: Database) -> None:
    """Another connection sees the row as soon as the caller has its answer."""
    for n in range(20):
        code = f"X{n}-{uuid.uuid4().hex[:6]}"
        database.writer().submit(_add_org(code)).result(10)
        with database.engine.connect() as conn:
            query = text("SELECT count(*) FROM organisations WHERE code = :c")
            assert conn.execute(query, {"c": code}).scalar() == 1
    with database.read() as session:
        assert session.scalar(select(func.count()).select_from(Organisation)) == 20


def test_closing_finishes_the_queued_writes(database: Database) -> None:
    release, first = _blocked_writer(database)
    futures = [database.writer().submit(_add_org(f"Q{i}")) for i in range(5)]
    closer = threading.Thread(target=database.dispose)
    closer.start()
    release.set()
    closer.join(30)
    first.result(10)
    assert all(f.result(10) for f in futures)
