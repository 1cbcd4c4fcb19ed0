"""Open the operations database: a SQLite file by default, PostgreSQL by URL.

SQLite settings (the defaults the service's figures need):

- ``journal_mode=WAL``: readers do not block the writer;
- ``synchronous=FULL``: a commit is on disk before the client is told so (every acknowledged
  record survives a power cut, not only a process crash);
- ``busy_timeout=30000``: a writer waits up to 30 s for another writer instead of failing;
- every write transaction starts with ``BEGIN IMMEDIATE``: it takes the write lock at once, so
  two writers never both read the audit chain's head and then fail to upgrade their lock;
  read-only ones (:meth:`Database.read`) start with a plain ``BEGIN`` and never wait;
- before that, writers queue on an in-process lock and an OS file lock (``<file>-lock``, taken
  in turn through ``<file>-lock-gate``), rather than in SQLite's polling busy handler.

Field-record writes from the API go through :meth:`Database.writer`, the group-commit writer
(``storage/writer.py``): many writes, one transaction, one ``fsync``, each caller answered after
the commit that holds its rows.
"""

from __future__ import annotations

import os
import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Engine, create_engine, event, inspect
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from safepassage.errors import StorageError

try:
    import fcntl
except ImportError:  # Windows
    fcntl = None  # type: ignore[assignment]

if TYPE_CHECKING:
    from safepassage.storage.writer import GroupCommit

__all__ = ["DEFAULT_DB", "Database", "normalise_url", "open_database"]

DEFAULT_DB = "sqlite:///safepassage-ops.db"
_READ_ONLY = "safepassage_read_only"
# connections above the pool size are closed when returned: keep the pool as large as the
# request concurrency (serve uses 40, AnyIO's worker threads) and allow only a few more
_OVERFLOW = 10

_SQLITE_PRAGMAS = (
    "PRAGMA journal_mode=WAL",
    "PRAGMA synchronous=FULL",
    "PRAGMA foreign_keys=ON",
    "PRAGMA busy_timeout=30000",
)


def normalise_url(url: str) -> str:
    """A SQLAlchemy URL from what a user types: a file path, ``sqlite:///…`` or ``postgresql://…``.

    ``postgresql://`` and ``postgres://`` select psycopg 3, the driver installed with safepassage.
    """
    text = url.strip()
    if not text:
        raise StorageError("--db is empty; give a file path or a URL such as sqlite:///ops.db")
    if "://" not in text:
        return f"sqlite:///{Path(text).expanduser()}"
    for prefix in ("postgresql://", "postgres://"):
        if text.startswith(prefix):
            return "postgresql+psycopg://" + text[len(prefix) :]
    return text


PROCESS_LOCK_WAIT_S = 30.0  # as SQLite's busy_timeout: then "database is locked"


def _take(fd: int, path: str, deadline: float) -> None:
    """Take the OS lock on ``fd`` by polling until ``deadline`` (a process that holds it
    stopped, e.g. suspended with Ctrl-Z, must not stall every writer for ever)."""
    assert fcntl is not None
    pause = 0.0005
    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return
        except BlockingIOError:
            if time.monotonic() > deadline:
                msg = (
                    f"{path}: database is locked by another safepassage process for "
                    f"{PROCESS_LOCK_WAIT_S:.0f} s; try again, or find the process holding it"
                )
                raise StorageError(msg) from None
            time.sleep(pause)
            pause = min(pause * 2, 0.005)


def _wait_for_lock(fd: int, gate: int, path: str) -> None:
    """Take the lock on ``fd`` through the turnstile ``gate``: hold the gate while waiting for
    the lock, and let it go once the lock is ours.

    Polling alone is not fair: a writer with more work takes the lock again a microsecond
    after letting it go, while the others sleep between tries, so a busy process kept the
    others out for as long as it had writes waiting (a writer of another process once gave up
    after 30 s in a test with three processes). With the gate, the one waiting holds it, so
    the holder cannot take the lock again before the waiter has had it.
    """
    deadline = time.monotonic() + PROCESS_LOCK_WAIT_S
    _take(gate, path, deadline)
    try:
        _take(fd, path, deadline)
    finally:
        fcntl.flock(gate, fcntl.LOCK_UN)


