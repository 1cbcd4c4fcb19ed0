"""Local times of elapsed minutes across daylight-saving changes."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from safepassage.model.clock import local_after

BERLIN = ZoneInfo("Europe/Berlin")


def test_elapsed_time_across_the_spring_change():
    start = dt.datetime(2026, 3, 29, 0, 0, tzinfo=BERLIN)  # clocks go 02:00 -> 03:00
    later = local_after(start, hours=3)
    assert later.isoformat() == "2026-03-29T04:00:00+02:00"
    # (same-zone subtraction would also count wall-clock time: compare in UTC)
    assert later.astimezone(dt.UTC) - start.astimezone(dt.UTC) == dt.timedelta(hours=3)


def test_elapsed_time_across_the_autumn_change_and_on_a_plain_day():
    start = dt.datetime(2026, 10, 25, 0, 0, tzinfo=BERLIN)  # clocks go 03:00 -> 02:00
    hours = [local_after(start, hours=h).isoformat() for h in range(1, 5)]
    assert hours == [
        "2026-10-25T01:00:00+02:00",
        "2026-10-25T02:00:00+02:00",
        "2026-10-25T02:00:00+01:00",
        "2026-10-25T03:00:00+01:00",
    ]
    plain = dt.datetime(2026, 12, 1, 6, 0, tzinfo=ZoneInfo("Asia/Damascus"))
    assert local_after(plain, minutes=90).isoformat() == "2026-12-01T07:30:00+03:00"
