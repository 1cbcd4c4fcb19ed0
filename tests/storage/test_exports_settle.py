"""How long a public window waits after it closes (``PUBLIC_SETTLE``, rule R3): as long as the
longest count the service can store, so that every count overlapping the window has ended by
then, and no longer than that."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from safepassage.api.schemas import MAX_STORED_WINDOW, CrossingCreate
from safepassage.storage.crossing_submissions import hour_window
from safepassage.storage.exports import PUBLIC_SETTLE

BASE = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)


def stored(start: dt.datetime, end: dt.datetime) -> tuple[dt.datetime, dt.datetime]:
    """The window the API takes (refusing it raises), widened as ingest widens a form's window."""
    item = CrossingCreate(
        client_id=uuid.uuid4(), corridor="C1", window_start=start, window_end=end, people=1
    )
    return hour_window(item.window_start, item.window_end)


zones = st.integers(-12 * 60, 14 * 60).map(lambda m: dt.timezone(dt.timedelta(minutes=m)))


@settings(max_examples=300, deadline=None)
@given(
    st.integers(0, 30 * 86_400),  # start, seconds after BASE
    st.integers(1, int(MAX_STORED_WINDOW.total_seconds())),  # length, seconds
    zones,
    zones,
)
def test_no_count_the_service_stores_outlasts_the_settle(
    start_s: int, length_s: int, start_zone: dt.timezone, end_zone: dt.timezone
) -> None:
    start = (BASE + dt.timedelta(seconds=start_s)).astimezone(start_zone)
    end = (start + dt.timedelta(seconds=length_s)).astimezone(end_zone)
    try:
        first, last = stored(start, end)  # as ingest stores it; the batch API stores it as given
    except ValidationError:
        assume(False)  # refused: never stored
        return
    assert last - first <= PUBLIC_SETTLE
    assert end - start <= PUBLIC_SETTLE


def test_the_settle_is_the_longest_count() -> None:
    # a 24-hour tally off the hour, widened: 25 h, as long as the settle
    start = BASE.replace(hour=5, minute=30)
    assert stored(start, start + dt.timedelta(hours=24)) == (
        start.replace(minute=0),
        start.replace(minute=0) + PUBLIC_SETTLE,
    )
    assert PUBLIC_SETTLE == MAX_STORED_WINDOW
    # ends on clocks a minute apart would widen to 26 h 59 min: refused
    start = BASE.replace(hour=5, minute=59, second=30)
    end = (start + dt.timedelta(hours=24)).astimezone(dt.timezone(dt.timedelta(minutes=1)))
    with pytest.raises(ValidationError, match="at most 24 hours"):
        stored(start, end)
