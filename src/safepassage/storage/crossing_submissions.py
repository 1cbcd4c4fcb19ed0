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
import hashlib
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from safepassage.storage.models import CrossingCount, IngestedSubmission

__all__ = ["Reduced", "hour_window", "reduce_submissions", "remember_submissions"]

_NAMESPACE = uuid.UUID("0d5e2a9c-51f4-4a8e-9b7e-3c1f6e2d8a40")  # safepassage summed counts
_HOUR = dt.timedelta(hours=1)
_CHUNK = 900  # ids per IN (...) list: well under SQLite's bound-parameter limit


@dataclass(frozen=True)
class Reduced:
    """What a file's crossing rows come to.

    ``counts``: crossing-count rows to store (column values with a ``client_id`` made from
    their submissions' ids); ``counted``: the submissions summed into them; ``duplicates``:
    submissions counted by an earlier ingest (or twice in this file); ``held``: submissions
    whose hour has not ended, countable from ``held_until``.
    """

    counts: list[dict[str, Any]]
    counted: list[uuid.UUID]
    duplicates: int
    held: int
    held_until: dt.datetime | None


def hour_window(start: dt.datetime, end: dt.datetime) -> tuple[dt.datetime, dt.datetime]:
    """The window widened to whole UTC hours: ``10:03–10:04`` is ``10:00–11:00``."""
    first = start.astimezone(dt.UTC).replace(minute=0, second=0, microsecond=0)
    last = end.astimezone(dt.UTC)
    top = last.replace(minute=0, second=0, microsecond=0)
    return first, (top if top == last else top + _HOUR)


def _chunks(values: Sequence[uuid.UUID]) -> Iterable[Sequence[uuid.UUID]]:
    for at in range(0, len(values), _CHUNK):
        yield values[at : at + _CHUNK]


def _known(session: Session, operation_id: int, ids: Sequence[uuid.UUID]) -> set[uuid.UUID]:
    """Ids counted before: summed by an earlier ingest, or the id of a stored count (an
    export of this operation's counts ingested back)."""
    known: set[uuid.UUID] = set()
    for chunk in _chunks(ids):
        known.update(
            session.scalars(
                select(IngestedSubmission.submission_id).where(
                    IngestedSubmission.operation_id == operation_id,
                    IngestedSubmission.submission_id.in_(chunk),
                )
            )
        )
        known.update(
            session.scalars(
                select(CrossingCount.client_id).where(
                    CrossingCount.operation_id == operation_id,
                    CrossingCount.client_id.in_(chunk),
                )
            )
        )
    return known


def _count_id(operation_id: int, members: list[uuid.UUID]) -> uuid.UUID:
    """The same submissions always make the same count id (a concurrent ingest of the same
    file then collides on it and is run again, finding them counted)."""
    digest = hashlib.sha256()
    for member in sorted(members, key=lambda m: m.int):
        digest.update(member.bytes)
    return uuid.uuid5(_NAMESPACE, f"{operation_id}:{digest.hexdigest()}")


def reduce_submissions(
    session: Session,
    operation_id: int,
    rows: Sequence[Mapping[str, Any]],
    *,
    now: dt.datetime,
) -> Reduced:
    """Sum the submissions not counted yet into counts per corridor, hour window and group.

    Parameters
    ----------
    rows
        Validated crossing rows (``client_id``, ``corridor_id``, ``window_start``,
        ``window_end``, ``group``, ``age_band``, ``sex``, ``people``), one per submission.
    now
        The server's time: a window widened past it is held.
    """
    known = _known(session, operation_id, [row["client_id"] for row in rows])
    sums: dict[tuple[Any, ...], tuple[int, list[uuid.UUID]]] = {}
    duplicates = held = 0
    held_until: dt.datetime | None = None
    for row in rows:
        submission = row["client_id"]
        if submission in known:
            duplicates += 1
            continue
        known.add(submission)  # the same submission twice in one file counts once
        start, end = hour_window(row["window_start"], row["window_end"])
        if end > now:
            held += 1
            held_until = end if held_until is None else max(held_until, end)
            continue
        key = (row["corridor_id"], start, end, row["group"], row["age_band"], row["sex"])
        people, members = sums.get(key, (0, []))
        members.append(submission)
        sums[key] = (people + int(row["people"]), members)
    counts = []
    counted: list[uuid.UUID] = []
    for (corridor_id, start, end, group, age_band, sex), (people, members) in sums.items():
        counts.append(
            {
                "client_id": _count_id(operation_id, members),
                "corridor_id": corridor_id,
                "window_start": start,
                "window_end": end,
                "group": group,
                "age_band": age_band,
                "sex": sex,
                "people": people,
            }
        )
        counted.extend(members)
    return Reduced(counts, counted, duplicates, held, held_until)


def remember_submissions(
    session: Session, operation_id: int, ids: Sequence[uuid.UUID], *, now: dt.datetime
) -> None:
    """Record that these submissions are counted, in the transaction that stores their counts.

    On PostgreSQL a concurrent ingest of the same submissions waits here for this one, then
    fails on the key and is run again (``records.retry_on_duplicate``), finding them counted.
    """
    if ids:
        session.execute(
            insert(IngestedSubmission),
            [
                {"operation_id": operation_id, "submission_id": i, "ingested_at": now}
                for i in sorted(ids, key=lambda m: m.int)
            ],
        )
