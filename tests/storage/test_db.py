"""Opening the database: URLs, SQLite durability pragmas, migrations matching the models."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from safepassage.errors import StorageError
from safepassage.storage import Database, normalise_url, open_database
from safepassage.storage.migrate import current_revision, head_revision
from safepassage.storage.models import Base


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("ops.db", "sqlite:///ops.db"),
        ("sqlite:////tmp/x.db", "sqlite:////tmp/x.db"),
        (
            "postgresql://postgres@127.0.0.1:5432/ops",
            "postgresql+psycopg://postgres@127.0.0.1:5432/ops",
        ),
        ("postgres://u@h/db", "postgresql+psycopg://u@h/db"),
        ("postgresql+psycopg://u@h/db", "postgresql+psycopg://u@h/db"),
    ],
)
def test_urls(given: str, expected: str) -> None:
    assert normalise_url(given) == expected


@pytest.mark.parametrize(
    ("given", "message"),
    [
        ("", "--db is empty"),
        ("sqlite://", "in-memory SQLite"),
        ("mysql://u@h/db", "not supported"),
        ("://nothing", "not a database URL"),
        ("postgresql://postgres@127.0.0.1:1/nope", "cannot open the database"),
    ],
)
def test_bad_databases_are_one_line_errors(given: str, message: str) -> None:
    with pytest.raises(StorageError, match=message):
        open_database(given)


def test_verify_does_not_create_a_missing_sqlite_file(tmp_path: Path) -> None:
    with pytest.raises(StorageError, match="no such database file"):
        open_database(str(tmp_path / "typo.db"), migrate=False)
    assert not (tmp_path / "typo.db").exists()


def test_sqlite_is_wal_with_full_sync(tmp_path: Path) -> None:
    database = open_database(str(tmp_path / "ops.db"))
    with database.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == 2  # FULL
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    database.dispose()


@pytest.mark.service
def test_migrations_are_idempotent_and_match_the_models(db_url: str, database: Database) -> None:
    assert current_revision(database) == head_revision() is not None
    open_database(db_url).dispose()  # applying them again changes nothing
    with database.engine.connect() as conn:
        assert compare_metadata(MigrationContext.configure(conn), Base.metadata) == []


def test_sqlite_writers_of_two_processes_queue_on_one_lock(tmp_path: Path) -> None:
    """Two ``Database`` objects on one file stand for two worker processes (separate
    in-process locks): the second writer waits for the first on the OS lock."""
    import threading
    import time

    from sqlalchemy import text

    first = open_database(str(tmp_path / "ops.db"))
    second = open_database(str(tmp_path / "ops.db"), migrate=False)
    order: list[str] = []
    inside = threading.Event()

    def hold() -> None:
        with first.session() as session:
            session.execute(text("SELECT 1"))
            inside.set()
            time.sleep(0.3)
            order.append("first done")

    holder = threading.Thread(target=hold)
    holder.start()
    assert inside.wait(10)
    with second.session() as session:
        order.append("second in")
        session.execute(text("SELECT 1"))
    holder.join()
    assert order == ["first done", "second in"]
    assert (tmp_path / "ops.db-lock").exists()
    first.dispose()
    second.dispose()


def test_a_busy_sqlite_process_lets_another_process_write_in_turn(tmp_path: Path) -> None:
    """One "process" writes without pause (its writer always has more waiting); another's
    writes still get their turn within a few of its transactions, not after it stops."""
    import threading
    import time

    from sqlalchemy import text

    busy = open_database(str(tmp_path / "ops.db"))
    other = open_database(str(tmp_path / "ops.db"), migrate=False)
    stop = threading.Event()

    def hammer() -> None:
        while not stop.is_set():
            with busy.session() as session:
                session.execute(text("SELECT 1"))
                time.sleep(0.002)

    hammering = threading.Thread(target=hammer)
    hammering.start()
    waits = []
    try:
        time.sleep(0.05)
        for _ in range(20):
            began = time.monotonic()
            with other.session() as session:
                waits.append(time.monotonic() - began)
                session.execute(text("SELECT 1"))
    finally:
        stop.set()
        hammering.join(10)
    assert max(waits) < 1.0, waits  # unfair polling starved it until the other stopped
    busy.dispose()
    other.dispose()
