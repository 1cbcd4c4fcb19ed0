"""Group commit: one writer thread runs the waiting write jobs in one transaction.

Field writes arrive concurrently (50 devices at once is a normal morning), and each must be
durable before it is acknowledged. Committed one by one, every write pays for its own
transaction, its own lock wait and its own ``fsync``; writers then queue for the lock, and the
unlucky ones wait for seconds (issue 6 measured p99 0.5–2.9 s). Here every write is a *job*
(a function of a session) handed to one thread, which takes all the jobs waiting when it
becomes free, runs them one after another in one transaction, commits once, and only then
tells each job's caller its result. A caller is answered after the commit that holds its
rows, exactly as before; what the jobs share is the transaction and the ``fsync``.

This is the group commit of database engines (PostgreSQL's ``commit_delay``, InnoDB's binlog
group commit), one level up: the batch forms by itself while the previous commit is on disk,
with no added wait.

Failures stay with their job: when a job raises, the transaction is rolled back, that job gets
its exception, and the other jobs of the group run again in a new transaction (jobs are
functions of the session, so running one again does the same work). A unique-key error is
what a concurrent writer in another process causes (see ``records.retry_on_duplicate``): that
job is run again too, up to three times, and then finds the stored copy; so is one that a
PostgreSQL deadlock with another process's group chose to abort.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.orm import Session

from safepassage.storage import audit

if TYPE_CHECKING:
    from safepassage.storage.db import Database

__all__ = ["GroupCommit", "Job"]

T = TypeVar("T")
Job = Callable[[Session], T]

_log = logging.getLogger(__name__)
_ATTEMPTS = 3  # as records.retry_on_duplicate


def _transient(error: BaseException) -> bool:
    """A clash with a writer of another process, which running the job again resolves.

    A unique-key error (it stored one of the client ids first: the next run finds it), or on
    PostgreSQL a deadlock or serialisation failure: the jobs of a group insert in the order
    they came, so two processes' groups sharing client ids can each wait for the other.
    """
    if isinstance(error, IntegrityError):
        return True
    return isinstance(error, DBAPIError) and getattr(error.orig, "sqlstate", None) in (
        "40P01",  # deadlock_detected
        "40001",  # serialization_failure
    )


@dataclass(eq=False)
class _Pending(Generic[T]):
    job: Job[T]
    rows: int
    future: Future[T] = field(default_factory=Future)
    attempts: int = 0


class GroupCommit:
    """A writer thread for one :class:`~safepassage.storage.db.Database`.

    Parameters
    ----------
    database
        Its ``session()`` gives each group its transaction (and, on SQLite, the process's
        write lock, shared with writers that do not use the queue).
    max_rows
        A group stops growing once its jobs carry this many records, so that one transaction
        stays short; a single larger job still runs alone.
    """

    def __init__(self, database: Database, *, max_rows: int = 10_000) -> None:
        self._database = database
        self._max_rows = max_rows
        self._queue: queue.SimpleQueue[_Pending[Any] | None] = queue.SimpleQueue()
        self._thread = threading.Thread(target=self._run, name="safepassage-writer", daemon=True)
        self._closed = False
        self._thread.start()

    def submit(self, job: Job[T], *, rows: int = 1) -> Future[T]:
        """Queue ``job``; the future has its result once the transaction holding it committed.

        ``rows`` is how many records the job writes (it bounds the group's size). A queued job
        runs even if its caller stops waiting (a client that hung up retries with the same
        client ids, which the idempotent writes absorb).
        """
        if self._closed:
            raise RuntimeError("the writer is closed")
        pending: _Pending[T] = _Pending(job, rows)
        pending.future.set_running_or_notify_cancel()
        self._queue.put(pending)
        return pending.future

    def close(self, *, timeout_s: float = 30.0) -> None:
        """Finish the queued jobs, then stop the thread."""
        if not self._closed:
            self._closed = True
            self._queue.put(None)
            self._thread.join(timeout_s)

    def _run(self) -> None:
        stop = False
        while not stop:
            first = self._queue.get()
            if first is None:
                return
            group, rows = [first], first.rows
            while rows < self._max_rows:  # take whatever else is waiting, without waiting
                try:
                    more = self._queue.get_nowait()
                except queue.Empty:
                    break
                if more is None:
                    stop = True  # closing: finish this group, then stop
                    break
                group.append(more)
                rows += more.rows
            self._run_all(group)

    def _run_all(self, group: list[_Pending[Any]]) -> None:
        """Run jobs until each has its result or its exception: first all in one transaction;
        if a job fails, the group again with a savepoint per job, so that the failure is
        rolled back alone and the others run twice at most (not once per failure). Savepoints
        cost two statements per job, so they are kept for groups that need them."""
        if not group:
            return
        failure = self._run_group(group, careful=False)
        if failure is None:
            return
        job, error = failure
        if _transient(error):
            job.attempts += 1  # run again below, in its savepoint
        else:  # its answer is known: the others go on without it
            job.future.set_exception(error)
            group = [p for p in group if p is not job]
        if group:
            self._run_group(group, careful=True)

    def _run_group(
        self, group: list[_Pending[Any]], *, careful: bool
    ) -> tuple[_Pending[Any], BaseException] | None:
        """Run ``group`` in one transaction and answer its jobs; returns the job that failed
        and its error, having committed nothing, when ``careful`` is off.

        With ``careful`` each job runs in a savepoint of its own: one that fails is rolled back
        alone (and run again, up to 3 times, when a concurrent writer got there first).
        """
        done: list[tuple[_Pending[Any], Any]] = []
        failed: list[tuple[_Pending[Any], BaseException]] = []
        try:
            with self._database.session() as session:
                audit.defer(session)  # one append to the chain for the whole group
                for pending in group:
                    if not careful:
                        try:
                            done.append((pending, pending.job(session)))
                        except Exception as error:
                            raise _GroupJobError(pending, error) from None
                        continue
                    outcome = self._run_one(session, pending)
                    if isinstance(outcome, _Failure):
                        failed.append((pending, outcome.error))
                    else:
                        done.append((pending, outcome.value))
                audit.flush_deferred(session)
        except _GroupJobError as failure:
            return failure.job, failure.error
        except BaseException as error:  # the commit (or the chain's append) failed
            if len(group) == 1:
                group[0].future.set_exception(error)
                return None
            _log.warning("commit of %d grouped writes failed: %s", len(group), error)
            for pending in group:
                self._run_all([pending])
            return None
        for pending, value in done:
            pending.future.set_result(value)
        for pending, problem in failed:
            pending.future.set_exception(problem)
        return None

    @staticmethod
    def _run_one(session: Session, pending: _Pending[Any]) -> _Done | _Failure:
        while True:
            mark = audit.deferred_mark(session)
            try:
                with session.begin_nested():
                    return _Done(pending.job(session))
            except Exception as error:  # handed to the job's caller
                audit.drop_deferred_after(session, mark)
                pending.attempts += 1
                if not (_transient(error) and pending.attempts < _ATTEMPTS):
                    return _Failure(error)


class _GroupJobError(Exception):
    """A job of a group run without savepoints failed: run the group again with them."""

    def __init__(self, job: _Pending[Any], error: Exception) -> None:
        super().__init__(str(error))
        self.job, self.error = job, error


@dataclass(frozen=True)
class _Done:
    value: Any


@dataclass(frozen=True)
class _Failure:
    error: BaseException
