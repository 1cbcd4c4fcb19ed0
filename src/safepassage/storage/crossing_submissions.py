"""Crossing submissions of a form reduced to counts at ingest (reference R10).

A KoBoToolbox or ODK form may be filled once per person crossing (their sex, age band and the
minute they passed): respondent-level rows, which safepassage does not keep. At ingest a file's
crossing rows are summed per corridor, hour-aligned window (UTC), group, age band and sex into
crossing counts. Of each submission only its id is kept
(:class:`~safepassage.storage.models.IngestedSubmission`), so that the same file ingested again,
or a later export that repeats the earlier submissions, counts each one once.

Windows widen to whole hours (start down, end up): a minute-exact window would tell when one
person passed. A submission whose widened window has not ended yet (its hour is still running)
is *held*: neither counted nor remembered, so the next ingest of the export counts it once the
hour is over. A tally already on the hour (a monitor's 06:00–12:00 count) is unchanged.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from safepassage.storage import bulk
from safepassage.storage.models import CrossingCount, IngestedSubmission

__all__ = ["MAX_PEOPLE", "Reduced", "count_submissions", "hour_window"]

MAX_PEOPLE = 1_000_000  # in one count, as the API takes it (api/schemas.py CrossingCreate)
_HOUR = dt.timedelta(hours=1)
_CHUNK = 900  # ids per IN (...) list: well under SQLite's bound-parameter limit


@dataclass(frozen=True)
class Reduced:
    """What a file's crossing rows come to.

    ``counts``: crossing-count rows to store (column values with a random ``client_id``);
    ``counted``: the submissions summed into them (and recorded as counted); ``duplicates``:
    submissions counted by an earlier ingest (or twice in this file); ``held``: submissions
    whose hour has not ended, countable from ``held_until``.
    """

    counts: list[dict[str, Any]]
    counted: list[uuid.UUID]
    duplicates: int
    held: int
    held_until: dt.datetime | None


def hour_window(start: dt.datetime, end: dt.datetime) -> tuple[dt.datetime, dt.datetime]:
    """The window widened to whole hours of its own clock (start down, end up), in UTC:
    ``10:03–10:04`` is ``10:00–11:00``, and a tally on the hour in a half-hour zone
    (``06:00–12:00+04:30``) is kept as it is."""
    first = start.replace(minute=0, second=0, microsecond=0)
    top = end.replace(minute=0, second=0, microsecond=0)
    last = top if top == end else top + _HOUR
    return first.astimezone(dt.UTC), last.astimezone(dt.UTC)


def _chunks(values: Sequence[uuid.UUID]) -> Iterable[Sequence[uuid.UUID]]:
    for at in range(0, len(values), _CHUNK):
        yield values[at : at + _CHUNK]


def _stored_counts(session: Session, operation_id: int, ids: Sequence[uuid.UUID]) -> set[uuid.UUID]:
    """Ids of stored counts among ``ids``: an export of this operation's counts ingested back.

    Submissions counted before are found by :func:`_claim` instead, which needs no look-up:
    on PostgreSQL a look-up of many ids in ``ingested_submissions`` before it has statistics
    scans the whole table for each list of ids (95 s for 100,000 submissions)."""
    table = CrossingCount.__table__
    found = bulk.find_by_uuid(session, table, "client_id", ids, ("operation_id",))  # type: ignore[arg-type]
    return {client_id for client_id, operation in found if operation == operation_id}


def _claim(
    session: Session, operation_id: int, ids: Sequence[uuid.UUID], now: dt.datetime
) -> set[uuid.UUID]:
    """Record these submissions as counted and return those this call recorded: the others
    were counted by an ingest that committed first. On PostgreSQL a concurrent ingest of the
    same submissions waits here for the first to commit and then skips them, so any number of
    overlapping uploads count each submission once without failing."""
    dialect = session.get_bind().dialect.name
    make = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = (
        make(IngestedSubmission)
        .on_conflict_do_nothing()
        .returning(IngestedSubmission.submission_id)
    )
    claimed: set[uuid.UUID] = set()
    ordered = sorted(ids, key=lambda i: i.int)  # one key order: overlapping claims cannot deadlock
    for chunk in _chunks(ordered):
        rows = [
            {"operation_id": operation_id, "submission_id": i, "ingested_at": now} for i in chunk
        ]
        claimed.update(session.scalars(statement, rows))
    return claimed


def count_submissions(
    session: Session,
    operation_id: int,
    rows: Sequence[Mapping[str, Any]],
    *,
    now: dt.datetime,
) -> Reduced:
    """Claim the submissions not counted yet and sum them into counts per corridor, hour window,
    group, age band and sex; the caller stores the counts in the same transaction.

    Parameters
    ----------
    rows
        Validated crossing rows (``client_id``, ``corridor_id``, ``window_start``,
        ``window_end``, ``group``, ``age_band``, ``sex``, ``people``), one per submission.
    now
        The server's time: a window widened past it is held.

    Notes
    -----
    A count holds at most :data:`MAX_PEOPLE` people (what a single count may hold); a larger sum
    is split into several counts of the same cell. Count ids are random: they must not tell
    which submissions a count holds.
    """
    known = _stored_counts(session, operation_id, [row["client_id"] for row in rows])
    fresh: dict[uuid.UUID, tuple[tuple[Any, ...], int]] = {}
    duplicates = held = 0
    held_until: dt.datetime | None = None
    for row in rows:
        submission = row["client_id"]
        if submission in known or submission in fresh:
            duplicates += 1  # counted before, or twice in this file
            continue
        start, end = hour_window(row["window_start"], row["window_end"])
        if end > now:
            held += 1
            held_until = end if held_until is None else max(held_until, end)
            known.add(submission)
            continue
        key = (row["corridor_id"], start, end, row["group"], row["age_band"], row["sex"])
        fresh[submission] = (key, int(row["people"]))
    claimed = _claim(session, operation_id, list(fresh), now)
    duplicates += len(fresh) - len(claimed)
    cells: dict[tuple[Any, ...], list[int]] = {}  # the cell's counts, the last one still filling
    counted: list[uuid.UUID] = []
    for submission, (key, people) in fresh.items():
        if submission not in claimed:
            continue
        counted.append(submission)
        sums = cells.setdefault(key, [0])
        if sums[-1] + people > MAX_PEOPLE:
            sums.append(0)
        sums[-1] += people
    counts = [
        {
            "client_id": uuid.uuid4(),
            "corridor_id": corridor_id,
            "window_start": start,
            "window_end": end,
            "group": group,
            "age_band": age_band,
            "sex": sex,
            "people": people,
        }
        for (corridor_id, start, end, group, age_band, sex), sums in cells.items()
        for people in sums
    ]
    return Reduced(counts, counted, duplicates, held, held_until)
