"""Bulk inserts straight through the driver: SQLite ``executemany``, PostgreSQL ``COPY``.

Batch ingest is an issue target (10,000 records/s through the API). An ORM or Core
``executemany`` spends most of its time turning each row into bound parameters in Python;
here each column's own SQLAlchemy bind processor (the same conversion SQLAlchemy applies:
enums to their values, aware times to naive UTC, UUIDs to text on SQLite) is looked up once per
table and applied in one pass, and the rows go to the driver as tuples. On PostgreSQL ``COPY``
loads 500 rows in about a third of the time of a multi-row ``INSERT``. Both run in the
session's own transaction.

Rows must carry their primary key (see :func:`reserve_ids`): neither path returns one.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable, Iterator, Sequence
from functools import lru_cache
from typing import Any

from sqlalchemy import Table, text
from sqlalchemy.engine import Dialect
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.orm import Session

from safepassage.storage.types import UTCDateTime

__all__ = ["find_by_uuid", "insert_new", "insert_rows", "reserve_ids"]

Processor = Callable[[Any], Any]


@lru_cache(maxsize=256)
def _plan(
    table: Table, columns: tuple[str, ...], dialect: Dialect
) -> tuple[str, tuple[tuple[int, Processor], ...]]:
    """The statement for ``columns`` of ``table``, and the bind processors by column index."""
    quote = dialect.identifier_preparer.quote
    names = ", ".join(quote(name) for name in columns)
    if dialect.name == "postgresql":
        statement = f"COPY {quote(table.name)} ({names}) FROM STDIN"
    else:
        marks = ", ".join("?" for _ in columns)
        statement = f"INSERT INTO {quote(table.name)} ({names}) VALUES ({marks})"
    processors = []
    for index, name in enumerate(columns):
        column_type = table.columns[name].type
        if isinstance(column_type, UTCDateTime):
            # the same values as its bind processor (tests/storage/test_bulk.py), in a third of
            # the time: three times a row, thousands of rows a second
            fast = _sqlite_utc if dialect.name == "sqlite" else _naive_utc
            processors.append((index, fast))
            continue
        processor = column_type.dialect_impl(dialect).bind_processor(dialect)
        if processor is not None:
            processors.append((index, processor))
    return statement, tuple(processors)


def _converted(
    rows: Sequence[Sequence[Any]], processors: Sequence[tuple[int, Processor]]
) -> list[list[Any]]:
    """Rows with each column's processor applied; a time seen before in these rows (the time
    of receipt is the same for a whole batch) is converted once."""
    times: dict[dt.datetime, Any] = {}
    is_time = {index for index, processor in processors if processor in _TIME_PROCESSORS}
    converted = []
    for row in rows:
        values = list(row)
        for index, processor in processors:
            value = values[index]
            if value is None:
                continue
            if index in is_time:
                # equal aware times are the same instant: one UTC value for all of them
                done = times.get(value)
                if done is None:
                    done = times[value] = processor(value)
                values[index] = done
            else:
                values[index] = processor(value)
        converted.append(values)
    return converted


def _utc(value: dt.datetime) -> dt.datetime:
    if not isinstance(value, dt.datetime):
        raise TypeError(f"expected a datetime, got {type(value).__name__}")
    offset = value.utcoffset()
    if offset is None:
        raise ValueError("naive datetime given; store timezone-aware times only")
    return value - offset if offset else value


def _naive_utc(value: dt.datetime) -> dt.datetime:
    """:class:`UTCDateTime`'s bind value: naive UTC."""
    return _utc(value).replace(tzinfo=None)


def _sqlite_utc(value: dt.datetime) -> str:
    """:class:`UTCDateTime`'s bind value on SQLite: naive UTC as SQLAlchemy writes it there."""
    value = _utc(value)
    return "%04d-%02d-%02d %02d:%02d:%02d.%06d" % (  # noqa: UP031 (the fastest way)
        value.year,
        value.month,
        value.day,
        value.hour,
        value.minute,
        value.second,
        value.microsecond,
    )


def insert_rows(
    session: Session, table: Table, columns: Sequence[str], rows: Sequence[Sequence[Any]]
) -> None:
    """Insert ``rows`` (Python values in ``columns`` order, primary key included).

    Raises
    ------
    sqlalchemy.exc.IntegrityError
        A unique key is taken (on PostgreSQL possibly by a concurrent transaction that has
        committed meanwhile): run the transaction again, as after any insert.
    """
    if not rows:
        return
    connection = session.connection()
    dialect = connection.dialect
    statement, processors = _plan(table, tuple(columns), dialect)
    if processors:
        rows = _converted(rows, processors)
    if dialect.name != "postgresql":
        connection.exec_driver_sql(statement, [tuple(row) for row in rows])
        return
    driver = connection.connection.driver_connection
    assert driver is not None
    try:
        with driver.cursor() as cursor, cursor.copy(statement) as copy:
            for row in rows:
                copy.write_row(row)
    except dialect.loaded_dbapi.IntegrityError as exc:
        raise IntegrityError(statement, None, exc) from exc
    except dialect.loaded_dbapi.Error as exc:
        # a deadlock or serialisation failure during COPY: as SQLAlchemy would raise it, so
        # that the writer's retry (writer._transient) recognises it
        raise DBAPIError.instance(statement, None, exc, dialect.loaded_dbapi.Error) from exc


