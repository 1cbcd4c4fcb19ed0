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

The queue is bounded by the records waiting in it (:data:`DEFAULT_MAX_WAITING_ROWS`): past
that, :meth:`GroupCommit.submit` refuses at once with :class:`WriterBusyError` (the API answers
503 with ``Retry-After``), rather than letting memory and every caller's wait grow without
limit. A job is either refused or run: :meth:`GroupCommit.close` runs every job accepted before
it, and one that could not run in time gets :class:`WriterClosedError`, never silence.
"""

from __future__ import annotations

import logging
import math
import threading
import time
from collections import deque
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.orm import Session

from safepassage.errors import StorageError
from safepassage.storage import audit

if TYPE_CHECKING:
    from safepassage.storage.db import Database

__all__ = [
    "DEFAULT_MAX_WAITING_ROWS",
    "GroupCommit",
    "Job",
    "WriterBusyError",
    "WriterClosedError",
    "WriterUnavailableError",
    "after_append",
    "number_appended",
]

T = TypeVar("T")
Job = Callable[[Session], T]

_log = logging.getLogger(__name__)
_ATTEMPTS = 3  # as records.retry_on_duplicate
# About 10-20 s of work at the measured 12,000-19,000 records/s (docs/service.md,
# "Performance") and ~250 MB of parsed crossing counts (~1.3 kB each): a longer queue only
# makes every caller wait longer for the same throughput
DEFAULT_MAX_WAITING_ROWS = 200_000
_RETRY_AFTER_S = (1, 60)  # the range of the Retry-After a refusal for overload suggests
_CLOSED_RETRY_AFTER_S = 5  # a restarting server is back in a few seconds
_AFTER_APPEND = "safepassage_writer_after_append"
_NUMBERED = "safepassage_writer_numbered"


class WriterUnavailableError(StorageError):
    """The writer takes no more work for now; ``retry_after_s``: when to try again.

    Nothing of the refused job was stored: a client sends the same records again (same
    ``client_id``), which the idempotent writes absorb.
    """

    def __init__(self, message: str, *, retry_after_s: int) -> None:
        super().__init__(message)
        self.retry_after_s = retry_after_s


class WriterBusyError(WriterUnavailableError):
    """The queue holds its bound of records waiting (overload)."""


class WriterClosedError(WriterUnavailableError):
    """The writer is closing or closed (the server is shutting down)."""


def after_append(session: Session, callback: Callable[[Session], None]) -> None:
    """Call ``callback(session)`` once the audit entries appended so far are in the chain.

    A group of the writer appends its jobs' entries together at its end (``audit.defer``),
    so a job cannot read its entries' seqs while it runs: the callback then runs in the same
    transaction after that append, before the commit (and is forgotten with its job if the job
    fails). Outside a group the entries are appended at once and the callback runs now.
    """
    callbacks: list[Callable[[Session], None]] | None = session.info.get(_AFTER_APPEND)
    if callbacks is None:
        callback(session)
    else:
        callbacks.append(callback)


Numbering = Callable[[Session, int | None], None]


def number_appended(session: Session, entries: int, callback: Numbering) -> None:
    """Call ``callback(session, first)`` once the ``entries`` audit entries the caller has just
    appended (one ``audit.append_hashes`` call, deferred by a group of the writer) are in the
    chain: their seqs are ``first``, ``first + 1``, … in the order given.

    The group appends its entries in the order they were deferred, ending at the seq that
    ``audit.flush_deferred`` returns; knowing the size of every deferred append, the writer
    counts back from there without reading the log. ``first`` is ``None`` when it cannot: a job
    of the group appended without saying how many entries (the callback then reads the log),
    or the session is not a group's (called at once).
    """
    numbered: list[_Numbered] | None = session.info.get(_NUMBERED)
    if numbered is None:
        callback(session, None)
        return
    numbered.append(_Numbered(audit.deferred_mark(session) - 1, entries, callback))


@dataclass(frozen=True)
class _Numbered:
    index: int  # of the append among the transaction's deferred ones
    entries: int
    callback: Numbering


def _number(session: Session, numbered: list[_Numbered], appends: int, head: int) -> None:
    """Tell each numbered append its first seq (see :func:`number_appended`)."""
    if [n.index for n in numbered] != list(range(appends)):
        for n in numbered:
            n.callback(session, None)
        return
    first = head - sum(n.entries for n in numbered) + 1
    for n in numbered:
        n.callback(session, first)
        first += n.entries


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
    max_waiting_rows
        The most records waiting in the queue (not counting the group being written); a job
        that would go past it is refused with :class:`WriterBusyError`. A job larger than the
        bound is taken when nothing waits, so that any job can get through.
    """

    def __init__(
        self,
        database: Database,
        *,
        max_rows: int = 10_000,
        max_waiting_rows: int = DEFAULT_MAX_WAITING_ROWS,
    ) -> None:
        if max_rows < 1 or max_waiting_rows < 1:
            msg = f"max_rows ({max_rows}) and max_waiting_rows ({max_waiting_rows}) must be >= 1"
            raise ValueError(msg)
        self._database = database
        self._max_rows = max_rows
        self._max_waiting = max_waiting_rows
        # one lock for the queue, its count of records and the closed flag: a job is either
        # refused or queued before close() looks, never lost behind the thread's exit
        self._lock = threading.Condition(threading.Lock())
        self._jobs: deque[_Pending[Any]] = deque()
        self._waiting = 0  # records in self._jobs
        self._rows_per_s = 10_000.0  # measured as groups commit; guides Retry-After
        self._closed = False
        self._thread = threading.Thread(target=self._run, name="safepassage-writer", daemon=True)
        self._thread.start()

    @property
    def waiting_rows(self) -> int:
        """Records queued and not yet taken by the writer thread."""
        return self._waiting

    def submit(self, job: Job[T], *, rows: int = 1) -> Future[T]:
        """Queue ``job``; the future has its result once the transaction holding it committed.

        ``rows`` is how many records the job writes (it bounds the group's size and the
        queue). A queued job runs even if its caller stops waiting (a client that hung up
        retries with the same client ids, which the idempotent writes absorb).

        Raises
        ------
        WriterBusyError
            The queue already holds ``max_waiting_rows`` records (this job would pass it).
        WriterClosedError
            The writer is closing.
        """
        pending: _Pending[T] = _Pending(job, rows)
        pending.future.set_running_or_notify_cancel()
        with self._lock:
            if self._closed:
                msg = "the server is shutting down and stores nothing more; send it again shortly"
                raise WriterClosedError(msg, retry_after_s=_CLOSED_RETRY_AFTER_S)
            if self._waiting and self._waiting + rows > self._max_waiting:
                raise WriterBusyError(self._busy_message(rows), retry_after_s=self._retry_after())
            self._jobs.append(pending)
            self._waiting += rows
            self._lock.notify()
        return pending.future

    def _busy_message(self, rows: int) -> str:
        return (
            f"the server is busy: {self._waiting:,} records are waiting to be stored (at most "
            f"{self._max_waiting:,}); nothing of these {rows:,} was stored, send them again "
            "with the same client_id later"
        )

    def _retry_after(self) -> int:
        """Seconds until the queue has drained at the recent rate (1 to 60)."""
        low, high = _RETRY_AFTER_S
        return min(high, max(low, math.ceil(self._waiting / self._rows_per_s)))

    def close(self, *, timeout_s: float = 30.0) -> None:
        """Refuse new jobs, finish the queued ones, then stop the thread.

        If the thread has not finished within ``timeout_s`` (a group stuck on a lock, a very
        long queue), the jobs it has not taken yet get :class:`WriterClosedError`, and the
        group it is writing still answers its callers; the thread then stops.
        """
        with self._lock:
            self._closed = True
            self._lock.notify()
        self._thread.join(timeout_s)
        if not self._thread.is_alive():
            return
        with self._lock:
            left = list(self._jobs)
            self._jobs.clear()
            self._waiting = 0
        if not left:
            return
        rows = sum(p.rows for p in left)
        _log.error(
            "the writer did not finish within %.0f s: %d queued writes (%d records) refused; "
            "their clients must send them again",
            timeout_s,
            len(left),
            rows,
        )
        msg = (
            f"the server shut down before storing this ({timeout_s:.0f} s were not enough); "
            "nothing of it was stored, send it again with the same client_id"
        )
        for pending in left:
            pending.future.set_exception(
                WriterClosedError(msg, retry_after_s=_CLOSED_RETRY_AFTER_S)
            )

    def _take(self) -> list[_Pending[Any]] | None:
        """The next group: every job waiting, up to ``max_rows`` records; ``None``: stop."""
        with self._lock:
            while not self._jobs:
                if self._closed:
                    return None
                self._lock.wait()
            first = self._jobs.popleft()
            group, rows = [first], first.rows
            while rows < self._max_rows and self._jobs:
                more = self._jobs.popleft()
                group.append(more)
                rows += more.rows
            self._waiting -= rows
            return group

    def _run(self) -> None:
        while (group := self._take()) is not None:
            started = time.perf_counter()
            try:
                self._run_all(group)
            except Exception as error:  # a bug: answer the callers, keep the thread alive
                _log.exception("the writer failed on a group of %d writes", len(group))
                for pending in group:
                    if not pending.future.done():
                        pending.future.set_exception(error)
            rows = sum(p.rows for p in group)
            rate = rows / max(time.perf_counter() - started, 1e-6)
            self._rows_per_s = 0.8 * self._rows_per_s + 0.2 * rate

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
                callbacks: list[Callable[[Session], None]] = []
                numbered: list[_Numbered] = []
                session.info[_AFTER_APPEND], session.info[_NUMBERED] = callbacks, numbered
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
                appends = audit.deferred_mark(session)
                head = audit.flush_deferred(session)
                del session.info[_AFTER_APPEND], session.info[_NUMBERED]
                _number(session, numbered, appends, head)
                for callback in callbacks:
                    callback(session)
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
        callbacks: list[Callable[[Session], None]] = session.info[_AFTER_APPEND]
        numbered: list[_Numbered] = session.info[_NUMBERED]
        while True:
            marks = audit.deferred_mark(session), len(callbacks), len(numbered)
            try:
                with session.begin_nested():
                    return _Done(pending.job(session))
            except Exception as error:  # handed to the job's caller
                audit.drop_deferred_after(session, marks[0])  # with what the job registered
                del callbacks[marks[1] :], numbered[marks[2] :]
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
