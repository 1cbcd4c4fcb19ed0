"""The group-commit writer's limits: a bounded queue that refuses at once when full, and a close
that never leaves a caller waiting for ever (every job is run or refused with an error)."""

from __future__ import annotations

import logging
import random
import threading
import time
from concurrent.futures import Future, wait

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from safepassage.storage import Database
from safepassage.storage.accounts import ensure_organisation
from safepassage.storage.models import Organisation
from safepassage.storage.writer import (
    DEFAULT_MAX_WAITING_ROWS,
    GroupCommit,
    WriterBusyError,
    WriterClosedError,
)


def _nothing(session: Session) -> str:
    return "done"


def _block(writer: GroupCommit) -> tuple[threading.Event, Future[None]]:
    """Occupy ``writer`` with a job that waits for the event: the next jobs stay queued."""
    started, release = threading.Event(), threading.Event()

    def wait_for_release(session: Session) -> None:
        started.set()
        assert release.wait(30)

    first = writer.submit(wait_for_release)
    assert started.wait(10)
    return release, first


def test_a_full_queue_refuses_at_once_and_takes_work_again_once_drained(
    database: Database,
) -> None:
    writer = GroupCommit(database, max_waiting_rows=10)
    try:
        release, first = _block(writer)
        queued = [writer.submit(_nothing, rows=6), writer.submit(_nothing, rows=4)]
        assert writer.waiting_rows == 10
        began = time.perf_counter()
        with pytest.raises(WriterBusyError, match="10 records are waiting") as refused:
            writer.submit(_nothing, rows=1)
        assert time.perf_counter() - began < 0.5  # refused, not queued behind the others
        assert 1 <= refused.value.retry_after_s <= 60
        release.set()
        first.result(10)
        assert [f.result(10) for f in queued] == ["done", "done"]
        assert writer.submit(_nothing, rows=10).result(10) == "done"
    finally:
        writer.close()


def test_a_job_larger_than_the_bound_is_taken_when_nothing_waits(database: Database) -> None:
    writer = GroupCommit(database, max_waiting_rows=10)
    try:
        release, first = _block(writer)  # busy writing, nothing waiting
        large = writer.submit(_nothing, rows=50)
        with pytest.raises(WriterBusyError):  # now 50 wait: nothing more
            writer.submit(_nothing, rows=1)
        release.set()
        first.result(10)
        assert large.result(10) == "done"
        assert writer.waiting_rows == 0
    finally:
        writer.close()


def test_the_default_bound_is_in_records_not_jobs(database: Database) -> None:
    writer = database.writer()
    release, first = _block(writer)
    try:
        filler = writer.submit(_nothing, rows=DEFAULT_MAX_WAITING_ROWS - 5)
        small = [writer.submit(_nothing) for _ in range(5)]
        with pytest.raises(WriterBusyError):
            writer.submit(_nothing)
    finally:
        release.set()
    first.result(10)
    assert filler.result(10) == "done" and all(f.result(10) == "done" for f in small)


def _race(writer: GroupCommit) -> tuple[list[Future[str]], int]:
    """4 threads submit 200 jobs each while another thread closes the writer: the futures of
    the jobs taken, and how many were refused."""
    futures: list[Future[str]] = []
    refused = [0]
    lock = threading.Lock()
    go = threading.Barrier(5)

    def submit_many() -> None:
        go.wait()
        for _ in range(200):
            try:
                future = writer.submit(_nothing)
            except WriterClosedError:
                with lock:
                    refused[0] += 1
                continue
            with lock:
                futures.append(future)

    def close_soon() -> None:
        go.wait()
        time.sleep(random.uniform(0, 0.004))
        writer.close(timeout_s=30)

    threads = [threading.Thread(target=submit_many) for _ in range(4)]
    threads.append(threading.Thread(target=close_soon))
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    return futures, refused[0]


def test_close_racing_submits_leaves_no_caller_waiting(database: Database) -> None:
    """Every job is either refused at submit (WriterClosedError) or run: its future resolves.
    Before the lock, a job could land behind the stop signal and its caller hang for ever."""
    for round_ in range(60):  # the old race hung a caller in about 1 round in 10
        writer = GroupCommit(database)
        futures, refused = _race(writer)
        done, not_done = wait(futures, timeout=30)
        assert not not_done, f"round {round_}: {len(not_done)} callers would hang"
        assert all(f.result() == "done" for f in done)  # accepted before close: all ran
        assert len(futures) + refused == 800
        with pytest.raises(WriterClosedError, match="shutting down"):
            writer.submit(_nothing)


def test_a_close_that_times_out_refuses_the_queued_jobs_with_an_error(
    database: Database, caplog: pytest.LogCaptureFixture
) -> None:
    writer = GroupCommit(database)
    release, first = _block(writer)
    queued = [writer.submit(_nothing, rows=3) for _ in range(4)]
    with caplog.at_level(logging.ERROR, logger="safepassage.storage.writer"):
        writer.close(timeout_s=0.2)
    assert "4 queued writes (12 records) refused" in caplog.text
    for future in queued:
        with pytest.raises(WriterClosedError, match="send it again with the same client_id"):
            future.result(1)
    release.set()  # the group it was writing still finishes and answers its caller
    first.result(10)
    writer.close(timeout_s=10)  # the thread has stopped: nothing left, nothing raised


def test_jobs_queued_before_close_are_stored(database: Database) -> None:
    writer = GroupCommit(database)
    release, first = _block(writer)

    def add(code: str):  # type: ignore[no-untyped-def]
        def job(session: Session) -> str:
            ensure_organisation(session, code)
            return code

        return job

    futures = [writer.submit(add(f"K{i}")) for i in range(5)]
    closer = threading.Thread(target=writer.close)
    closer.start()
    time.sleep(0.05)  # closing, waiting for the queue
    with pytest.raises(WriterClosedError):
        writer.submit(add("LATE"))
    release.set()
    closer.join(30)
    first.result(10)
    assert [f.result(10) for f in futures] == [f"K{i}" for i in range(5)]
    with database.read() as session:
        assert set(session.scalars(select(Organisation.code))) == {f"K{i}" for i in range(5)}