# PostgreSQL: up to this many rows go in one INSERT … RETURNING each (a round trip per row);
# more get their ids from nextval() and go in with COPY (three round trips, little work per row)
_ONE_BY_ONE = 3


_TIME_PROCESSORS = (_naive_utc, _sqlite_utc)


def insert_new(
    session: Session, table: Table, columns: Sequence[str], rows: Sequence[list[Any]]
) -> None:
    """Insert rows whose first column, ``columns[0]``, is the integer primary key, left
    ``None``; set it in each row to the id the database gave.

    A single field write on PostgreSQL then takes one round trip instead of three.
    """
    if not rows:
        return
    connection = session.connection()
    dialect = connection.dialect
    if dialect.name != "postgresql" or len(rows) > _ONE_BY_ONE:
        for row, new_id in zip(rows, reserve_ids(session, table, len(rows)), strict=True):
            row[0] = new_id
        insert_rows(session, table, columns, rows)
        return
    _, processors = _plan(table, tuple(columns), dialect)
    quote = dialect.identifier_preparer.quote
    names = ", ".join(quote(name) for name in columns[1:])
    marks = ", ".join(["%s"] * (len(columns) - 1))
    statement = (
        f"INSERT INTO {quote(table.name)} ({names}) VALUES ({marks}) RETURNING {quote(columns[0])}"
    )
    for row, values in zip(rows, _converted(rows, processors), strict=True):
        row[0] = connection.exec_driver_sql(statement, tuple(values[1:])).scalar_one()


def reserve_ids(session: Session, table: Table, count: int) -> list[int]:
    """``count`` new primary-key values for ``table`` (an integer ``id`` column).

    PostgreSQL: from the column's sequence, as an ``INSERT`` would take them. SQLite: the next
    ``count`` after the largest, which is what SQLite itself would assign; the caller's
    transaction holds the write lock (``BEGIN IMMEDIATE``), so no other writer takes them,
    and if one did the primary key would refuse the insert rather than mix rows up.
    """
    if count <= 0:
        return []
    connection = session.connection()
    name = table.name
    if connection.dialect.name == "postgresql":
        query = text(
            "SELECT nextval(pg_get_serial_sequence(:table, 'id')) FROM generate_series(1, :n)"
        )
        return [int(v) for v in connection.execute(query, {"table": name, "n": count}).scalars()]
    quoted = connection.dialect.identifier_preparer.quote(name)
    last = connection.exec_driver_sql(f"SELECT max(id) FROM {quoted}").scalar() or 0
    return list(range(last + 1, last + 1 + count))


def find_by_uuid(
    session: Session,
    table: Table,
    key: str,
    values: Sequence[uuid.UUID],
    columns: Sequence[str],
) -> Iterator[tuple[Any, ...]]:
    """Rows of ``table`` whose UUID column ``key`` is one of ``values``: ``(key, *columns)``.

    PostgreSQL gets the ids as one array (``= ANY(%s)``), not one parameter each; SQLite an
    ``IN`` list, in chunks under its bound-parameter limit. ``columns`` must be plain integers
    or text: they are returned as the driver gives them.
    """
    connection = session.connection()
    dialect = connection.dialect
    quote = dialect.identifier_preparer.quote
    names = ", ".join(quote(name) for name in (key, *columns))
    head = f"SELECT {names} FROM {quote(table.name)} WHERE {quote(key)}"
    key_type = table.columns[key].type.dialect_impl(dialect)
    to_db = key_type.bind_processor(dialect) or _same
    from_db = key_type.result_processor(dialect, None) or _same
    if dialect.name == "postgresql":
        if values:
            found = connection.exec_driver_sql(f"{head} = ANY(%s)", ([to_db(v) for v in values],))
            for value, *rest in found:
                yield (from_db(value), *rest)
        return
    for start in range(0, len(values), 1000):  # under SQLite's bound-parameter limit
        chunk = tuple(to_db(value) for value in values[start : start + 1000])
        marks = ", ".join("?" for _ in chunk)
        for value, *rest in connection.exec_driver_sql(f"{head} IN ({marks})", chunk):
            yield (from_db(value), *rest)


def _same(value: Any) -> Any:
    return value