@dataclass(frozen=True)
class Database:
    """An engine and its session factory; pass it down, never keep it global."""

    engine: Engine
    sessions: sessionmaker[Session]
    # SQLite writers of this process queue here instead of in SQLite's busy handler, which
    # sleeps up to 100 ms between tries and lets unlucky writers wait for seconds
    write_lock: threading.Lock = field(default_factory=threading.Lock)
    # the group-commit writer (storage/writer.py), started on first use
    _writer: list[GroupCommit] = field(default_factory=list, repr=False, compare=False)
    _writer_lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    @property
    def is_sqlite(self) -> bool:
        return self.engine.dialect.name == "sqlite"

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A write transaction: commits at the end of the block, or rolls back on error.

        Open it, do the work and leave it in one thread: a transaction that waits for a
        thread from a pool while holding the write lock can starve the pool.
        """
        if not self.is_sqlite:
            with self.sessions.begin() as session:
                yield session
            return
        with self.write_lock, self._process_lock(), self.sessions.begin() as session:
            yield session

    @contextmanager
    def _process_lock(self) -> Iterator[None]:
        """SQLite: the writers of all processes (``serve --workers N``, the command line) queue
        on an OS lock on ``<database>-lock`` (through a turnstile, ``<database>-lock-gate``)
        before taking SQLite's write lock.

        SQLite's own busy handler polls, sleeping up to 100 ms between tries, so a writer of
        one process could wait a second while the other process's writers went on; the OS
        lock wakes the next waiter as soon as it is free. Nothing to do where ``fcntl`` is
        missing (Windows) or the file cannot be made: SQLite's lock still protects the data.
        """
        path = self.engine.url.database
        if fcntl is None or not path:
            yield
            return
        try:
            fd = os.open(f"{path}-lock", os.O_RDWR | os.O_CREAT, 0o600)
        except OSError:
            yield
            return
        try:
            gate = os.open(f"{path}-lock-gate", os.O_RDWR | os.O_CREAT, 0o600)
        except OSError:
            os.close(fd)
            yield
            return
        try:
            _wait_for_lock(fd, gate, path)
            yield
        finally:
            os.close(fd)  # closing releases the lock
            os.close(gate)

    @contextmanager
    def read(self) -> Iterator[Session]:
        """A read-only transaction on one snapshot: on SQLite it does not take the write lock; on
        PostgreSQL it is REPEATABLE READ, so that a reader of several tables (``audit verify``,
        an export, a sitrep) does not see a write that commits between two of its queries."""
        options: dict[str, Any] = {_READ_ONLY: True}
        if not self.is_sqlite:
            options["isolation_level"] = "REPEATABLE READ"
        engine = self.engine.execution_options(**options)
        with Session(engine, expire_on_commit=False) as session, session.begin():
            yield session

    def writer(self) -> GroupCommit:
        """This process's group-commit writer for the field records (see ``storage/writer.py``)."""
        with self._writer_lock:
            if not self._writer:
                from safepassage.storage.writer import GroupCommit

                self._writer.append(GroupCommit(self))
            return self._writer[0]

    def dispose(self) -> None:
        with self._writer_lock:
            if self._writer:
                self._writer.pop().close()
        self.engine.dispose()


def _sqlite_events(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: sqlite3.Connection, _record: Any) -> None:
        # let SQLAlchemy's "begin" event below issue BEGIN itself (pysqlite's own is deferred)
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        for pragma in _SQLITE_PRAGMAS:
            cursor.execute(pragma)
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        read_only = connection.get_execution_options().get(_READ_ONLY, False)
        connection.exec_driver_sql("BEGIN" if read_only else "BEGIN IMMEDIATE")


def _parse(url: str) -> URL:
    try:
        return make_url(url)
    except ArgumentError:
        msg = f"--db {url!r} is not a database URL; write sqlite:///ops.db or postgresql://host/db"
        raise StorageError(msg) from None


def _engine(url: str, *, pool_size: int) -> Engine:
    parsed = _parse(url)
    backend = parsed.get_backend_name()
    if backend == "sqlite":
        if parsed.database in (None, "", ":memory:"):
            raise StorageError("--db: an in-memory SQLite database is lost on exit; give a file")
        Path(parsed.database or "").expanduser().parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(
            parsed,
            connect_args={"check_same_thread": False, "timeout": 30},
            pool_size=pool_size,
            max_overflow=_OVERFLOW,
        )
        _sqlite_events(engine)
        return engine
    if backend == "postgresql":
        return create_engine(
            parsed, pool_size=pool_size, max_overflow=_OVERFLOW, pool_pre_ping=True
        )
    raise StorageError(
        f"--db {url!r}: backend {backend!r} is not supported; use sqlite or postgresql"
    )


def open_database(url: str, *, migrate: bool = True, pool_size: int = 10) -> Database:
    """Connect to ``url``; with ``migrate`` bring its schema to the latest migration first.

    Parameters
    ----------
    url
        A file path, ``sqlite:///path`` or ``postgresql://user@host:port/dbname``.
    migrate
        Run the Alembic migrations shipped in the package (idempotent).
    pool_size
        Connections kept open (and 10 more on demand): one per concurrent request.

    Raises
    ------
    StorageError
        The URL is malformed, the database is unreachable, or (without ``migrate``) not migrated.
    """
    normalised = normalise_url(url)
    parsed = _parse(normalised)
    if not migrate and parsed.get_backend_name() == "sqlite":
        path = Path(parsed.database or "").expanduser()
        if not path.is_file():
            raise StorageError(f"--db {url}: no such database file ({path}); check the path")
    engine = _engine(normalised, pool_size=pool_size)
    database = Database(engine=engine, sessions=sessionmaker(engine, expire_on_commit=False))
    try:
        if migrate:
            from safepassage.storage.migrate import upgrade

            upgrade(database)
        elif not inspect(engine).has_table("audit_head"):
            raise StorageError(f"{_safe(engine)}: no safepassage schema; run `safepassage serve`")
    except OperationalError as exc:
        engine.dispose()
        reason = str(exc.orig).strip().splitlines()[0] if exc.orig else str(exc)
        msg = f"cannot open the database {_safe(engine)}: {reason}"
        raise StorageError(msg) from None
    return database


def _safe(engine: Engine) -> str:
    """The URL without its password, for messages."""
    return engine.url.render_as_string(hide_password=True)
