"""The public crossings export (reference R2, R3): the only figures for publication.

People crossed per corridor (never finer), in windows of 6, 12 or 24 hours tiling the UTC day,
published once a window has settled (closed, and :data:`PUBLIC_SETTLE` past, so every count
overlapping it has ended and could be reported), small counts suppressed with complementary
suppression and totals rounded (:mod:`safepassage.storage.disclosure`). A count whose window
spans two public windows is shared between them by time overlapped (:func:`_apportion`), and
the export's notes say so.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from safepassage.errors import DataError
from safepassage.storage.disclosure import PUBLIC_MIN_K, TOTAL, SuppressedTable, suppress
from safepassage.storage.export_format import Export, text_cell
from safepassage.storage.models import Corridor, CrossingCount, Operation, RetentionPolicy
from safepassage.storage.types import Classification, utc_now

__all__ = [
    "APPORTIONED_NOTE",
    "PUBLIC_SETTLE",
    "PUBLIC_WINDOWS_H",
    "REVISION_NOTE",
    "public_crossings",
]

# R3: no finer than 6 h; windows tile the UTC day and nest (6 in 12 in 24), so no two exports'
# windows can be subtracted into a finer one (8 h and 6 h would give 2-hour counts); and a coarser
# table hides every entry that holds an entry a finer one hides (see _suppressed)
PUBLIC_WINDOWS_H = (6, 12, 24)
# R3: a window is published only once it has *settled*: PUBLIC_SETTLE after it closes. A count is
# stored only once it has ended (the API refuses a window_end in the future; ingest holds a
# submission until its hour is over), so a count straddling a window's end arrives after the window
# has closed; had the window been published in between, the next release would differ by that
# count's share, a small and finer-than-6-h figure. A count overlapping a window starts before the
# window's end, so it has ended PUBLIC_SETTLE after it if no count lasts longer: the API takes a
# window only if it lasts at most 25 h once widened to whole hours of its clock, as ingest widens
# a form's windows (MAX_STORED_WINDOW, api/schemas.py). Stated here as storage does not import
# api; tests/storage/test_exports_settle.py checks it against the schema.
PUBLIC_SETTLE = dt.timedelta(hours=25)

_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)  # a midnight: bins counted from it tile the UTC day
_US = dt.timedelta(microseconds=1)
_SECOND = dt.timedelta(seconds=1)
# Counts are apportioned to 6-hour bins, the finest public window, and 12- and 24-hour figures are
# sums of those: a count inside one 12-hour window then goes to it whole, and the 6-, 12- and
# 24-hour exports agree with each other (apportioning at each width would differ by rounding)
_BASE_H = PUBLIC_WINDOWS_H[0]
APPORTIONED_NOTE = (
    "a count whose window spans two or more of these windows is shared among them in proportion "
    "to the time it overlaps each (whole people, the count's total kept), so those windows' "
    "figures are partly estimated"
)
REVISION_NOTE = "figures for a window may be revised by late field reports"


def _hours(span: dt.timedelta) -> str:
    return f"{span / dt.timedelta(hours=1):g}"


def _settle_note(settle: dt.timedelta) -> str:
    hours = _hours(settle)
    return (
        f"a window is published {hours} h after it closes, when every count overlapping it has "
        f"ended; {REVISION_NOTE} (received more than {hours} h after the window closed)"
    )


def _apportion(
    start_s: NDArray[np.int64],
    end_s: NDArray[np.int64],
    people: NDArray[np.int64],
    *,
    width_s: int,
) -> tuple[NDArray[np.int64], NDArray[np.int64], NDArray[np.int64]]:
    """Share each count among the bins its window overlaps, in whole people.

    Bins are ``[b * width_s, (b + 1) * width_s)`` in seconds since the epoch. A count within one
    bin goes to it whole; one that spans bins is shared by the part of its window overlapping
    each, rounded by largest remainder so that the shares add up to the count exactly (ties go
    to the earlier bin).

    Returns
    -------
    tuple of arrays
        ``(count, bin, people)``: one entry per pair of a count and a bin its window overlaps
        (``end_s`` exclusive), grouped by count, bins ascending within a count.
    """
    n = start_s.size
    first = start_s // width_s
    spans = (end_s - 1) // width_s - first + 1
    owner = np.repeat(np.arange(n), spans)
    group_start = np.cumsum(spans) - spans
    bins = first[owner] + np.arange(owner.size) - group_start[owner]
    overlap = np.minimum(end_s[owner], (bins + 1) * width_s) - np.maximum(
        start_s[owner], bins * width_s
    )
    quota, remainder = np.divmod(people[owner] * overlap, (end_s - start_s)[owner])
    short = people - np.add.reduceat(quota, group_start) if n else people
    # within each count, largest remainder first, then the earlier bin
    order = np.lexsort((bins, -remainder, owner))
    rank = np.empty_like(owner)
    rank[order] = np.arange(owner.size) - group_start[owner[order]]
    return owner, bins, quota + (rank < short[owner])


@dataclass(frozen=True)
class _Shares:
    """The operation's counts apportioned to 6-hour bins once, for every width of one release:
    per share, its corridor, its 6-hour bin (since the epoch) and its people; and how far the
    counts are purged (``None``: never)."""

    corridor: NDArray[np.int64]
    bin6: NDArray[np.int64]
    people: NDArray[np.int64]
    purged_before: dt.datetime | None


def _shares(session: Session, operation: Operation) -> _Shares:
    """Counts summed in SQL per corridor and count window, apportioned to the 6-hour bins they
    overlap (:func:`_apportion`)."""
    query = (
        select(
            CrossingCount.corridor_id,
            CrossingCount.window_start,
            CrossingCount.window_end,
            func.sum(CrossingCount.people),
        )
        .where(CrossingCount.operation_id == operation.id)
        .group_by(CrossingCount.corridor_id, CrossingCount.window_start, CrossingCount.window_end)
    )
    rows = session.execute(query).all()
    n = len(rows)
    corridor = np.fromiter((r[0] for r in rows), np.int64, n)
    start_s = np.fromiter(((r[1] - _EPOCH) // _SECOND for r in rows), np.int64, n)
    end_s = np.fromiter(((r[2] - _EPOCH) // _SECOND for r in rows), np.int64, n)
    people = np.fromiter((r[3] for r in rows), np.int64, n)
    # by whole seconds (a sub-second window counts as one second, in its own bin)
    end_s = np.maximum(end_s, start_s + 1)
    owner, bin6, shares = _apportion(start_s, end_s, people, width_s=_BASE_H * 3600)
    # R7: a purge destroyed the counts that ended before ``purged_before``
    purged = session.scalar(
        select(RetentionPolicy.purged_before).where(
            RetentionPolicy.operation_id == operation.id,
            RetentionPolicy.table_name == CrossingCount.__tablename__,
        )
    )
    return _Shares(corridor[owner], bin6, shares, purged)


def _crossing_bins(
    shares: _Shares, *, now: dt.datetime, window_h: int, settle: dt.timedelta
) -> tuple[dict[tuple[Any, Any], int], list[dt.datetime]]:
    """People per (corridor id, window start) over the windows that may be published, and those
    windows in order: settled, ``now >= window end + settle`` (R3), and not before the purge
    mark. The windows listed run from the first to the last such one that any count overlaps,
    those between with no count included (zeros); every window after them waits.
    """
    width_us = window_h * 3_600_000_000
    bins = shares.bin6 // (window_h // _BASE_H)
    # R3: the windows published end by ``now - settle``: those before the one it falls in. With
    # settle >= PUBLIC_SETTLE no count overlapping them can still be running, or arrive later
    # unless reported late (a count is stored at most 10 min before its end, api/schemas.py)
    keep = bins < (now - settle - _EPOCH) // _US // width_us
    if shares.purged_before is not None:
        # a window starting before the purge mark may have lost counts: left out whole rather
        # than published smaller (the difference would give the destroyed counts away)
        keep &= bins >= -(-((shares.purged_before - _EPOCH) // _US) // width_us)  # ceiling
    if not keep.any():
        return {}, []
    keys, inverse = np.unique(
        np.stack([shares.corridor[keep], bins[keep]], axis=1), axis=0, return_inverse=True
    )
    sums = np.zeros(len(keys), np.int64)
    np.add.at(sums, inverse.ravel(), shares.people[keep])
    shown = range(int(keys[:, 1].min()), int(keys[:, 1].max()) + 1)
    width = dt.timedelta(hours=window_h)
    totals = {
        (int(c), _EPOCH + int(b) * width): int(v) for (c, b), v in zip(keys, sums, strict=True)
    }
    return totals, [_EPOCH + int(b) * width for b in shown]


def _suppressed(
    shares: _Shares,
    rows: list[int],
    *,
    now: dt.datetime,
    window_h: int,
    k: int,
    settle: dt.timedelta,
) -> tuple[SuppressedTable, list[dt.datetime]]:
    """The table of ``window_h``-hour windows with its hidden entries, consistent with the finer
    tables published beside it: a 12-hour entry holding a 6-hour entry that the 6-hour table
    hides is hidden too (and so on up to 24 h), or the 12-hour figure less the other, shown,
    6-hour figure would give the hidden one away."""
    totals, bins = _crossing_bins(shares, now=now, window_h=window_h, settle=settle)
    forced: set[tuple[Any, Any]] = set()
    finer = {12: 6, 24: 12}.get(window_h)
    if finer is not None:
        fine, _ = _suppressed(shares, rows, now=now, window_h=finer, k=k, settle=settle)
        width = dt.timedelta(hours=window_h)
        for row, column in fine.hidden:
            if isinstance(column, dt.datetime):
                column = _EPOCH + ((column - _EPOCH) // width) * width
            forced.add((row, column))  # a total's key stays "total"
    return suppress(totals, rows=rows, columns=bins, k=k, forced=forced), bins


def public_crossings(
    session: Session,
    operation: Operation,
    *,
    now: dt.datetime | None = None,
    window_h: int = 6,
    k: int = 5,
    with_points: bool = False,
    settle: dt.timedelta = PUBLIC_SETTLE,
) -> Export:
    """People crossed per corridor and window, for publication (R2, R3).

    Windows tile the UTC day (``window_h`` in 6, 12, 24) and appear only once they have
    settled: ``settle`` (25 h by default, :data:`PUBLIC_SETTLE`) after they close, when every
    count overlapping them has ended and could have been reported. Reports that arrive later
    still change a published window; the export's ``notes`` say so. A count within one window
    goes to it whole; one whose window spans windows is shared among them by the time it
    overlaps each, in whole people keeping its total (the notes say the figures are then
    partly estimated). Each corridor also gets a total row, each window a total over
    corridors, and the table a grand total, all totals rounded to the nearest 10 (they grow
    from one release to the next). Small counts read ``"<k"``, the entries hidden to protect
    them ``"x"``.

    Parameters
    ----------
    now
        The time of the release (UTC; the current time if None).
    settle
        How long after its end a window waits: :data:`PUBLIC_SETTLE` or longer (an operation
        whose field teams sync less often than daily may wait longer, so that fewer published
        figures are revised).

    Raises
    ------
    ValueError
        ``window_h`` not one of 6, 12, 24, or ``now`` without a timezone.
    DataError
        ``k`` below 5, or ``settle`` shorter than :data:`PUBLIC_SETTLE` (a window would be
        published before every count overlapping it could be reported, and the next release
        would differ by that count's share).
    """
    if window_h not in PUBLIC_WINDOWS_H:
        raise ValueError(f"window_h={window_h}: use one of {PUBLIC_WINDOWS_H} (at least 6 h)")
    if k < PUBLIC_MIN_K:
        raise DataError(f"k={k}: a public export hides counts below {PUBLIC_MIN_K} at least")
    if settle < PUBLIC_SETTLE:
        msg = (
            f"settle of {_hours(settle)} h: a public window waits at least "
            f"{_hours(PUBLIC_SETTLE)} h after it closes (until the longest count overlapping it "
            "has ended); give a longer one"
        )
        raise DataError(msg)
    now = now or utc_now()
    if now.tzinfo is None:
        raise ValueError(f"now={now.isoformat()}: give a timezone-aware time (UTC)")
    corridors = list(
        session.scalars(
            select(Corridor).where(Corridor.operation_id == operation.id).order_by(Corridor.code)
        )
    )
    rows = [c.id for c in corridors]
    shares = _shares(session, operation)
    table, bins = _suppressed(shares, rows, now=now, window_h=window_h, k=k, settle=settle)
    export = Export(
        title=f"{operation.code} people crossed per corridor, {window_h}-hour windows (UTC)",
        classification=Classification.PUBLIC,
        purpose="public situation reporting; aggregate counts, small counts suppressed",
        headers=["corridor", "corridor name", "window start", "window end", "people crossed"],
        tags=[
            "#loc+code+corridor",
            "#loc+name+corridor",
            "#date+start",
            "#date+end",
            "#affected+displaced+ind",
        ],
        rows=[],
        notes=f"{_settle_note(settle)}; {APPORTIONED_NOTE}",
    )
    _fill_public_rows(export, table, corridors, bins, window_h=window_h, with_points=with_points)
    return export


def _fill_public_rows(
    export: Export,
    table: SuppressedTable,
    corridors: list[Corridor],
    bins: list[dt.datetime],
    *,
    window_h: int,
    with_points: bool,
) -> None:
    """One row per corridor and window, then per corridor the total, then the window totals."""
    width = dt.timedelta(hours=window_h)
    named = [(c.id, c.code, c.name, c) for c in corridors] + [(TOTAL, TOTAL, "all corridors", None)]
    span: list[tuple[Any, str, str]] = [(b, text_cell(b), text_cell(b + width)) for b in bins]
    if bins:
        span.append((TOTAL, text_cell(bins[0]), text_cell(bins[-1] + width)))
    for key, code, name, corridor in named:
        point = None
        if with_points and corridor and corridor.lat is not None and corridor.lon is not None:
            point = (corridor.lon, corridor.lat)
        for column, start, end in span:
            export.rows.append(
                [code, name, start, end, table.shown(key, column, round_margins=True)]
            )
            export.points.append(point)
