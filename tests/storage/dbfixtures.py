"""Database fixtures for the service and storage tests: each test on SQLite and on PostgreSQL.

PostgreSQL: one fresh database ``safepassage_test_<random>`` per test session on the local server
(127.0.0.1:5432, user postgres; override with ``SAFEPASSAGE_TEST_PG``), emptied between tests and
dropped at the end. If the server is unreachable the PostgreSQL half is skipped with a warning.
"""

from __future__ import annotations

import os
import secrets
import shutil
import warnings
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text

from safepassage.storage import Database, open_database
from safepassage.storage.models import Base

PG_SERVER = os.environ.get("SAFEPASSAGE_TEST_PG", "postgresql://postgres@127.0.0.1:5432")
BACKENDS = ["sqlite", pytest.param("postgresql", marks=pytest.mark.service)]


def _admin_connect(dbname: str = "postgres"):  # type: ignore[no-untyped-def]
    import psycopg

    return psycopg.connect(f"{PG_SERVER}/{dbname}", autocommit=True, connect_timeout=3)


@pytest.fixture(scope="session")
def pg_url() -> Iterator[str]:
    """A fresh PostgreSQL database for this session, migrated; dropped at the end."""
    import psycopg

    name = f"safepassage_test_{secrets.token_hex(4)}"
    try:
        with _admin_connect() as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
    except psycopg.OperationalError as exc:
        message = f"PostgreSQL at {PG_SERVER} unreachable ({exc}); PostgreSQL tests SKIPPED"
        warnings.warn(message, stacklevel=1)
        pytest.skip(message)
    url = f"{PG_SERVER}/{name}"
    open_database(url).dispose()
    yield url
    with _admin_connect() as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated SQLite file, copied for each test (faster than migrating each time)."""
    path = tmp_path_factory.mktemp("template") / "ops.db"
    open_database(str(path)).dispose()  # closing the last connection checkpoints the WAL
    assert not path.with_name("ops.db-wal").exists()
    return path


def _empty_postgres(database: Database) -> None:
    # DELETE and a sequence reset: much faster than TRUNCATE for a few rows per table
    tables = list(reversed(Base.metadata.sorted_tables))
    with database.engine.begin() as conn:
        for table in tables:
            conn.execute(text(f'DELETE FROM "{table.name}"'))
        sequences = conn.execute(text("SELECT sequence_name FROM information_schema.sequences"))
        for (sequence,) in list(sequences):
            conn.execute(text(f'ALTER SEQUENCE "{sequence}" RESTART WITH 1'))
        conn.execute(
            text("INSERT INTO audit_head (id, seq, hash) VALUES (1, 0, :h)"), {"h": "0" * 64}
        )


@pytest.fixture(params=BACKENDS)
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """The URL of an empty, migrated database: a SQLite file or the session's PostgreSQL."""
    if request.param == "sqlite":
        path = tmp_path / "ops.db"
        shutil.copyfile(request.getfixturevalue("sqlite_template"), path)
        return str(path)
    url: str = request.getfixturevalue("pg_url")
    database = open_database(url, migrate=False)
    _empty_postgres(database)
    database.dispose()
    return url


@pytest.fixture
def database(db_url: str) -> Iterator[Database]:
    database = open_database(db_url, migrate=False)  # db_url is migrated already
    yield database
    database.dispose()
